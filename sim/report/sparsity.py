"""What sparse weights change in a run's report: the MACs each kernel executes, and a line.

A kernel's executed MACs are those of the graph ops it performs (as its `macs` are, by
`graph_ops`), each counted by `effective_macs`: fewer than dense for weights that run a
sparse kernel (sim/graph/sparsity.py).
"""

from sim.analytic.counts import effective_macs, macs
from sim.engine.simulate import RunResult, graph_ops
from sim.schedule.model import Schedule


def kernel_effective_macs(schedule: Schedule) -> dict[str, int]:
    """Kernel name -> the MACs it executes, for the kernels whose sparse weights execute
    fewer than their dense MACs."""
    executed = {}
    for kernel in schedule.kernels:
        ops = graph_ops(kernel, schedule.graph)
        count = sum(effective_macs(op) for op in ops)
        if count != sum(macs(op) for op in ops):
            executed[kernel.name] = count
    return executed


def sparse_lines(result: RunResult, executed: dict[str, int]) -> list[str]:
    """One line when sparse weights execute fewer MACs than dense; none otherwise."""
    if not executed:
        return []
    dense = result.total("macs")
    run = dense - sum(k.macs - executed[k.name] for k in result.kernels if k.name in executed)
    share = run / dense if dense else 0.0
    return [
        f"sparse weights: {run / 1e6:,.2f} M of the {dense / 1e6:,.2f} M dense MACs executed "
        f"({share:.1%}) by {len(executed)} sparse kernels"
    ]
