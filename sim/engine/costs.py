"""What one tile costs each hardware unit, from its arithmetic and its cache counts.

- compute: the device's compute model for the tile (sim/compute, docs/compute.md);
- each cache level: the bytes its port moves for the tile / its bytes per cycle. L1 serves
  every register load and store (line accesses + collapsed + spills, each one register
  wide); a lower level moves a line for every access it receives (the upper level's misses
  and write-backs);
- DRAM: the tile's bytes at the effective bandwidth, which Little's law caps at
  max_outstanding x line / latency.

Latencies are not a per-tile cost. A unit's part of a kernel is one stream of accesses that
the hardware pipelines (non-blocking caches, prefetchers, a GPU's other warps), and a tile is
only the engine's slice of it: the stream waits for each level's latency once, at its start
(`first_core_cycles`, and the DRAM latency in sim/engine/timing.py), so the time does not
depend on how finely the engine slices the stream.

A core runs its arithmetic and its cache ports concurrently, over its whole part of a
kernel: the part costs the largest of compute and the level times of its counts, and
CoreStream charges each tile what it adds to that. DRAM is a separate unit
(sim/engine/timing.py).
"""

from collections.abc import Callable

from attrs import define

from sim.cache.stats import HierarchyStats, LevelCounts, LevelStats
from sim.compute.classes import ComputeClass
from sim.compute.model import cycles_of
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
    level_cycles: tuple[float, ...]  # per cache level, innermost first: its port's transfers
    dram_read_bytes: int
    dram_write_bytes: int
    dram_cycles: float  # the bytes at one unit's effective rate
    dram_bandwidth_cycles: float  # the bytes at peak bandwidth
    # cache counts per level, innermost first (none: no caches), as plain tuples: a run has
    # tens of thousands of tiles and only a timeline reads them (`levels`)
    level_counts: tuple[LevelCounts, ...] = ()
    level_latency_cycles: tuple[float, ...] = ()  # per level the tile uses, else 0
    stream_core_cycles: float | None = None  # the tile's part of its stream's (CoreStream)

    @property
    def levels(self) -> tuple[LevelStats, ...]:
        return tuple(LevelStats(*counts) for counts in self.level_counts)

    @property
    def core_cycles(self) -> float:
        """The core's time for the tile inside a running stream: latencies already hidden."""
        if self.stream_core_cycles is not None:
            return self.stream_core_cycles
        return max(self.compute_cycles, *self.level_cycles, 0.0)

    @property
    def first_core_cycles(self) -> float:
        """The core's time for the first tile of its stream: each level's first line comes
        after that level's latency."""
        filled = (c + f for c, f in zip(self.level_cycles, self.level_latency_cycles))
        return max(self.core_cycles, *filled, 0.0)

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
    """(cycles the bytes take at one unit's effective rate, cycles at peak bandwidth); the
    latency is the stream's, not the bytes' (sim/engine/timing.py)."""
    clock = hw.core.clock_hz
    alone = n_bytes / effective_dram_bytes_per_s(hw) * clock
    return alone, n_bytes / hw.dram.bandwidth_bytes_per_s * clock


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
    cost = tile_costing(hw, precision, kind, cls, algorithm)
    if stats is None:
        return cost(tile, None, 0, 0)
    counts = tuple(lv.as_counts() for lv in stats.levels)
    return cost(tile, counts, stats.dram_read_bytes, stats.dram_write_bytes)


TileCosting = Callable[[Tile, "tuple[LevelCounts, ...] | None", int, int], TileCost]


