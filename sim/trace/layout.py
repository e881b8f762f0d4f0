"""Layout ops as copies (streaming.py): concat, split, channel shuffle; views move nothing.

- concat along axis a: for each input (outer loop), for each index of the axes before a:
  copy the input's contiguous block into its place in the output;
- split: the same, from the input's blocks into each output;
- channel shuffle with g groups (C = g x k): output channel j*g + i is input channel
  i*k + j; planes are copied in output order;
- views (flatten, reshape) reinterpret their input's bytes: no access at all.
"""

import math
from collections.abc import Iterator

import numpy as np

from sim.graph.model import Op, OpKind
from sim.trace.context import Context
from sim.trace.stream import Ranges
from sim.trace.streaming import stream


def view_ranges(op: Op, ctx: Context) -> Iterator[Ranges]:
    return iter(())


def shuffle_ranges(op: Op, ctx: Context) -> Iterator[Ranges]:
    n, c, h, w = op.inputs[0].shape
    plane_bytes = h * w * ctx.element_bytes
    plane = np.arange(n * c)
    j, i = np.divmod(plane % c, op.attrs.groups)
    source = plane // c * c + i * (c // op.attrs.groups) + j
    x, y = ctx.address(op.inputs[0]), ctx.address(op.outputs[0])
    yield from stream(
        ctx, h * w, [(x + source * plane_bytes, False), (y + plane * plane_bytes, True)]
    )


def concat_or_split_ranges(op: Op, ctx: Context) -> Iterator[Ranges]:
    concat = op.kind is OpKind.CONCAT
    whole, parts = (op.outputs[0], op.inputs) if concat else (op.inputs[0], op.outputs)
    es, axis = ctx.element_bytes, op.attrs.axis
    outer = np.arange(math.prod(whole.shape[:axis]))
    whole_block = math.prod(whole.shape[axis:])
    prefix = 0
    for part in parts:
        block = math.prod(part.shape[axis:])
        in_whole = ctx.address(whole) + (outer * whole_block + prefix) * es
        in_part = ctx.address(part) + outer * block * es
        source, target = (in_part, in_whole) if concat else (in_whole, in_part)
        yield from stream(ctx, block, [(source, False), (target, True)])
        prefix += block
