"""The slots of streaming rows (streaming.py), compiled by numba.

One pass writing each row's header reads and its line chunks straight into a piece's
arrays, instead of a dozen numpy operations (line edges, clipping, broadcasting, joining)
per piece, which dominated streaming kernels cut into many small parts (one per GPU SM).
"""

import numpy as np

from sim.native.kernels import Array, Signature, kernel

_I8, _I8_2D, _B1 = Array("int64"), Array("int64", 2), Array("bool")
_ROWS = Signature(
    ((_I8_2D, _I8_2D), _I8_2D, _B1, "int64", ("int64", "int64"), "int64"), (_I8, _I8, _B1)
)


@kernel(signatures=[_ROWS])
def row_slots(heads, starts, writes, phase_of, span, line):
    """(starts, lengths, writes) of rows r: its heads (heads[0][r, h] for heads[1][r, h]
    bytes, read), then for each chunk (the bytes of the row in one line of operand
    `phase_of`, within span = (lo, hi)) each operand o's bytes from starts[o, r] (written if
    writes[o]); a chunk outside the row has length 0, as it takes a slot at every phase."""
    head_starts, head_lengths = heads
    lo, hi = span
    operands, rows = starts.shape
    chunks = (hi - lo + line - 1) // line + 1
    per_row = head_starts.shape[1] + chunks * operands
    out_starts = np.empty(rows * per_row, np.int64)
    out_lengths = np.empty(rows * per_row, np.int64)
    out_writes = np.empty(rows * per_row, np.bool_)
    at = 0
    for r in range(rows):
        for h in range(head_starts.shape[1]):
            out_starts[at], out_lengths[at] = head_starts[r, h], head_lengths[r, h]
            out_writes[at] = False
            at += 1
        first = starts[phase_of, r] + lo
        begin = lo
        for j in range(chunks):
            edge = (first // line + j + 1) * line - (first - lo)  # the next line, in the row
            end = min(max(edge, lo), hi)
            for o in range(operands):
                out_starts[at], out_lengths[at] = starts[o, r] + begin, end - begin
                out_writes[at] = writes[o]
                at += 1
            begin = end
    return out_starts, out_lengths, out_writes
