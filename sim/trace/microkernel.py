"""The ranges of a GEMM's micro-kernels, and of packing B from a matrix, compiled by numba.

Each function writes the slots of a run of B micro-panels into a piece's (starts, lengths,
writes) arrays, panel p's from at + p * stride, so that gemm.py puts a panel's packing and
its micro-kernels side by side in the order of its loop nest. `panels` = (first column,
count, width, end): panel p covers the columns from first + p * width up to the next
panel's or `end`. One pass instead of broadcasting and joining a dozen small arrays per
block, which dominated tracing GEMMs on many units (many small blocks).
"""

from sim.native.kernels import Array, Signature, kernel

COLUMN_TYPES = (Array("int64"), Array("int64"), Array("bool"))  # starts, lengths, writes


def _ints(n: int) -> tuple[str, ...]:
    return ("int64",) * n


_PACKING = Signature((COLUMN_TYPES, "int64", "int64", _ints(4), _ints(2), _ints(4), "int64"))
_MICRO_KERNELS = Signature(
    (COLUMN_TYPES, *_ints(2), _ints(4), _ints(7), _ints(3), _ints(6), _ints(3), Array("int64"))
)


@kernel(signatures=[_PACKING])
def fill_matrix_packing(columns, at, stride, panels, k_rows, source, dst):
    """Each panel of columns of B: for each row kk of B in
    range(*k_rows) (step lanes: a channel-packed source gives lanes rows in one run), read
    lanes x width elements, write them to `dst`; `source` = (address, row stride, lanes, es)."""
    starts, lengths, writes = columns
    address, row_stride, lanes, es = source
    first, count, width, end = panels
    k_lo, k_hi = k_rows
    for p in range(count):
        at_p = at + p * stride
        col = first + p * width
        columns_p = min(width, end - col)
        run = lanes * columns_p * es
        for kk in range(k_lo, k_hi, lanes):
            starts[at_p] = address + (kk * row_stride + col * lanes) * es
            starts[at_p + 1] = dst + (kk - k_lo) * columns_p * es
            lengths[at_p], lengths[at_p + 1] = run, run
            writes[at_p], writes[at_p + 1] = False, True
            at_p += 2


def c_slots(mr: int, c_lanes: int, tiled: bool) -> int:
    """Ranges one read or write of a C micro-tile takes: one per row, or per group of
    `c_lanes` packed rows; one for a tiled C (gemm.Operand)."""
    return 1 if tiled else -(-mr // c_lanes)


@kernel
def _c_tile(columns, at, c, tile, offset, write):
    """Write the slots of one C micro-tile access (c_slots) from `at`, `offset` bytes from
    C; return the next slot. c = (address, row stride, lanes, tiled, mr, es), tile = (first
    row, rows, first column, columns)."""
    starts, lengths, writes = columns
    address, row_stride, lanes, tiled, mr, es = c
    row, rows, col, cols = tile
    if tiled:
        starts[at] = address + (row * row_stride + col * rows) * es + offset
        lengths[at], writes[at] = rows * cols * es, write
        return at + 1
    for r in range(0, mr, lanes):
        starts[at] = address + ((row + r) * row_stride + col * lanes) * es + offset
        lengths[at] = cols * lanes * es if r < rows else 0
        writes[at] = write
        at += 1
    return at


@kernel(signatures=[_MICRO_KERNELS])
def fill_micro_kernels(columns, at, stride, panels, block, loads, c, bias, operands):
    """Each panel of columns of this block of C: for each micro-panel
    of A, [read the C tile], for each group of `unroll` k steps A's loads then B's, [its
    bias], the epilogue's reads of `operands` (byte offsets from C), write the C tile.

    block = (first row, rows, first column, k, mr, unroll, reads C); loads = (A block
    address, B address, B bytes per column: 0 when each panel is packed to the one
    address); c as in `_c_tile`; bias = (0 none, 1 by row, 2 by column; address, stride)."""
    starts, lengths, writes = columns
    ic, m_cur, jc, k_cur, mr, unroll, reads_c = block
    a_block, b_address, b_column_bytes = loads
    es = c[5]
    bias_kind, bias_address, bias_stride = bias
    first, count, width, end = panels
    for p in range(count):
        at_p = at + p * stride
        col = first + p * width
        nr = min(width, end - col)
        b_panel = b_address + col * b_column_bytes
        for i0 in range(0, m_cur, mr):
            rows = min(mr, m_cur - i0)
            tile = (ic + i0, rows, jc + col, nr)
            if reads_c:
                at_p = _c_tile(columns, at_p, c, tile, 0, False)
            a_panel = a_block + i0 * k_cur * es
            for k0 in range(0, k_cur, unroll):
                steps = min(unroll, k_cur - k0)
                starts[at_p], lengths[at_p] = a_panel + k0 * rows * es, steps * rows * es
                starts[at_p + 1], lengths[at_p + 1] = b_panel + k0 * nr * es, steps * nr * es
                writes[at_p], writes[at_p + 1] = False, False
                at_p += 2
            if bias_kind:
                by_row = bias_kind == 1
                row_or_col = ic + i0 if by_row else jc + col
                starts[at_p] = bias_address + row_or_col * bias_stride * es
                lengths[at_p], writes[at_p] = (rows if by_row else nr) * es, False
                at_p += 1
            for offset in operands:
                at_p = _c_tile(columns, at_p, c, tile, offset, False)
            at_p = _c_tile(columns, at_p, c, tile, 0, True)
