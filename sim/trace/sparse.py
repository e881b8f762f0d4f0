"""Sparse weights times a dense operand (SpMM): conv2d, fc and matmul with sparse weights.

The loop nest is XNNPACK's SpMM (src/f32-spmm, the kernels Elsen et al., "Fast Sparse
ConvNets", CVPR 2020, wrote), generalised to R x C blocks:

    for each strip of up to MR columns of the dense operand B (pixels; this part's):
      for each block row (R output rows):
        read its count of kept blocks; [read its R biases]
        for each kept block:
          read the block's index (its first input row), read its R x C values
          for each of its C input rows k: read B[k][strip]       # the irregular gather
        write the R output rows of the strip

Strips are MR = 32 columns wide (XNNPACK's f32 SpMM on arm64: 32x1, 32x2, 32x4), the
remainder cut into powers of two as its kernels do (16, 8, 4, 2, 1). The weights are stored
as the runtime packs them at load time (sim/graph/sparsity.py `storage`): values, an int32
index per kept block and a uint32 count per block row, in this kernel's persistent workspace
(context.py), like Winograd-transformed weights; the dense weight tensor is never read.

B and the output by op: a conv reads, for input row k = (channel, ky, kx), the span of the
input row the strip's output pixels need (strips never cross an output row; a plain
pointwise conv is one row of H x W pixels); a matmul reads row k of B; an fc of N images
reads X[j][k] of each image j of the strip, one element each. A fused shuffle permutes the
input channels read, a fused SE gate is read with each input row and multiplies it. A part
(context.py) takes its share of the strips, or of the block rows when there are fewer
strips than parts.
"""

from collections.abc import Iterator

import numpy as np
from attrs import define

from sim.graph.model import Op, OpKind
from sim.graph.sparsity import COUNT_BYTES, INDEX_BYTES, pattern, storage, weight_matrix
from sim.schedule.naive import align
from sim.trace.context import Context
from sim.trace.fused import channel_order, gate
from sim.trace.stream import PIECE_RANGES, Ranges

MR = 32


