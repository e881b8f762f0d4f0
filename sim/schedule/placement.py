"""Where a schedule's tensors live: the byte range of every tensor that reaches memory.

Tensors that reach memory are the graph inputs, the parameters of every kernel's ops and
the outputs each kernel stores; a kernel's on-chip tensors get no bytes. A view (flatten,
reshape) shares its input's bytes, and the parts of a concat (the outputs of a split) that a
kernel absorbed are slices of the whole tensor's range: producers write straight into their
slice, consumers read in place; so are the parts of an activation pushed through such a
concat. A tensor with its views and slices is one *root*.

Ranges are aligned to ALIGNMENT_BYTES and taken in the naive schedule's order. With
`reuse`, a root takes the lowest gap among the ranges still live when it is produced (first
fit; parameters are always live), so the ranges of dead tensors are recycled.
"""

from attrs import define

from sim.graph.model import ACTIVATION_KINDS, VIEW_KINDS, Graph, Op, OpKind, Tensor
from sim.hw.model import Precision
from sim.schedule.model import Buffer, Kernel
from sim.schedule.naive import ALIGNMENT_BYTES, align

PART_MARK = "@"  # `relu@1`: an activation run on part 1 of a placed concat (passes/concat.py)


def part_name(name: str, index: int) -> str:
    """The name of part `index` of an activation, or of its output, pushed through a concat."""
    return f"{name}{PART_MARK}{index}"


def concat_read_by(graph: Graph, op: Op) -> Op | None:
    """The concat whose output `op` reads, if one is."""
    return next((c for c in graph.ops if c.kind is OpKind.CONCAT and c.outputs == op.inputs), None)


@define(frozen=True)
class Root:
    """One range of memory: its tensors with their byte offsets, and when it is live."""

    name: str
    size_bytes: int
    members: dict[str, tuple[int, int]]  # tensor name -> (offset, size) in bytes
    first: int  # index of the kernel that first writes it (-1: a graph input)
    last: int  # index of the kernel that last reads it (len(kernels): a graph output)


def slices(graph: Graph, kernels: tuple[Kernel, ...]) -> dict[str, tuple[str, int]]:
    """Tensor -> (the tensor it lives in, element offset): views, and placed concat/split."""
    ops = {op.name: op for op in graph.ops}
    parent: dict[str, tuple[str, int]] = {}
    for kernel in kernels:
        if kernel.main_op.kind in VIEW_KINDS:
            parent[kernel.main_op.outputs[0].name] = (kernel.main_op.inputs[0].name, 0)
        for name in kernel.absorbed:
            op = ops[name]
            if op.kind in ACTIVATION_KINDS:  # run on each part of the concat it reads
                concat = concat_read_by(graph, op)
                whole = op.outputs[0]
                parts = [part_name(whole.name, i) for i in range(len(concat.inputs))]
                sizes = [p.elements for p in concat.inputs]
            elif op.kind in (OpKind.CONCAT, OpKind.SPLIT):
                whole, tensors = (
                    (op.outputs[0], op.inputs)
                    if op.kind is OpKind.CONCAT
                    else (op.inputs[0], op.outputs)
                )
                parts, sizes = [t.name for t in tensors], [t.elements for t in tensors]
            else:
                continue
            offset = 0
            for part, size in zip(parts, sizes, strict=True):
                parent[part] = (whole.name, offset)
                offset += size
    return parent


def roots(graph: Graph, kernels: tuple[Kernel, ...], precision: Precision) -> list[Root]:
    """The roots of every activation that reaches memory, in order of production."""
    parent = slices(graph, kernels)
    tensors: dict[str, Tensor] = {t.name: t for t in graph.inputs}
    for kernel in kernels:
        for t in (*kernel.inputs, *kernel.outputs):
            tensors.setdefault(t.name, t)
    for name in list(parent):
        tensors.setdefault(parent[name][0], _find(graph, parent[name][0]))

    def root_of(name: str) -> tuple[str, int]:
        offset = 0
        while name in parent:
            name, extra = parent[name]
            offset += extra
        return name, offset

    es = precision.bytes
    first: dict[str, int] = {}
    last: dict[str, int] = {}
    members: dict[str, dict[str, tuple[int, int]]] = {}

    def touch(tensor: Tensor, index: int, write: bool) -> None:
        root, offset = root_of(tensor.name)
        members.setdefault(root, {})[tensor.name] = (offset * es, tensor.elements * es)
        if write:
            first[root] = min(first.get(root, index), index)
        last[root] = max(last.get(root, index), index)

    for t in graph.inputs:
        touch(t, -1, True)
    for index, kernel in enumerate(kernels):
        for t in kernel.inputs:
            touch(t, index, False)
        for t in kernel.outputs:
            touch(t, index, True)
    for t in graph.outputs:
        touch(t, len(kernels), False)
    result = [
        Root(name, tensors[name].elements * es, members[name], first.get(name, -1), last[name])
        for name in members
    ]
    return sorted(result, key=lambda r: (r.first, r.last))


def _find(graph: Graph, name: str) -> Tensor:
    for op in graph.ops:
        for t in (*op.inputs, *op.outputs):
            if t.name == name:
                return t
    raise KeyError(name)


def place_kernels(
    graph: Graph, precision: Precision, kernels: tuple[Kernel, ...], reuse: bool = False
) -> tuple[dict[str, Buffer], int]:
    """Tensor name -> Buffer for every tensor that reaches memory, and the first free address.

    Ranges are taken in the naive schedule's order (graph inputs, then each kernel's
    parameters and outputs), so a schedule no pass changed is placed exactly as naive.
    """
    by_first: dict[int, list[Root]] = {}
    for root in roots(graph, kernels, precision):
        by_first.setdefault(root.first, []).append(root)
    end = len(kernels)
    order: list[Root] = list(by_first.get(-1, []))
    seen: set[str] = set()
    for index, kernel in enumerate(kernels):
        for t in kernel.params:
            if t.name not in seen:
                seen.add(t.name)
                size = t.elements * precision.bytes
                order.append(Root(t.name, size, {t.name: (0, size)}, -1, end))
        order += by_first.get(index, [])
    buffers: dict[str, Buffer] = {}
    placed: list[tuple[int, int, int]] = []  # (address, end, last use)
    cursor = 0
    for root in order:
        if reuse:
            live = sorted((a, e) for a, e, last in placed if last >= root.first)
            address = _first_fit(live, root.size_bytes)
        else:
            address = cursor
        placed.append((address, address + root.size_bytes, root.last))
        cursor = max(cursor, align(address + root.size_bytes, ALIGNMENT_BYTES))
        for name, (offset, size) in root.members.items():
            buffers[name] = Buffer(name, address + offset, size)
    return buffers, cursor


def _first_fit(live: list[tuple[int, int]], size: int) -> int:
    """The lowest aligned address where `size` bytes fit between the live ranges."""
    address = 0
    for start, end in live:
        if start - address >= size:
            return address
        address = max(address, align(end))
    return address
