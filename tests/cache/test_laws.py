"""The laws of caches, as hypothesis properties over random geometries, policies and traces."""

from collections import OrderedDict

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.cache import FastHierarchy, ReferenceHierarchy, make_hierarchy, simulate
from sim.hw.model import CacheLevel, Replacement, WritePolicy
from tests.strategies import cache_levels, crowded_traces, hierarchies, line_traces, traces

LAWS = settings(max_examples=150, deadline=None)
WRITE_BACK = st.just(WritePolicy.WRITE_BACK)
LRU = st.just(Replacement.LRU)


def distinct_lines(addresses, sizes, line_bytes: int) -> set[int]:
    lines = set()
    for address, size in zip(addresses.tolist(), sizes.tolist()):
        lines.update(range(address // line_bytes, (address + size - 1) // line_bytes + 1))
    return lines


@LAWS
@given(levels=hierarchies(), trace=traces(), cut=st.floats(0, 1), buffer=st.integers(2, 9))
def test_fast_kernel_and_reference_agree_exactly(levels, trace, cut, buffer):
    """Counts, DRAM bytes and contents (way by way) after a trace given in two pieces, and
    after the flush; tiny request buffers make the kernel stop and resume inside accesses."""
    addresses, is_write, sizes = trace
    split = int(cut * len(addresses))
    fast, reference = FastHierarchy(levels, buffer_requests=buffer), ReferenceHierarchy(levels)
    for piece in (slice(0, split), slice(split, None)):
        args = addresses[piece], is_write[piece], sizes[piece]
        assert fast.run(*args) == reference.run(*args)
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
@given(levels=hierarchies(), trace=traces())
def test_hits_plus_misses_are_accesses_at_every_level(levels, trace):
    for level in simulate(levels, *trace).levels:
        assert level.hits + level.misses == level.accesses
        assert level.evictions <= level.misses and level.writebacks >= 0


@LAWS
@given(level=cache_levels(), trace=traces())
def test_misses_are_at_least_the_distinct_lines(level, trace):
    misses = simulate([level], *trace).levels[0].misses
    assert misses >= len(distinct_lines(trace[0], trace[2], level.line_bytes))


@LAWS
@given(data=st.data(), level=cache_levels(write_policy=WRITE_BACK))
def test_misses_equal_distinct_lines_when_the_footprint_fits(data, level):
    """Write-back allocates on every miss, so a footprint that fits every set only ever
    misses once per line, whatever the policy."""
    addresses, is_write = data.draw(line_traces(level, max_lines=3 * level.share_ways))
    stats = simulate([level], addresses, is_write).levels[0]
    assert stats.misses == len(set(addresses.tolist())) and stats.evictions == 0


@LAWS
@given(data=st.data(), level=cache_levels())
def test_a_second_replay_of_a_fitting_trace_hits_every_time(data, level):
    """Write-through does not allocate on stores, so its trace is read-only here."""
    writes = st.booleans() if level.write_policy is WritePolicy.WRITE_BACK else st.just(False)
    addresses, is_write = data.draw(line_traces(level, 3 * level.share_ways, writes=writes))
    hierarchy = make_hierarchy([level])
    hierarchy.run(addresses, is_write)
    second = hierarchy.run(addresses, is_write).levels[0]
    assert second.hits == second.accesses == len(addresses)


@LAWS
@given(
    trace=traces(max_size_bytes=1),
    small=st.integers(1, 8),
    extra=st.integers(1, 8),
    line=st.sampled_from([1, 8, 64]),
)
def test_fully_associative_lru_never_misses_more_when_it_grows(trace, small, extra, line):
    """The inclusion property: a bigger LRU stack holds everything the smaller one does."""

    def misses(ways: int) -> int:
        level = CacheLevel("L1", ways * line, line, ways, ways * line)
        return simulate([level], *trace).levels[0].misses

    assert misses(small + extra) <= misses(small)


@LAWS
@given(data=st.data(), level=cache_levels(max_sets=1), sets=st.integers(2, 7))
def test_a_trace_confined_to_one_set_behaves_as_a_one_set_cache(data, level, sets):
    """Lines k * sets all map to set 0 of a `sets`-set cache; divided by `sets` they are the
    same trace for a fully associative (1-set) cache of the same ways."""
    addresses, is_write = data.draw(line_traces(level, max_lines=12))
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
@given(trace=traces(max_size_bytes=1, writes=st.just(False)), ways=st.integers(1, 20))
def test_one_set_lru_is_the_textbook_lru_list(trace, ways):
    """An independent third model: an ordered dict of at most `ways` lines."""
    addresses = trace[0]
    recent: OrderedDict[int, None] = OrderedDict()
    hits = 0
    for line in (addresses // np.uint64(8)).tolist():
        if line in recent:
            hits += 1
            recent.move_to_end(line)
        else:
            if len(recent) == ways:
                recent.popitem(last=False)
            recent[line] = None
    level = CacheLevel("L1", 8 * ways, 8, ways, 8 * ways)
    assert simulate([level], addresses, False).levels[0].hits == hits


@LAWS
@given(level=cache_levels(write_policy=WRITE_BACK), trace=traces())
def test_dram_writes_are_the_dirty_lines_evicted_or_flushed_each_once(level, trace):
    addresses, is_write, sizes = trace
    hierarchy = make_hierarchy([level])
    stats = hierarchy.run(addresses, is_write, sizes) + hierarchy.flush()
    writebacks = stats.levels[0].writebacks
    assert stats.dram_write_bytes == writebacks * level.line_bytes
    written = distinct_lines(addresses[is_write], sizes[is_write], level.line_bytes)
    written_accesses = sum(
        len(distinct_lines(addresses[i : i + 1], sizes[i : i + 1], level.line_bytes))
        for i in np.flatnonzero(is_write)
    )
    assert len(written) <= writebacks <= written_accesses
    assert not any(way[1] for ways in hierarchy.contents()[0] for way in ways if way)
    assert hierarchy.flush().dram_write_bytes == 0


@LAWS
@given(data=st.data(), level=cache_levels(write_policy=WRITE_BACK))
def test_without_evictions_each_written_line_reaches_dram_exactly_once(data, level):
    addresses, is_write = data.draw(line_traces(level, max_lines=3 * level.share_ways))
    stats = simulate([level], addresses, is_write)
    assert stats.dram_write_bytes == len(set(addresses[is_write].tolist())) * level.line_bytes


@LAWS
@given(levels=hierarchies(write_policy=WRITE_BACK), trace=traces())
def test_an_all_write_back_hierarchy_writes_only_the_last_levels_victims(levels, trace):
    stats = simulate(levels, *trace)
    assert stats.dram_write_bytes == stats.levels[-1].writebacks * levels[-1].line_bytes
    assert stats.dram_read_bytes <= stats.levels[-1].misses * levels[-1].line_bytes


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


@LAWS
@given(level=cache_levels(replacement=st.just(Replacement.RANDOM)), trace=traces())
def test_random_replacement_is_deterministic_per_seed(level, trace):
    first = make_hierarchy([level])
    second = make_hierarchy([level])
    assert first.run(*trace) == second.run(*trace)
    assert first.contents() == second.contents()
