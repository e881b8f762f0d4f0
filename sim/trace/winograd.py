"""Winograd F(m x m, 3 x 3) convolution (Lavin & Gray 2015, "Fast Algorithms for
Convolutional Neural Networks"), m = 2 or 4, input tile t = m + 2, for 3x3 stride-1 convs.

Per image, with T = ceil(Ho/m) * ceil(Wo/m) output tiles:

    for c in C_in: for tile row:               # input transform
        read the t input rows the tiles need
        write V[xi][c][tiles of the row] for the t*t points xi, straight into the packed
        micro-panel order the GEMM reads (K = C_in, N = T), as ncnn does
    for xi in t*t:                             # batched GEMMs
        M[xi] (C_out x T) = U[xi] (C_out x C_in) x V[xi]
    for oc in C_out: for tile row:             # output transform
        read M[xi][oc][tiles of the row] for all xi; write the m output rows

U, the transformed weights, is computed offline and is t*t/9 times larger than the 3x3
weights (16/9 for F(2x2), 36/9 for F(4x4)); it sits in the workspace (context.py), so the
weight tensor itself is not read. V and M live in the scratch.

Arithmetic executed: (m+2)^2 multiply-adds per tile and channel pair instead of 9 m^2 (2.25x
fewer for F(2x2,3x3), 4x for F(4x4,3x3)), plus the transforms. A 2-D transform applies the
1-D one to every column, then to every row; a 1-D transform costs, per output, one add per
extra non-zero coefficient and one multiply per coefficient other than +-1 (Lavin & Gray's
matrices, no common subexpressions shared): 32 operations per input tile and 24 per output
tile for F(2x2,3x3), as in Lavin & Gray section 4.1.
"""

from collections.abc import Iterator

import numpy as np

from sim.graph.model import Op
from sim.schedule.naive import align
from sim.trace.blocking import gemm_blocking
from sim.trace.context import WINOGRAD_OUTPUT_TILE, Context
from sim.trace.gemm import Gemm, Operand, gemm_ranges
from sim.trace.stream import PIECE_RANGES, Ranges, steps

# Lavin & Gray 2015: data transform B^T and inverse transform A^T
_BT = {
    2: [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]],
    4: [
        [4, 0, -5, 0, 1, 0],
        [0, -4, -4, 1, 1, 0],
        [0, 4, -4, -1, 1, 0],
        [0, -2, -1, 2, 1, 0],
        [0, 2, -1, -2, 1, 0],
        [0, 4, 0, -5, 0, 1],
    ],
}
_AT = {
    2: [[1, 1, 1, 0], [0, 1, -1, -1]],
    4: [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]],
}


def _transform_ops(matrix) -> int:
    """Adds and constant multiplies of one 1-D transform y = matrix @ x."""
    rows = np.asarray(matrix)
    nonzero = (rows != 0).sum(axis=1)
    return int((nonzero - 1).sum() + ((rows != 0) & (np.abs(rows) != 1)).sum())


def transform_flops(m: int) -> tuple[int, int]:
    """(input transform, output transform) operations per tile, per channel."""
    t = m + 2
    return 2 * t * _transform_ops(_BT[m]), (t + m) * _transform_ops(_AT[m])


