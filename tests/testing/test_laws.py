"""Each law of `check_laws` fails, naming itself, the level and the counts, when a hierarchy
breaks it; the claims fail on the policies that do not have them."""

import attrs
import numpy as np
import pytest

import sim.testing.laws as laws
from sim.cache import ReplacementPolicy, make_hierarchy
from sim.cache.policies import BUILT_IN, LRU
from sim.hw.model import CacheLevel, Replacement
from sim.testing import check_laws, check_sets_independent, check_stack_property

LEVEL = CacheLevel("L1", 256, 64, 2, 256)  # 2 sets of 2 ways
# Lines 0 1 0 2 0 1 (set = line % 2): 3 misses, 3 hits, no eviction; lines 0 and 1 stored to.
TRACE = (np.array([0, 64, 0, 128, 4, 64], np.uint64), np.array([0, 1, 0, 0, 1, 0], bool))


class Tampered:
    """A real hierarchy whose answers `alter(what, answer, call)` changes (call: 1, 2, ...)."""

    def __init__(self, hierarchy, alter):
        self.hierarchy, self.alter, self.calls = hierarchy, alter, {}

    def __getattr__(self, what):
        def answer(*args):
            self.calls[what] = self.calls.get(what, 0) + 1
            return self.alter(what, getattr(self.hierarchy, what)(*args), self.calls[what])

        return answer


def _level(stats, **changes):
    return attrs.evolve(stats, levels=(attrs.evolve(stats.levels[0], **changes),))


def _moved_to_set_0(contents):
    (level,) = contents
    return ((level[1], level[0]),)  # set 1's lines now sit in set 0 and set 0's in set 1


def _dirty(contents):
    (level,) = contents
    return (tuple(tuple((way[0], True) if way else None for way in s) for s in level),)


CASES = {
    "counts add up": (
        lambda what, a, n: _level(a, hits=a.levels[0].hits + 1) if what == "run" else a,
        "counts add up: fails at level L1 in the run: hits 4 + misses 3 != accesses 6",
    ),
    "compulsory misses": (
        lambda what, a, n: _level(a, hits=6, misses=0) if what == "run" else a,
        "compulsory misses: fails at level L1: 0 misses, but the trace touches 3 distinct lines",
    ),
    "occupancy": (
        lambda what, a, n: _moved_to_set_0(a) if what == "contents" and n == 2 else a,
        "occupancy: fails at level L1: line 0x40 sits in set 0, its address maps to set 1",
    ),
    "flush cleans": (
        lambda what, a, n: _dirty(a) if what == "contents" and n == 2 else a,
        "flush cleans: fails at level L1: 3 dirty lines after the flush, first 0x0",
    ),
    "dirty lines written once": (
        lambda what, a, n: _level(a, writebacks=3) if what == "flush" and n == 1 else a,
        "dirty lines written once: fails at level L1: 3 write-backs for 2 distinct lines stored "
        "to in 2 line stores",
    ),
    "DRAM traffic": (
        lambda what, a, n: attrs.evolve(a, dram_read_bytes=256) if what == "run" else a,
        "DRAM traffic: fails at level L1: 256 B read from DRAM for 3 misses of 64 B lines",
    ),
    "a fitting trace hits when replayed": (
        lambda what, a, n: _level(a, hits=5, misses=1) if what == "run" and n == 2 else a,
        "a fitting trace hits when replayed: fails at level L1: second replay: 5 hits of 6, "
        "0 accesses below",
    ),
}


@pytest.mark.parametrize("law", CASES)
def test_a_hierarchy_that_breaks_a_law_fails_it_by_name(monkeypatch, law):
    alter, message = CASES[law]
    real = laws.make_hierarchy
    monkeypatch.setattr(laws, "make_hierarchy", lambda *a: Tampered(real(*a), alter))
    with pytest.raises(AssertionError) as failure:
        check_laws(LEVEL, TRACE)
    assert str(failure.value) == message


