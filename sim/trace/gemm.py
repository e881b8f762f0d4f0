"""BLIS-style blocked GEMM: C (M x N) += A (M x K) x B (K x N), as ranges in program order.

    for jc in 0..N step nc:                      # B panel, kept in the outermost cache
      for pc in 0..K step kc:
        pack B[pc:pc+kc, jc:jc+nc] -> workspace  # unless B is pre-packed
        for ic in 0..M step mc:                  # A block, kept in the middle cache
          pack A[ic:ic+mc, pc:pc+kc] -> workspace  # unless A is pre-packed (weights)
          for jr in 0..nc step nr:               # B micro-panel, kept in L1
            for ir in 0..mc step mr:
              micro-kernel: [read C tile if pc > 0]
                            for k in kc step u: read A[ir.., k..k+u] (u x mr),
                                                read B[k..k+u, jr..] (u x nr)
                            [read bias at the last pc]; write C tile

The k loop is unrolled by u = line / (min(mr, nr) x element bytes) steps (2 for fp32 8x12 on
64-byte lines), each operand's u steps loaded together (one ld1 of four registers is 64 B).

A packed operand is a sequence of micro-panels, k-major: panel p holds rows p*w..p*w+w' of
the block (w = mr or nr, w' = w except at the edge) as kc x w' elements. Pre-packed weights
use the same order over the whole matrix (K block by K block, panels over all of M or N), so
they occupy exactly the bytes of the weight tensor.
"""

from collections.abc import Iterator

import numpy as np
from attrs import define

from sim.schedule.naive import align
from sim.trace.blocking import Blocking, gemm_blocking
from sim.trace.context import Context
from sim.trace.stream import PIECE_RANGES, Ranges, concat, interleave, slots, steps


@define(frozen=True)
class Operand:
    """Element (i, j) at address + (i * row_stride + j * col_stride) * element bytes; if
    `prepacked`, the matrix is laid out offline in micro-panel order from `address`."""

    address: int
    row_stride: int = 0
    col_stride: int = 1
    prepacked: bool = False


@define(frozen=True)
class Gemm:
    m: int
    k: int
    n: int
    a: Operand
    b: Operand
    c: Operand  # written with col_stride 1
    bias: Operand | None = None  # added at the last K block, while C is in registers
    epilogue: bool = False  # C is the kernel's output: run its epilogue (fused.py) there
    b_scale: int | None = None  # address of a per-row scale of B, applied while packing B