def strip_widths(count: int) -> tuple[np.ndarray, np.ndarray]:
    """(first column, width) of the strips covering `count` columns: MR wide, then the
    remainder in descending powers of two."""
    widths = [MR] * (count // MR)
    rest = count % MR
    bit = MR // 2
    while rest:
        if rest & bit:
            widths.append(bit)
            rest -= bit
        bit //= 2
    widths_arr = np.asarray(widths, dtype=np.int64)
    return np.cumsum(widths_arr) - widths_arr, widths_arr


@define(frozen=True, eq=False)
class _Operands:
    """Where one op's B and output live: `images` x `out_rows` output rows of `out_cols`
    columns; B's input rows are `in_rows` x `in_cols` planes per channel, read with the
    conv's geometry (a matrix: one row, kernel 1 x 1). An fc reads X[j][k] one element at a
    time (`by_element`)."""

    x: int
    y: int
    es: int
    images: int
    out_rows: int
    out_cols: int
    in_rows: int
    in_cols: int
    channels_in: int
    channels_out: int
    group_channels: int  # input channels per group
    order: np.ndarray  # the input channel read for each channel (a fused shuffle)
    gate: int | None = None  # a fused SE gate's address: one scale per (image, channel)
    kernel: tuple[int, int] = (1, 1)
    stride: tuple[int, int] = (1, 1)
    dilation: tuple[int, int] = (1, 1)
    pads: tuple[int, int] = (0, 0)
    by_element: bool = False


def _operands(op: Op, ctx: Context) -> _Operands:
    es = ctx.element_bytes
    x, y = ctx.address(op.inputs[0]), ctx.address(op.outputs[0])
    if op.kind is OpKind.FC:
        n, k = op.inputs[0].shape
        f = op.outputs[0].shape[1]
        return _Operands(x, y, es, 1, 1, n, 1, n, k, f, k, np.arange(k), by_element=True)
    if op.kind is OpKind.MATMUL:
        (m, k), n = op.inputs[0].shape, op.inputs[1].shape[1]
        b = ctx.address(op.inputs[1])
        return _Operands(b, y, es, 1, 1, n, 1, n, k, m, k, np.arange(k))
    a = op.attrs
    n, c_in, h, w = op.inputs[0].shape
    _, c_out, ho, wo = op.outputs[0].shape
    order = channel_order(ctx.kernel, c_in)
    gate_op = gate(ctx.kernel)
    scale = None if gate_op is None else ctx.address(gate_op.inputs[1])
    common = (x, y, es, n)
    if a.kernel == (1, 1) and a.stride == (1, 1) and not any(a.pads):  # one row of pixels
        return _Operands(*common, 1, ho * wo, 1, h * w, c_in, c_out, c_in // a.groups, order, scale)
    geometry = (a.kernel, a.stride, a.dilation, a.pads[:2])
    return _Operands(*common, ho, wo, h, w, c_in, c_out, c_in // a.groups, order, scale, *geometry)


def sparse_ranges(op: Op, ctx: Context) -> Iterator[Ranges]:
    """The ranges of the sparse kernel (module docstring)."""
    ops = _operands(op, ctx)
    found = pattern(op)
    block_rows = found.starts.size - 1
    first, width = strip_widths(ops.out_cols)
    n_rows = ops.images * ops.out_rows
    rows = np.repeat(np.arange(n_rows), first.size)
    firsts, widths = np.tile(first, n_rows), np.tile(width, n_rows)
    if rows.size >= ctx.part[1]:
        lo, hi = ctx.share(rows.size)
        rows, firsts, widths = rows[lo:hi], firsts[lo:hi], widths[lo:hi]
        template = _Template.of(op, ctx, found, (0, block_rows))
    else:
        template = _Template.of(op, ctx, found, ctx.share(block_rows))
    per_piece = max(1, PIECE_RANGES // max(1, template.size))
    for s0 in range(0, rows.size, per_piece):
        part = slice(s0, s0 + per_piece)
        yield template.ranges(ops, rows[part], firsts[part], widths[part])


_COLUMNS = ("start", "length", "write", "k", "i", "piece", "gated", "group")


def _exclusive(counts: np.ndarray) -> np.ndarray:
    """Exclusive prefix sums: where each of a run of `counts` items starts."""
    return np.cumsum(counts) - counts


def _put(columns: dict[str, np.ndarray], at: np.ndarray, **values) -> None:
    for name, value in values.items():
        columns[name][at] = value


@define(frozen=True, eq=False)
class _Template:
    """The ranges of one strip, in order: weight reads are fixed; gathers of B (input row
    `k` of output group `group`; an fc's one-element `piece` of the strip; the fused gate
    of that row if `gated`) and stores (output row `i`, piece) depend on the strip."""

    columns: dict[str, np.ndarray]
    weights: int  # kept weights of these block rows: 2 x weights x width FLOPs a strip

    @classmethod
    def of(cls, op: Op, ctx: Context, found, block_rows: tuple[int, int]) -> "_Template":
        es = ctx.element_bytes
        stored = storage(op, es)
        values = ctx.persistent_address
        indices = values + align(stored.value_bytes)
        counts = indices + align(stored.index_bytes)
        has_bias = op.kind is not OpKind.MATMUL and len(op.params) > 1
        pieces = MR if op.kind is OpKind.FC and op.inputs[0].shape[0] > 1 else 1
        reads = 2 if gate(ctx.kernel) is not None and op.kind is OpKind.CONV2D else 1
        height, width = weight_matrix(op)
        groups = op.attrs.groups if op.kind is OpKind.CONV2D else 1
        lo, hi = block_rows
        br = np.arange(lo, hi)
        i0 = br * found.rows
        r = np.minimum(found.rows, height - i0)
        first_block, last_block = found.starts[lo], found.starts[hi]
        blocks = np.arange(first_block, last_block)
        per_row = found.starts[lo + 1 : hi + 1] - found.starts[lo:hi]
        row_of = np.repeat(np.arange(br.size), per_row)
        k0 = found.block_cols[blocks] * found.cols
        gathers = np.minimum(found.cols, width - k0) * pieces * reads
        block_slots = 2 + gathers
        header = 2 if has_bias else 1
        sizes = found.sizes[blocks]
        row_body = np.bincount(row_of, weights=block_slots, minlength=br.size).astype(np.int64)
        row_slots = header + row_body + r * pieces
        row_at = _exclusive(row_slots)
        block_at = row_at[row_of] + header + _exclusive(block_slots) - _exclusive(row_body)[row_of]
        cols = {name: np.zeros(int(row_slots.sum()), np.int64) for name in _COLUMNS}
        cols["k"][:] = -1
        cols["i"][:] = -1
        _put(cols, row_at, start=counts + br * COUNT_BYTES, length=COUNT_BYTES)
        if has_bias:
            _put(cols, row_at + 1, start=ctx.address(op.params[1]) + i0 * es, length=r * es)
        _put(cols, block_at, start=indices + blocks * INDEX_BYTES, length=INDEX_BYTES)
        offsets = _exclusive(found.sizes)[blocks]
        _put(cols, block_at + 1, start=values + offsets * es, length=sizes * es)
        owner = np.repeat(np.arange(blocks.size), gathers)
        j = np.arange(owner.size) - _exclusive(gathers)[owner]
        _put(
            cols,
            block_at[owner] + 2 + j,
            k=k0[owner] + j // (pieces * reads),
            piece=j % (pieces * reads) // reads,
            gated=j % reads,
            group=i0[row_of[owner]] // (height // groups),
        )
        stores = r * pieces
        owner = np.repeat(np.arange(br.size), stores)
        j = np.arange(owner.size) - _exclusive(stores)[owner]
        at = row_at[owner] + header + row_body[owner] + j
        _put(cols, at, write=1, i=i0[owner] + j // pieces, piece=j % pieces)
        cols["write"] = cols["write"].astype(bool)
        cols["gated"] = cols["gated"].astype(bool)
        return cls(cols, int(sizes.sum()))

    @property
    def size(self) -> int:
        return int(self.columns["start"].size)

    def ranges(self, ops: _Operands, rows, firsts, widths) -> Ranges:
        """The ranges of the strips (rows[s], firsts[s], widths[s]), one after the other."""
        col = self.columns
        shape = (rows.size, self.size)
        starts = np.broadcast_to(col["start"], shape).copy()
        lengths = np.broadcast_to(col["length"], shape).copy()
        strip = rows[:, None], firsts[:, None], widths[:, None]
        at = np.flatnonzero(col["k"] >= 0)
        starts[:, at], lengths[:, at] = _gather(ops, col, at, strip)
        at = np.flatnonzero(col["i"] >= 0)
        starts[:, at], lengths[:, at] = _store(ops, col, at, strip)
        total = int(widths.sum())
        flops = (2 * self.weights + int(col["gated"].sum())) * total
        return Ranges(flops, starts, lengths, np.broadcast_to(col["write"], shape))


def _gather(ops: _Operands, col, at: np.ndarray, strip):
    """(starts, lengths) of the gathers at template positions `at` for each strip: the
    span of input row k the strip's outputs read (one element per piece for an fc), or the
    fused gate's element of that row's channel."""
    row, first, width = strip
    es = ops.es
    k, piece = col["k"][at], col["piece"][at]
    if ops.by_element:  # X[j][k] of image j = first + piece
        start = ops.x + ((first + piece) * ops.channels_in + k) * es
        return start, np.where(piece < width, es, 0)
    kh, kw = ops.kernel
    channel = ops.order[col["group"][at] * ops.group_channels + k // (kh * kw)]
    image, oy = np.divmod(row, ops.out_rows)
    ky, kx = k // kw % kh, k % kw
    (sh, sw), (dh, dw), (pt, pl) = ops.stride, ops.dilation, ops.pads
    iy = oy * sh + ky * dh - pt
    lo = np.maximum(first, -(-(pl - kx * dw) // sw))
    hi = np.minimum(first + width - 1, (ops.in_cols - 1 + pl - kx * dw) // sw)
    valid = (iy >= 0) & (iy < ops.in_rows) & (hi >= lo)
    plane = (image * ops.channels_in + channel) * ops.in_rows + iy
    start = ops.x + (plane * ops.in_cols + lo * sw + kx * dw - pl) * es
    length = np.where(valid, ((hi - lo) * sw + 1) * es, 0)
    if ops.gate is not None:
        gated = col["gated"][at]
        start = np.where(gated, ops.gate + (image * ops.channels_in + channel) * es, start)
        length = np.where(gated, es, length)
    return start, length


def _store(ops: _Operands, col, at: np.ndarray, strip):
    """(starts, lengths) of the output rows the strips store."""
    row, first, width = strip
    es = ops.es
    i, piece = col["i"][at], col["piece"][at]
    if ops.by_element:  # Y[j][i] of image j = first + piece
        start = ops.y + ((first + piece) * ops.channels_out + i) * es
        return start, np.where(piece < width, es, 0)
    image, oy = np.divmod(row, ops.out_rows)
    plane = (image * ops.channels_out + i) * ops.out_rows + oy
    start = ops.y + (plane * ops.out_cols + first) * es
    return start, np.broadcast_to(width * es, start.shape)
