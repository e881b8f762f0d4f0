"""Laws that only some policies claim: the stack property (LRU; not FIFO, whose Bélády anomaly
hypothesis finds) and independent sets (every built-in policy but random, whose one generator
serves all the sets of a level)."""

from collections import defaultdict

import attrs

from sim.cache import make_hierarchy
from sim.cache.policies import policy_name
from sim.cache.reference import ReferenceCache
from sim.hw.model import CacheLevel, WritePolicy
from sim.testing.replay import as_arrays, as_levels, as_trace, fail, line_accesses, shown_lines


def check_stack_property(levels, trace) -> None:
    """For each level, replay the lines of `trace` (as loads: the property is about the order
    of references) through that level alone with 1, 2, ... up to its ways + 1 ways, the same
    sets, line size and policy. With the stack property (a smaller cache's lines are always
    among a bigger one's, as in LRU) a bigger cache has, after every access, missed no more
    often than a smaller one; without it (FIFO) it may have: Bélády's anomaly."""
    trace = as_trace(trace)
    for level in as_levels(levels):
        accesses = [
            (line, start, size, False)
            for line, start, size, _ in line_accesses(trace, level.line_bytes)
        ]
        fewer = None
        for ways in range(1, level.share_ways + 2):
            misses = _misses_so_far(level, ways, accesses)
            if fewer is not None:
                _compare(level, fewer, (ways, misses), accesses)
            fewer = ways, misses


def _misses_so_far(level: CacheLevel, ways: int, accesses) -> list[int]:
    """After each access, the misses of a one-level cache like `level` with `ways` ways."""
    size = level.sets * ways * level.line_bytes
    grown = attrs.evolve(
        level, size_bytes=size, ways=ways, share_bytes=size, write_policy=WritePolicy.WRITE_BACK
    )
    cache, misses = ReferenceCache(grown), []
    for access in accesses:
        cache.access(*access)
        misses.append(cache.counts["misses"])
    return misses


def _compare(level, fewer, more, accesses) -> None:
    (few, few_misses), (many, many_misses) = fewer, more
    for n, (small, big) in enumerate(zip(few_misses, many_misses), start=1):
        if big > small:
            fail(
                "stack property",
                f"{level.name} ({policy_name(level.replacement)}, {level.sets} "
                f"set{'s' if level.sets > 1 else ''}, {level.line_bytes} B lines)",
                f"after the lines {shown_lines(accesses[:n])}, {few} ways have missed "
                f"{small} times, {many} ways {big} times",
            )


def check_sets_independent(levels, trace) -> None:
    """The first level alone: each set ends the trace holding what it holds after only the
    trace's accesses to that set, for a policy that keeps its state per set."""
    level, trace = as_levels(levels)[0], as_trace(trace)
    accesses = line_accesses(trace, level.line_bytes)
    whole = make_hierarchy([level])
    whole.run(*as_arrays(accesses))
    contents = whole.contents()[0]
    by_set = defaultdict(list)
    for access in accesses:
        by_set[access[0] % level.sets].append(access)
    for index, own in sorted(by_set.items()):
        alone = make_hierarchy([level])
        alone.run(*as_arrays(own))
        if alone.contents()[0][index] != contents[index]:
            fail(
                "sets are independent",
                level.name,
                f"set {index} holds {_lines(contents[index])} after the whole trace, "
                f"{_lines(alone.contents()[0][index])} after its own accesses "
                f"(lines {shown_lines(own)})",
            )


def _lines(ways) -> str:
    return "[" + ", ".join("-" if way is None else f"{way[0]:#x}" for way in ways) + "]"
