"""conv2d (any groups) by GEMM on the input, im2col + GEMM, or a direct loop nest.

Feature maps are NCHW, weights C_out x C_in/g x kh x kw. Each image and each group is one
GEMM C (C_out/g x Ho*Wo) = W (C_out/g x C_in/g*kh*kw) x B, with the weights pre-packed
offline and the bias added in the last K block's epilogue:
- pointwise (1x1, stride 1, no padding): B is the input itself, C_in/g x H*W;
- im2col: B is a column buffer in the scratch, written row by row first
  (for (ic, ky, kx): for oy: read the input row's span, write Wo elements; padding is written
  as zeros without a read);
- direct: no GEMM; a register tile of mr output channels x nr output pixels of one output
  row accumulates over (ic, ky): read the mr x kw weights (pre-packed by mr output channels),
  read the input row's span that the nr pixels need; then write mr rows of nr outputs.
"""

from collections.abc import Iterator

import attrs
import numpy as np
from attrs import define

from sim.graph.model import Op
from sim.schedule.model import Algorithm
from sim.schedule.naive import align
from sim.trace.blocking import Blocking, gemm_blocking
from sim.trace.context import Context
from sim.trace.fused import gate
from sim.trace.gemm import Gemm, Operand, gemm_ranges
from sim.trace.stream import PIECE_RANGES, Ranges, interleave, steps


def is_plain_pointwise(op: Op) -> bool:
    a = op.attrs
    return a.kernel == (1, 1) and a.stride == (1, 1) and not any(a.pads)


def conv_ranges(op: Op, algorithm: str, ctx: Context) -> Iterator[Ranges]:
    """conv2d by `algorithm` (auto, direct or im2col; Winograd lives in winograd.py)."""
    if algorithm == Algorithm.DIRECT:
        yield from _direct(op, ctx)
    elif algorithm == Algorithm.AUTO and is_plain_pointwise(op):
        yield from _pointwise(op, ctx)
    else:
        yield from _im2col(op, ctx)


@define(frozen=True)
class _Shape:
    """The sizes of one conv; `k` is the GEMM K of one group."""

    n: int
    c_in: int
    h: int
    w: int
    c_out: int
    ho: int
    wo: int
    groups: int
    kh: int
    kw: int
    sh: int
    sw: int
    dh: int
    dw: int
    pt: int
    pl: int

    @classmethod
    def of(cls, op: Op) -> "_Shape":
        a = op.attrs
        n, c_in, h, w = op.inputs[0].shape
        _, c_out, ho, wo = op.outputs[0].shape
        return cls(
            n, c_in, h, w, c_out, ho, wo, a.groups, *a.kernel, *a.stride, *a.dilation, *a.pads[:2]
        )

    @property
    def cin_g(self) -> int:
        return self.c_in // self.groups

    @property
    def cout_g(self) -> int:
        return self.c_out // self.groups

    @property
    def k(self) -> int:
        return self.cin_g * self.kh * self.kw


def _addresses(op: Op, ctx: Context):
    x, y, w = ctx.address(op.inputs[0]), ctx.address(op.outputs[0]), ctx.address(op.params[0])
    bias = ctx.address(op.params[1]) if len(op.params) > 1 else None
    return x, y, w, bias


def _group_gemm(op: Op, ctx: Context, s: _Shape, image: int, group: int, b: Operand) -> Gemm:
    _, y, w, bias = _addresses(op, ctx)
    es, pixels = ctx.element_bytes, s.ho * s.wo
    c_row = image * s.c_out + group * s.cout_g
    return Gemm(
        m=s.cout_g,
        k=s.k,
        n=pixels,
        a=Operand(w + group * s.cout_g * s.k * es, prepacked=True),
        b=b,
        c=Operand(y + c_row * pixels * es, row_stride=pixels),
        bias=None if bias is None else Operand(bias + group * s.cout_g * es, 1, 0),
        epilogue=True,
    )


def _pointwise(op: Op, ctx: Context) -> Iterator[Ranges]:
    s, es = _Shape.of(op), ctx.element_bytes
    x = _addresses(op, ctx)[0]
    gate_op = gate(ctx.kernel)
    scale = None if gate_op is None else ctx.address(gate_op.inputs[1])
    for image in range(s.n):
        for group in range(s.groups):
            plane = (image * s.c_in + group * s.cin_g) * s.h * s.w
            b = Operand(x + plane * es, row_stride=s.h * s.w)
            gemm = _group_gemm(op, ctx, s, image, group, b)
            if scale is not None:
                gemm = attrs.evolve(gemm, b_scale=scale + (image * s.c_in + group * s.cin_g) * es)
            yield from gemm_ranges(ctx, gemm, ctx.scratch_address)


