"""Fold batch-norm, scale and bias into the preceding convolution.

y = (W * x) * s + t is a conv with weights W * s and bias t (plus s times its old bias): the
weights keep their size, the conv gains a bias of C_out values if it had none, and the
per-channel op disappears, with the round trip of the conv's output through memory.
"""

import attrs

from sim.graph.model import CONV_KINDS, PER_CHANNEL_KINDS, Op, Tensor
from sim.schedule.model import Kernel, Schedule
from sim.schedule.passes.common import merge_into_producers, only_reader, producers


def fold_batch_norm(schedule: Schedule) -> Schedule:
    """Every batch-norm, scale or bias whose input is a conv's output read by nothing else."""
    return merge_into_producers(schedule, _foldable, _with_folded)


def _with_folded(conv_kernel: Kernel, kernel: Kernel) -> Kernel:
    return Kernel(
        conv_kernel.name,
        (folded(conv_kernel.main_op, kernel.main_op),),
        conv_kernel.algorithm,
        absorbed=(*conv_kernel.absorbed, kernel.main_op.name),
    )


def _foldable(schedule: Schedule, kernels: tuple[Kernel, ...], kernel: Kernel) -> int | None:
    op = kernel.main_op
    if len(kernel.ops) != 1 or op.kind not in PER_CHANNEL_KINDS or len(op.inputs[0].shape) != 4:
        return None
    source = producers(kernels).get(op.inputs[0].name)
    if source is None or len(kernels[source].ops) != 1:
        return None
    if kernels[source].main_op.kind not in CONV_KINDS:
        return None
    return source if only_reader(schedule, kernels, op.inputs[0].name) is not None else None


def folded(conv: Op, per_channel: Op) -> Op:
    """`conv` with a bias and `per_channel`'s output."""
    params = conv.params
    if not conv.attrs.bias:
        params = (*params, Tensor(f"{conv.name}.bias", (conv.attrs.out_channels,)))
    return attrs.evolve(
        conv,
        params=params,
        outputs=per_channel.outputs,
        attrs=attrs.evolve(conv.attrs, bias=True),
    )
