"""Winograd F(m x m, 3 x 3) convolution (Lavin & Gray 2015, "Fast Algorithms for
Convolutional Neural Networks"), m = 2, 4 or 6, input tile t = m + 2, for 3x3 stride-1 convs.

Per image, with T = ceil(Ho/m) * ceil(Wo/m) output tiles:

    for c in C_in (this part's): for tile row:  # input transform
        read the t input rows the tiles need
        write V[xi][c][tiles of the row] for the t*t points xi, straight into the packed
        micro-panel order the GEMM reads (K = C_in, N = T), as ncnn does
    for xi in t*t:                             # batched GEMMs, blocked to the cache
        M[xi] (C_out x T) = U[xi] (C_out x C_in) x V[xi]      (gemm.py, this part's rows)
    for oc in C_out (this part's): for tile row:  # output transform
        read M[xi][oc][tiles of the row] for all xi; write the m output rows

U, the transformed weights, is computed offline and is t*t/9 times larger than the 3x3
weights (16/9 for F(2x2), 36/9 for F(4x4), 64/9 for F(6x6)); it sits in the workspace
(context.py), so the weight tensor itself is not read. V and M live in the scratch. Each
GEMM is blocked by blocking.py, so U[xi] is read about once while V[xi] streams; ncnn
instead keeps a tile of M per 8 output channels and re-reads all of V for each (its tile
sizes ignore the t*t batch, convolution_3x3_winograd.h), which moves far more on a small L2.

Arithmetic executed: (m+2)^2 multiply-adds per tile and channel pair instead of 9 m^2 (2.25x
fewer for F(2x2,3x3), 4x for F(4x4,3x3), 5.06x for F(6x6,3x3)), plus the transforms. A 2-D
transform applies the 1-D one to every column, then to every row; a 1-D transform costs,
per output, one add per extra non-zero coefficient and one multiply per coefficient other
than +-1 (Lavin & Gray's matrices, no common subexpressions shared): 32 operations per
input tile and 24 per output tile for F(2x2,3x3), as in Lavin & Gray section 4.1.
F(6x6,3x3) uses ncnn's matrices
(itm and otm in convolution_3x3_winograd.h, interpolation points 0, +-1, +-2, +-1/2).
"""

import math
from collections.abc import Iterator

import numpy as np

from sim.graph.model import Op
from sim.schedule.naive import align
from sim.trace.context import WINOGRAD_OUTPUT_TILE, Context
from sim.trace.gemm import Gemm, Operand, blocking_of, gemm_ranges
from sim.trace.stream import Ranges, nest, steps

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
    6: [
        [1, 0, -5.25, 0, 5.25, 0, -1, 0],
        [0, 1, 1, -4.25, -4.25, 1, 1, 0],
        [0, -1, 1, 4.25, -4.25, -1, 1, 0],
        [0, 0.5, 0.25, -2.5, -1.25, 2, 1, 0],
        [0, -0.5, 0.25, 2.5, -1.25, -2, 1, 0],
        [0, 2, 4, -2.5, -5, 0.5, 1, 0],
        [0, -2, 4, 2.5, -5, -0.5, 1, 0],
        [0, -1, 0, 5.25, 0, -5.25, 0, 1],
    ],
}
_AT = {
    2: [[1, 1, 1, 0], [0, 1, -1, -1]],
    4: [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]],
    6: [
        [1, 1, 1, 1, 1, 32, 32, 0],
        [0, 1, -1, 2, -2, 16, -16, 0],
        [0, 1, 1, 4, 4, 8, 8, 0],
        [0, 1, -1, 8, -8, 4, -4, 0],
        [0, 1, 1, 16, 16, 2, 2, 0],
        [0, 1, -1, 32, -32, 1, -1, 1],
    ],
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


def winograd_ranges(op: Op, ctx: Context) -> Iterator[Ranges]:
    m = WINOGRAD_OUTPUT_TILE[ctx.algorithm]
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

    def gemm(xi: int) -> Gemm:
        return Gemm(
            m=c_out,
            k=c_in,
            n=tiles,
            a=Operand(ctx.persistent_address + xi * c_out * c_in * es, prepacked=True),
            b=Operand(v + xi * c_in * tiles * es, prepacked=True),
            c=Operand(products + xi * c_out * tiles * es, row_stride=tiles, tiles=True),
        )

    geometry = (m, tiles_h, tiles_w, blocking_of(ctx, gemm(0)))
    first, second = gemm(0), gemm(1)
    pieces = list(gemm_ranges(ctx, first, scratch))
    matrices = [
        (one.address, two.address - one.address)
        for one, two in ((first.a, second.a), (first.b, second.b), (first.c, second.c))
    ]
    strides = [_strides(piece, matrices) for piece in pieces]
    for image in range(n):
        x_image = x + image * c_in * h * w * es
        yield from _input_transform(ctx, op, geometry, x_image, v)
        for xi in range(t * t):  # gemm(xi): gemm(0)'s ranges, each on its operand's xi-th matrix
            for piece, stride in zip(pieces, strides):
                starts = piece.starts + xi * stride
                yield Ranges(piece.flops, starts, piece.lengths, piece.writes, piece.spill_accesses)
        y_image = y + image * c_out * ho * wo * es
        yield from _output_transform(ctx, op, geometry, products, y_image, bias)


