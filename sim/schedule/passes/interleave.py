"""Interleave a pooling and the depthwise conv that reads it, one channel at a time.

A depthwise conv's output channel reads one input channel, which a pooling computes from one
input channel: run both per channel, and each pooled plane is consumed while it is on chip
instead of the whole pooled tensor going to memory and back (docs/talk.md, section 6). Applies to
a pooling kernel (max or average, not global, no epilogue) whose output only the next kernel
reads, a depthwise conv without a prologue, on one image.
"""

from sim.graph.model import OpKind
from sim.schedule.model import Kernel, Schedule
from sim.schedule.passes.common import only_reader, with_kernels

POOLS = (OpKind.MAX_POOL, OpKind.AVG_POOL)


def interleave_pool_dw(schedule: Schedule) -> Schedule:
    kernels = list(schedule.kernels)
    index = 0
    while index < len(kernels) - 1:
        pool, dw = kernels[index], kernels[index + 1]
        if not _fits(schedule, tuple(kernels), index):
            index += 1
            continue
        kernels[index : index + 2] = [
            Kernel(
                f"{pool.name}+{dw.name}",
                (*pool.ops, *dw.ops),
                dw.algorithm,
                1,
                (*pool.absorbed, *dw.absorbed),
                per_channel=True,
            )
        ]
        index += 1
    return with_kernels(schedule, kernels)


def _fits(schedule: Schedule, kernels: tuple[Kernel, ...], index: int) -> bool:
    pool, dw = kernels[index], kernels[index + 1]
    if len(pool.ops) != 1 or pool.main_op.kind not in POOLS or pool.per_channel:
        return False
    if dw.main != 0 or dw.main_op.kind is not OpKind.DEPTHWISE_CONV2D or dw.tile is not None:
        return False
    if len(dw.outputs) != 1 or any(len(op.inputs) != 1 for op in dw.epilogue):
        return False
    pooled = pool.outputs[0]
    if pooled.shape[0] != 1 or dw.main_op.inputs[0].name != pooled.name:
        return False
    return only_reader(schedule, kernels, pooled.name) == index + 1
