"""Fuse ops that only reorder or scale channels into the read of the conv that consumes them.

- channel shuffle -> the following depthwise conv: the shuffle becomes a permutation of the
  planes the depthwise conv reads;
- SE: the block is split into its excitation (pool, two FCs, sigmoid: a gate of C values)
  and its channel scale x * gate, which the consuming depthwise or pointwise conv applies
  as it loads x. A plain mul by an (N, C, 1, 1) gate fuses the same way.
The shuffled or scaled tensor never reaches memory.
"""

import attrs

from sim.graph.model import Op, OpKind, Tensor
from sim.schedule.model import Kernel, Schedule
from sim.schedule.passes.common import only_reader, with_kernels


def fuse_shuffle(schedule: Schedule) -> Schedule:
    """A channel shuffle read only by a depthwise conv becomes that conv's read map."""
    return _fuse_into_reader(schedule, lambda k: k.main_op.kind is OpKind.CHANNEL_SHUFFLE)


def fuse_se(schedule: Schedule) -> Schedule:
    """Split SE blocks into excitation and scale, and fuse the scale into its consumer."""
    kernels: list[Kernel] = []
    for kernel in schedule.kernels:
        op = kernel.main_op
        reader = only_reader(schedule, schedule.kernels, op.outputs[0].name)
        if (
            len(kernel.ops) == 1
            and op.kind is OpKind.SE
            and reader is not None
            and _takes_scale(schedule.kernels[reader])
        ):
            excite, scale = split_se(op)
            kernels += [Kernel(op.name, (excite,)), Kernel(scale.name, (scale,))]
        else:
            kernels.append(kernel)
    split = with_kernels(schedule, kernels)
    return _fuse_into_reader(split, _is_gate_scale)


def split_se(op: Op) -> tuple[Op, Op]:
    """An SE op as its excitation (output: the gate `{name}.gate`) and its scale
    `{name}.scale`, a mul of the SE input by the gate."""
    n, c = op.inputs[0].shape[:2]
    gate = Tensor(f"{op.name}.gate", (n, c, 1, 1))
    excite = attrs.evolve(op, outputs=(gate,))
    scale = attrs.evolve(
        op,
        name=f"{op.name}.scale",
        kind=OpKind.MUL,
        inputs=(op.inputs[0], gate),
        params=(),
        attrs=None,
    )
    return excite, scale


def _is_gate_scale(kernel: Kernel) -> bool:
    op = kernel.main_op
    if op.kind is not OpKind.MUL or len(op.inputs) != 2 or len(op.outputs[0].shape) != 4:
        return False
    n, c = op.outputs[0].shape[:2]
    return op.inputs[0].shape == op.outputs[0].shape and op.inputs[1].shape == (n, c, 1, 1)


def _takes_scale(kernel: Kernel) -> bool:
    op = kernel.main_op
    if kernel.prologue:
        return False
    if op.kind is OpKind.DEPTHWISE_CONV2D:
        return True
    if op.kind is not OpKind.CONV2D:
        return False
    a = op.attrs
    return a.groups == 1 and a.kernel == a.stride == (1, 1) and not any(a.pads)


def _fuse_into_reader(schedule: Schedule, is_map) -> Schedule:
    kernels = list(schedule.kernels)
    index = 0
    while index < len(kernels):
        kernel = kernels[index]
        op = kernel.main_op
        if len(kernel.ops) != 1 or not is_map(kernel):
            index += 1
            continue
        reader = only_reader(schedule, tuple(kernels), op.outputs[0].name)
        target = None if reader is None else kernels[reader]
        fits = target is not None and target.main_op.inputs[0].name == op.outputs[0].name
        if op.kind is OpKind.CHANNEL_SHUFFLE:
            fits = fits and not target.prologue and target.main_op.kind is OpKind.DEPTHWISE_CONV2D
        else:
            fits = fits and _takes_scale(target)
        if not fits:
            index += 1
            continue
        kernels[reader] = attrs.evolve(target, ops=(op, *target.ops), main=target.main + 1)
        del kernels[index]
    return with_kernels(schedule, kernels)
