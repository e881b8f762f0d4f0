"""Give a graph its sparsity: `--sparsity SPEC` on every weighted op, and channel pruning.

`apply_sparsity` sets SPEC on each conv2d, fc and matmul that has no `sparsity:` of its own
(an op opts out with `sparsity: dense`), then prunes the output channels of every op whose
spec is `channel:F` and infers every shape again: the result is a smaller dense network.

Which channels may shrink is decided the way structured-pruning tools do it (Torch-Pruning's
dependency graph, NNI's channel pruners): channels that must stay equal are one group, and a
group is pruned only as a whole.

- A conv2d (groups 1) or fc with `channel:F` owns the channels it produces. Batch-norm,
  scale, bias, activations, pooling, pad, flatten, SE and a depthwise conv (multiplier 1)
  pass channels through: a depthwise conv follows the pointwise conv before it, as in
  MobileNet-v1. An add or a per-channel mul ties all its inputs into one group, so the
  residual stream of a ResNet stage (the stem or projection conv and the last conv of every
  block) shrinks together, and only if each of those convs asks for the same fraction.
  A concat keeps the groups of its pieces side by side.
- A group stays whole if it is a graph input or output (the classifier's classes), or if a
  grouped conv, a channel shuffle, a split, a reshape, a transpose, a matmul, an opaque op or
  a depthwise conv with a multiplier reads it (their channel arithmetic would break).
- A pruned group keeps C - floor(C x F) of its C channels (at least one for F < 1).
"""

import attrs

from sim.errors import WorkloadError
from sim.graph.model import ConvAttrs, FcAttrs, Graph, Op, OpKind, Tensor
from sim.graph.shapes import infer
from sim.graph.sparsity import CHANNEL, SPARSE_KINDS, Sparsity, check_algorithm, kept

_PINNING = frozenset(
    {
        OpKind.CHANNEL_SHUFFLE,
        OpKind.SPLIT,
        OpKind.RESHAPE,
        OpKind.TRANSPOSE,
        OpKind.MATMUL,
        OpKind.OPAQUE,
        OpKind.SOFTMAX,
    }
)


def apply_sparsity(graph: Graph, spec: Sparsity | None = None) -> Graph:
    """`graph` with `spec` on every weighted op without its own, channel pruning applied;
    WorkloadError naming the op if a spec does not fit it."""
    if spec is not None:
        graph = attrs.evolve(graph, ops=[_with_default(op, spec, graph.name) for op in graph.ops])
    if not any(_prunes(op) for op in graph.ops):
        return graph
    return _rebuild(graph, _kept_channels(graph))


def _with_default(op: Op, spec: Sparsity, workload: str) -> Op:
    if op.kind not in SPARSE_KINDS or op.sparsity is not None:
        return op
    try:
        check_algorithm(op.attrs, spec)
    except ValueError as exc:
        raise WorkloadError(f"--sparsity {spec}: {exc}", place=f"op {op.name}") from None
    return attrs.evolve(op, sparsity=spec)


def _prunes(op: Op) -> bool:
    return op.sparsity is not None and op.sparsity.kind == CHANNEL


class _Groups:
    """Union-find over channel groups, each with the fractions its producers ask for."""

    def __init__(self) -> None:
        self.parent: list[int] = []
        self.asks: list[set] = []  # per root: the fractions asked (None: must stay whole)

    def new(self, fraction) -> int:
        self.parent.append(len(self.parent))
        self.asks.append({fraction})
        return len(self.parent) - 1

    def root(self, g: int) -> int:
        while self.parent[g] != g:
            self.parent[g] = self.parent[self.parent[g]]
            g = self.parent[g]
        return g

    def tie(self, groups: list[int]) -> None:
        roots = {self.root(g) for g in groups}
        first = min(roots)
        for other in roots - {first}:
            self.parent[other] = first
            self.asks[first] |= self.asks[other]

    def pin(self, g: int) -> None:
        self.asks[self.root(g)].add(None)

    def fraction(self, g: int):
        """The fraction the whole group is pruned by, or None if it stays whole."""
        asks = self.asks[self.root(g)]
        return next(iter(asks)) if len(asks) == 1 else None


