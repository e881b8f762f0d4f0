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
from sim.trace.stream import PIECE_RANGES, Ranges, nest, steps

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
    addresses = [np.broadcast_to(np.asarray(a, dtype=np.int64), (rows,)) for a, _ in operands]
    flags = [is_write for _, is_write in operands]
    line = ctx.line_bytes
    flops_per_row = flops_per_element * count
    if row_bytes // line + 2 <= MAX_ROW_CHUNKS:
        per_row = (row_bytes // line + 2) * len(operands) + len(heads)
        step = max(1, PIECE_RANGES // per_row)
        for r0 in range(0, rows, step):
            r = np.arange(r0, min(rows, r0 + step))
            starts = [a[r] for a in addresses]
            parts = [_head(head, r) for head in heads]
            parts.append(_body(ctx, starts, flags, phase_of, 0, row_bytes))
            yield steps(flops_per_row * r.size, parts)
        return
    segment = (MAX_ROW_CHUNKS - 2) * line
    for row in range(rows):
        starts = [a[row : row + 1] for a in addresses]
        phase = int(starts[phase_of][0]) % line
        cuts = [0, *range(segment - phase, row_bytes, segment), row_bytes]
        for index, (lo, hi) in enumerate(itertools.pairwise(cuts)):
            parts = [_head(head, np.arange(row, row + 1)) for head in heads] if index == 0 else []
            parts.append(_body(ctx, starts, flags, phase_of, lo, hi))
            yield steps(flops_per_element * ((hi - lo) // ctx.element_bytes), parts)


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


def _head(head: Head, rows: np.ndarray):
    start, length = head(rows)
    return np.reshape(start, (-1, 1)), np.reshape(length, (-1, 1)), False


def _body(ctx: Context, starts, flags, phase_of: int, lo: int, hi: int):
    """Bytes lo..hi of each row, line chunk by line chunk of operand `phase_of`."""
    line = ctx.line_bytes
    first = (starts[phase_of] + lo)[:, None]
    chunks = (hi - lo + line - 1) // line + 1
    edge = (first // line + np.arange(1, chunks + 1)) * line - (first - lo)  # row offsets
    begin = np.clip(np.concatenate([np.full_like(first, lo), edge[:, :-1]], axis=1), lo, hi)
    end = np.clip(edge, lo, hi)
    parts = [
        ((s[:, None] + begin)[..., None], (end - begin)[..., None], w)
        for s, w in zip(starts, flags, strict=True)
    ]
    return nest(parts, 1)
