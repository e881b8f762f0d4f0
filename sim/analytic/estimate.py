"""The talk's cache-ignoring estimate per op and per network, with the roofline bound.

Memory access of an op = (elements of all inputs + parameters + outputs) x bytes per element:
every tensor streams from and to DRAM once per op (docs/talk.md, section 3). Views (flatten) move
no data and count zero bytes; sparse weights count as the sparse kernel stores them (values,
indices and row counts, sim/graph/sparsity.py). The roofline time is
max(FLOPs / peak, bytes / bandwidth).
"""

from attrs import define

from sim.analytic.counts import effective_macs, flops, macs, params
from sim.graph.model import VIEW_KINDS, Graph, Op, OpKind
from sim.graph.sparsity import sparse_tensor, storage
from sim.hw.model import Hardware, Precision


@define(frozen=True)
class Roofline:
    seconds: float
    compute_seconds: float
    memory_seconds: float

    @property
    def bound(self) -> str:
        return "compute" if self.compute_seconds >= self.memory_seconds else "memory"


@define(frozen=True)
class OpEstimate:
    name: str
    kind: str
    macs: int
    flops: int
    params: int
    input_bytes: int
    param_bytes: int
    output_bytes: int
    roofline: Roofline | None
    effective_macs: int = 0  # executed: fewer than macs for sparse weights on a sparse kernel

    @property
    def analytic_bytes(self) -> int:
        return self.input_bytes + self.param_bytes + self.output_bytes

    @property
    def intensity(self) -> float | None:
        """FLOPs per byte of the cache-ignoring traffic; None for an op that moves nothing."""
        return self.flops / self.analytic_bytes if self.analytic_bytes else None


@define(frozen=True)
class NetworkEstimate:
    workload: str
    precision: Precision
    hw: Hardware | None
    ops: tuple[OpEstimate, ...]

    @property
    def macs(self) -> int:
        return sum(o.macs for o in self.ops)

    @property
    def effective_macs(self) -> int:
        return sum(o.effective_macs for o in self.ops)

    @property
    def flops(self) -> int:
        return sum(o.flops for o in self.ops)

    @property
    def params(self) -> int:
        return sum(o.params for o in self.ops)

    @property
    def analytic_bytes(self) -> int:
        return sum(o.analytic_bytes for o in self.ops)

    @property
    def intensity(self) -> float | None:
        return self.flops / self.analytic_bytes if self.analytic_bytes else None

    @property
    def roofline_seconds(self) -> float | None:
        if self.hw is None:
            return None
        return sum(o.roofline.seconds for o in self.ops)


def roofline(flop_count: float, n_bytes: float, hw: Hardware, precision: Precision) -> Roofline:
    compute = flop_count / hw.peak_flops_per_s(precision)
    memory = n_bytes / hw.dram.bandwidth_bytes_per_s
    return Roofline(seconds=max(compute, memory), compute_seconds=compute, memory_seconds=memory)


def estimate_op(op: Op, precision: Precision, hw: Hardware | None = None) -> OpEstimate:
    width = precision.bytes
    moves = op.kind not in VIEW_KINDS
    input_bytes = sum(t.elements for t in op.inputs) * width if moves else 0
    output_bytes = sum(t.elements for t in op.outputs) * width if moves else 0
    param_bytes = params(op) * width
    stored = storage(op, width)
    if stored is not None:  # the weights as the sparse kernel stores them
        change = stored.total_bytes - sparse_tensor(op).elements * width
        if op.kind is OpKind.MATMUL:
            input_bytes += change
        else:
            param_bytes += change
    op_flops = flops(op)
    bound = None
    if hw is not None:
        bound = roofline(op_flops, input_bytes + param_bytes + output_bytes, hw, precision)
    return OpEstimate(
        name=op.name,
        kind=op.kind.value,
        macs=macs(op),
        flops=op_flops,
        params=params(op),
        input_bytes=input_bytes,
        param_bytes=param_bytes,
        output_bytes=output_bytes,
        roofline=bound,
        effective_macs=effective_macs(op),
    )


def estimate(graph: Graph, precision: Precision, hw: Hardware | None = None) -> NetworkEstimate:
    ops = tuple(estimate_op(op, precision, hw) for op in graph.ops)
    return NetworkEstimate(workload=graph.name, precision=precision, hw=hw, ops=ops)
