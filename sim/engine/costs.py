"""What one tile costs each hardware unit, from its arithmetic and its cache counts.

- compute: the device's compute model for the tile (sim/compute, docs/compute.md);
- each cache level: the bytes its port moves for the tile / its bytes per cycle, plus its
  latency once (the accesses of a tile are pipelined). L1 serves every register load and
  store (line accesses + collapsed + spills, each one register wide); a lower level moves a
  line for every access it receives (the upper level's misses and write-backs);
- DRAM: latency once, plus the tile's bytes at the effective bandwidth, which Little's law
  caps at max_outstanding x line / latency.

A core runs its arithmetic and its cache ports concurrently, so the core is busy for the
largest of compute and the level times; DRAM is a separate unit (sim/engine/timing.py).
"""

from attrs import define

from sim.cache.stats import HierarchyStats, LevelStats
from sim.compute.classes import ComputeClass
from sim.compute.model import compute_cycles
from sim.hw.model import Hardware, Precision
from sim.trace.model import Tile


@define(frozen=True)
class Channel:
    """The DRAM channel in cycles: its capacity and one unit's cap, in bytes per cycle."""

    latency_cycles: float
    capacity_bytes_per_cycle: float
    unit_cap_bytes_per_cycle: float


@define(frozen=True)
class TileCost:
    flops: int
    compute_cycles: float
    level_cycles: tuple[float, ...]  # per cache level, innermost first
    dram_read_bytes: int
    dram_write_bytes: int
    dram_cycles: float
    dram_bandwidth_cycles: float  # the part of dram_cycles that peak bandwidth alone would take
    levels: tuple[
        LevelStats, ...
    ] = ()  # the tile's cache counts, innermost first (none: no caches)

    @property
    def core_cycles(self) -> float:
        return max(self.compute_cycles, *self.level_cycles, 0.0)

    @property
    def dram_bytes(self) -> int:
        return self.dram_read_bytes + self.dram_write_bytes


def effective_dram_bytes_per_s(hw: Hardware) -> float:
    """One unit's DRAM rate: peak bandwidth, or what its max_outstanding requests in flight
    sustain (Little's law)."""
    in_flight = hw.dram.max_outstanding * hw.dram_request_bytes / hw.dram.latency_s
    return min(hw.dram.bandwidth_bytes_per_s, in_flight)


def dram_channel(hw: Hardware) -> Channel:
    """The DRAM channel as the engine shares it: latency, capacity and one unit's cap, in
    cycles. The capacity is the peak bandwidth, or what max_outstanding_total sustains."""
    clock = hw.core.clock_hz
    capacity = hw.dram.bandwidth_bytes_per_s
    if hw.dram.max_outstanding_total is not None:
        in_flight = hw.dram.max_outstanding_total * hw.dram_request_bytes / hw.dram.latency_s
        capacity = min(capacity, in_flight)
    return Channel(
        latency_cycles=hw.dram.latency_s * clock,
        capacity_bytes_per_cycle=capacity / clock,
        unit_cap_bytes_per_cycle=effective_dram_bytes_per_s(hw) / clock,
    )


def dram_cycles(n_bytes: int, hw: Hardware) -> tuple[float, float]:
    """(cycles the transfer takes one unit alone, cycles peak bandwidth alone would take)."""
    if n_bytes == 0:
        return 0.0, 0.0
    clock = hw.core.clock_hz
    total = (hw.dram.latency_s + n_bytes / effective_dram_bytes_per_s(hw)) * clock
    return total, n_bytes / hw.dram.bandwidth_bytes_per_s * clock


def tile_cost(
    tile: Tile,
    stats: HierarchyStats | None,
    hw: Hardware,
    precision: Precision,
    kind: str,
    cls: ComputeClass,
    algorithm: str = "auto",
) -> TileCost:
    """The cost of `tile` of a kernel whose main op is `kind`, of compute class `cls`, running
    `algorithm`, whose line accesses produced `stats` (None: caches disabled)."""
    compute = compute_cycles(tile, hw, precision, kind, cls, algorithm)
    if stats is None:
        line = hw.dram_request_bytes
        writes = int(tile.is_write.sum())
        read_bytes, write_bytes = (tile.line_accesses - writes) * line, writes * line
        levels: tuple[float, ...] = ()
    else:
        read_bytes, write_bytes = stats.dram_read_bytes, stats.dram_write_bytes
        levels = _level_cycles(tile, stats, hw)
    total, bandwidth = dram_cycles(read_bytes + write_bytes, hw)
    counts = stats.levels if stats is not None else ()
    return TileCost(tile.flops, compute, levels, read_bytes, write_bytes, total, bandwidth, counts)


def _level_cycles(tile: Tile, stats: HierarchyStats, hw: Hardware) -> tuple[float, ...]:
    cycles = []
    for depth, (level, counts) in enumerate(zip(hw.caches, stats.levels)):
        if depth == 0:
            register_accesses = tile.line_accesses + tile.collapsed_accesses + tile.spill_accesses
            width = min(hw.core.registers.width_bytes, level.line_bytes)
            moved_bytes = register_accesses * width
        else:
            moved_bytes = counts.accesses * level.line_bytes
        cycles.append(
            level.latency_cycles + moved_bytes / level.bytes_per_cycle if moved_bytes else 0.0
        )
    return tuple(cycles)