def test_the_untampered_hierarchy_obeys_every_law():
    check_laws(LEVEL, TRACE)
    check_laws([LEVEL, attrs.evolve(LEVEL, name="L2", replacement=LRU)], TRACE)


class RoundRobin(ReplacementPolicy):
    """Evicts ways in turn, counting on the class: every instance shares the count."""

    turn = 0

    def victim(self, set_index):
        RoundRobin.turn += 1
        return RoundRobin.turn % self.ways


def test_a_policy_sharing_state_between_instances_is_not_deterministic():
    # One set of 2 ways, A B C D E: three victims, ways 1 0 1 in the first hierarchy and
    # 0 1 0 in the next, which starts from the first one's count.
    level = CacheLevel("L1", 128, 64, 2, 128, RoundRobin)
    trace = (np.arange(5, dtype=np.uint64) * np.uint64(64), False)
    with pytest.raises(AssertionError) as failure:
        check_laws(level, trace)
    assert str(failure.value) == (
        "deterministic: fails at level L1: two fresh hierarchies end with other contents"
    )


def test_a_reference_policy_unlike_the_kernel_breaks_the_engines_agreement(monkeypatch):
    monkeypatch.setitem(BUILT_IN, Replacement.FIFO, LRU)
    level = CacheLevel("L1", 128, 64, 2, 128, Replacement.FIFO)
    trace = (np.array([0, 64, 0, 128, 0], np.uint64), False)  # FIFO evicts A, LRU evicts B
    with pytest.raises(AssertionError) as failure:
        check_laws(level, trace)
    assert str(failure.value).startswith("engines agree: fails at level L1: fast {")


BELADY = np.array([1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5], np.uint64)  # his reference string


def test_fifo_misses_more_with_four_ways_than_with_three_on_beladys_string():
    level = CacheLevel("L1", 3, 1, 3, 3, Replacement.FIFO)
    with pytest.raises(AssertionError) as failure:
        check_stack_property(level, (BELADY, False))
    assert str(failure.value) == (
        "stack property: fails at level L1 (fifo, 1 set, 1 B lines): after the lines "
        "1 2 3 4 1 2 5 1 2 3 4 5, 3 ways have missed 9 times, 4 ways 10 times"
    )
    check_stack_property(attrs.evolve(level, replacement=Replacement.LRU), (BELADY, False))


class GlobalMRU(ReplacementPolicy):
    """Evicts the way last used in any set: its state is not kept per set."""

    last = 0

    def on_access(self, set_index, way, hit):
        self.last = way

    def victim(self, set_index):
        return self.last


def test_a_policy_sharing_state_between_sets_makes_them_dependent():
    # Set 0: A (way 0), B (way 1); set 1: X (way 0); set 0: C evicts way 0 (A), the last way
    # used in any set. Alone, set 0's own accesses A B C evict B.
    level = CacheLevel("L1", 256, 64, 2, 256, GlobalMRU)
    trace = (np.array([0, 128, 64, 256], np.uint64), False)
    with pytest.raises(AssertionError) as failure:
        check_sets_independent(level, trace)
    assert str(failure.value) == (
        "sets are independent: fails at level L1: set 0 holds [0x100, 0x80] after the whole "
        "trace, [0x0, 0x100] after its own accesses (lines 0 2 4)"
    )
    check_sets_independent(attrs.evolve(level, replacement=Replacement.LRU), trace)


@pytest.mark.parametrize("levels", [[], "L1", [LEVEL, "L2"]])
def test_what_is_not_a_level_is_refused(levels):
    with pytest.raises(TypeError, match="expected a CacheLevel or a sequence of them"):
        check_laws(levels, TRACE)


def test_a_trace_may_be_two_arrays_or_lists_as_a_counterexample_prints():
    check_laws(LEVEL, ([0, 64, 0], [False, True, False]))
    check_laws(LEVEL, ([0, 64, 0], [False, True, False], [1, 2, 64]))
    with pytest.raises(ValueError, match="must not be negative"):
        check_laws(LEVEL, ([-1], [False]))
    assert make_hierarchy([LEVEL]).run([0], False).levels[0].misses == 1
