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

import attrs
import numpy as np
from attrs import define

from sim.schedule.naive import align
from sim.trace.blocking import Blocking, Sources, gemm_blocking
from sim.trace.context import Context, share_of
from sim.trace.im2col import fill_im2col_packing, span_rows
from sim.trace.microkernel import c_slots, fill_matrix_packing, fill_micro_kernels
from sim.trace.stream import PIECE_RANGES, Ranges, slots, steps


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
    shared = _Shared.of(ctx, gemm, blk)
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
                    packing = pack(ctx, gemm.a, "a", ic, m_cur, pc, k_cur, blk.mr, a_base)
                    yield from (attrs.evolve(piece, own_pass=True) for piece in packing)
                if gemm.b_scale is not None:
                    flops = k_cur * n_cur if ic == 0 else 0
                    yield Ranges(flops, [gemm.b_scale + pc * es], [k_cur * es], [False])
                block = (ic, m_cur, pc, k_cur, jc, n_cur)
                yield from _micro_kernels(gemm, blk, shared, block, a_base, b_panel)


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


@define(frozen=True)
class _Shared:
    """What the micro-kernels of every block of one GEMM share, worked out once."""

    c: tuple[int, ...]  # fill_micro_kernels' C
    c_slots: int  # ranges per access to a C micro-tile
    unroll: int  # k steps per load of an operand (module docstring)
    last: tuple  # at the last K block: (bias, epilogue operand offsets, flops per element)
    b_source: tuple[int, ...] | None  # how B is packed (_pack_b), None if pre-packed

    @classmethod
    def of(cls, ctx: Context, gemm: Gemm, blk: Blocking) -> "_Shared":
        es, c, b = ctx.element_bytes, gemm.c, gemm.b
        epilogue = ctx.epilogue if gemm.epilogue else None
        operands = _operand_offsets(epilogue)
        per_element = epilogue.flops_per_element if epilogue is not None else 0
        if b.prepacked:
            b_source = None
        elif isinstance(b, Operand):
            b_source = (b.address, b.row_stride, b.pack, es)
        else:
            b_source = (b.address, b.h, b.w, b.wo, *b.kernel, *b.stride, *b.dilation, *b.pads)
            b_source += (b.pack, es)
        return cls(
            c=(c.address, c.row_stride, c.pack, int(c.tiles), blk.mr, es),
            c_slots=c_slots(blk.mr, c.pack, c.tiles),
            unroll=max(1, ctx.line_bytes // (min(blk.mr, blk.nr) * es)),
            last=(_bias_of(gemm.bias), operands, per_element),
            b_source=b_source,
        )


NOT_LAST = ((0, 0, 0), np.empty(0, np.int64), 0)  # before the last K block: no bias, no epilogue


def _micro_kernels(gemm: Gemm, blk: Blocking, shared: _Shared, block, a_base, b_panel):
    """The block's micro-kernels, B micro-panel by micro-panel, each right after packing
    its panel unless B is pre-packed (module docstring), as pieces of whole panels."""
    ic, m_cur, pc, k_cur, jc, n_cur = block
    es, mr, nr = shared.c[-1], blk.mr, blk.nr
    n_i = -(-m_cur // mr)
    k_groups = -(-k_cur // shared.unroll)
    bias, operands, per_element = shared.last if pc + k_cur == gemm.k else NOT_LAST
    packs = shared.b_source is not None
    per_tile = shared.c_slots * (int(pc > 0) + 1 + operands.size) + 2 * k_groups + (bias[0] > 0)
    per_panel = n_i * (2 * k_groups + 2 * mr + 1) + (k_cur * 4 if packs else 0)
    step = max(1, PIECE_RANGES // per_panel)
    b_address = b_panel if packs else gemm.b.address + (pc * gemm.n + jc * k_cur) * es
    fixed = (
        (ic, m_cur, jc, k_cur, mr, shared.unroll, int(pc > 0)),
        (a_base, b_address, 0 if packs else k_cur * es),
        shared.c,
        bias,
        operands,
    )
    for j0 in range(0, n_cur, step * nr):
        count, columns_done = min(step, -(-(n_cur - j0) // nr)), min(n_cur - j0, step * nr)
        pack_slots = _pack_b_slots(gemm.b, k_cur, min(nr, n_cur - j0)) if packs else 0
        stride = pack_slots + n_i * per_tile
        columns = _columns(count * stride)
        if packs:
            panels = (jc + j0, count, nr, jc + n_cur)
            _pack_b(gemm.b, shared.b_source, (pc, pc + k_cur), panels, (columns, stride), b_panel)
        fill_micro_kernels(columns, pack_slots, stride, (j0, count, nr, n_cur), *fixed)
        flops = (2 * k_cur + per_element) * columns_done * m_cur
        yield Ranges(flops, *columns, count * n_i * k_cur * blk.spills_per_step)


def _columns(size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return np.empty(size, np.int64), np.empty(size, np.int64), np.empty(size, np.bool_)


def _operand_offsets(epilogue) -> np.ndarray:
    """Where each epilogue operand is, in bytes from the output (fused.py)."""
    if epilogue is None:
        return np.empty(0, np.int64)
    return np.array([base - epilogue.output_address for base in epilogue.operands], np.int64)


def _bias_of(bias: Operand | None) -> tuple[int, int, int]:
    """(kind, address, stride) for fill_micro_kernels: one range per micro-kernel, the bias
    of its rows of C (kind 1) or of its columns (kind 2)."""
    if bias is None:
        return 0, 0, 0
    if bias.col_stride == 0:
        return 1, bias.address, bias.row_stride
    return 2, bias.address, bias.col_stride


def _pack_b_slots(b, k_cur: int, widest: int) -> int:
    """Ranges packing one B micro-panel takes: per run of `b.pack` rows of B, its reads
    (one, or one per output row an implicit im2col covers) and one write."""
    reads = 1 if isinstance(b, Operand) else span_rows(widest, b.wo)
    return -(-k_cur // b.pack) * (reads + 1)


def _pack_b(b, source, k_rows, panels, into, dst: int) -> None:
    """Write the packing of the B micro-panels `panels` (microkernel.py) into `into` =
    (columns, slots per panel), each panel's from its start, each into `dst`, `source` as
    `_Shared.b_source`. A packed source is read a channel group at a time: P rows of B from
    one run of P x width."""
    columns, stride = into
    if isinstance(b, Operand):
        fill_matrix_packing(columns, 0, stride, panels, k_rows, source, dst)
        return
    first, _, width, end = panels
    rows = span_rows(min(width, end - first), b.wo)
    fill_im2col_packing(columns, 0, stride, panels, k_rows, rows, source, dst)
