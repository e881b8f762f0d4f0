"""Per-channel kernels: a pooling and a depthwise conv, one input channel at a time.

    for each channel c:
        pool plane c of the input into a one-plane scratch
        the depthwise conv's output planes for c (and its epilogue) from that scratch

Each step is the ordinary generator run on a one-channel op: its input and output planes,
weights and per-channel parameters are that channel's slice of the real tensors (contiguous
on one image; the conv's result and epilogue intermediates stay in registers, as in any
fused kernel), the pooled plane is in the scratch, and the generator's own scratch after it.
A part (i, n) of the kernel runs its share of the channels.
"""

import math
from collections.abc import Callable, Iterator

import attrs

from sim.graph.model import Op, Tensor
from sim.schedule.model import Buffer, Kernel
from sim.schedule.naive import align
from sim.trace.context import Context
from sim.trace.stream import Ranges

CHANNEL_SUFFIX = "@channel"


def interleaved_ranges(ctx: Context, ranges_of: Callable[[Context], Iterator[Ranges]]):
    """Every channel's pooling then depthwise conv; `ranges_of(ctx)` traces one of them."""
    pool_stage, dw_stage = ctx.kernel.stages
    channels = pool_stage.main_op.inputs[0].shape[1]
    pooled = pool_stage.outputs[0]
    es = ctx.element_bytes
    lo, hi = ctx.share(channels)
    for channel in range(lo, hi):
        buffers = dict(ctx.schedule.buffers)

        def part(tensor: Tensor, axis: int, channel=channel, buffers=buffers) -> Tensor:
            """`channel`'s slice of `tensor` along `axis`, placed in the real tensor."""
            share = tensor.shape[axis] // channels
            shape = (*tensor.shape[:axis], share, *tensor.shape[axis + 1 :])
            piece = Tensor(tensor.name + CHANNEL_SUFFIX, shape)
            real = ctx.schedule.buffer(tensor.name)
            step = math.prod(shape) * es
            buffers[piece.name] = Buffer(piece.name, real.address + channel * step, step)
            return piece

        plane = Tensor(pooled.name + CHANNEL_SUFFIX, (1, 1, *pooled.shape[2:]))
        buffers[plane.name] = Buffer(plane.name, ctx.scratch_address, plane.elements * es)
        pool = attrs.evolve(
            pool_stage.main_op, inputs=(part(pool_stage.main_op.inputs[0], 1),), outputs=(plane,)
        )
        ops: list[Op] = []
        source = plane
        for op in dw_stage.ops:
            result = op.outputs[0]
            result = (
                part(result, 1)
                if op is dw_stage.ops[-1]
                else Tensor(
                    result.name + CHANNEL_SUFFIX,
                    (1, result.shape[1] // channels, *result.shape[2:]),
                )
            )
            params = tuple(part(t, 0) for t in op.params)
            ops.append(attrs.evolve(op, inputs=(source,), outputs=(result,), params=params))
            source = result
        traced = attrs.evolve(
            ctx.schedule,
            buffers=buffers,
            workspace_address=align(ctx.scratch_address + plane.elements * es),
        )
        for sub in (
            Kernel(pool_stage.name, (pool,)),
            Kernel(dw_stage.name, tuple(ops), dw_stage.algorithm),
        ):
            sub_schedule = attrs.evolve(traced, kernels=(sub,))
            yield from ranges_of(Context.of(sub, sub_schedule, ctx.hw, packs=False))
