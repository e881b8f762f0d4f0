"""Ranges to tiles against a reference that issues every register load and store in turn."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.trace.stream import Ranges, TileBuilder

LINE, VECTOR = 64, 16


def _reference(starts, lengths, writes):
    """One access per register-wide piece that does not cross a line; merge repeats."""
    accesses = []
    for start, length, write in zip(starts, lengths, writes, strict=True):
        address, end = start, start + length
        while address < end:
            piece_end = min(end, address + VECTOR, (address // LINE + 1) * LINE)
            accesses.append((address // LINE * LINE, write))
            address = piece_end
    merged = [a for i, a in enumerate(accesses) if i == 0 or a != accesses[i - 1]]
    return merged, len(accesses) - len(merged)


ranges = st.lists(
    st.tuples(st.integers(0, 2000), st.integers(0, 300), st.booleans()), min_size=0, max_size=40
)


@given(pieces=st.lists(ranges, min_size=1, max_size=4), max_lines=st.integers(1, 50))
@settings(max_examples=200, deadline=None)  # the first example loads the numba loops
def test_tiles_equal_the_reference_stream(pieces, max_lines):
    builder = TileBuilder(LINE, VECTOR, max_lines)
    tiles = []
    for piece in pieces:
        starts, lengths, writes = (
            (list(c) for c in zip(*piece, strict=True)) if piece else ([], [], [])
        )
        tiles += builder.add(Ranges(len(piece), starts, lengths, writes, 3))
    tiles += builder.flush()
    flat = [r for piece in pieces for r in piece]
    expected, _ = _reference(*(zip(*flat, strict=True) if flat else ([], [], [])))
    total_accesses = len(_reference_accesses(flat))
    got = [(int(a), bool(w)) for t in tiles for a, w in zip(t.line_addresses, t.is_write)]
    # merging never crosses a tile boundary, so compare after merging across boundaries
    merged = [a for i, a in enumerate(got) if i == 0 or a != got[i - 1]]
    assert merged == expected
    assert sum(t.line_accesses + t.collapsed_accesses for t in tiles) == total_accesses
    assert all(t.line_accesses <= max_lines for t in tiles)
    assert sum(t.flops for t in tiles) == sum(len(p) for p in pieces)
    assert sum(t.spill_accesses for t in tiles) == 3 * len(pieces)


def _reference_accesses(flat):
    out = []
    for start, length, write in flat:
        address, end = start, start + length
        while address < end:
            out.append((address // LINE, write))
            address = min(end, address + VECTOR, (address // LINE + 1) * LINE)
    return out


def test_an_empty_range_is_no_access():
    builder = TileBuilder(LINE, VECTOR)
    tiles = [*builder.add(Ranges(5, [0, 64], [0, 4], [False, True])), *builder.flush()]
    assert [int(a) for a in tiles[0].line_addresses] == [64]
    assert tiles[0].flops == 5 and tiles[0].collapsed_accesses == 0
    assert np.array_equal(tiles[0].is_write, [True])
