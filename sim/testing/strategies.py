"""Hypothesis strategies for cache models: levels, hierarchies, and traces to replay.

Sizes are bounded (at most a few sets of 20 ways, a few hundred accesses) so that an example
replays in milliseconds, even in the plain-Python engine that user-written policies run in.
"""

from typing import NamedTuple

import numpy as np
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from sim.hw.model import CacheLevel, Replacement, WritePolicy
from sim.hw.replacement import ReplacementPolicy

LINE_SIZES_BYTES = (1, 2, 4, 8, 16, 32, 64)
# Ways: small ones, odd ones (tree-PLRU with missing leaves), and wider than the 16 ways the
# fast kernel keeps as a nibble order, so its stamp path is exercised too.
WAYS = st.one_of(st.integers(1, 6), st.sampled_from([7, 12, 16, 17, 20]))
# Where a trace's addresses start: 0, around 2**32, above it, around 2**63, and as near the
# top of 2**64 as its accesses allow.
REGION_STARTS_BYTES = (0, 2**32 - 256, 2**40, 2**63 - 128, 2**64 - 1)
# Bytes between a trace's addresses: within a line, a few per line, whole lines, and strides
# that are not a power of two, which scatter addresses over sets and line offsets.
STRIDES_BYTES = (1, 3, 8, 24, 64, 100, 136)


class Trace(NamedTuple):
    """What `simulate(levels, *trace)` and every engine's `run` take. It prints as lists, which
    `check_laws` and the engines take too: a counterexample can be pasted back as it is."""

    addresses: np.ndarray  # uint64 byte addresses
    is_write: np.ndarray  # bool
    sizes_bytes: np.ndarray  # int64, each at least 1

    def __repr__(self) -> str:
        return (
            f"Trace(addresses={self.addresses.tolist()}, is_write={self.is_write.tolist()}, "
            f"sizes_bytes={self.sizes_bytes.tolist()})"
        )

    def _repr_pretty_(self, printer, cycle) -> None:
        """What hypothesis prints in a failing example."""
        printer.text(repr(self))


def _replacement(value) -> Replacement | type[ReplacementPolicy]:
    if isinstance(value, str):
        names = {r.value: r for r in Replacement}
        if value not in names:
            raise ValueError(f"unknown policy {value!r} (known: {', '.join(names)})")
        return names[value]
    if isinstance(value, Replacement) or (
        isinstance(value, type) and issubclass(value, ReplacementPolicy)
    ):
        return value
    raise ValueError(
        f"policy must be a name, a Replacement or a ReplacementPolicy subclass, got {value!r}"
    )


def _write_policy(value) -> WritePolicy:
    if isinstance(value, str):
        return WritePolicy(value)
    if isinstance(value, WritePolicy):
        return value
    raise ValueError(f"write_policy must be a name or a WritePolicy, got {value!r}")


def _strategy(value, default: SearchStrategy, convert=lambda v: v) -> SearchStrategy:
    """None: `default`; a strategy: its values, converted; anything else: just that value."""
    if value is None:
        return default
    if isinstance(value, SearchStrategy):
        return value.map(convert)
    return st.just(convert(value))


def cache_levels(
    *,
    policy=None,
    write_policy=None,
    ways=None,
    max_sets: int = 6,
    line_bytes=None,
    name: str = "L1",
) -> SearchStrategy[CacheLevel]:
    """One `CacheLevel` of any geometry: sets (1 to `max_sets`, not only powers of two), ways,
    line size, sometimes a per-core share of fewer ways, write policy, `store_hit_refreshes`
    and seed.

    `policy`: None (any built-in), a name (`"lru"`, `"fifo"`, `"plru"`, `"random"`), a
    `Replacement`, a `ReplacementPolicy` subclass, or a strategy of those. `write_policy`
    (`"write_back"`, `"write_through"`, a `WritePolicy`), `ways` and `line_bytes` (ints)
    likewise: None draws any, a value fixes it, a strategy draws from it.
    """
    if max_sets < 1:
        raise ValueError(f"max_sets must be at least 1, got {max_sets}")
    return _levels(
        _strategy(policy, st.sampled_from(Replacement), _replacement),
        _strategy(write_policy, st.sampled_from(WritePolicy), _write_policy),
        _strategy(ways, WAYS),
        max_sets,
        _strategy(line_bytes, st.sampled_from(LINE_SIZES_BYTES)),
        name,
    )


@st.composite
def _levels(draw, policies, write_policies, ways, max_sets, line_sizes, name) -> CacheLevel:
    sets = draw(st.one_of(st.just(1), st.integers(1, max_sets)))  # often one set: full sets
    n_ways, line = draw(ways), draw(line_sizes)
    share_ways = draw(st.integers(1, n_ways)) if draw(st.booleans()) else n_ways
    return CacheLevel(
        name=name,
        size_bytes=sets * n_ways * line,
        line_bytes=line,
        ways=n_ways,
        share_bytes=sets * share_ways * line,
        replacement=draw(policies),
        write_policy=draw(write_policies),
        store_hit_refreshes=draw(st.booleans()),
        seed=draw(st.integers(0, 2**32)),
    )


