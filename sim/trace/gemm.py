"""Blocked GEMM: C (M x N) += A (M x K) x B (K x N), as ranges in program order.

    for ic in 0..M step mc:                        # this part's rows (parallel loop)
      for jc in 0..N step nc:                      # C block mc x nc: in the L2 across pc
        for pc in 0..K step kc:
          [pack A[ic:+mc, pc:+kc] -> A block]      # unless A is pre-packed (weights)
          for jr in 0..nc step nr:
            [pack B[pc:+kc, jr:+nr] -> B micro-panel]  # unless pre-packed; stays in L1
            for ir in 0..mc step mr:
              micro-kernel: [read C tile if pc > 0]
                            for k in kc step u: read A[ir.., k..k+u] (u x mr),
                                                read B[k..k+u, jr..] (u x nr)
                            [bias, epilogue at the last pc]; write C tile

The blocking (mr, nr, kc, mc, nc) comes from blocking.py. The k loop is unrolled by
u = line / (min(mr, nr) x element bytes) steps (2 for fp32 8x12 on 64-byte lines), each
operand's u steps loaded together (one ld1 of four registers is 64 B). C stays in registers
across the kc steps of a micro-kernel; with K <= kc it is written once.

B micro-panels are packed from B's source right before the micro-kernels that read them
(ncnn's per-tile im2col): a matrix (pointwise conv input, matmul operand) or, for a conv,
the input itself through an implicit im2col (`Im2col`), so no column buffer ever exists.
A packed operand is a sequence of micro-panels, k-major: panel p holds rows p*w..p*w+w' of
the block (w = mr or nr, w' = w except at the edge) as kc x w' elements. Pre-packed weights
use the same order over the whole matrix (K block by K block, panels over all of M or N), so
they occupy exactly the bytes of the weight tensor.

A part (i, n) of the GEMM (context.py) runs the rows of M of its share, in whole micro-panels
(ncnn and BLIS parallelise the loop over M blocks); when M has fewer micro-panels than there
are parts, the columns of N instead. Its blocks are the whole kernel's blocks cut to its
share, and it packs A where the whole kernel would.
"""

from collections.abc import Iterator

import numpy as np
from attrs import define

from sim.schedule.naive import align
from sim.trace.blocking import Blocking, Sources, gemm_blocking
from sim.trace.context import Context, share_of
from sim.trace.im2col import im2col_spans
from sim.trace.stream import PIECE_RANGES, Ranges, nest, slots, steps


@define(frozen=True)
class Operand:
    """Element (i, j) at address + (i * row_stride + j * col_stride) * element bytes; if
    `prepacked`, the matrix is laid out offline in micro-panel order from `address`. With
    `pack` P, rows come in groups of P side by side (a channel-packed feature map): (i, j)
    at address + ((i - i%P) * row_stride + j*P + i%P) * element bytes. A C
    with `tiles` is stored micro-tile by micro-tile instead (ncnn's tile of the Winograd
    products): the mr' x nr' tile at rows i.. and columns j.. (multiples of mr and nr) is
    one contiguous row-major run at address + (i * row_stride + j * mr') * element bytes."""

    address: int
    row_stride: int = 0
    col_stride: int = 1
    prepacked: bool = False
    tiles: bool = False
    pack: int = 1  # rows packed by this many (context.py): row i at its group's row, lane i%P


@define(frozen=True)
class Im2col:
    """B of a conv as implicit im2col: B[k][j] with k = (channel, ky, kx), j = (oy, ox),
    the input element (channel, oy*sh + ky*dh - pt, ox*sw + kx*dw - pl) of the NCHW planes
    from `address` (the group's first channel of one image); 0 outside (padding)."""

    address: int
    h: int
    w: int
    kernel: tuple[int, int]
    stride: tuple[int, int]
    dilation: tuple[int, int]
    pads: tuple[int, int]  # top, left
    wo: int
    prepacked: bool = False
    pack: int = 1  # the input's channels are packed by this many; k = ((c//P, ky, kx), c%P)


