"""What only the fast kernel has: buffers that stop and resume, state kept across calls, wide
sets kept by stamps, one native specialization for every input, its input checks."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.cache import FastHierarchy, ReferenceHierarchy, make_hierarchy
from sim.cache.kernel import NIBBLE_WAYS, clean_level, run_level
from sim.hw.model import CacheLevel, Replacement
from sim.testing import cache_levels, crowded_traces, traces

KERNEL = settings(max_examples=100, deadline=None)


@KERNEL
@given(
    data=st.data(),
    level=cache_levels(
        ways=st.integers(NIBBLE_WAYS + 1, 24), policy=st.sampled_from(["lru", "fifo"]), max_sets=2
    ),
)
def test_sets_wider_than_the_nibble_order_agree_with_the_reference(data, level):
    trace = data.draw(crowded_traces(level))
    fast, reference = make_hierarchy([level]), ReferenceHierarchy([level])
    assert fast.run(*trace) == reference.run(*trace)
    assert fast.contents() == reference.contents()


@KERNEL
@given(level=cache_levels(), trace=traces(), pieces=st.integers(1, 6))
def test_a_trace_in_pieces_counts_as_the_whole(level, trace, pieces):
    whole, split = make_hierarchy([level]), make_hierarchy([level])
    total = whole.run(*trace)
    bounds = np.linspace(0, len(trace.addresses), pieces + 1).astype(int)
    parts = [split.run(*(a[lo:hi] for a in trace)) for lo, hi in zip(bounds, bounds[1:])]
    assert sum(parts[1:], parts[0]) == total
    assert whole.contents() == split.contents()


def test_an_access_longer_than_the_buffer_resumes_inside_it():
    # 1 KiB in 64 B lines: 16 line accesses, 16 fills, through a 2-request buffer.
    levels = [CacheLevel("L1", 4096, 64, 4, 4096), CacheLevel("L2", 8192, 64, 8, 8192)]
    fast = FastHierarchy(levels, buffer_requests=2)
    stats = fast.run(np.array([0], np.uint64), False, 1024)
    assert [s.accesses for s in stats.levels] == [16, 16]
    assert stats.dram_read_bytes == 1024


def test_one_compiled_specialization_serves_every_input():
    """A `replay` never needs the JIT: every call reaches the library's one specialization."""
    level = CacheLevel("L1", 1024, 64, 2, 1024)
    before = run_level.jit_calls, clean_level.jit_calls
    h = make_hierarchy([level, level.__class__("L2", 4096, 64, 4, 4096)])
    h.run(np.arange(10, dtype=np.int64), np.zeros(10, np.int32), None)
    h.run(np.arange(10, dtype=np.uint32), True, 8)
    h.run(np.arange(10, dtype=np.uint64), np.ones(10, bool), np.full(10, 3, np.int16))
    h.run([1, 2, 3], [True, False, True], [1, 2, 3])
    h.flush()
    assert (run_level.jit_calls, clean_level.jit_calls) == before


@pytest.mark.parametrize(
    "addresses, is_write, sizes, message",
    [
        (np.array([-1]), False, None, "negative"),
        (np.array([1.5]), False, None, "integers"),
        (np.zeros((2, 2), np.uint64), False, None, "one-dimensional"),
        (np.zeros(3, np.uint64), np.zeros(2, bool), None, "shape"),
        (np.zeros(3, np.uint64), False, 0, "at least 1 byte"),
        (np.zeros(3, np.uint64), False, np.array([1, 0, 1]), "at least 1 byte"),
        (np.zeros(3, np.uint64), False, np.array([1, 1]), "shape"),
    ],
)
def test_bad_arrays_are_refused(addresses, is_write, sizes, message):
    with pytest.raises(ValueError, match=message):
        make_hierarchy([CacheLevel("L1", 1024, 64, 2, 1024)]).run(addresses, is_write, sizes)


def test_plru_beyond_64_ways_is_refused():
    level = CacheLevel("L1", 128 * 64, 64, 128, 128 * 64, Replacement.PLRU)
    with pytest.raises(ValueError, match="64 ways"):
        FastHierarchy([level])
