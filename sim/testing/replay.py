"""What the law checks share: their inputs normalized, a trace cut into line accesses, and the
AssertionError that names the law, the level and the counts."""

from collections.abc import Sequence
from typing import NoReturn

import numpy as np

from sim.cache.accesses import as_accesses
from sim.cache.reference import split_lines
from sim.hw.model import CacheLevel
from sim.testing.strategies import Trace

LineAccess = tuple[int, int, int, bool]  # line number, first byte, bytes, is_write


def as_levels(levels: CacheLevel | Sequence[CacheLevel]) -> tuple[CacheLevel, ...]:
    """One level (what `cache_levels()` draws) or a hierarchy (what `hierarchies()` draws)."""
    levels = (levels,) if isinstance(levels, CacheLevel) else tuple(levels)
    if not levels or not all(isinstance(level, CacheLevel) for level in levels):
        raise TypeError(f"expected a CacheLevel or a sequence of them, got {levels!r}")
    return levels


def as_trace(trace) -> Trace:
    """(addresses, is_write) or (addresses, is_write, sizes), checked as the engines check it,
    with one size per access."""
    accesses = as_accesses(*trace)
    sizes = accesses.sizes_bytes
    if not len(sizes):
        sizes = np.full(len(accesses), accesses.uniform_size_bytes, np.int64)
    return Trace(accesses.addresses, accesses.is_write.view(bool), sizes)


def line_accesses(trace: Trace, line_bytes: int) -> list[LineAccess]:
    """The trace as a level of `line_bytes` lines sees it: one access per line touched."""
    return [
        (line, start, n_bytes, is_write)
        for address, size, is_write in zip(
            trace.addresses.tolist(), trace.sizes_bytes.tolist(), trace.is_write.tolist()
        )
        for line, start, n_bytes in split_lines(address, size, line_bytes)
    ]


def as_arrays(accesses: Sequence[LineAccess]) -> Trace:
    """Line accesses back into a trace an engine replays."""
    return Trace(
        np.array([a[1] for a in accesses], np.uint64),
        np.array([a[3] for a in accesses], bool),
        np.array([a[2] for a in accesses], np.int64),
    )


def fail(law: str, level: str, detail: str) -> NoReturn:
    """Raised, not asserted, so that the check survives `python -O`."""
    raise AssertionError(f"{law}: fails at level {level}: {detail}")


def shown_lines(accesses: Sequence[LineAccess], limit: int = 40) -> str:
    """The line numbers a level sees, in order: the reference string of a counterexample."""
    lines = [str(a[0]) for a in accesses[:limit]]
    return " ".join(lines) + (f" ... ({len(accesses)} in all)" if len(accesses) > limit else "")
