"""`check_laws`: what every cache hierarchy obeys, whatever its replacement policy.

Each law is a function of the levels, the trace and one replay of it (run, then flush, then a
second flush, through a fresh hierarchy); `LAWS` lists them in the order they are checked.
docs/testing-caches.md says what each one catches.
"""

from attrs import define

from sim.cache import HierarchyStats, make_hierarchy
from sim.cache.policies import is_user_policy
from sim.hw.model import CacheLevel, WritePolicy
from sim.testing.replay import as_arrays, as_levels, as_trace, fail, line_accesses
from sim.testing.strategies import Trace


@define(frozen=True)
class Replay:
    run: HierarchyStats
    held: tuple  # contents after the run: per level, per set, per way
    flush: HierarchyStats
    flushed: tuple  # contents after the flush
    second_flush: HierarchyStats


def replay_fresh(levels: tuple[CacheLevel, ...], trace: Trace, engine: str | None = None) -> Replay:
    """Run, flush, flush again: one fresh hierarchy, engine chosen as `make_hierarchy` does."""
    hierarchy = make_hierarchy(levels, engine)
    run = hierarchy.run(*trace)
    held = hierarchy.contents()
    flush = hierarchy.flush()
    return Replay(run, held, flush, hierarchy.contents(), hierarchy.flush())


def _write_back(level: CacheLevel) -> bool:
    return level.write_policy is WritePolicy.WRITE_BACK


def counts_add_up(levels, trace, replay):
    """hits + misses = accesses and 0 <= evictions <= misses at every level, in the run and
    in the flush; the first level sees one access per line each access touches."""
    for phase, stats in (("the run", replay.run), ("the flush", replay.flush)):
        for s in stats.levels:
            where = f"{s.name} in {phase}"
            if s.hits + s.misses != s.accesses:
                fail(
                    "counts add up",
                    where,
                    f"hits {s.hits} + misses {s.misses} != accesses {s.accesses}",
                )
            if s.evictions > s.misses:
                fail("counts add up", where, f"evictions {s.evictions} > misses {s.misses}")
            if min(s.hits, s.misses, s.evictions, s.writebacks) < 0:
                fail("counts add up", where, f"a negative count in {s.as_dict()}")
    expected = len(line_accesses(trace, levels[0].line_bytes))
    if replay.run.levels[0].accesses != expected:
        fail(
            "counts add up",
            levels[0].name,
            f"{replay.run.levels[0].accesses} accesses, but "
            f"the trace touches {expected} lines access by access",
        )


def compulsory_misses(levels, trace, replay):
    """The first level misses at least once on every distinct line of the trace."""
    distinct = len({a[0] for a in line_accesses(trace, levels[0].line_bytes)})
    misses = replay.run.levels[0].misses
    if misses < distinct:
        fail(
            "compulsory misses",
            levels[0].name,
            f"{misses} misses, but the trace touches {distinct} distinct lines",
        )


def occupancy(levels, trace, replay):
    """Each held line sits in the set its address maps to, once; a write-back level holds
    exactly misses - evictions lines (every miss fills a way), a write-through one at most."""
    for depth, (level, sets) in enumerate(zip(levels, replay.flushed)):
        lines = []
        for index, ways in enumerate(sets):
            for way in filter(None, ways):
                line = way[0] // level.line_bytes
                if line % level.sets != index:
                    fail(
                        "occupancy",
                        level.name,
                        f"line {way[0]:#x} sits in set {index}, "
                        f"its address maps to set {line % level.sets}",
                    )
                lines.append(line)
        if len(set(lines)) != len(lines):
            fail("occupancy", level.name, f"{len(lines) - len(set(lines))} lines held twice")
        total = (replay.run + replay.flush).levels[depth]
        filled = total.misses - total.evictions
        if len(lines) > filled or (_write_back(level) and len(lines) != filled):
            fail(
                "occupancy",
                level.name,
                f"holds {len(lines)} lines after misses "
                f"{total.misses} - evictions {total.evictions} = {filled} fills",
            )


def flush_cleans(levels, trace, replay):
    """A write-through level never holds a dirty line; after the flush no level does, and a
    second flush sends nothing anywhere."""
    for level, before, after in zip(levels, replay.held, replay.flushed):
        for phase, sets, allowed in (("run", before, _write_back(level)), ("flush", after, False)):
            dirty = [way[0] for ways in sets for way in ways if way and way[1]]
            if dirty and not allowed:
                fail(
                    "flush cleans",
                    level.name,
                    f"{len(dirty)} dirty lines after the {phase}, first {dirty[0]:#x}",
                )
    again = replay.second_flush
    if any(s.accesses or s.writebacks for s in again.levels) or again.dram_write_bytes:
        fail("flush cleans", levels[0].name, f"a second flush made {again.as_dict()}")