def hierarchies(
    *, min_levels: int = 1, max_levels: int = 3, **level_options
) -> SearchStrategy[tuple[CacheLevel, ...]]:
    """Levels L1, L2, ... innermost first, each drawn by `cache_levels(**level_options)`."""
    if not 1 <= min_levels <= max_levels:
        raise ValueError(f"need 1 <= min_levels <= max_levels, got {min_levels}, {max_levels}")
    return st.integers(min_levels, max_levels).flatmap(
        lambda n: st.tuples(
            *(cache_levels(name=f"L{depth + 1}", **level_options) for depth in range(n))
        )
    )


def _writes(writes) -> SearchStrategy[bool]:
    return _strategy(writes, st.booleans(), bool)


def traces(
    *, max_accesses: int = 120, max_size_bytes: int = 130, max_addresses: int = 40, writes=None
) -> SearchStrategy[Trace]:
    """Accesses to at most `max_addresses` distinct addresses, `stride` bytes apart, so that
    lines are reused; of 1 to `max_size_bytes` bytes (half of them at most 8, since each line
    an access touches is one more access to replay), so some straddle lines; starting at 0,
    around 2**32, above it, or at the top of the 64-bit range. `writes`: None (loads and
    stores), a bool (all stores, or all loads), or a strategy of bools.

    Each access is one element of one list (address index, size, store), the shape that
    hypothesis shrinks best: an access can be deleted or simplified alone."""
    if max_accesses < 0 or max_size_bytes < 1 or max_addresses < 1:
        raise ValueError(
            "need max_accesses >= 0, max_size_bytes >= 1 and max_addresses >= 1, got "
            f"{max_accesses}, {max_size_bytes}, {max_addresses}"
        )
    size = st.one_of(st.integers(1, min(8, max_size_bytes)), st.integers(1, max_size_bytes))
    size = st.just(1) if max_size_bytes == 1 else size
    access = st.tuples(st.integers(0, max_addresses - 1), size, _writes(writes))
    at_least = st.sampled_from([0, max_accesses // 4, max_accesses // 2])  # else mostly short
    accesses = at_least.flatmap(lambda n: st.lists(access, min_size=n, max_size=max_accesses))
    return st.builds(
        _trace,
        st.sampled_from(REGION_STARTS_BYTES),
        st.sampled_from(STRIDES_BYTES),
        accesses,
        st.just(max_addresses * max(STRIDES_BYTES) + max_size_bytes),
    )


def _trace(region: int, stride: int, accesses: list[tuple], span: int) -> Trace:
    start = min(region, 2**64 - span)  # every access ends below 2**64
    slots, sizes, is_write = zip(*accesses) if accesses else ((), (), ())
    addresses = np.array([start + slot * stride for slot in slots], dtype=np.uint64)
    return Trace(addresses, np.array(is_write, dtype=bool), np.array(sizes, dtype=np.int64))


def _line_trace(lines: list[int], is_write: list[bool], level: CacheLevel) -> Trace:
    """One-byte accesses to the first byte of each line of `level`."""
    addresses = np.array(lines, dtype=np.uint64) * np.uint64(level.line_bytes)
    return Trace(addresses, np.array(is_write, dtype=bool), np.ones(len(lines), np.int64))


@st.composite
def fitting_traces(
    draw, level: CacheLevel, max_lines: int | None = None, max_accesses: int = 80, writes=None
) -> Trace:
    """One-byte accesses to at most `max_lines` (default: three sets' worth) distinct lines of
    `level`, never more in one set than it has ways: a footprint that fits."""
    per_set = level.share_ways
    max_lines = 3 * per_set if max_lines is None else max_lines
    lines, load = [], {}
    for line in draw(st.lists(st.integers(0, 4 * max_lines * level.sets), max_size=max_lines)):
        index = line % level.sets
        if line not in lines and load.get(index, 0) < per_set:
            lines.append(line)
            load[index] = load.get(index, 0) + 1
    n = draw(st.integers(1, max_accesses))
    picks = draw(st.lists(st.sampled_from(lines or [0]), min_size=n, max_size=n))
    return _line_trace(picks, draw(st.lists(_writes(writes), min_size=n, max_size=n)), level)


@st.composite
def crowded_traces(draw, level: CacheLevel, max_accesses: int = 200, writes=None) -> Trace:
    """One-byte accesses to two more lines than every set of `level` holds, so that sets
    fill and replacement decisions follow each other."""
    n_lines = level.sets * (level.share_ways + 2)
    n = draw(st.integers(1, max_accesses))
    lines = draw(st.lists(st.integers(0, n_lines - 1), min_size=n, max_size=n))
    return _line_trace(lines, draw(st.lists(_writes(writes), min_size=n, max_size=n)), level)
