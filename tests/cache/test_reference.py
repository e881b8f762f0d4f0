"""Exact contents and counts on tiny hand-made traces, for both engines.

Each case is small enough to follow on paper; the comment above it is the hand computation.
Contents are per set, per way: (line's byte address, dirty) or None.
"""

import numpy as np
import pytest

from sim.cache import ENGINES, make_hierarchy, simulate
from sim.cache.xorshift import next_victim, seed_state
from sim.hw.load import load_hardware
from sim.hw.model import CacheLevel, Replacement, WritePolicy

LINE = 64
A, B, C, D, E = (k * LINE for k in range(5))  # five lines; in a 1-set cache all collide

engines = pytest.mark.parametrize("engine", ENGINES)


def level(ways=2, sets=1, replacement=Replacement.LRU, **options) -> CacheLevel:
    size = sets * ways * LINE
    return CacheLevel(
        "L1", size, LINE, ways, options.pop("share_bytes", size), replacement, **options
    )


def replay(levels, addresses, writes=False, sizes=None, engine="fast"):
    hierarchy = make_hierarchy(levels, engine)
    stats = hierarchy.run(np.array(addresses, dtype=np.uint64), writes, sizes)
    return hierarchy, stats


def first_set(hierarchy, depth=0):
    return hierarchy.contents()[depth][0]


def clean(*lines):
    return tuple((line, False) for line in lines)


@engines
def test_lru_evicts_the_least_recently_used(engine):
    # A B fill ways 0, 1; A hits (B is now LRU); C evicts B into way 1.
    h, stats = replay([level()], [A, B, A, C], engine=engine)
    assert first_set(h) == clean(A, C)
    s = stats.levels[0]
    assert (s.accesses, s.hits, s.misses, s.evictions, s.writebacks) == (4, 1, 3, 1, 0)
    assert stats.dram_read_bytes == 3 * LINE


@engines
def test_fifo_evicts_the_oldest_fill_even_if_used(engine):
    # A B fill; A hits but stays oldest; C evicts A from way 0.
    h, _ = replay([level(replacement=Replacement.FIFO)], [A, B, A, C], engine=engine)
    assert first_set(h) == clean(C, B)


@engines
def test_tree_plru_four_ways(engine):
    # Fills A..D touch ways 0..3; then all three node bits point left (root, left pair, right
    # pair). Touching A sets root -> right, left pair -> right; the victim walk goes right,
    # then left: way 2, so E replaces C.
    h, _ = replay([level(ways=4, replacement=Replacement.PLRU)], [A, B, C, D, A, E], engine=engine)
    assert first_set(h) == clean(A, B, E, D)


@engines
def test_tree_plru_three_ways_never_picks_a_missing_leaf(engine):
    # Three ways in a four-leaf tree. After fills A B C the walk goes left, left: way 0 (A).
    # D's fill points the root right; the right pair's bit points at leaf 3, which does not
    # exist, so the walk takes way 2: E replaces C.
    h, _ = replay([level(ways=3, replacement=Replacement.PLRU)], [A, B, C, D, E], engine=engine)
    assert first_set(h) == clean(D, B, E)


@engines
def test_random_replacement_follows_the_seeded_xorshift(engine):
    seed = 12345
    _, victim = next_victim(seed_state(seed), 2)
    h, _ = replay([level(replacement=Replacement.RANDOM, seed=seed)], [A, B, C], engine=engine)
    expected = [A, B]
    expected[victim] = C
    assert first_set(h) == clean(*expected)


@engines
def test_store_hit_refresh_flag(engine):
    # A B; a store to A hits. Textbook LRU refreshes A, so C evicts B; without the refresh
    # A is still the least recently used and C evicts it.
    trace = [A, B, A, C]
    writes = np.array([False, False, True, False])
    refreshing, _ = replay([level()], trace, writes, engine=engine)
    assert first_set(refreshing) == ((A, True), (C, False))
    stale, stats = replay([level(store_hit_refreshes=False)], trace, writes, engine=engine)
    assert first_set(stale) == ((C, False), (B, False))
    assert stats.levels[0].writebacks == 1 and stats.dram_write_bytes == LINE


@engines
def test_write_back_allocates_dirty_and_writes_back_once(engine):
    # A store misses: the line is fetched (64 B read) and kept dirty. B, C evict A: one
    # write-back of 64 B. The flush writes the dirty lines still held: none here.
    hierarchy = make_hierarchy([level()], engine)
    stats = hierarchy.run(np.array([A, B, C], np.uint64), np.array([True, False, False]), 4)
    assert stats.dram_read_bytes == 3 * LINE and stats.dram_write_bytes == LINE
    assert stats.levels[0].writebacks == 1
    assert hierarchy.flush().dram_write_bytes == 0


@engines
def test_flush_writes_each_dirty_line_once_and_keeps_it_clean(engine):
    hierarchy = make_hierarchy([level()], engine)
    hierarchy.run(np.array([A, B], np.uint64), True, 4)
    flush = hierarchy.flush()
    assert flush.dram_write_bytes == 2 * LINE and flush.levels[0].writebacks == 2
    assert first_set(hierarchy) == clean(A, B)
    assert hierarchy.flush().dram_write_bytes == 0


