"""conv2d (any groups) by GEMM on the input (implicit im2col) or by a blocked direct loop nest.

Feature maps are NCHW, weights C_out x C_in/g x kh x kw, pre-packed offline. Each image and
each group is one GEMM C (C_out/g x Ho*Wo) = W (C_out/g x C_in/g*kh*kw) x B, its bias added
in the last K block's epilogue:
- `im2col` (and `auto` when the runtime picks GEMM): B is never stored whole. For a plain
  pointwise conv (1x1, stride 1, no padding) B is the input itself (C_in/g x H*W); for any
  other conv, each B micro-panel (kc x nr) is packed straight from the input rows it covers
  (gemm.py's implicit im2col: a row span per kernel offset and output row), panel by panel.
- `direct`: no packing. A register tile of mr output channels x nr output pixels of one
  output row accumulates over (ic, ky): read the mr x kw weights (pre-packed by mr output
  channels), read the input row's span that the nr pixels need; then store mr rows of nr
  outputs. Blocked like the GEMM (blocking.py, with K = C_in/g*kh*kw and N = Ho*Wo):
      for each block of mc output channels (this part's):         # parallel loop
        for each band of R = nc / Wo output rows:
          for each block of kc / (kh*kw) input channels:            # partial sums in C
            for each register tile of the block and band: [read C] ... store C
  so a band's input rows are read from the L2 once per output channel block, the weights
  of a channel block once per band, and C stays in the L2 across input channel blocks.
  The last input channel block adds the bias and runs the epilogue, as GEMM does.
Packed layouts (context.py): a channel-packed input is read a channel group at a time by the
GEMM's packing (ncnn's pack4 im2col, K ordered by channel group, then kernel offset, then
lane) and C is stored as runs of nr pixels x P lanes (ncnn's pack4 output), by the GEMM and
by the direct kernel (whose input reads keep the plain NCHW view).
"""

from collections.abc import Iterator

import attrs
import numpy as np
from attrs import define

from sim.graph.model import Op
from sim.trace.blocking import Sources, gemm_blocking
from sim.trace.context import Context
from sim.trace.fused import gate
from sim.trace.gemm import Gemm, Im2col, Operand, gemm_ranges
from sim.trace.stream import PIECE_RANGES, Ranges, nest, steps


def is_plain_pointwise(op: Op) -> bool:
    a = op.attrs
    return a.kernel == (1, 1) and a.stride == (1, 1) and not any(a.pads)


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


def _sources(s: _Shape, es: int) -> Sources:
    """The weights and the input of one group, with the input rows a band re-reads."""
    extent = s.dh * (s.kh - 1) + 1
    halo = max(0, extent - s.sh) / s.sh
    return Sources(s.cout_g * s.k * es, s.cin_g * s.h * s.w * es, s.wo, halo)


def _packs(op: Op, ctx: Context, s: _Shape) -> tuple[int, int]:
    """Channel packing of the input and the output, where each group's channels fill
    whole channel groups (context.py)."""
    pack_in, pack_out = ctx.pack_of(op.inputs[0]), ctx.pack_of(op.outputs[0])
    return (pack_in if s.cin_g % pack_in == 0 else 1), (pack_out if s.cout_g % pack_out == 0 else 1)


def gemm_conv_ranges(op: Op, ctx: Context) -> Iterator[Ranges]:
    """conv2d as one GEMM per image and group, B packed from the input panel by panel."""
    s, es = _Shape.of(op), ctx.element_bytes
    x, y, w, bias = _addresses(op, ctx)
    gate_op = gate(ctx.kernel)
    scale = None if gate_op is None else ctx.address(gate_op.inputs[1])
    pixels = s.ho * s.wo
    pack_in, pack_out = _packs(op, ctx, s)
    for image in range(s.n):
        for group in range(s.groups):
            plane = x + (image * s.c_in + group * s.cin_g) * s.h * s.w * es
            if is_plain_pointwise(op):
                b = Operand(plane, row_stride=s.h * s.w, pack=pack_in)
            else:
                b = Im2col(
                    plane,
                    s.h,
                    s.w,
                    (s.kh, s.kw),
                    (s.sh, s.sw),
                    (s.dh, s.dw),
                    (s.pt, s.pl),
                    s.wo,
                    pack=pack_in,
                )
            c_row = image * s.c_out + group * s.cout_g
            gemm = Gemm(
                m=s.cout_g,
                k=s.k,
                n=pixels,
                a=Operand(w + group * s.cout_g * s.k * es, prepacked=True),
                b=b,
                c=Operand(y + c_row * pixels * es, row_stride=pixels, pack=pack_out),
                bias=None if bias is None else Operand(bias + group * s.cout_g * es, 1, 0),
                epilogue=True,
                sources=_sources(s, es),
            )
            if scale is not None and is_plain_pointwise(op):
                gemm = attrs.evolve(gemm, b_scale=scale + (image * s.c_in + group * s.cin_g) * es)
            yield from gemm_ranges(ctx, gemm, ctx.scratch_address)


