"""Pooling: max and average by sliding windows (window.py), global average by planes.

Global average pooling keeps one vector of `lanes` channel sums in registers:

    for each block of `lanes` planes (this part's):
        for each plane of the block: read the plane
        write the block's lanes results
"""

from collections.abc import Iterator

import numpy as np

from sim.graph.model import Op, OpKind
from sim.trace.context import Context
from sim.trace.stream import PIECE_RANGES, Ranges, steps
from sim.trace.window import Window, window_rows


def pool_ranges(op: Op, ctx: Context) -> Iterator[Ranges]:
    x, y = ctx.address(op.inputs[0]), ctx.address(op.outputs[0])
    n, c, h, w = op.inputs[0].shape
    if op.kind is OpKind.GLOBAL_AVG_POOL:
        yield from global_pool(ctx, x, y, n * c, h * w)
        return
    a = op.attrs
    kh, kw = a.kernel
    wo = op.outputs[0].shape[3]
    per_output = kh * kw - 1 if op.kind is OpKind.MAX_POOL else kh * kw
    es = ctx.element_bytes
    window = Window(a.kernel, a.stride, a.pads)

    def sources(p):
        return x + p * h * w * es

    shape = op.outputs[0].shape
    pack = ctx.pack_of(op.inputs[0])
    yield from window_rows(ctx, window, (h, w), shape, sources, y, (), per_output * wo, pack)


def global_pool(ctx: Context, x: int, y: int, planes: int, plane: int) -> Iterator[Ranges]:
    """Average `planes` planes of `plane` elements at x into `planes` elements at y."""
    es, lanes = ctx.element_bytes, ctx.lanes
    lines_per_block = lanes * (plane * es // ctx.line_bytes + 2) + 1
    blocks_per_piece = max(1, PIECE_RANGES // lines_per_block)
    lo, hi = ctx.share(planes, lanes)
    first = np.arange(lo, hi, lanes)
    width = np.minimum(lanes, hi - first)
    lane = np.arange(lanes)
    for b0 in range(0, first.size, blocks_per_piece):
        f, wd = first[b0 : b0 + blocks_per_piece, None], width[b0 : b0 + blocks_per_piece, None]
        reads = (x + (f + lane) * plane * es, np.where(lane < wd, plane * es, 0), False)
        writes = (y + f * es, wd * es, True)
        yield steps(plane * int(wd.sum()), [reads, writes])
