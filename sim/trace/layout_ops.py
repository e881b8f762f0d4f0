"""Pad, transpose, local response normalization, and ops sim does not model (opaque).

- pad (NCHW, fill value free): per plane, write the top pad rows, then for each input row
  read it and write the padded output row (left pad, row, right pad in one run), then the
  bottom pad rows;
- transpose: the output row by row (its last axis); when that axis is the input's last axis
  each output row is one contiguous input run, else its elements are gathered one by one at
  the input's stride for that axis;
- lrn across channels (size s): per output plane c, read the input planes of the window
  c - (s-1)//2 .. c + s//2 (clipped to the channels), write plane c; 2s + 3 operations per
  output element (sim/analytic/counts.py);
- opaque: each input and parameter read once, then each output written once, the analytic
  estimate's own assumption about an op it knows only by its shapes.
A part (i, n) takes its share of the planes (pad, lrn) or output rows (transpose); opaque
ops split each stream (streaming.py).
"""

import math
from collections.abc import Iterator

import numpy as np

from sim.analytic.counts import flops
from sim.graph.model import Op
from sim.trace.context import Context
from sim.trace.stream import PIECE_RANGES, Ranges, nest, steps
from sim.trace.streaming import stream


def pad_ranges(op: Op, ctx: Context) -> Iterator[Ranges]:
    n, c, h, w = op.inputs[0].shape
    top, left, bottom, right = op.attrs.pads
    out_h, out_w = op.outputs[0].shape[2:]
    es = ctx.element_bytes
    x, y = ctx.address(op.inputs[0]), ctx.address(op.outputs[0])
    lo, hi = ctx.share(n * c)
    rows = np.arange(h)[None, :]
    per_piece = max(1, PIECE_RANGES // (2 * h + 2))
    for p0 in range(lo, hi, per_piece):
        p = np.arange(p0, min(hi, p0 + per_piece))[:, None]
        y_plane = y + p * out_h * out_w * es
        reads = x + (p * h + rows) * w * es
        writes = y_plane + (top + rows) * out_w * es
        body = nest([(reads[..., None], w * es, False), (writes[..., None], out_w * es, True)], 1)
        parts = [
            (y_plane, top * out_w * es, True),
            body,
            (y_plane + (top + h) * out_w * es, bottom * out_w * es, True),
        ]
        yield steps(0, parts)


def transpose_ranges(op: Op, ctx: Context) -> Iterator[Ranges]:
    in_shape, out_shape = op.inputs[0].shape, op.outputs[0].shape
    perm = op.attrs.perm
    es = ctx.element_bytes
    in_strides = [math.prod(in_shape[axis + 1 :]) for axis in range(len(in_shape))]
    length = out_shape[-1]
    inner = in_strides[perm[-1]]
    x, y = ctx.address(op.inputs[0]), ctx.address(op.outputs[0])
    count = math.prod(out_shape[:-1])
    if inner == 1:  # rows are contiguous runs: a copy (streaming.py takes this part's rows)
        rows = np.arange(count)
        source = x + _row_offsets(rows, out_shape, perm, in_strides) * es
        yield from stream(ctx, length, [(source, False), (y + rows * length * es, True)])
        return
    lo, hi = ctx.share(count)
    column = np.arange(length)
    per_piece = max(1, PIECE_RANGES // (length + 1))
    for r0 in range(lo, hi, per_piece):
        rows = np.arange(r0, min(hi, r0 + per_piece))
        first = _row_offsets(rows, out_shape, perm, in_strides)[:, None]
        source = x + (first + column * inner) * es
        parts = [(source, es, False), (y + rows[:, None] * length * es, length * es, True)]
        yield steps(0, parts)


def _row_offsets(rows, out_shape, perm, in_strides) -> np.ndarray:
    """Input element offset of the first element of each output row."""
    if len(out_shape) == 1:
        return np.zeros(rows.size, dtype=np.int64)
    index = np.unravel_index(rows, out_shape[:-1])
    return sum(i.astype(np.int64) * in_strides[perm[axis]] for axis, i in enumerate(index))


def lrn_ranges(op: Op, ctx: Context) -> Iterator[Ranges]:
    shape = op.inputs[0].shape
    n, c = shape[:2]
    plane = math.prod(shape[2:])
    size = op.attrs.size
    es = ctx.element_bytes
    x, y = ctx.address(op.inputs[0]), ctx.address(op.outputs[0])
    window = np.arange(-((size - 1) // 2), size // 2 + 1)
    per_plane = flops(op) // (n * c)
    lo, hi = ctx.share(n * c)
    per_piece = max(1, PIECE_RANGES // (window.size + 1))
    for p0 in range(lo, hi, per_piece):
        p = np.arange(p0, min(hi, p0 + per_piece))
        channel = p[:, None] % c + window
        inside = (channel >= 0) & (channel < c)
        reads = x + ((p[:, None] // c) * c + channel) * plane * es
        parts = [
            (reads, np.where(inside, plane * es, 0), False),
            (y + p[:, None] * plane * es, plane * es, True),
        ]
        yield steps(per_plane * p.size, parts)


def read_then_write(op: Op, ctx: Context) -> Iterator[Ranges]:
    yield Ranges(flops(op) if ctx.part[0] == 0 else 0, [], [], [])
    for tensor in (*op.inputs, *op.params):
        yield from stream(ctx, tensor.elements, [(ctx.address(tensor), False)])
    for tensor in op.outputs:
        yield from stream(ctx, tensor.elements, [(ctx.address(tensor), True)])
