"""What a report must say about its workload besides the numbers: ops sim does not model."""

from sim.graph.model import Graph, OpKind


def workload_notes(graph: Graph) -> list[str]:
    """One line per caveat; empty when every op is modeled."""
    opaque = [op for op in graph.ops if op.kind is OpKind.OPAQUE]
    if not opaque:
        return []
    types = ", ".join(sorted({op.attrs.op_type for op in opaque}))
    note = (
        f"{len(opaque)} op(s) of unknown type ({types}) are not modeled: they count as memory "
        "only (inputs, parameters and outputs move once, no arithmetic)"
    )
    return [note]