def _strides(piece: Ranges, matrices) -> np.ndarray:
    """Bytes each range of `piece` moves from one GEMM of the batch to the next: the stride
    of the matrix (address, stride) of U, V or M it starts in; 0 in the scratch."""
    stride = np.zeros_like(piece.starts)
    for address, step in matrices:
        stride[(piece.starts >= address) & (piece.starts < address + step)] = step
    return stride


def _input_transform(ctx, op, geometry, x_image, v) -> Iterator[Ranges]:
    """For each chunk of input channels (this part's), for each B micro-panel of tiles:
    read the t input rows of each tile row the panel covers (a channel group at a time if
    the input is packed), write the panel's chunk of V[xi] for every xi: one contiguous
    run of chunk x panel width elements each."""
    m, tiles_h, tiles_w, blk = geometry
    t, es = m + 2, ctx.element_bytes
    _, c_in, h, w = op.inputs[0].shape
    pt, pl = op.attrs.pads[0], op.attrs.pads[1]
    tiles = tiles_h * tiles_w
    first, width = _edges(tiles, blk.nr)
    row = first[:, None] // tiles_w + np.arange((blk.nr - 1) // tiles_w + 2)  # (panel, row)
    lo = np.maximum(first[:, None], row * tiles_w) - row * tiles_w
    hi = np.minimum((first + width)[:, None], (row + 1) * tiles_w) - row * tiles_w - 1
    col_lo, col_hi = np.maximum(0, lo * m - pl), np.minimum(w - 1, hi * m + t - 1 - pl)
    iy = row[..., None] * m - pt + np.arange(t)  # (panel, row, t)
    inside = (hi >= lo) & (row < tiles_h) & (col_hi >= col_lo)
    valid = inside[..., None] & (iy >= 0) & (iy < h)
    lanes = ctx.pack_of(op.inputs[0])
    read_len = np.where(valid, (col_hi - col_lo + 1)[..., None] * lanes * es, 0)[:, None]
    xi = np.arange(t * t)
    chunk = math.lcm(ctx.line_bytes // math.gcd(ctx.line_bytes, blk.nr * es), lanes)
    c_lo, c_hi = ctx.share(c_in, chunk)
    per_tile = transform_flops(m)[0]
    for c0 in range(c_lo, c_hi, chunk):
        pc = c0 // blk.kc * blk.kc
        k_cur = min(blk.kc, c_in - pc)
        c1 = min(c_hi, c0 + chunk, pc + k_cur)
        c = np.arange(c0, c1, lanes)[None, :, None, None]
        pixel = iy[:, None] * w + col_lo[:, None, :, None]
        reads = x_image + (c * h * w + pixel * lanes) * es
        panel = pc * tiles + first[:, None] * k_cur + (c0 - pc) * width[:, None]
        writes = v + (xi * c_in * tiles + panel) * es
        lengths = np.broadcast_to(read_len, reads.shape)
        parts = [
            (reads.reshape(first.size, -1), lengths.reshape(first.size, -1), False),
            (writes, (c1 - c0) * width[:, None] * es, True),
        ]
        yield steps(per_tile * (c1 - c0) * tiles, parts)


def _output_transform(ctx, op, geometry, products, y_image, bias) -> Iterator[Ranges]:
    """For each block of mr output channels (this part's), for each tile row: read the
    row's tiles of M[xi] for every xi from the GEMM's micro-tiles, [read the bias], write
    the m output rows of each channel (of each channel group if the output is packed)."""
    m, tiles_h, tiles_w, blk = geometry
    t, es = m + 2, ctx.element_bytes
    _, c_out, ho, wo = op.outputs[0].shape
    tiles = tiles_h * tiles_w
    row = np.arange(tiles_h)[:, None, None, None]  # (row, xi, segment, oc)
    panel = row * tiles_w // blk.nr + np.arange((tiles_w - 1) // blk.nr + 2)[:, None]
    seg_lo = np.maximum(row * tiles_w, panel * blk.nr)
    seg_hi = np.minimum((row + 1) * tiles_w, np.minimum(tiles, (panel + 1) * blk.nr))
    nr_e = np.minimum(blk.nr, tiles - panel * blk.nr)
    xi = np.arange(t * t)[:, None, None]
    oy = np.arange(tiles_h)[:, None, None] * m + np.arange(m)  # (row, oc, m)
    out_len = np.where(oy < ho, wo * es, 0)
    per_tile = transform_flops(m)[1]
    oc_lo, oc_hi = ctx.share(c_out, blk.mr)
    for oc0 in range(oc_lo, oc_hi, blk.mr):
        mr_e = min(blk.mr, c_out - oc0)
        oc = np.arange(mr_e)
        tile = oc0 * tiles + panel * blk.nr * mr_e + oc * nr_e + seg_lo - panel * blk.nr
        reads = products + (xi * c_out * tiles + tile) * es
        read_len = np.where(seg_hi > seg_lo, (seg_hi - seg_lo) * es, 0)
        parts = [nest([(reads, read_len, False)], 1)]
        if bias is not None:
            parts.append((np.full((tiles_h, 1), bias + oc0 * es), mr_e * es, False))
        lanes = ctx.pack_of(op.outputs[0])
        channel = oc0 + np.arange(0, mr_e, lanes)[:, None]
        writes = y_image + (channel * ho * wo + oy * wo * lanes) * es
        parts.append(nest([(writes, out_len * lanes, True)], 1))
        yield steps(per_tile * mr_e * tiles, parts)


def _edges(count: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    first = np.arange(0, count, width, dtype=np.int64)
    return first, np.minimum(width, count - first)