def gemm_ranges(ctx: Context, gemm: Gemm, scratch: int) -> Iterator[Ranges]:
    """The GEMM's ranges; packed panels go to `scratch` and above.

    Every full B panel (jc step) runs the same loop nest at addresses that move by a fixed
    amount per step, so when one step is small its ranges are computed once and shifted.
    """
    blk = gemm_blocking(ctx.hw, ctx.schedule.precision)
    full, rest = divmod(gemm.n, blk.nc)
    panel_ranges = -(-gemm.m // blk.mr) * -(-blk.nc // blk.nr) * (2 * gemm.k + blk.mr + 1)
    if full > 1 and panel_ranges <= PIECE_RANGES:
        first = concat(list(_panel(ctx, gemm, blk, scratch, 0, blk.nc)))
        shift = concat(list(_panel(ctx, gemm, blk, scratch, blk.nc, blk.nc))).starts - first.starts
        per_piece = max(1, PIECE_RANGES // max(1, first.starts.size))
        for j0 in range(0, full, per_piece):
            j = np.arange(j0, min(full, j0 + per_piece))[:, None]
            yield Ranges(
                first.flops * j.size,
                first.starts + j * shift,
                np.broadcast_to(first.lengths, (j.size, first.lengths.size)),
                np.broadcast_to(first.writes, (j.size, first.writes.size)),
                first.spill_accesses * j.size,
            )
    else:
        for jc in range(0, full * blk.nc, blk.nc):
            yield from _panel(ctx, gemm, blk, scratch, jc, blk.nc)
    if rest:
        yield from _panel(ctx, gemm, blk, scratch, full * blk.nc, rest)


def _panel(ctx, gemm: Gemm, blk: Blocking, scratch: int, jc: int, n_cur: int):
    """One jc step: columns jc..jc+n_cur of C."""
    es = ctx.element_bytes
    b_panel = scratch
    a_block = scratch + align(min(blk.kc, gemm.k) * min(blk.nc, gemm.n) * es)
    for pc in range(0, gemm.k, blk.kc):
        k_cur = min(blk.kc, gemm.k - pc)
        if gemm.b.prepacked:
            b_base = gemm.b.address + (pc * gemm.n + jc * k_cur) * es
        else:
            b_base = b_panel
            if gemm.b_scale is not None:
                yield Ranges(k_cur * n_cur, [gemm.b_scale + pc * es], [k_cur * es], [False])
            yield from pack(ctx, gemm.b, "b", jc, n_cur, pc, k_cur, blk.nr, b_base)
        for ic in range(0, gemm.m, blk.mc):
            m_cur = min(blk.mc, gemm.m - ic)
            if gemm.a.prepacked:
                a_base = gemm.a.address + (pc * gemm.m + ic * k_cur) * es
            else:
                a_base = a_block
                yield from pack(ctx, gemm.a, "a", ic, m_cur, pc, k_cur, blk.mr, a_base)
            block = (ic, m_cur, pc, k_cur, jc, n_cur)
            yield from _micro_kernels(ctx, gemm, blk, block, a_base, b_base)


def _edges(count: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """First index and width of each micro-panel covering `count` rows."""
    first = np.arange(0, count, width, dtype=np.int64)
    return first, np.minimum(width, count - first)


def pack(ctx: Context, src: Operand, which: str, r0, r_count, k0, k_count, width, dst):
    """Copy a block into micro-panels of `width` at `dst`.

    For A the panel dimension r is the row and k the column; for B the other way round. If
    the source is contiguous along r, each k step copies w' elements; if it is contiguous
    along k, `lanes` columns of each row are loaded and stored transposed (a register
    transpose), one packed run of lanes x w' per chunk.
    """
    es, lanes = ctx.element_bytes, ctx.lanes
    stride_r, stride_k = (
        (src.row_stride, src.col_stride) if which == "a" else (src.col_stride, src.row_stride)
    )
    first, w = _edges(r_count, width)
    panel_dst = dst + first * k_count * es
    panels_per_piece = max(1, PIECE_RANGES // (2 * k_count + width))
    for p0 in range(0, first.size, panels_per_piece):
        f, wp, d = (x[p0 : p0 + panels_per_piece, None] for x in (first, w, panel_dst))
        if stride_r == 1:
            k = np.arange(k_count)
            source = src.address + ((r0 + f) + (k0 + k) * stride_k) * es
            yield slots(0, [(source, wp * es, False), (d + k * wp * es, wp * es, True)])
        elif stride_k == 1:
            kk = np.arange(0, k_count, lanes)
            chunk = np.minimum(lanes, k_count - kk)[None, :, None]
            r = np.arange(width)[None, None, :]
            rows = (r0 + f[..., None] + r) * stride_r + k0 + kk[None, :, None]
            read_len = np.where(r < wp[..., None], chunk * es, 0)
            packed = (d + kk[None, :] * wp * es)[..., None]
            parts = [
                (src.address + rows * es, read_len, False),
                (packed, chunk * wp[..., None] * es, True),
            ]
            yield steps(0, parts)
        else:
            raise ValueError(f"cannot pack operand {which}: neither stride is 1")


def _micro_kernels(ctx, gemm, blk: Blocking, block, a_base, b_base) -> Iterator[Ranges]:
    ic, m_cur, pc, k_cur, jc, n_cur = block
    es = ctx.element_bytes
    i_first, mr_e = _edges(m_cur, blk.mr)
    j_first, nr_e = _edges(n_cur, blk.nr)
    n_i = i_first.size
    # k steps in groups of `unroll`, each operand's loads of a group together; axes (jr, ir, k)
    unroll = max(1, ctx.line_bytes // (min(blk.mr, blk.nr) * es))
    k0 = np.arange(0, k_cur, unroll)
    k_len = np.minimum(unroll, k_cur - k0)
    mr_i = mr_e[None, :, None]
    a_k = (a_base + i_first * k_cur * es)[None, :, None] + k0 * mr_i * es
    r = np.arange(blk.mr)
    rows = ic + i_first[None, :, None] + r
    c_len_ir = r < mr_i
    last = pc + k_cur == gemm.k
    bias = gemm.bias if last else None
    epilogue = ctx.epilogue if last and gemm.epilogue else None
    per_kernel = 2 * k0.size + 2 * blk.mr + 1
    step = max(1, PIECE_RANGES // (per_kernel * n_i))
    for j0 in range(0, j_first.size, step):
        jf, nr_j = j_first[j0 : j0 + step, None, None], nr_e[j0 : j0 + step, None, None]
        b_k = (b_base + jf * k_cur * es) + k0 * nr_j * es
        ab = interleave(a_k, b_k)
        ab_len = interleave(np.broadcast_to(k_len * mr_i * es, a_k.shape), k_len * nr_j * es)
        c_start = gemm.c.address + (rows * gemm.c.row_stride + jc + jf) * es
        c_len = np.where(c_len_ir, nr_j * es, 0)
        parts = [(c_start, c_len, False)] if pc > 0 else []
        parts.append((ab, ab_len, False))
        if bias is not None:
            parts.append(_bias(bias, ic + i_first, mr_e, jc + jf[:, 0, 0], nr_j[:, 0, 0], es))
        if epilogue is not None:
            parts += epilogue.operand_reads(c_start, c_len)
        parts.append((c_start, c_len, True))
        per_element = 2 * k_cur + (epilogue.flops_per_element if epilogue is not None else 0)
        flops = per_element * int(nr_j.sum()) * m_cur
        spills = jf.size * n_i * k_cur * blk.spills_per_step
        yield steps(flops, parts, spills)


def _bias(bias: Operand, rows, mr_e, cols, nr_e, es):
    """One range per micro-kernel: the bias of its rows of C, or of its columns."""
    if bias.col_stride == 0:
        start = bias.address + rows[None, :] * bias.row_stride * es
        length = mr_e[None, :] * es
    else:
        start = bias.address + cols[:, None] * bias.col_stride * es
        length = nr_e[:, None] * es
    shape = (cols.size, rows.size, 1)
    return (
        np.broadcast_to(start[..., None], shape),
        np.broadcast_to(length[..., None], shape),
        False,
    )