def dirty_lines_written_once(levels, trace, replay):
    """The first level, if write-back, writes down between the distinct lines stored to and
    the line stores (each dirtied line once per time it was dirtied); if write-through, none."""
    level = levels[0]
    total = (replay.run + replay.flush).levels[0]
    stores = [a[0] for a in line_accesses(trace, level.line_bytes) if a[3]]
    if not _write_back(level):
        if total.writebacks:
            fail(
                "dirty lines written once",
                level.name,
                f"write-through, yet {total.writebacks} write-backs",
            )
    elif not len(set(stores)) <= total.writebacks <= len(stores):
        fail(
            "dirty lines written once",
            level.name,
            f"{total.writebacks} write-backs for "
            f"{len(set(stores))} distinct lines stored to in {len(stores)} line stores",
        )


def dram_traffic(levels, trace, replay):
    """DRAM reads are whole lines of the last level, at most one per miss; a write-back last
    level writes to DRAM exactly its write-backs."""
    last, total = levels[-1], replay.run + replay.flush
    s, line = total.levels[-1], last.line_bytes
    if total.dram_read_bytes % line or total.dram_read_bytes > s.misses * line:
        fail(
            "DRAM traffic",
            last.name,
            f"{total.dram_read_bytes} B read from DRAM for {s.misses} misses of {line} B lines",
        )
    if _write_back(last) and total.dram_write_bytes != s.writebacks * line:
        fail(
            "DRAM traffic",
            last.name,
            f"{total.dram_write_bytes} B written to DRAM for "
            f"{s.writebacks} write-backs of {line} B lines",
        )


def a_fitting_trace_hits_when_replayed(levels, trace, replay):
    """The trace's accesses to as many lines as each set of the first level holds (loads only
    if it is write-through, which does not allocate on stores): the first replay misses once
    per line and evicts nothing; the second hits every time and sends nothing down."""
    level, admitted, load, kept = levels[0], set(), {}, []
    for line, start, n_bytes, is_write in line_accesses(trace, level.line_bytes):
        index = line % level.sets
        if line not in admitted:
            if load.get(index, 0) == level.share_ways:
                continue
            admitted.add(line)
            load[index] = load.get(index, 0) + 1
        kept.append((line, start, n_bytes, is_write and _write_back(level)))
    hierarchy = make_hierarchy(levels)
    first = hierarchy.run(*as_arrays(kept)).levels[0]
    if first.misses != len(admitted) or first.evictions:
        fail(
            "a fitting trace hits when replayed",
            level.name,
            f"first replay of {len(kept)} "
            f"accesses to {len(admitted)} lines: {first.misses} misses, {first.evictions} "
            "evictions",
        )
    second = hierarchy.run(*as_arrays(kept))
    below = sum(s.accesses for s in second.levels[1:])
    if second.levels[0].hits != len(kept) or below or second.dram_read_bytes:
        fail(
            "a fitting trace hits when replayed",
            level.name,
            f"second replay: {second.levels[0].hits} hits of {len(kept)}, {below} accesses below",
        )


def deterministic(levels, trace, replay):
    """A second fresh hierarchy replays the trace to the same counts and contents."""
    again = replay_fresh(levels, trace)
    for first, second in zip(replay.run.levels, again.run.levels):
        if first != second:
            fail(
                "deterministic",
                first.name,
                f"two fresh hierarchies count {first.as_dict()} then {second.as_dict()}",
            )
    if again != replay:
        fail("deterministic", levels[0].name, "two fresh hierarchies end with other contents")


def engines_agree(levels, trace, replay):
    """Built-in policies only: the reference engine gives the fast kernel's counts and contents."""
    if any(is_user_policy(level.replacement) for level in levels):
        return
    reference = replay_fresh(levels, trace, "reference")
    for fast, slow in zip(replay.run.levels, reference.run.levels):
        if fast != slow:
            fail("engines agree", fast.name, f"fast {fast.as_dict()}, reference {slow.as_dict()}")
    if reference != replay:
        fail("engines agree", levels[0].name, "the engines end with other contents or flushes")


LAWS = (
    counts_add_up,
    compulsory_misses,
    occupancy,
    flush_cleans,
    dirty_lines_written_once,
    dram_traffic,
    a_fitting_trace_hits_when_replayed,
    deterministic,
    engines_agree,
)


def check_laws(levels, trace) -> None:
    """Replay `trace` through `levels` (a `CacheLevel` or a sequence, innermost first) and check
    every law in `LAWS`; the first one broken raises an AssertionError naming the law, the
    level and the counts. A user's policy that misbehaves raises `PolicyError` instead."""
    levels, trace = as_levels(levels), as_trace(trace)
    replayed = replay_fresh(levels, trace)
    for law in LAWS:
        law(levels, trace, replayed)