def winograd_ranges(op: Op, algorithm: str, ctx: Context) -> Iterator[Ranges]:
    m = WINOGRAD_OUTPUT_TILE[algorithm]
    t = m + 2
    n, c_in, h, w = op.inputs[0].shape
    _, c_out, ho, wo = op.outputs[0].shape
    es = ctx.element_bytes
    tiles_h, tiles_w = -(-ho // m), -(-wo // m)
    tiles = tiles_h * tiles_w
    v = ctx.scratch_address
    products = v + align(t * t * c_in * tiles * es)
    scratch = products + align(t * t * c_out * tiles * es)
    x, y = ctx.address(op.inputs[0]), ctx.address(op.outputs[0])
    bias = ctx.address(op.params[1]) if len(op.params) > 1 else None
    geometry = (m, tiles_h, tiles_w)
    for image in range(n):
        x_image = x + image * c_in * h * w * es
        yield from _input_transform(ctx, op, geometry, x_image, v)
        for xi in range(t * t):
            gemm = Gemm(
                m=c_out,
                k=c_in,
                n=tiles,
                a=Operand(ctx.persistent_address + xi * c_out * c_in * es, prepacked=True),
                b=Operand(v + xi * c_in * tiles * es, prepacked=True),
                c=Operand(products + xi * c_out * tiles * es, row_stride=tiles),
            )
            yield from gemm_ranges(ctx, gemm, scratch)
        y_image = y + image * c_out * ho * wo * es
        yield from _output_transform(ctx, op, geometry, products, y_image, bias)


def _packed_offsets(ctx: Context, c, j, c_in: int, tiles: int) -> np.ndarray:
    """Element offset of V[c][j] in the GEMM's pre-packed B layout (gemm.py)."""
    blk = gemm_blocking(ctx.hw, ctx.schedule.precision)
    pc = c // blk.kc * blk.kc
    k_cur = np.minimum(blk.kc, c_in - pc)
    jr = j // blk.nr * blk.nr
    nr_e = np.minimum(blk.nr, tiles - jr)
    return pc * tiles + jr * k_cur + (c - pc) * nr_e + (j - jr)


def _row_runs(ctx: Context, tiles_w: int, tiles: int, row: int):
    """(first tile, count) of the runs of tile row `row` that are contiguous in V."""
    nr = gemm_blocking(ctx.hw, ctx.schedule.precision).nr
    first, end = row * tiles_w, row * tiles_w + tiles_w
    cuts = [first, *range((first // nr + 1) * nr, end, nr), end]
    return np.array(cuts[:-1]), np.diff(cuts)


def _input_transform(ctx, op, geometry, x_image, v) -> Iterator[Ranges]:
    m, tiles_h, tiles_w = geometry
    t, es = m + 2, ctx.element_bytes
    _, c_in, h, w = op.inputs[0].shape
    pt, pl = op.attrs.pads[0], op.attrs.pads[1]
    tiles = tiles_h * tiles_w
    col_lo, col_hi = max(0, -pl), min(w - 1, tiles_w * m + 2 - pl - 1)
    per_tile = transform_flops(m)[0]
    xi = np.arange(t * t)[:, None]
    for row in range(tiles_h):
        first, count = _row_runs(ctx, tiles_w, tiles, row)
        iy = row * m - pt + np.arange(t)
        valid = (iy >= 0) & (iy < h)
        channels_per_piece = max(1, PIECE_RANGES // (t + t * t * first.size))
        for c0 in range(0, c_in, channels_per_piece):
            c = np.arange(c0, min(c_in, c0 + channels_per_piece))[:, None]
            reads = x_image + ((c * h + iy) * w + col_lo) * es
            read_len = np.where(valid, (col_hi - col_lo + 1) * es, 0)
            offsets = _packed_offsets(ctx, c[..., None], first, c_in, tiles)  # (c, 1, run)
            writes = v + ((xi * c_in * tiles)[None] + offsets) * es  # (c, xi, run)
            writes = writes.reshape(c.shape[0], -1)
            flops = per_tile * c.shape[0] * tiles_w
            parts = [(reads, read_len, False), (writes, np.tile(count, t * t) * es, True)]
            yield steps(flops, parts)


def _output_transform(ctx, op, geometry, products, y_image, bias) -> Iterator[Ranges]:
    m, tiles_h, tiles_w = geometry
    t, es = m + 2, ctx.element_bytes
    _, c_out, ho, wo = op.outputs[0].shape
    tiles = tiles_h * tiles_w
    per_tile = transform_flops(m)[1]
    xi = np.arange(t * t)
    channels_per_piece = max(1, PIECE_RANGES // (t * t + m + 1))
    for row in range(tiles_h):
        oy = row * m + np.arange(m)
        out_len = np.where(oy < ho, wo * es, 0)
        for c0 in range(0, c_out, channels_per_piece):
            oc = np.arange(c0, min(c_out, c0 + channels_per_piece))[:, None]
            reads = products + ((xi * c_out + oc) * tiles + row * tiles_w) * es
            parts = [(reads, tiles_w * es, False)]
            if bias is not None:
                parts.append((bias + oc * es, es, False))
            parts.append((y_image + ((oc * ho + oy) * wo) * es, out_len, True))
            yield steps(per_tile * oc.shape[0] * tiles_w, parts)
