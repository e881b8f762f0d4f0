"""The laws of caches, as hypothesis properties over random geometries, policies and traces.

The strategies and the law checks are the public ones of `sim.testing`: what a user runs on a
policy of their own, we run on ours. Below them, what only our engines promise (the fast
kernel is the reference's twin, in any number of pieces) and three independent models.
"""

from collections import OrderedDict

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.cache import FastHierarchy, ReferenceHierarchy, make_hierarchy, simulate
from sim.hw.model import CacheLevel
from sim.testing import (
    cache_levels,
    check_laws,
    check_sets_independent,
    check_stack_property,
    crowded_traces,
    fitting_traces,
    hierarchies,
    traces,
)

LAWS = settings(max_examples=100, deadline=None)
BUILT_IN = ["lru", "fifo", "plru", "random"]


@pytest.mark.parametrize("policy", BUILT_IN)
def test_every_built_in_policy_obeys_the_laws(policy):
    """The issue's MRU test (tests/cache/test_policies.py), with each built-in by name."""

    @LAWS
    @given(cache_levels(policy=policy), traces())
    def test_policy_obeys_the_laws(levels, trace):
        check_laws(levels, trace)

    test_policy_obeys_the_laws()


@LAWS
@given(levels=hierarchies(), trace=traces())
def test_hierarchies_of_any_policies_obey_the_laws(levels, trace):
    check_laws(levels, trace)


@LAWS
@given(levels=hierarchies(policy="lru"), trace=traces())
def test_lru_has_the_stack_property(levels, trace):
    check_stack_property(levels, trace)


@LAWS
@given(level=cache_levels(policy=st.sampled_from(["lru", "fifo", "plru"])), trace=traces())
def test_policies_with_state_per_set_keep_sets_independent(level, trace):
    check_sets_independent(level, trace)


@LAWS
@given(levels=hierarchies(), trace=traces(), cut=st.floats(0, 1), buffer=st.integers(2, 9))
def test_fast_kernel_and_reference_agree_exactly_in_pieces(levels, trace, cut, buffer):
    """Counts, DRAM bytes and contents (way by way) after a trace given in two pieces, and
    after the flush; tiny request buffers make the kernel stop and resume inside accesses."""
    split = int(cut * len(trace.addresses))
    fast, reference = FastHierarchy(levels, buffer_requests=buffer), ReferenceHierarchy(levels)
    for piece in (slice(0, split), slice(split, None)):
        part = [array[piece] for array in trace]
        assert fast.run(*part) == reference.run(*part)
        assert fast.contents() == reference.contents()
    assert fast.flush() == reference.flush()
    assert fast.contents() == reference.contents()
    assert fast.totals() == reference.totals()


@LAWS
@given(data=st.data(), level=cache_levels())
def test_replacement_decisions_agree_in_crowded_sets(data, level):
    """Every set overfilled: each policy's victims, one after another, match the reference."""
    trace = data.draw(crowded_traces(level))
    fast, reference = make_hierarchy([level]), ReferenceHierarchy([level])
    assert fast.run(*trace) == reference.run(*trace)
    assert fast.contents() == reference.contents()


@LAWS
@given(data=st.data(), level=cache_levels(max_sets=1), sets=st.integers(2, 7))
def test_a_trace_confined_to_one_set_behaves_as_a_one_set_cache(data, level, sets):
    """Lines k * sets all map to set 0 of a `sets`-set cache; divided by `sets` they are the
    same trace for a fully associative (1-set) cache of the same ways."""
    addresses, is_write, _ = data.draw(fitting_traces(level, max_lines=12))
    lines = addresses // np.uint64(level.line_bytes)
    wide = CacheLevel(
        "L1",
        sets * level.size_bytes,
        level.line_bytes,
        level.ways,
        sets * level.share_bytes,
        level.replacement,
        level.write_policy,
        store_hit_refreshes=level.store_hit_refreshes,
        seed=level.seed,
    )
    spread = lines * np.uint64(sets * level.line_bytes)
    one_set = simulate([level], addresses, is_write)
    many_sets = simulate([wide], spread, is_write)
    assert one_set.levels == many_sets.levels


@LAWS
@given(trace=traces(max_size_bytes=1, writes=False), ways=st.integers(1, 20))
def test_one_set_lru_is_the_textbook_lru_list(trace, ways):
    """An independent third model: an ordered dict of at most `ways` lines."""
    recent: OrderedDict[int, None] = OrderedDict()
    hits = 0
    for line in (trace.addresses // np.uint64(8)).tolist():
        if line in recent:
            hits += 1
            recent.move_to_end(line)
        else:
            if len(recent) == ways:
                recent.popitem(last=False)
            recent[line] = None
    level = CacheLevel("L1", 8 * ways, 8, ways, 8 * ways)
    assert simulate([level], trace.addresses, False).levels[0].hits == hits


@LAWS
@given(
    sets=st.integers(1, 16),
    line=st.sampled_from([1, 16, 64]),
    conflicting=st.integers(1, 5),
    rounds=st.integers(1, 6),
)
def test_direct_mapped_conflicts(sets, line, conflicting, rounds):
    """k lines of one set, cycled r times through one way: every access misses (k >= 2),
    or only the first (k = 1)."""
    level = CacheLevel("L1", sets * line, line, 1, sets * line)
    lines = np.arange(conflicting, dtype=np.uint64) * np.uint64(sets)
    addresses = np.tile(lines, rounds) * np.uint64(line)
    misses = simulate([level], addresses, False).levels[0].misses
    assert misses == (conflicting * rounds if conflicting > 1 else 1)
