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
    `algorithm`, whose line accesses produced `stats` (None: caches disabled): the tile as a
    stream of its own."""
    stream = CoreStream(hw, precision, kind, cls, algorithm)
    if stats is None:
        return stream.charge(tile, None, 0, 0)
    counts = tuple(lv.as_counts() for lv in stats.levels)
    return stream.charge(tile, counts, stats.dram_read_bytes, stats.dram_write_bytes)


def _level_cycles(
    register_accesses: int, width: int, counts: tuple[LevelCounts, ...], ports
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Per level: (its port's cycles for the tile's bytes, its latency if the tile uses it).
    `width`: the bytes of one register access; `ports`: per level, (line bytes, bytes per
    cycle, latency)."""
    cycles, latencies = [], []
    for depth, (level, (line_bytes, bytes_per_cycle, latency)) in enumerate(zip(counts, ports)):
        # L1 serves every register access; a lower level moves a line per access it gets
        moved_bytes = register_accesses * width if depth == 0 else level[1] * line_bytes
        cycles.append(moved_bytes / bytes_per_cycle)
        latencies.append(latency if moved_bytes else 0.0)
    return tuple(cycles), tuple(latencies)


class CoreStream:
    """A unit's tiles of one kernel as the one stream its core runs, costed tile by tile.

    The compute model's rules and ceilings are rates of a whole kernel (its measured fraction
    is of a whole SGEMM, packing included: hw_configs), and a core overlaps its arithmetic
    with its cache ports over the stream, not within slices the engine happens to cut. So a
    tile is charged what it adds to the stream's cost: the compute and core cycles of the
    counts so far, minus those of the counts before it. The tiles then add up to the cost
    of the unit's whole part, however finely the engine slices it, and fewer accesses or
    port bytes never cost more (both cycle counts are non-decreasing in every count). The
    kernel's and the device's constants are looked up once, not per tile.
    """

    def __init__(
        self,
        hw: Hardware,
        precision: Precision,
        kind: str,
        cls: ComputeClass,
        algorithm: str = "auto",
    ):
        self._compute_of = cycles_of(hw, precision, kind, cls, algorithm)
        self._line = hw.dram_request_bytes
        caches = hw.caches
        self._width = min(hw.core.registers.width_bytes, caches[0].line_bytes) if caches else 0
        self._ports = tuple((lv.line_bytes, lv.bytes_per_cycle, lv.latency_cycles) for lv in caches)
        self._clock, self._rate = hw.core.clock_hz, effective_dram_bytes_per_s(hw)
        self._peak = hw.dram.bandwidth_bytes_per_s
        self._flops = 0
        self._accesses = 0
        self._levels: list[float] = []
        self._compute = 0.0
        self._core = 0.0

    def charge(
        self, tile: Tile, counts: tuple[LevelCounts, ...] | None, read_bytes: int, write_bytes: int
    ) -> TileCost:
        """The cost of the stream's next tile, whose levels counted `counts` (None: no caches,
        every line access goes to DRAM) and which moved these DRAM bytes."""
        accesses = tile.line_accesses + tile.collapsed_accesses + tile.spill_accesses
        if counts is None:
            writes = int(tile.is_write.sum())
            line = self._line
            read_bytes, write_bytes = (tile.line_accesses - writes) * line, writes * line
            levels: tuple[float, ...] = ()
            latencies: tuple[float, ...] = ()
            counts = ()
        else:
            levels, latencies = _level_cycles(accesses, self._width, counts, self._ports)
        self._flops += tile.flops
        self._accesses += accesses
        self._levels.extend([0.0] * (len(levels) - len(self._levels)))
        for depth, cycles in enumerate(levels):
            self._levels[depth] += cycles
        compute = self._compute_of(self._flops, self._accesses)
        core = max(compute, *self._levels, 0.0)
        n_bytes = read_bytes + write_bytes
        cost = TileCost(
            tile.flops,
            max(0.0, compute - self._compute),
            levels,
            read_bytes,
            write_bytes,
            n_bytes / self._rate * self._clock,
            n_bytes / self._peak * self._clock,
            counts,
            latencies,
            max(0.0, core - self._core),
        )
        self._compute, self._core = compute, core
        return cost