def direct_ranges(op: Op, ctx: Context) -> Iterator[Ranges]:
    """conv2d by the blocked direct loop nest (module docstring)."""
    s, es = _Shape.of(op), ctx.element_bytes
    shape = (s.cout_g, s.k, s.ho * s.wo)
    blk = gemm_blocking(ctx.hw, ctx.schedule.precision, shape, _sources(s, es))
    band = max(1, min(s.ho, blk.nc // s.wo))
    channels = max(1, min(s.cin_g, blk.kc // (s.kh * s.kw)))
    lo, hi = ctx.share(s.cout_g, blk.mr)
    pack = _packs(op, ctx, s)[1]
    for image in range(s.n):
        for group in range(s.groups):
            for ocb in range(lo, hi, blk.mc):
                for oy0 in range(0, s.ho, band):
                    for ic0 in range(0, s.cin_g, channels):
                        where = (image, group, ocb, min(ocb + blk.mc, hi))
                        rows = (oy0, min(s.ho, oy0 + band))
                        inputs = (ic0, min(s.cin_g, ic0 + channels))
                        yield from _direct_block(op, ctx, s, blk, where, (rows, inputs, pack))


def _direct_block(op, ctx, s: _Shape, blk, where, block) -> Iterator[Ranges]:
    """Output channels [oc_lo, oc_hi), output rows `rows`, input channels `inputs` of one
    image and group, the output packed by `pack`: one step per register tile of mr
    channels x nr pixels, channel tiles innermost so that the input rows a tile reads are
    still in L1 for the next; axes (oy, ox block, channel tile, slot)."""
    image, group, oc_lo, oc_hi = where
    rows, inputs, pack = block
    es = ctx.element_bytes
    x, y, w, bias = _addresses(op, ctx)
    first, last = inputs[0] == 0, inputs[1] == s.cin_g
    ob = np.arange(oc_lo, oc_hi, blk.mr)[:, None]  # (channel tile, 1)
    mr_e = np.minimum(blk.mr, oc_hi - ob)
    ox0 = np.arange(0, s.wo, blk.nr)[:, None, None]
    nr_e = np.minimum(blk.nr, s.wo - ox0)
    col_lo = np.maximum(0, ox0 * s.sw - s.pl)
    col_hi = np.minimum(s.w - 1, (ox0 + nr_e - 1) * s.sw + (s.kw - 1) * s.dw - s.pl)
    ic, ky = np.divmod(np.arange(inputs[0] * s.kh, inputs[1] * s.kh), s.kh)
    w_start = w + (group * s.cout_g * s.k + ob * s.k + mr_e * (ic * s.kh + ky) * s.kw) * es
    x_plane = x + (image * s.c_in + group * s.cin_g + ic) * s.h * s.w * es
    lane = np.arange(0, blk.mr, pack)
    out_channel = image * s.c_out + group * s.cout_g + ob + lane
    epilogue = ctx.epilogue if last else None
    head = []
    if bias is not None and last:
        head = [(bias + (group * s.cout_g + ob) * es, mr_e * es, False)]
    per_tile = 2 * ic.size + (2 + len(epilogue.operands) if epilogue else 2) * lane.size + 1
    rows_per_piece = max(1, PIECE_RANGES // (per_tile * ox0.size * ob.size))
    for oy0 in range(rows[0], rows[1], rows_per_piece):
        oy = np.arange(oy0, min(rows[1], oy0 + rows_per_piece))[:, None, None, None]
        iy = oy * s.sh + ky * s.dh - s.pt
        valid = (iy >= 0) & (iy < s.h) & (col_hi >= col_lo)
        x_start = x_plane + (iy * s.w + col_lo) * es
        x_len = np.where(valid, (col_hi - col_lo + 1) * es, 0)
        out = y + (out_channel * s.ho * s.wo + (oy * s.wo + ox0) * pack) * es
        out_len = np.broadcast_to(np.where(lane < mr_e, nr_e * pack * es, 0), out.shape)
        weights = (w_start[..., None], (mr_e * s.kw * es)[..., None], False)
        inputs = (x_start[..., None], x_len[..., None], False)
        parts = [] if first else [(out, out_len, False)]
        parts += [*head, nest([weights, inputs], 3)]  # (ic, ky) by (ic, ky): weights, input
        if epilogue is not None:
            parts += epilogue.operand_reads(out, out_len)
        parts.append((out, out_len, True))
        tiles = oy.shape[0] * ox0.size * ob.size
        outputs = int(mr_e.sum()) * int(nr_e.sum()) * oy.shape[0]
        flops = 2 * outputs * ic.size * s.kw
        if epilogue is not None:
            flops += epilogue.flops_per_element * outputs
        yield steps(flops, parts, tiles * ic.size * s.kw * blk.spills_per_step)
