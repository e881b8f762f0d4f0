"""The caches of a run as the device has them: each unit's private levels above one instance of
every shared level.

A unit's line accesses go through its own levels first; what they send down (fills,
write-backs, write-through stores) goes to the shared levels, which every unit's traffic
reaches in the order the engine replays the units' tiles (sim/engine/timing.py replays a tile
when it starts, so that order is simulated time). A shared level split into shares (its
`share_bytes` below its size) is a way partition: each unit owns one, so it and every level
inside it are per unit. Coherence is not modeled: a unit's private copy of a line another
unit has since written still hits (units write disjoint outputs; docs/engine.md).
"""

import attrs
import numpy as np

from sim.cache import FastHierarchy, make_hierarchy
from sim.cache.accesses import as_accesses
from sim.cache.kernel import ACCESSES, READ_BYTES_OUT, WRITE_BYTES_OUT, WRITEBACKS
from sim.cache.policies import is_user_policy
from sim.cache.stats import HierarchyStats, LevelCounts, LevelStats
from sim.errors import ConfigError
from sim.hw.model import CacheLevel, Hardware
from sim.trace.model import Tile


def _split(hw: Hardware) -> tuple[tuple[CacheLevel, ...], tuple[CacheLevel, ...]]:
    """(levels each unit has its own instance of, levels all units share), innermost first."""
    partitioned = [i for i, level in enumerate(hw.caches) if level.is_shared]
    cut = max(hw.private_levels, partitioned[-1] + 1 if partitioned else 0)
    return hw.caches[:cut], hw.caches[cut:]


class DeviceCaches:
    """Per-unit hierarchies over one shared hierarchy; counts per call and per unit."""

    def __init__(self, hw: Hardware):
        self.reference = None
        if any(is_user_policy(level.replacement) for level in hw.caches):
            if hw.units > 1:
                raise ConfigError(
                    f"a replacement policy written in Python runs on one {hw.unit_name} "
                    f"(--cores 1), in the reference engine; {hw.units} asked"
                )
            self.reference = make_hierarchy(hw.caches)  # one unit: one chain of levels
        own, shared = _split(hw)
        if self.reference is not None:
            own, shared = (), ()
        self.shared = FastHierarchy(shared) if shared else None
        self.units = [
            FastHierarchy(_seeded(own, unit), below=self.shared) if own else None
            for unit in range(hw.units)
        ]
        # A unit's route down: its own levels, then the shared ones, run in one compiled call.
        self._chains = [(h or self.shared).chain() for h in self.units] if own or shared else []
        self._names = tuple(level.name for level in (*own, *shared))

    def run(self, unit: int, addresses, is_write, sizes=None) -> HierarchyStats:
        """Replay a unit's accesses now: the counts of every level the unit sees (its own
        levels, then the shared ones) and the DRAM bytes they caused."""
        if self.reference is not None:
            return self.reference.run(addresses, is_write, sizes)
        trace = as_accesses(addresses, is_write, sizes)
        counts = self._chains[unit].run(
            trace.addresses, trace.is_write, trace.sizes_bytes, trace.uniform_size_bytes
        )
        return self._stats(counts)

    def run_tile(self, unit: int, tile: Tile) -> HierarchyStats:
        """`run` of a tile's line accesses without `run`'s conversions: a tile's arrays are
        already in the kernel's types (sim/trace/model.py converts them)."""
        if self.reference is not None:
            return self.reference.run(tile.line_addresses, tile.is_write, tile.sizes_bytes)
        return self._stats(self._run_tile(unit, tile))

    def tile_counts(self, unit: int, tile: Tile) -> tuple[tuple[LevelCounts, ...], int, int]:
        """`run_tile`'s counts as plain tuples, the engine's per-tile form: (per level its
        LevelStats fields in order, DRAM bytes read, DRAM bytes written)."""
        if self.reference is not None:
            stats = self.run_tile(unit, tile)
            counts = tuple(lv.as_counts() for lv in stats.levels)
            return counts, stats.dram_read_bytes, stats.dram_write_bytes
        rows = self._run_tile(unit, tile).tolist()
        counts = tuple(
            [(name, *row[ACCESSES : WRITEBACKS + 1]) for name, row in zip(self._names, rows)]
        )
        return counts, rows[-1][READ_BYTES_OUT], rows[-1][WRITE_BYTES_OUT]

    def _run_tile(self, unit: int, tile: Tile) -> np.ndarray:
        sizes = _NO_SIZES if tile.sizes_bytes is None else tile.sizes_bytes  # checked by run
        return self._chains[unit].run(tile.line_addresses, tile.is_write.view(np.uint8), sizes, 1)

    def _stats(self, counts: np.ndarray) -> HierarchyStats:
        """A chain's counts (one row of kernel.py's counter slots per level) as stats."""
        rows = counts.tolist()
        levels = tuple(
            [
                LevelStats(name, *row[ACCESSES : WRITEBACKS + 1])
                for name, row in zip(self._names, rows)
            ]
        )
        return HierarchyStats(levels, rows[-1][READ_BYTES_OUT], rows[-1][WRITE_BYTES_OUT])

    def flush(self) -> HierarchyStats:
        """Every dirty line written down to DRAM, each unit's levels first; the counts of all
        levels (own levels summed over the units) and the DRAM bytes this caused."""
        if self.reference is not None:
            return self.reference.flush()
        shared_before = self.shared.totals() if self.shared is not None else None
        own_total = None
        for hierarchy in self.units:
            if hierarchy is not None:
                flushed = hierarchy.flush()
                own_total = flushed if own_total is None else own_total + flushed
        if self.shared is None:
            return own_total
        self.shared.flush()
        shared = self.shared.totals() - shared_before
        own_levels = own_total.levels if own_total is not None else ()
        return HierarchyStats(own_levels + shared.levels, *_dram(shared))

    def unit_totals(self, unit: int) -> HierarchyStats | None:
        """A unit's own levels since the run began (None: it has none, or it runs in the
        reference engine, which keeps no per-unit counts)."""
        if self.reference is not None:
            return None
        hierarchy = self.units[unit]
        return hierarchy.totals() if hierarchy is not None else None


_NO_SIZES = np.empty(0, np.int64)


def _dram(stats: HierarchyStats) -> tuple[int, int]:
    return stats.dram_read_bytes, stats.dram_write_bytes


def _seeded(levels: tuple[CacheLevel, ...], unit: int) -> tuple[CacheLevel, ...]:
    """Each unit's random replacement draws its own sequence (unit 0 keeps the level's seed)."""
    return tuple(attrs.evolve(level, seed=level.seed + unit) for level in levels)
