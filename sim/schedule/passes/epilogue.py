"""Fuse elementwise ops into the epilogue of the kernel that produces their input.

An activation, a bias, scale or batch-norm that could not be folded, or the add of a
residual runs on each result while it is still in registers, just before the store: the
producer's output never reaches memory. The op's other operands (the residual) must exist
when the producer runs, so an add fuses into whichever of its inputs is produced last.
"""

from sim.graph.model import (
    CONV_KINDS,
    ELEMENTWISE_KINDS,
    POOL_KINDS,
    Op,
    OpKind,
)
from sim.schedule.model import Kernel, Schedule
from sim.schedule.passes.common import merge_into_producers, only_reader, producers

PRODUCER_KINDS = CONV_KINDS | POOL_KINDS | ELEMENTWISE_KINDS | {OpKind.FC, OpKind.MATMUL}


def fuse_epilogues(schedule: Schedule) -> Schedule:
    return merge_into_producers(schedule, _producer, _with_epilogue)


def _with_epilogue(host: Kernel, kernel: Kernel) -> Kernel:
    return Kernel(
        host.name,
        (*host.ops, kernel.main_op),
        host.algorithm,
        host.main,
        (*host.absorbed, *kernel.absorbed),
    )


def _is_epilogue(op: Op) -> bool:
    if op.kind not in ELEMENTWISE_KINDS or len(op.outputs) != 1:
        return False
    shape = op.outputs[0].shape
    if op.kind in (OpKind.ADD, OpKind.MUL):
        return all(t.shape == shape for t in op.inputs)
    return op.inputs[0].shape == shape


def _producer(schedule: Schedule, kernels: tuple[Kernel, ...], kernel: Kernel) -> int | None:
    """The index of the kernel `kernel`'s single op can join as an epilogue, if any."""
    op = kernel.main_op
    if len(kernel.ops) != 1 or not _is_epilogue(op):
        return None
    made = producers(kernels)
    sources = [made.get(t.name, -1) for t in op.inputs]
    target = max(sources)
    if target < 0 or sources.count(target) != 1:
        return None
    chain = op.inputs[sources.index(target)]
    host = kernels[target]
    if len(host.outputs) != 1 or host.outputs[0].name != chain.name:
        return None
    if host.main_op.kind not in PRODUCER_KINDS:
        return None
    return target if only_reader(schedule, kernels, chain.name) is not None else None
