"""Streaming rows: each operand's bytes of a row, chunk by chunk along one operand's lines."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.trace.rows import row_slots


@given(
    rows=st.integers(1, 4),
    operands=st.integers(1, 3),
    heads=st.integers(0, 2),
    span=st.tuples(st.integers(0, 300), st.integers(0, 300)).map(sorted),
    line=st.sampled_from([16, 64]),
    data=st.data(),
)
@settings(max_examples=200, deadline=None)  # the first example loads the numba loop
def test_chunks_cover_each_row_in_order_within_lines_of_the_phase_operand(
    rows, operands, heads, span, line, data
):
    lo, hi = span
    starts = np.array(
        data.draw(
            st.lists(st.integers(0, 10_000), min_size=operands * rows, max_size=operands * rows)
        )
    ).reshape(operands, rows)
    writes = np.array(data.draw(st.lists(st.booleans(), min_size=operands, max_size=operands)))
    head_starts = np.arange(rows * heads).reshape(rows, heads) * 8 + 50_000
    head_lengths = np.full((rows, heads), 4)
    phase_of = data.draw(st.integers(0, operands - 1))
    out = row_slots((head_starts, head_lengths), starts, writes, phase_of, (lo, hi), line)
    chunks = (hi - lo + line - 1) // line + 1
    per_row = heads + chunks * operands
    out_starts, out_lengths, out_writes = (c.reshape(rows, per_row) for c in out)
    for r in range(rows):
        assert list(out_starts[r, :heads]) == list(head_starts[r])
        assert list(out_lengths[r, :heads]) == [4] * heads and not out_writes[r, :heads].any()
        body = (out_starts[r, heads:], out_lengths[r, heads:], out_writes[r, heads:])
        starts_r, lengths_r, writes_r = (x.reshape(chunks, operands) for x in body)
        for o in range(operands):
            at = starts[o, r] + lo
            for j in range(chunks):  # contiguous, in order, covering lo..hi
                assert starts_r[j, o] == at and lengths_r[j, o] >= 0
                at += lengths_r[j, o]
                assert writes_r[j, o] == writes[o]
            assert at == starts[o, r] + hi
        phase = starts_r[:, phase_of]
        last = phase + np.maximum(lengths_r[:, phase_of], 1) - 1
        assert (phase // line == last // line).all()  # a chunk never crosses a line
        ends = phase + lengths_r[:, phase_of]
        assert all(end % line == 0 for end in ends if end < starts[phase_of, r] + hi)
        assert (lengths_r == lengths_r[:, :1]).all()  # every operand moves the same bytes