@define(frozen=True)
class Gemm:
    m: int
    k: int
    n: int
    a: Operand
    b: Operand | Im2col
    c: Operand  # written with col_stride 1
    bias: Operand | None = None  # added at the last K block, while C is in registers
    epilogue: bool = False  # C is the kernel's output: run its epilogue (fused.py) there
    b_scale: int | None = None  # address of a per-row scale of B, applied while packing B
    sources: Sources | None = None  # what loading A and B reads (blocking.py); None: k x n


def blocking_of(ctx: Context, gemm: Gemm) -> Blocking:
    es = ctx.element_bytes
    sources = gemm.sources or Sources(
        gemm.m * gemm.k * es, gemm.k * gemm.n * es, packed=not gemm.b.prepacked
    )
    return gemm_blocking(ctx.hw, ctx.schedule.precision, (gemm.m, gemm.k, gemm.n), sources)


def gemm_ranges(ctx: Context, gemm: Gemm, scratch: int) -> Iterator[Ranges]:
    """This part's ranges of the GEMM; the packed micro-panel of B and the packed block of
    A go to `scratch` and above."""
    blk = blocking_of(ctx, gemm)
    es = ctx.element_bytes
    (row_lo, row_hi), (col_lo, col_hi) = _part(ctx, gemm, blk)
    b_panel = scratch
    a_block = scratch + align(min(blk.kc, gemm.k) * blk.nr * es)
    for ic0 in range(0, gemm.m, blk.mc):
        ic, m_cur = max(ic0, row_lo), min(ic0 + blk.mc, row_hi) - max(ic0, row_lo)
        for jc0 in range(0, gemm.n, blk.nc):
            jc, n_cur = max(jc0, col_lo), min(jc0 + blk.nc, col_hi) - max(jc0, col_lo)
            if m_cur <= 0 or n_cur <= 0:
                continue
            for pc in range(0, gemm.k, blk.kc):
                k_cur = min(blk.kc, gemm.k - pc)
                if gemm.a.prepacked:
                    a_base = gemm.a.address + (pc * gemm.m + ic * k_cur) * es
                else:  # where the whole kernel packs these rows of its block
                    a_base = a_block + (ic - ic0) * k_cur * es
                    yield from pack(ctx, gemm.a, "a", ic, m_cur, pc, k_cur, blk.mr, a_base)
                if gemm.b_scale is not None:
                    flops = k_cur * n_cur if ic == 0 else 0
                    yield Ranges(flops, [gemm.b_scale + pc * es], [k_cur * es], [False])
                block = (ic, m_cur, pc, k_cur, jc, n_cur)
                yield from _micro_kernels(ctx, gemm, blk, block, a_base, b_panel)


