"""Streaming loops: rows of contiguous elements, processed one cache line at a time.

    for each row:
        [read the row's header elements, e.g. its channel's scale and shift]
        for each chunk of the row (the elements of one line of the written operand):
            for each operand in turn: read (or write) the chunk's elements

Unrolling the inner loop by a whole line is what optimized elementwise, copy and reduction
kernels do; it also means the loads of one line follow each other and collapse.

A part (i, n) of a kernel (context.py) streams its share of the rows when there are at least
n rows (ncnn's OpenMP loop over channels), else its share of each row's elements, cut at
whole lines of elements (a contiguous element range).
"""

import itertools
from collections.abc import Callable, Iterator

import numpy as np

from sim.trace.context import Context
from sim.trace.rows import row_slots
from sim.trace.stream import PIECE_RANGES, Ranges

MAX_ROW_CHUNKS = 4096  # a longer row is cut into segments of this many lines

Head = Callable[[np.ndarray], tuple]  # row indices -> (starts, lengths) read first


def stream(
    ctx: Context,
    count: int,
    operands: list[tuple[np.ndarray, bool]],
    heads: tuple[Head, ...] = (),
    flops_per_element: int = 0,
) -> Iterator[Ranges]:
    """Rows of `count` elements; each operand is (address of each row, is_write). Chunks
    follow the lines of the last written operand (of the first operand if none writes)."""
    count, operands, heads = _share(ctx, count, operands, heads)
    rows = np.asarray(operands[0][0]).size
    if not rows or not count:
        return
    row_bytes = count * ctx.element_bytes
    written = [i for i, (_, is_write) in enumerate(operands) if is_write]
    phase_of = written[-1] if written else 0
    addresses = np.empty((len(operands), rows), np.int64)
    for row_starts, (a, _) in zip(addresses, operands):
        row_starts[...] = a  # a scalar address: the same for every row
    flags = np.array([is_write for _, is_write in operands])
    line = ctx.line_bytes
    flops_per_row = flops_per_element * count
    if row_bytes // line + 2 <= MAX_ROW_CHUNKS:
        per_row = (row_bytes // line + 2) * len(operands) + len(heads)
        step = max(1, PIECE_RANGES // per_row)
        for r0 in range(0, rows, step):
            r = np.arange(r0, min(rows, r0 + step))
            starts = np.ascontiguousarray(addresses[:, r0 : r0 + step])
            columns = row_slots(_heads(heads, r), starts, flags, phase_of, (0, row_bytes), line)
            yield Ranges(flops_per_row * r.size, *columns)
        return
    segment = (MAX_ROW_CHUNKS - 2) * line
    for row in range(rows):
        starts = np.ascontiguousarray(addresses[:, row : row + 1])
        phase = int(starts[phase_of, 0]) % line
        cuts = [0, *range(segment - phase, row_bytes, segment), row_bytes]
        for index, (lo, hi) in enumerate(itertools.pairwise(cuts)):
            first = _heads(heads if index == 0 else (), np.arange(row, row + 1))
            columns = row_slots(first, starts, flags, phase_of, (lo, hi), line)
            yield Ranges(flops_per_element * ((hi - lo) // ctx.element_bytes), *columns)


def _share(ctx: Context, count: int, operands, heads):
    """This part's rows, or its element range of every row (module docstring)."""
    if ctx.part[1] == 1:
        return count, operands, heads
    rows = np.asarray(operands[0][0]).size
    if rows >= ctx.part[1]:
        lo, hi = ctx.share(rows)
        mine = [(np.broadcast_to(np.asarray(a), (rows,))[lo:hi], w) for a, w in operands]
        return count, mine, tuple(_shifted(head, lo) for head in heads)
    lo, hi = ctx.share(count, max(1, ctx.line_bytes // ctx.element_bytes))
    return hi - lo, [(np.asarray(a) + lo * ctx.element_bytes, w) for a, w in operands], heads


def _shifted(head: Head, offset: int) -> Head:
    return lambda rows: head(rows + offset)


def _heads(heads: tuple[Head, ...], rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(starts, lengths) of shape (rows, heads): what each of `rows` reads first."""
    starts = np.empty((rows.size, len(heads)), np.int64)
    lengths = np.empty_like(starts)
    for h, head in enumerate(heads):
        starts[:, h], lengths[:, h] = head(rows)
    return starts, lengths
