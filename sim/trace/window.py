"""Sliding windows over NCHW planes, one output row at a time (depthwise conv and pooling).

    for each output plane (image, channel):
        [read the plane's parameters]
        for oy in Ho:
            for ky in kh: read input row oy*s + ky*d - pad, the columns the row's windows span
            write output row oy (Wo elements)

A row's windows are computed in registers from the loaded input rows (vector code shifts
the loaded rows for each kx), so each input row a window needs is read once per output row.
A part (i, n) of the kernel takes its share of the planes (ncnn's loop over channels).
"""

from collections.abc import Callable, Iterator

import numpy as np
from attrs import define

from sim.trace.context import Context
from sim.trace.stream import PIECE_RANGES, Ranges, nest, steps


@define(frozen=True)
class Window:
    kernel: tuple[int, int]
    stride: tuple[int, int]
    pads: tuple[int, int, int, int]
    dilation: tuple[int, int] = (1, 1)


Head = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


def window_rows(
    ctx: Context,
    window: Window,
    in_hw: tuple[int, int],
    out_shape: tuple[int, ...],
    sources: Callable[[np.ndarray], np.ndarray],
    y: int,
    heads: tuple[Head, ...],
    flops_per_row: int,
) -> Iterator[Ranges]:
    """Every output plane p in order: `sources(p)` is the address of its input plane, `y` the
    output's; each head maps p to the (starts, lengths) read before the plane's rows."""
    es = ctx.element_bytes
    h, w = in_hw
    n, c, ho, wo = out_shape
    kh, kw = window.kernel
    sh, sw = window.stride
    dh, dw = window.dilation
    pt, pl = window.pads[0], window.pads[1]
    col_lo = max(0, -pl)
    col_hi = min(w - 1, (wo - 1) * sw + (kw - 1) * dw - pl)
    iy = np.arange(ho)[:, None] * sh + np.arange(kh) * dh - pt
    read_len = np.where((iy >= 0) & (iy < h) & (col_hi >= col_lo), (col_hi - col_lo + 1) * es, 0)
    oy = np.arange(ho)[:, None]
    planes_per_piece = max(1, PIECE_RANGES // (ho * (kh + 1) + len(heads)))
    lo, hi = ctx.share(n * c)
    for p0 in range(lo, hi, planes_per_piece):
        p = np.arange(p0, min(hi, p0 + planes_per_piece))[:, None, None]
        reads = sources(p) + (iy * w + col_lo) * es
        writes = y + (p * ho + oy) * wo * es
        rows = nest([(reads, read_len, False), (writes, np.full((1, 1), wo * es), True)], 1)
        parts = [
            tuple(np.reshape(a, (-1, 1)) for a in head(p[:, 0, 0])) + (False,) for head in heads
        ]
        yield steps(flops_per_row * ho * p.shape[0], [*parts, rows])