def _part(ctx: Context, gemm: Gemm, blk: Blocking):
    """(rows, columns) of C this part computes: a share of the row panels, or of the column
    panels, if either alone gives every part some; else, on a CPU, a share of the more
    numerous (an OpenMP loop over one dimension), and on a GPU a rectangle of a grid of parts
    over both (rows x columns of parts, as many busy as the tiles allow), which is how its
    thread-block tiles are dealt to the SMs."""
    index, parts = ctx.part
    row_panels, col_panels = -(-gemm.m // blk.mr), -(-gemm.n // blk.nr)
    by_rows = ctx.share(gemm.m, blk.mr), (0, gemm.n)
    by_columns = (0, gemm.m), ctx.share(gemm.n, blk.nr)
    if row_panels >= parts:
        return by_rows
    if col_panels >= parts:
        return by_columns
    if ctx.hw.unit_name != "SM":  # a CPU runtime's parallel loop runs over one dimension
        return by_rows if row_panels >= col_panels else by_columns
    rows = max(
        range(1, row_panels + 1), key=lambda r: (r * min(col_panels, parts // r), -abs(r - parts))
    )
    cols = min(col_panels, parts // rows)
    if index >= rows * cols:
        return (0, 0), (0, 0)
    row, col = divmod(index, cols)
    return share_of(gemm.m, blk.mr, row, rows), share_of(gemm.n, blk.nr, col, cols)


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


def _pack_b(ctx: Context, b, pc: int, k_cur: int, cols, widths, dst: int):
    """Packing of the B micro-panels starting at columns `cols` (of `widths`), each into
    `dst`: one part (starts, lengths, writes), one row of slots per micro-panel. A packed
    source is read a channel group at a time: P rows of B from one run of P x width."""
    es, lanes = ctx.element_bytes, b.pack
    k = np.arange(pc, pc + k_cur, lanes)[None, :, None]
    cols, widths = cols[:, None, None], widths[:, None, None]
    writes = (dst + (k - pc) * widths * es, lanes * widths * es, True)
    if isinstance(b, Operand):
        reads = (b.address + (k * b.row_stride + cols * lanes) * es, lanes * widths * es, False)
    else:
        reads = _im2col_reads(ctx, b, k // lanes, cols, widths)
    return nest([reads, writes], 1)


def _im2col_reads(ctx: Context, b: Im2col, k, cols, widths):
    """Reads of the input spans B[k][cols..cols+width] covers, k counting channel groups:
    axes (panel, k, output row) (im2col.py)."""
    geometry = (b.address, b.h, b.w, b.wo, *b.kernel, *b.stride, *b.dilation, *b.pads)
    geometry += (b.pack, ctx.element_bytes)
    starts, lengths = im2col_spans(cols.ravel(), widths.ravel(), k.ravel(), geometry)
    return starts, lengths, False


def _micro_kernels(ctx, gemm: Gemm, blk: Blocking, block, a_base, b_panel) -> Iterator[Ranges]:
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
    r = np.arange(0, blk.mr, gemm.c.pack)  # each row, or each group of packed rows
    rows = ic + i_first[None, :, None] + r
    c_len_ir = r < mr_i
    last = pc + k_cur == gemm.k
    bias = gemm.bias if last else None
    epilogue = ctx.epilogue if last and gemm.epilogue else None
    packs = not gemm.b.prepacked
    per_panel = n_i * (2 * k0.size + 2 * blk.mr + 1) + (k_cur * 4 if packs else 0)
    step = max(1, PIECE_RANGES // per_panel)
    if gemm.b.prepacked:
        b_base = gemm.b.address + (pc * gemm.n + jc * k_cur) * es
    for j0 in range(0, j_first.size, step):
        jf, nr_j = j_first[j0 : j0 + step, None, None], nr_e[j0 : j0 + step, None, None]
        b_k = (b_panel if packs else b_base + jf * k_cur * es) + k0 * nr_j * es
        a_loads = (a_k[..., None], (k_len * mr_i * es)[..., None], False)
        b_loads = (b_k[..., None], (k_len * nr_j * es)[..., None], False)
        if gemm.c.tiles:
            c_start = gemm.c.address + (rows[..., :1] * gemm.c.row_stride + (jc + jf) * mr_i) * es
            c_len = mr_i * nr_j * es
        else:
            lanes = gemm.c.pack
            c_start = gemm.c.address + (rows * gemm.c.row_stride + (jc + jf) * lanes) * es
            c_len = np.where(c_len_ir, nr_j * lanes * es, 0)
        parts = [(c_start, c_len, False)] if pc > 0 else []
        parts.append(nest([a_loads, b_loads], 2))  # k group by k group: A's loads, B's
        if bias is not None:
            parts.append(_bias(bias, ic + i_first, mr_e, jc + jf[:, 0, 0], nr_j[:, 0, 0], es))
        if epilogue is not None:
            parts += epilogue.operand_reads(c_start, c_len)
        parts.append((c_start, c_len, True))
        body = [nest(parts, 1)]
        if packs:
            cols, widths = jc + jf[:, 0, 0], nr_j[:, 0, 0]
            body.insert(0, _pack_b(ctx, gemm.b, pc, k_cur, cols, widths, b_panel))
        per_element = 2 * k_cur + (epilogue.flops_per_element if epilogue is not None else 0)
        flops = per_element * int(nr_j.sum()) * m_cur
        spills = jf.size * n_i * k_cur * blk.spills_per_step
        yield steps(flops, body, spills)


def _bias(bias: Operand, rows, mr_e, cols, nr_e, es):
    """One range per micro-kernel: the bias of its rows of C, or of its columns."""
    if bias.col_stride == 0:
        start = bias.address + rows[None, :] * bias.row_stride * es
        length = mr_e[None, :] * es
    else:
        start = bias.address + cols[:, None] * bias.col_stride * es
        length = nr_e[:, None] * es
    return start[..., None], length[..., None], False  # broadcast over (jr, ir) by join
