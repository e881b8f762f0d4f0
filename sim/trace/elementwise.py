"""Elementwise ops as streams (streaming.py): batch-norm, scale, bias, activations, add, mul,
softmax.

- unary and add, mul of equal shapes: one stream over all elements, every input read and the
  output written chunk by chunk;
- per-channel ops on NCHW: one row per (image, channel) plane, its parameters read first;
  on (N, F) the parameter vectors stream along each row like inputs;
- mul by (N, C, 1, 1) scales (SE-style): one row per plane, its scale read first;
- softmax: per image, three passes: read (max), read + write (exp, sum), read + write
  (divide); 1 + 2 + 1 operations per element.
"""

import math
from collections.abc import Iterator

import numpy as np

from sim.analytic.counts import flops
from sim.graph.model import PER_CHANNEL_KINDS, Op, OpKind
from sim.trace.context import Context
from sim.trace.stream import Ranges
from sim.trace.streaming import stream


def elementwise_ranges(op: Op, ctx: Context) -> Iterator[Ranges]:
    out = op.outputs[0]
    if op.kind is OpKind.SOFTMAX:
        yield from _softmax(op, ctx)
        return
    per_element = flops(op) // out.elements
    y = ctx.address(out)
    x = [ctx.address(t) for t in op.inputs]
    shape = out.shape
    plane = math.prod(shape[2:])
    es = ctx.element_bytes
    if op.kind in PER_CHANNEL_KINDS and plane > 1:
        rows = np.arange(shape[0] * shape[1])
        offsets = rows * plane * es
        params = [ctx.address(t) for t in op.params]
        heads = tuple(_element(p, shape[1], es) for p in params)
        operands = [(x[0] + offsets, False), (y + offsets, True)]
        yield from stream(ctx, plane, operands, heads, per_element)
    elif op.kind in PER_CHANNEL_KINDS:
        rows = np.arange(shape[0]) * shape[1] * es
        params = [(ctx.address(t), False) for t in op.params]
        operands = [(x[0] + rows, False), *params, (y + rows, True)]
        yield from stream(ctx, shape[1], operands, (), per_element)
    elif op.kind is OpKind.MUL and op.inputs[1].shape != shape:
        offsets = np.arange(shape[0] * shape[1]) * plane * es
        heads = (_element(x[1], shape[0] * shape[1], es),)
        operands = [(x[0] + offsets, False), (y + offsets, True)]
        yield from stream(ctx, plane, operands, heads, per_element)
    else:
        operands = [*((a, False) for a in x), (y, True)]
        yield from stream(ctx, out.elements, operands, (), per_element)


def _element(address: int, period: int, es: int):
    """A head reading element (row mod period) of a vector at `address`."""
    return lambda rows: (address + rows % period * es, es)


def _softmax(op: Op, ctx: Context) -> Iterator[Ranges]:
    shape = op.outputs[0].shape
    count = math.prod(shape[1:])
    x, y = ctx.address(op.inputs[0]), ctx.address(op.outputs[0])
    for image in range(shape[0]):
        offset = image * count * ctx.element_bytes
        yield from stream(ctx, count, [(x + offset, False)], (), 1)
        yield from stream(ctx, count, [(x + offset, False), (y + offset, True)], (), 2)
        yield from stream(ctx, count, [(y + offset, False), (y + offset, True)], (), 1)