def tile_costing(
    hw: Hardware, precision: Precision, kind: str, cls: ComputeClass, algorithm: str = "auto"
) -> TileCosting:
    """`tile_cost` of one kernel as a function of (tile, level counts or None without caches,
    DRAM bytes read, written): the kernel's and the device's constants are looked up once,
    not per tile."""
    compute_cycles = cycles_of(hw, precision, kind, cls, algorithm)
    line = hw.dram_request_bytes
    width = min(hw.core.registers.width_bytes, hw.caches[0].line_bytes) if hw.caches else 0
    ports = tuple((lv.line_bytes, lv.bytes_per_cycle, lv.latency_cycles) for lv in hw.caches)
    clock, rate = hw.core.clock_hz, effective_dram_bytes_per_s(hw)
    peak = hw.dram.bandwidth_bytes_per_s

    def cost(tile, counts, read_bytes, write_bytes) -> TileCost:
        accesses = tile.line_accesses + tile.collapsed_accesses + tile.spill_accesses
        compute = compute_cycles(tile.flops, accesses)
        if counts is None:
            writes = int(tile.is_write.sum())
            read_bytes, write_bytes = (tile.line_accesses - writes) * line, writes * line
            levels: tuple[float, ...] = ()
            latencies: tuple[float, ...] = ()
            counts = ()
        else:
            levels, latencies = _level_cycles(accesses, width, counts, ports)
        n_bytes = read_bytes + write_bytes  # dram_cycles, its constants looked up once
        dram = (read_bytes, write_bytes, n_bytes / rate * clock, n_bytes / peak * clock)
        return TileCost(tile.flops, compute, levels, *dram, counts, latencies)

    return cost


def _level_cycles(
    register_accesses: int, width: int, counts: tuple[LevelCounts, ...], ports
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Per level: (its port's cycles for the tile's bytes, its latency if the tile uses it).
    `width`: the bytes of one register access; `ports`: per level, (line bytes, bytes per
    cycle, latency)."""
    cycles, latencies = [], []
    for depth, (level, (line_bytes, bytes_per_cycle, latency)) in enumerate(zip(counts, ports)):
        if depth == 0:
            moved_bytes = register_accesses * width
        else:
            moved_bytes = level[1] * line_bytes  # its accesses
        cycles.append(moved_bytes / bytes_per_cycle)
        latencies.append(latency if moved_bytes else 0.0)
    return tuple(cycles), tuple(latencies)


class CoreStream:
    """A unit's tiles of one kernel as the one stream its core runs.

    The compute model's rules and ceilings are rates of a whole kernel (its measured fraction
    is of a whole SGEMM, packing included: hw_configs), and a core overlaps its arithmetic
    with its cache ports over the stream, not within slices the engine happens to cut. So a
    tile is charged what it adds to the stream's cost: the compute and core cycles of the
    counts so far, minus those of the counts before it. The tiles then add up to the cost
    of the unit's whole part, however finely the engine slices it, and fewer accesses or
    port bytes never cost more (both cycle counts are non-decreasing in every count).
    `compute`: the kernel's cycles_of (sim/compute/model.py).
    """

    def __init__(self, compute: Callable[[int, int], float]):
        self._compute_of = compute
        self._flops = 0
        self._accesses = 0
        self._levels: list[float] = []
        self._compute = 0.0
        self._core = 0.0

    def charge(self, tile: Tile, cost: TileCost) -> TileCost:
        """`cost` of the stream's next tile, with its compute and core cycles the stream's."""
        self._flops += tile.flops
        self._accesses += tile.line_accesses + tile.collapsed_accesses + tile.spill_accesses
        self._levels.extend([0.0] * (len(cost.level_cycles) - len(self._levels)))
        for depth, cycles in enumerate(cost.level_cycles):
            self._levels[depth] += cycles
        compute = self._compute_of(self._flops, self._accesses)
        core = max(compute, *self._levels, 0.0)
        charged = TileCost(  # attrs.evolve, without its look-ups: this runs once per tile
            cost.flops,
            max(0.0, compute - self._compute),
            cost.level_cycles,
            cost.dram_read_bytes,
            cost.dram_write_bytes,
            cost.dram_cycles,
            cost.dram_bandwidth_cycles,
            cost.level_counts,
            cost.level_latency_cycles,
            max(0.0, core - self._core),
        )
        self._compute, self._core = compute, core
        return charged
