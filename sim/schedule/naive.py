"""The naive schedule: one kernel per op, every tensor in its own byte range of one flat space.

Graph inputs come first, then each op's parameters and outputs in execution order. A view
(flatten) shares its input's bytes. Ranges are aligned to ALIGNMENT_BYTES, the largest cache
line of the shipped devices, so no two tensors share a line.
"""

from sim.graph.model import VIEW_KINDS, ConvAttrs, Graph, Op
from sim.hw.model import Precision
from sim.schedule.model import Algorithm, Buffer, Kernel, Schedule

ALIGNMENT_BYTES = 128


def align(n_bytes: int, alignment: int = ALIGNMENT_BYTES) -> int:
    return -(-n_bytes // alignment) * alignment


def place(
    graph: Graph, precision: Precision, alignment: int = ALIGNMENT_BYTES
) -> tuple[dict[str, Buffer], int]:
    """Tensor name -> Buffer for every tensor of the graph, and the first free address."""
    buffers: dict[str, Buffer] = {}
    cursor = 0

    def allocate(name: str, elements: int) -> None:
        nonlocal cursor
        size = elements * precision.bytes
        buffers[name] = Buffer(name, cursor, size)
        cursor = align(cursor + size, alignment)

    for tensor in graph.inputs:
        allocate(tensor.name, tensor.elements)
    for op in graph.ops:
        for tensor in op.params:
            allocate(tensor.name, tensor.elements)
        for index, tensor in enumerate(op.outputs):
            if op.kind in VIEW_KINDS:
                source = buffers[op.inputs[index].name]
                buffers[tensor.name] = Buffer(tensor.name, source.address, source.size_bytes)
            else:
                allocate(tensor.name, tensor.elements)
    return buffers, cursor


def _algorithm(op: Op) -> str:
    """A conv's `algorithm` from the workload; `auto` for everything else."""
    return op.attrs.algorithm if isinstance(op.attrs, ConvAttrs) else Algorithm.AUTO


def naive_schedule(graph: Graph, precision: Precision) -> Schedule:
    buffers, free = place(graph, precision)
    kernels = tuple(Kernel(op.name, (op,), _algorithm(op)) for op in graph.ops)
    return Schedule(
        name="naive",
        graph=graph,
        precision=precision,
        kernels=kernels,
        buffers=buffers,
        workspace_address=free,
    )