@engines
def test_whole_line_store_needs_no_fetch(engine):
    hierarchy, stats = replay([level()], [A], True, LINE, engine=engine)
    assert stats.levels[0].misses == 1 and stats.dram_read_bytes == 0
    assert first_set(hierarchy) == ((A, True), None)


@engines
def test_write_through_forwards_stores_and_never_allocates_on_them(engine):
    # Store A misses: 4 B go down, nothing is allocated. Load A: fetched, clean. Store A hits:
    # 4 more bytes go down, the line stays clean.
    wt = level(write_policy=WritePolicy.WRITE_THROUGH)
    h, stats = replay([wt], [A, A, A], np.array([True, False, True]), 4, engine=engine)
    assert first_set(h) == ((A, False), None)
    s = stats.levels[0]
    assert (s.hits, s.misses, s.writebacks) == (1, 2, 0)
    assert (stats.dram_read_bytes, stats.dram_write_bytes) == (LINE, 8)


@engines
def test_straddling_access_counts_once_per_line(engine):
    # 8 bytes at 60 touch lines 0 and 1: two line accesses, two misses.
    _, stats = replay([level()], [60], False, 8, engine=engine)
    assert stats.levels[0].accesses == 2 and stats.levels[0].misses == 2


@engines
def test_hierarchy_passes_misses_and_dirty_victims_down(engine):
    # L1: 1 set x 1 way; L2: 1 set x 4 ways. Store A: L1 miss -> L2 read miss. Load B: L1
    # evicts dirty A (after fetching B: L2 read miss for B, then L2 write hit for A).
    l1 = CacheLevel("L1", LINE, LINE, 1, LINE)
    l2 = CacheLevel("L2", 4 * LINE, LINE, 4, 4 * LINE)
    h, stats = replay([l1, l2], [A, B], np.array([True, False]), 4, engine=engine)
    one, two = stats.levels
    assert (one.accesses, one.misses, one.evictions, one.writebacks) == (2, 2, 1, 1)
    assert (two.accesses, two.hits, two.misses) == (3, 1, 2)
    assert first_set(h, 1) == ((A, True), (B, False), None, None)


@engines
def test_write_through_l1_sends_stores_to_l2(engine):
    l1 = CacheLevel("L1", LINE, LINE, 1, LINE, write_policy=WritePolicy.WRITE_THROUGH)
    l2 = CacheLevel("L2", 2 * LINE, LINE, 2, 2 * LINE)
    h, stats = replay([l1, l2], [A, A], np.array([False, True]), 4, engine=engine)
    assert stats.levels[1].accesses == 2  # the fill, then the 4-byte store
    assert first_set(h, 1) == ((A, True), None)


@engines
def test_share_is_a_way_partition(engine):
    # 4 sets x 4 ways, share of one quarter: every set keeps 1 way. Lines 0 and 4 share set 0.
    shared = CacheLevel("L2", 4 * 4 * LINE, LINE, 4, 4 * LINE)
    h, stats = replay([shared], [0, 4 * LINE, 0], engine=engine)
    assert stats.levels[0].misses == 3
    assert h.contents()[0] == (((0, False),), (None,), (None,), (None,))


def test_pi3_l2_share_keeps_all_sets_and_four_ways():
    l1, l2 = load_hardware("pi3").with_units(1).with_share(128 * 1024).caches
    assert (l2.sets, l2.share_ways) == (512, 4)
    contents = make_hierarchy([l1, l2]).contents()[1]
    assert len(contents) == 512 and {len(ways) for ways in contents} == {4}


@engines
def test_direct_mapped_conflicts_hand_computed(engine):
    # 4 sets x 1 way: A and the line 4 lines above it map to set 0 and evict each other every
    # time: 10 alternations, 20 misses. With 2 ways both stay: 2 misses.
    trace = [A, 4 * LINE] * 10
    dm = CacheLevel("L1", 4 * LINE, LINE, 1, 4 * LINE)
    two_way = CacheLevel("L1", 8 * LINE, LINE, 2, 8 * LINE)
    assert simulate([dm], np.array(trace, np.uint64), False, engine=engine).levels[0].misses == 20
    misses = simulate([two_way], np.array(trace, np.uint64), False, engine=engine).levels[0].misses
    assert misses == 2


@engines
def test_addresses_above_2_to_the_32_and_at_the_top(engine):
    high = 2**40 + 3 * LINE
    top = 2**64 - LINE
    h, stats = replay(
        [level()], [high, top, high], np.array([False, True, False]), 4, engine=engine
    )
    assert first_set(h) == ((high, False), (top, True))
    assert stats.levels[0].hits == 1


@engines
def test_an_access_past_2_to_the_64_is_refused(engine):
    with pytest.raises(ValueError, match="beyond 2\\*\\*64"):
        replay([level()], [2**64 - 2], False, 4, engine=engine)
