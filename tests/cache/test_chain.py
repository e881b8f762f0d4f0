"""A chain of levels in one compiled call is `FastHierarchy`'s level-by-level walk, exactly."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.cache import FastHierarchy
from sim.cache.accesses import as_accesses
from sim.hw.model import CacheLevel
from sim.testing import hierarchies, traces


@settings(max_examples=100, deadline=None)
@given(
    levels=hierarchies(),
    trace=traces(),
    cut=st.floats(0, 1),
    own=st.integers(0, 3),
    buffer=st.integers(2, 9),
)
def test_a_chain_counts_as_the_hierarchy_it_runs(levels, trace, cut, own, buffer):
    """The same trace in two pieces through one hierarchy run level by level and through a
    chain over a unit's levels above a shared hierarchy: each call's counts, the states and
    the flush agree; tiny buffers make both stop and resume inside accesses."""
    plain = FastHierarchy(levels, buffer_requests=buffer)
    own = min(own, len(levels) - 1) or len(levels)  # the levels the upper hierarchy holds
    lower = FastHierarchy(levels[own:], buffer_requests=buffer) if own < len(levels) else None
    upper = FastHierarchy(levels[:own], buffer_requests=buffer, below=lower)
    chain = upper.chain()
    parts = [h for h in (upper, lower) if h is not None]
    split = int(cut * len(trace.addresses))
    for piece in (slice(0, split), slice(split, None)):
        accesses = as_accesses(*(array[piece] for array in trace))
        before = plain.counters.copy()
        plain.replay(*(array[piece] for array in trace))
        counts = chain.run(
            accesses.addresses, accesses.is_write, accesses.sizes_bytes, accesses.uniform_size_bytes
        )
        assert counts.tolist() == (plain.counters - before).tolist()
        assert np.vstack([h.counters for h in parts]).tolist() == plain.counters.tolist()
        assert sum((h.contents() for h in parts), ()) == plain.contents()
    for hierarchy in (*parts, plain):  # the engine's order: a unit's levels, then the shared
        hierarchy.flush()
    assert np.vstack([h.counters for h in parts]).tolist() == plain.counters.tolist()
    assert sum((h.contents() for h in parts), ()) == plain.contents()


def test_an_access_past_2_64_stops_the_chain_with_its_place():
    chain = FastHierarchy([CacheLevel("L1", 1024, 64, 2, 1024)]).chain()
    addresses = np.array([0, 2**64 - 2], np.uint64)
    with pytest.raises(ValueError, match=f"access 1 at {2**64 - 2:#x} ends beyond 2\\*\\*64"):
        chain.run(addresses, np.zeros(2, np.uint8), np.array([1, 4], np.int64), 1)


def test_an_access_of_no_bytes_stops_the_chain_before_any_access_runs():
    level = CacheLevel("L1", 1024, 64, 2, 1024)
    hierarchy = FastHierarchy([level])
    with pytest.raises(ValueError, match="at least 1 byte, got 0"):
        hierarchy.chain().run(
            np.array([0, 64], np.uint64), np.zeros(2, np.uint8), np.array([4, 0], np.int64), 1
        )
    assert not hierarchy.counters.any()
    assert hierarchy.contents() == FastHierarchy([level]).contents()