def _im2col(op: Op, ctx: Context) -> Iterator[Ranges]:
    s, es = _Shape.of(op), ctx.element_bytes
    columns = ctx.scratch_address
    pixels = s.ho * s.wo
    for image in range(s.n):
        for group in range(s.groups):
            yield from _im2col_rows(op, ctx, s, image, group, columns)
            gemm = _group_gemm(op, ctx, s, image, group, Operand(columns, row_stride=pixels))
            yield from gemm_ranges(ctx, gemm, columns + align(s.k * pixels * es))


def _im2col_rows(op, ctx, s: _Shape, image, group, columns) -> Iterator[Ranges]:
    es, x = ctx.element_bytes, _addresses(op, ctx)[0]
    rows_per_piece = max(1, PIECE_RANGES // (2 * s.ho))
    oy = np.arange(s.ho)[None, :]
    for r0 in range(0, s.k, rows_per_piece):
        row = np.arange(r0, min(s.k, r0 + rows_per_piece))[:, None]
        ic, ky, kx = row // (s.kh * s.kw), row // s.kw % s.kh, row % s.kw
        iy = oy * s.sh + ky * s.dh - s.pt
        ox_lo = np.maximum(0, -(-(s.pl - kx * s.dw) // s.sw))
        ox_hi = np.minimum(s.wo - 1, (s.w - 1 + s.pl - kx * s.dw) // s.sw)
        channel = image * s.c_in + group * s.cin_g + ic
        start = x + ((channel * s.h + iy) * s.w + ox_lo * s.sw + kx * s.dw - s.pl) * es
        valid = (iy >= 0) & (iy < s.h) & (ox_hi >= ox_lo)
        length = np.where(valid, ((ox_hi - ox_lo) * s.sw + 1) * es, 0)
        write = columns + (row * s.ho * s.wo + oy * s.wo) * es
        parts = [(start[..., None], length[..., None], False), (write[..., None], s.wo * es, True)]
        yield steps(0, parts)


def _direct(op: Op, ctx: Context) -> Iterator[Ranges]:
    s = _Shape.of(op)
    blk = gemm_blocking(ctx.hw, ctx.schedule.precision)
    for image in range(s.n):
        for group in range(s.groups):
            for ob in range(0, s.cout_g, blk.mr):
                yield from _direct_block(op, ctx, s, blk, (image, group, ob))


def _direct_block(op, ctx, s: _Shape, blk: Blocking, where) -> Iterator[Ranges]:
    """Output channels ob..ob+mr of one image and group; axes (oy, ox block, slot)."""
    image, group, ob = where
    es = ctx.element_bytes
    x, y, w, bias = _addresses(op, ctx)
    mr_e = min(blk.mr, s.cout_g - ob)
    ox0 = np.arange(0, s.wo, blk.nr)[:, None]
    nr_e = np.minimum(blk.nr, s.wo - ox0)
    col_lo = np.maximum(0, ox0 * s.sw - s.pl)
    col_hi = np.minimum(s.w - 1, (ox0 + nr_e - 1) * s.sw + (s.kw - 1) * s.dw - s.pl)
    ic, ky = np.divmod(np.arange(s.cin_g * s.kh), s.kh)
    w_start = w + (group * s.cout_g * s.k + ob * s.k + mr_e * (ic * s.kh + ky) * s.kw) * es
    x_plane = x + (image * s.c_in + group * s.cin_g + ic) * s.h * s.w * es
    out_channel = image * s.c_out + group * s.cout_g + ob + np.arange(mr_e)
    head = []
    if bias is not None:
        head = [(np.full(1, bias + (group * s.cout_g + ob) * es), mr_e * es, False)]
    rows_per_piece = max(1, PIECE_RANGES // ((2 * ic.size + mr_e + 1) * ox0.size))
    for oy0 in range(0, s.ho, rows_per_piece):
        oy = np.arange(oy0, min(s.ho, oy0 + rows_per_piece))[:, None, None]
        iy = oy * s.sh + ky * s.dh - s.pt
        valid = (iy >= 0) & (iy < s.h) & (col_hi >= col_lo)
        x_start = x_plane + (iy * s.w + col_lo) * es
        x_len = np.where(valid, (col_hi - col_lo + 1) * es, 0)
        out = y + ((out_channel * s.ho + oy) * s.wo + ox0) * es
        parts = [
            *head,
            (interleave(w_start, x_start), interleave(mr_e * s.kw * es, x_len), False),
            (out, nr_e * es, True),
        ]
        tiles = oy.shape[0] * ox0.size
        flops = 2 * mr_e * int(nr_e.sum()) * oy.shape[0] * s.k
        yield steps(flops, parts, tiles * s.k * blk.spills_per_step)
