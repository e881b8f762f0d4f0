"""The public strategies draw what they promise, and refuse arguments they cannot honour."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.cache.policies import LRU
from sim.hw.model import Replacement, WritePolicy
from sim.testing import (
    cache_levels,
    crowded_traces,
    fitting_traces,
    hierarchies,
    traces,
)

DRAWS = settings(max_examples=60, deadline=None)


@DRAWS
@given(
    level=cache_levels(
        policy="plru", write_policy="write_through", ways=5, max_sets=3, line_bytes=16
    )
)
def test_fixed_options_are_honoured(level):
    assert (level.replacement, level.write_policy) == (Replacement.PLRU, WritePolicy.WRITE_THROUGH)
    assert (level.ways, level.line_bytes) == (5, 16) and 1 <= level.sets <= 3
    assert 1 <= level.share_ways <= level.ways


@DRAWS
@given(level=cache_levels(policy=st.sampled_from([LRU, "fifo", Replacement.RANDOM])))
def test_a_policy_strategy_may_mix_classes_names_and_members(level):
    assert level.replacement in (LRU, Replacement.FIFO, Replacement.RANDOM)


@DRAWS
@given(levels=hierarchies(min_levels=2, max_levels=3, policy="lru"))
def test_hierarchies_name_their_levels_innermost_first(levels):
    assert [level.name for level in levels] == [f"L{k}" for k in range(1, len(levels) + 1)]
    assert 2 <= len(levels) <= 3
    assert {level.replacement for level in levels} == {Replacement.LRU}


@DRAWS
@given(trace=traces(max_accesses=30, max_size_bytes=130, max_addresses=5, writes=True))
def test_traces_stay_in_64_bits_within_their_bounds(trace):
    addresses, is_write, sizes = trace
    assert len(addresses) <= 30 and len(set(addresses.tolist())) <= 5
    assert is_write.all() and ((sizes >= 1) & (sizes <= 130)).all()
    assert all(a + s <= 2**64 for a, s in zip(addresses.tolist(), sizes.tolist()))


@DRAWS
@given(data=st.data(), level=cache_levels())
def test_fitting_traces_fit_and_crowded_ones_overflow(data, level):
    lines = data.draw(fitting_traces(level)).addresses // np.uint64(level.line_bytes)
    per_set = np.bincount((np.unique(lines) % np.uint64(level.sets)).astype(np.int64))
    assert per_set.max() <= level.share_ways
    crowded = data.draw(crowded_traces(level)).addresses // np.uint64(level.line_bytes)
    assert crowded.max() < level.sets * (level.share_ways + 2)


@DRAWS
@given(trace=traces())
def test_a_trace_prints_as_lists_that_replay_as_it(trace):
    again = eval(repr(trace), {"Trace": type(trace)})
    assert all((np.asarray(a) == b).all() for a, b in zip(again, trace))


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: cache_levels(policy="lur"), "unknown policy 'lur' (known: lru, fifo, plru"),
        (lambda: cache_levels(policy=3), "policy must be a name, a Replacement or a"),
        (lambda: cache_levels(write_policy="wb"), "'wb' is not a valid WritePolicy"),
        (lambda: cache_levels(max_sets=0), "max_sets must be at least 1"),
        (lambda: hierarchies(min_levels=3, max_levels=2), "need 1 <= min_levels <= max_levels"),
        (lambda: traces(max_addresses=0), "max_addresses >= 1"),
    ],
)
def test_bad_arguments_are_refused_when_the_strategy_is_made(make, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        make()