def _owns(op: Op) -> bool:
    """Whether the op's output channels are its own to prune."""
    if not _prunes(op):
        return False
    return op.kind is OpKind.FC or (op.kind is OpKind.CONV2D and op.attrs.groups == 1)


def _kept_channels(graph: Graph) -> dict[str, int]:
    """Op name -> the output channels it keeps, for every op whose channels shrink."""
    groups = _Groups()
    of: dict[str, list[int]] = {t.name: [groups.new(None)] for t in graph.inputs}
    producer: dict[int, list[str]] = {}
    for op in graph.ops:
        ins = [g for t in op.inputs for g in of[t.name]]
        if op.kind in _PINNING or _reads_whole(op):
            for g in ins:
                groups.pin(g)
        if op.kind in (OpKind.ADD, OpKind.MUL):
            groups.tie(ins)
        if op.kind in SPARSE_KINDS:
            fraction = op.sparsity.fraction if _owns(op) else None
            out = [groups.new(fraction)]
            producer.setdefault(out[0], []).append(op.name)
        elif op.kind is OpKind.CONCAT and op.attrs.axis == 1:
            out = ins
        elif op.kind in _PINNING or _reads_whole(op) or len(op.outputs) != 1:
            out = [groups.new(None)]
        else:
            out = of[op.inputs[0].name]
        for tensor in op.outputs:
            of[tensor.name] = out
    for tensor in graph.outputs:
        for g in of[tensor.name]:
            groups.pin(g)
    keep = {}
    for g, names in producer.items():
        fraction = groups.fraction(g)
        if fraction is not None:
            for name in names:
                op = graph.op(name)
                keep[name] = kept(_out_channels(op), fraction)
    return keep


def _reads_whole(op: Op) -> bool:
    """A grouped conv, or a depthwise conv with a multiplier, needs its input channels."""
    if op.kind is OpKind.CONV2D:
        return op.attrs.groups > 1
    if op.kind is OpKind.DEPTHWISE_CONV2D:
        return op.attrs.out_channels != op.attrs.groups
    return False


def _out_channels(op: Op) -> int:
    return op.attrs.out_features if op.kind is OpKind.FC else op.attrs.out_channels


def _rebuild(graph: Graph, keep: dict[str, int]) -> Graph:
    """The graph with the kept channels, every shape inferred again in order."""
    tensors = {t.name: t for t in graph.inputs}
    ops = []
    for op in graph.ops:
        inputs = [tensors[t.name] for t in op.inputs]
        shapes = [t.shape for t in inputs]
        new_attrs = _resized(op, keep.get(op.name), shapes)
        try:
            outputs, params = infer(op.kind, new_attrs, shapes)
        except ValueError as exc:
            raise WorkloadError(f"after channel pruning: {exc}", place=f"op {op.name}") from None
        results = [Tensor(t.name, shape) for t, shape in zip(op.outputs, outputs)]
        weights = [Tensor(f"{op.name}.{suffix}", shape) for suffix, shape in params]
        tensors.update((t.name, t) for t in results)
        sparsity = None if _prunes(op) else op.sparsity  # pruned or not, now dense
        ops.append(
            attrs.evolve(
                op,
                inputs=inputs,
                outputs=results,
                params=weights,
                attrs=new_attrs,
                sparsity=sparsity,
            )
        )
    outputs = [tensors[t.name] for t in graph.outputs]
    return attrs.evolve(graph, ops=ops, outputs=outputs)


def _resized(op: Op, channels: int | None, shapes):
    """The op's attributes for its new input shapes and, if pruned, its kept channels."""
    if channels is not None and isinstance(op.attrs, FcAttrs):
        return attrs.evolve(op.attrs, out_features=channels)
    if channels is not None and isinstance(op.attrs, ConvAttrs):
        return attrs.evolve(op.attrs, out_channels=channels)
    if op.kind is OpKind.DEPTHWISE_CONV2D:
        c = shapes[0][1]
        multiplier = op.attrs.out_channels // op.attrs.groups
        return attrs.evolve(op.attrs, groups=c, out_channels=c * multiplier)
    return op.attrs
