"""Sliding windows over NCHW planes, one output row at a time (depthwise conv and pooling).

    for each output plane (image, channel):
        [read the plane's parameters]
        for oy in Ho:
            for ky in kh: read input row oy*s + ky*d - pad, the columns the row's windows span
            write output row oy (Wo elements)

A row's windows are computed in registers from the loaded input rows (vector code shifts
the loaded rows for each kx), so each input row a window needs is read once per output row.
A part (i, n) of the kernel takes its share of the planes (ncnn's loop over channels).

Packed by P channels (context.py), a step is a group of P planes, as ncnn's pack4 kernels
run them: its rows are P times as long, each pixel's P values side by side, and its
parameters are the P planes' parameters, read together.
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
    pack: int = 1,
) -> Iterator[Ranges]:
    """Every output plane p in order, in groups of `pack`: `sources(p)` is the address of
    plane p of the input (NCHW), `y` the output's; each head maps p to the (starts,
    lengths) of plane p's parameters, read before the group's rows."""
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
    span = (col_hi - col_lo + 1) * pack * es
    read_len = np.where((iy >= 0) & (iy < h) & (col_hi >= col_lo), span, 0)
    oy = np.arange(ho)[:, None]
    planes_per_piece = max(1, PIECE_RANGES // (ho * (kh + 1) + len(heads)))
    lo, hi = ctx.share(n * c // pack)
    for g0 in range(lo, hi, planes_per_piece):
        p = np.arange(g0, min(hi, g0 + planes_per_piece))[:, None, None] * pack
        reads = sources(p) + (iy * w + col_lo) * pack * es
        writes = y + (p * ho + oy * pack) * wo * es
        row = np.full((1, 1), wo * pack * es)
        rows = nest([(reads, read_len, False), (writes, row, True)], 1)
        parts = []
        for head in heads:
            start, length = head(p[:, 0, 0])
            parts.append((np.reshape(start, (-1, 1)), np.reshape(length, (-1, 1)) * pack, False))
        yield steps(flops_per_row * ho * p.shape[0] * pack, [*parts, rows])
