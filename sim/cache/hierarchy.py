"""Cache hierarchies: levels from a hardware config, a trace through them, counts per level.

Two engines with one interface (`run`, `flush`, `totals`, `contents`): `"fast"` drives the
numba kernel level by level over bounded buffers; `"reference"` is the plain-Python model, the
only one that runs user-written replacement policies.
Both keep their state between calls, so a trace may arrive in pieces (tile by tile).
"""

from collections.abc import Sequence

import numpy as np

from sim.cache.accesses import as_accesses
from sim.cache.chain import Chain
from sim.cache.kernel import (
    ACCESSES,
    N_COUNTERS,
    READ_BYTES_OUT,
    STATUS_PAST_2_64,
    WRITE_BYTES_OUT,
    WRITEBACKS,
    KernelLevel,
)
from sim.cache.policies import is_user_policy
from sim.cache.reference import ReferenceHierarchy
from sim.cache.stats import HierarchyStats, LevelStats
from sim.hw.model import CacheLevel

ENGINES = ("fast", "reference")
BUFFER_REQUESTS = 1 << 17  # requests one level may queue for the next before it is drained

_NO_SIZES = np.empty(0, np.int64)
_NO_LINE = np.uint64(0)


class FastHierarchy:
    """Levels innermost first, each a `KernelLevel`; requests flow down through buffers."""

    def __init__(
        self,
        levels: Sequence[CacheLevel],
        buffer_requests: int = BUFFER_REQUESTS,
        below: "FastHierarchy | None" = None,
    ):
        """`below`: the hierarchy the last level's requests go to (a shared level under this
        unit's private ones); None: they go to DRAM."""
        if not levels:
            raise ValueError("a hierarchy needs at least one cache level")
        if buffer_requests < 2:
            raise ValueError(f"buffer_requests must be at least 2, got {buffer_requests}")
        self.levels = tuple(levels)
        # One row of counters per level, so a call's counts are one array difference.
        self._counters = np.zeros((len(self.levels), N_COUNTERS), np.int64)
        self._states = [KernelLevel(level, row) for level, row in zip(levels, self._counters)]
        self._buffers = [_buffer(buffer_requests) for _ in self.levels]
        self.below = below

    def run(self, addresses, is_write, sizes=None) -> HierarchyStats:
        """Replay a trace; return the counts of this call alone."""
        before = self._counters.copy()
        self.replay(addresses, is_write, sizes)
        return self._stats(self._counters - before)

    def replay(self, addresses, is_write, sizes=None) -> None:
        """Replay a trace; its counts are in `counters` (one row per level)."""
        trace = as_accesses(addresses, is_write, sizes)
        self._send(0, trace.addresses, trace.sizes_bytes, trace.uniform_size_bytes, trace.is_write)

    def chain(self) -> Chain:
        """Its levels and every level below as one `Chain`, which replays a trace through
        them in one compiled call and advances these levels' states and counters."""
        states, buffers, below = list(self._states), list(self._buffers), self.below
        while below is not None:
            states, buffers = states + below._states, buffers + below._buffers
            below = below.below
        return Chain(states, buffers)

    @property
    def counters(self) -> np.ndarray:
        """The counters since the hierarchy was built, one row per level (kernel.py's slots)."""
        return self._counters

    def flush(self) -> HierarchyStats:
        """Write every dirty line down to DRAM; return the counts this caused."""
        before = self._counters.copy()
        for depth, state in enumerate(self._states[:-1]):
            addresses = state.clean()
            writes = np.ones(len(addresses), np.uint8)
            self._send(depth + 1, addresses, _NO_SIZES, state.level.line_bytes, writes)
        last = self._states[-1]
        addresses = last.clean()
        if self.below is not None and len(addresses):
            writes = np.ones(len(addresses), np.uint8)
            self.below._send(0, addresses, _NO_SIZES, last.level.line_bytes, writes)
        return self._stats(self._counters - before)

    def totals(self) -> HierarchyStats:
        """Counts since the hierarchy was built."""
        return self._stats(self._counters)

    def _stats(self, counters: np.ndarray) -> HierarchyStats:
        rows = counters.tolist()
        levels = tuple(
            LevelStats(level.name, *row[ACCESSES : WRITEBACKS + 1])
            for level, row in zip(self.levels, rows)
        )
        return HierarchyStats(levels, rows[-1][READ_BYTES_OUT], rows[-1][WRITE_BYTES_OUT])

    def contents(self) -> tuple:
        """Per level, per set, per way: (line's byte address, dirty) or None if invalid."""
        return tuple(state.contents() for state in self._states)

    def _send(self, depth, addresses, sizes, uniform_size, writes) -> None:
        """Run requests through level `depth`, draining its buffer into the next level."""
        state, buffer = self._states[depth], self._buffers[depth]
        start, line, resume = 0, _NO_LINE, False
        while True:
            status, start, line, n_out = state.run(
                addresses, sizes, uniform_size, writes, start, np.uint64(line), resume, buffer
            )
            if n_out and (depth + 1 < len(self._states) or self.below is not None):
                out_addresses, out_sizes, out_writes = (array[:n_out] for array in buffer)
                if depth + 1 < len(self._states):
                    self._send(depth + 1, out_addresses, out_sizes, 0, out_writes)
                else:
                    self.below._send(0, out_addresses, out_sizes, 0, out_writes)
            if status == STATUS_PAST_2_64:
                raise ValueError(f"access {start} at {addresses[start]:#x} ends beyond 2**64")
            if start >= len(addresses):
                return
            resume = True


def _buffer(n_requests: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (
        np.empty(n_requests, np.uint64),
        np.empty(n_requests, np.int64),
        np.empty(n_requests, np.uint8),
    )


def make_hierarchy(levels: Sequence[CacheLevel], engine: str | None = None):
    """A hierarchy of `levels` (innermost first) run by `engine` ("fast" or "reference");
    by default the fast kernel, unless a level's policy is a user's (Python) `ReplacementPolicy`."""
    if engine is None:
        engine = "reference" if any(is_user_policy(lv.replacement) for lv in levels) else "fast"
    if engine == "fast":
        return FastHierarchy(levels)
    if engine == "reference":
        return ReferenceHierarchy(levels)
    raise ValueError(f"unknown engine {engine!r} (known: {', '.join(ENGINES)})")


def simulate(
    levels: Sequence[CacheLevel], addresses, is_write, sizes=None, engine: str | None = None
) -> HierarchyStats:
    """Replay a trace through fresh caches and flush them: every byte that reaches DRAM."""
    hierarchy = make_hierarchy(levels, engine)
    return hierarchy.run(addresses, is_write, sizes) + hierarchy.flush()
