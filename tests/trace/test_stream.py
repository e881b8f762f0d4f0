"""Ranges to tiles against a reference that issues every register load and store in turn."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.trace.stream import Ranges, TileBuilder, join, nest

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


def _plain_join(parts):
    """join as plain numpy: each part broadcast to the steps' shape, then concatenated; a
    nested part joined first and reshaped."""
    arrays = [
        tuple(np.reshape(a, (*a.shape[: p[1]], -1)) for a in _plain_join(p[0]))
        if isinstance(p[1], int)
        else p
        for p in parts
    ]
    fulls = [np.broadcast_shapes(*(np.shape(c) for c in a)) for a in arrays]
    lead = np.broadcast_shapes(*(f[:-1] for f in fulls))
    return [
        np.concatenate([np.broadcast_to(a[i], lead + f[-1:]) for a, f in zip(arrays, fulls)], -1)
        for i in range(3)
    ]


@st.composite
def _parts(draw, lead, depth=0):
    """Parts over loop axes `lead`: each axis kept or broadcast (1), leading ones dropped;
    sometimes a nested join over `lead` plus an inner axis (its first part spans them all)."""
    parts = []
    for index in range(draw(st.integers(1, 3))):
        if depth == 0 and draw(st.booleans()):
            inner = draw(_parts((*lead, draw(st.integers(1, 3))), depth + 1))
            parts.append((inner, len(lead)))
            continue
        dropped = 0 if depth and not index else draw(st.integers(0, len(lead)))
        shape = tuple(n if draw(st.booleans()) else 1 for n in lead[dropped:])
        shape += (draw(st.integers(1, 3)),)
        starts = np.arange(np.prod(shape)).reshape(shape) * 7 + draw(st.integers(0, 999))
        write = draw(st.booleans()) if draw(st.booleans()) else np.arange(shape[-1]) % 2 == 0
        parts.append((starts, starts % 5 + 1, write))
    return parts


def _ours(parts):
    return [nest(_ours(p[0]), p[1]) if isinstance(p[1], int) else p for p in parts]


@given(data=st.data(), lead=st.lists(st.integers(1, 3), min_size=1, max_size=3))
@settings(max_examples=200)
def test_join_equals_broadcasting_and_concatenating(data, lead):
    parts = data.draw(_parts(tuple(lead)))
    for got, expected in zip(join(_ours(parts)), _plain_join(parts), strict=True):
        assert got.shape == expected.shape
        assert np.array_equal(got, expected)


@given(
    passes=st.lists(st.tuples(ranges, st.booleans()), min_size=1, max_size=6),
    max_lines=st.integers(1, 50),
)
@settings(max_examples=100, deadline=None)
def test_a_pass_of_its_own_never_shares_a_tile(passes, max_lines):
    """Ranges of a pass of their own (a packing pass) and the others never meet in a tile;
    the stream is the same as without the flag."""
    builder, plain = TileBuilder(LINE, VECTOR, max_lines), TileBuilder(LINE, VECTOR, max_lines)
    tiles, reference, owners = [], [], []
    for index, (piece, own) in enumerate(passes):
        starts, lengths, writes = (
            (list(c) for c in zip(*piece, strict=True)) if piece else ([], [], [])
        )
        marker = 1 << 40 if own else 0  # where a tile's lines come from, by address
        starts = [s + marker for s in starts]
        made = list(builder.add(Ranges(index, starts, lengths, writes, own_pass=own)))
        tiles += made
        reference += plain.add(Ranges(index, starts, lengths, writes))
    tiles += builder.flush()
    reference += plain.flush()
    for tile in tiles:
        owners.append({int(a) >= 1 << 40 for a in tile.line_addresses})
    assert all(len(owner) <= 1 for owner in owners)
    ours = [(int(a), bool(w)) for t in tiles for a, w in zip(t.line_addresses, t.is_write)]
    theirs = [(int(a), bool(w)) for t in reference for a, w in zip(t.line_addresses, t.is_write)]
    assert [a for i, a in enumerate(ours) if i == 0 or a != ours[i - 1]] == [
        a for i, a in enumerate(theirs) if i == 0 or a != theirs[i - 1]
    ]
    assert sum(t.flops for t in tiles) == sum(t.flops for t in reference)
