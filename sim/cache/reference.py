"""The reference cache model: plain Python, one line access at a time, written to be read.

It is the specification the fast kernel (`kernel.py`) is tested against, state for state and
count for count. Replacement is delegated to a policy object (`policies.py`): a built-in one,
or a user-written `ReplacementPolicy`, which only this engine runs. Requests travel down the
hierarchy depth-first, exactly in the order a level issues them, which is the order
docs/cache.md states:

- a read, or a write to a write-back level, that misses allocates: first the line is read
  from the next level (unless the write covers the whole line), then a dirty victim is
  written to it;
- a write to a write-through level is passed to the next level, hit or miss; a write miss
  there allocates nothing;
- `flush` writes every dirty line down, innermost level first, in ascending address order.
"""

from collections.abc import Iterable, Sequence

from attrs import define

from sim.cache.accesses import ADDRESS_LIMIT, as_accesses
from sim.cache.policies import policy_for
from sim.cache.stats import HierarchyStats, LevelStats
from sim.hw.model import CacheLevel, WritePolicy

Request = tuple[int, int, bool]  # byte address, size in bytes, is_write
_COUNTS = ("accesses", "hits", "misses", "evictions", "writebacks")
SetContents = tuple[tuple[int, bool] | None, ...]  # per way: (line's byte address, dirty)


@define
class _Line:
    number: int  # byte address // line_bytes
    dirty: bool


class ReferenceCache:
    """One level: `sets` sets of `share_ways` ways; its policy object chooses the victims."""

    def __init__(self, level: CacheLevel):
        self.level = level
        self.n_sets = level.sets
        self.ways = level.share_ways
        self.slots: list[list[_Line | None]] = [[None] * self.ways for _ in range(self.n_sets)]
        self.policy = policy_for(level)  # built-in (policies.py) or the user's, checked
        self.counts = dict.fromkeys(_COUNTS, 0)

    def access(self, line: int, address: int, size: int, is_write: bool) -> list[Request]:
        """Access one line (`address`, `size`: the bytes touched inside it); return the
        requests this sends to the next level, in order."""
        level, line_bytes = self.level, self.level.line_bytes
        write_back = level.write_policy is WritePolicy.WRITE_BACK
        self.counts["accesses"] += 1
        index = line % self.n_sets
        slots = self.slots[index]
        way = next((w for w, s in enumerate(slots) if s is not None and s.number == line), None)
        if way is not None:
            self.counts["hits"] += 1
            if not is_write or level.store_hit_refreshes:
                self.policy.on_access(index, way, True)
            if is_write and write_back:
                slots[way].dirty = True
            return [(address, size, True)] if is_write and not write_back else []
        self.counts["misses"] += 1
        if is_write and not write_back:
            return [(address, size, True)]  # no-write-allocate
        requests = []
        if not (is_write and size == line_bytes):  # a whole-line write needs no fetch
            requests.append((line * line_bytes, line_bytes, False))
        if None in slots:
            way = slots.index(None)
        else:
            way = self.policy.victim(index)
            victim = slots[way]
            self.counts["evictions"] += 1
            if victim.dirty:
                self.counts["writebacks"] += 1
                requests.append((victim.number * line_bytes, line_bytes, True))
        slots[way] = _Line(line, dirty=is_write)
        self.policy.on_access(index, way, False)
        return requests

    def clean(self) -> list[int]:
        """Mark every dirty line clean; return their byte addresses, ascending."""
        dirty = sorted(s.number for slots in self.slots for s in slots if s and s.dirty)
        for slots in self.slots:
            for s in slots:
                if s is not None:
                    s.dirty = False
        self.counts["writebacks"] += len(dirty)
        return [number * self.level.line_bytes for number in dirty]

    def contents(self) -> tuple[SetContents, ...]:
        line_bytes = self.level.line_bytes
        return tuple(
            tuple(None if s is None else (s.number * line_bytes, s.dirty) for s in slots)
            for slots in self.slots
        )

    @property
    def stats(self) -> LevelStats:
        return LevelStats(self.level.name, **self.counts)


class ReferenceHierarchy:
    """Levels innermost first; same interface as `FastHierarchy`."""

    def __init__(self, levels: Sequence[CacheLevel]):
        if not levels:
            raise ValueError("a hierarchy needs at least one cache level")
        self.levels = tuple(levels)
        self.caches = [ReferenceCache(level) for level in self.levels]
        self.dram_read_bytes = 0
        self.dram_write_bytes = 0

    def run(self, addresses, is_write, sizes=None) -> HierarchyStats:
        """Replay a trace; return the counts of this call alone."""
        trace = as_accesses(addresses, is_write, sizes)
        before = self.totals()
        for i in range(len(trace)):
            address, size = int(trace.addresses[i]), trace.size_of(i)
            if address + size > ADDRESS_LIMIT:
                raise ValueError(f"access {i} at {address:#x} of {size} B ends beyond 2**64")
            self._send(0, address, size, bool(trace.is_write[i]))
        return self.totals() - before

    def flush(self) -> HierarchyStats:
        """Write every dirty line down to DRAM; return the counts this caused."""
        before = self.totals()
        for depth, cache in enumerate(self.caches):
            for address in cache.clean():
                self._send(depth + 1, address, cache.level.line_bytes, True)
        return self.totals() - before

    def totals(self) -> HierarchyStats:
        return HierarchyStats(
            levels=tuple(cache.stats for cache in self.caches),
            dram_read_bytes=self.dram_read_bytes,
            dram_write_bytes=self.dram_write_bytes,
        )

    def contents(self) -> tuple[tuple[SetContents, ...], ...]:
        """Per level, per set, per way: (line's byte address, dirty) or None if invalid."""
        return tuple(cache.contents() for cache in self.caches)

    def _send(self, depth: int, address: int, size: int, is_write: bool) -> None:
        if depth == len(self.caches):
            if is_write:
                self.dram_write_bytes += size
            else:
                self.dram_read_bytes += size
            return
        cache = self.caches[depth]
        for line, start, n_bytes in split_lines(address, size, cache.level.line_bytes):
            for request in cache.access(line, start, n_bytes, is_write):
                self._send(depth + 1, *request)


def split_lines(address: int, size: int, line_bytes: int) -> Iterable[tuple[int, int, int]]:
    """(line number, first byte, bytes) for each line that [address, address + size) touches."""
    end = address + size
    for line in range(address // line_bytes, (end - 1) // line_bytes + 1):
        start = max(address, line * line_bytes)
        yield line, start, min(end, (line + 1) * line_bytes) - start
