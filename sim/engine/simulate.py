"""The simulator's pipeline: schedule -> tiles -> cache counts -> tile costs -> timing.

Tiles are generated, replayed through one cache hierarchy (state carried from kernel to
kernel, as in a real run) and reduced to costs one at a time, so memory stays bounded
whatever the network. The final flush of dirty lines is the last tile of the last kernel.
"""

from collections.abc import Callable

from attrs import define

from sim.analytic.counts import flops as analytic_flops
from sim.analytic.counts import macs as analytic_macs
from sim.analytic.estimate import estimate_op
from sim.cache import make_hierarchy
from sim.cache.stats import HierarchyStats, LevelStats
from sim.engine.costs import TileCost, dram_cycles, tile_cost
from sim.engine.timing import Timing, run_timing
from sim.hw.model import Hardware
from sim.schedule.model import Kernel, Schedule
from sim.trace import kernel_tiles
from sim.trace.model import Tile

Progress = Callable[[int, int], None]


@define(frozen=True)
class KernelResult:
    """One kernel's simulated counts and time, next to its analytic estimate."""

    name: str
    ops: tuple[str, ...]
    kind: str
    macs: int
    analytic_flops: int
    flops: int  # executed: differs from analytic_flops for Winograd and halo recompute
    analytic_bytes: int
    dram_read_bytes: int
    dram_write_bytes: int
    levels: tuple[LevelStats, ...]
    tiles: int
    line_accesses: int
    collapsed_accesses: int
    spill_accesses: int
    compute_cycles: float
    level_cycles: tuple[float, ...]
    dram_cycles: float
    dram_bandwidth_cycles: float
    cycles: float

    @property
    def dram_bytes(self) -> int:
        return self.dram_read_bytes + self.dram_write_bytes

    @property
    def bound(self) -> str:
        """The unit busy longest: compute, a cache level, DRAM bandwidth or DRAM latency."""
        if self.cycles == 0:
            return "none"
        busy = {"compute": self.compute_cycles, "dram": self.dram_cycles}
        for level, cycles in zip(self.levels, self.level_cycles):
            busy[f"cache {level.name}"] = cycles
        unit = max(busy, key=busy.get)
        if unit != "dram":
            return unit
        latency = self.dram_cycles - self.dram_bandwidth_cycles
        return "DRAM latency" if latency > self.dram_bandwidth_cycles else "DRAM bandwidth"


@define(frozen=True)
class RunResult:
    workload: str
    hw: Hardware
    schedule: str
    precision: str
    caches_enabled: bool
    kernels: tuple[KernelResult, ...]
    timing: Timing

    @property
    def cycles(self) -> float:
        return self.timing.cycles

    @property
    def seconds(self) -> float:
        return self.cycles / self.hw.core.clock_hz

    def total(self, field_name: str) -> int | float:
        return sum(getattr(k, field_name) for k in self.kernels)


@define
class _Tally:
    """Counts of one kernel, summed tile by tile."""

    levels: HierarchyStats | None = None
    line_accesses: int = 0
    collapsed_accesses: int = 0
    spill_accesses: int = 0
    dram_read_bytes: int = 0
    dram_write_bytes: int = 0

    def add(self, tile: Tile | None, stats: HierarchyStats | None, cost: TileCost) -> None:
        if tile is not None:
            self.line_accesses += tile.line_accesses
            self.collapsed_accesses += tile.collapsed_accesses
            self.spill_accesses += tile.spill_accesses
        self.dram_read_bytes += cost.dram_read_bytes
        self.dram_write_bytes += cost.dram_write_bytes
        if stats is not None:
            self.levels = stats if self.levels is None else self.levels + stats


def simulate(
    schedule: Schedule, hw: Hardware, *, caches: bool = True, progress: Progress | None = None
) -> RunResult:
    """Run `schedule` on `hw`; `caches=False` sends every line access to DRAM."""
    hierarchy = make_hierarchy(hw.caches) if caches and hw.caches else None
    costs: list[tuple[str, list[TileCost]]] = []
    tallies: list[_Tally] = []
    for index, kernel in enumerate(schedule.kernels):
        kernel_costs, tally = _replay(kernel, schedule, hw, hierarchy)
        if index == len(schedule.kernels) - 1 and hierarchy is not None:
            stats = hierarchy.flush()
            flush = _flush_cost(stats, hw)
            kernel_costs.append(flush)
            tally.add(None, stats, flush)
        costs.append((kernel.name, kernel_costs))
        tallies.append(tally)
        if progress is not None:
            progress(index + 1, len(schedule.kernels))
    timing = run_timing(costs, hw.core.prefetch_tiles)
    kernels = tuple(
        _kernel_result(kernel, schedule, kernel_costs, tally, kernel_timing.cycles)
        for kernel, (_, kernel_costs), tally, kernel_timing in zip(
            schedule.kernels, costs, tallies, timing.kernels
        )
    )
    return RunResult(
        workload=schedule.graph.name,
        hw=hw,
        schedule=schedule.name,
        precision=schedule.precision.value,
        caches_enabled=hierarchy is not None,
        kernels=kernels,
        timing=timing,
    )


def _replay(kernel: Kernel, schedule: Schedule, hw: Hardware, hierarchy) -> tuple[list, _Tally]:
    kind = kernel.ops[0].kind.value
    tile_costs: list[TileCost] = []
    tally = _Tally()
    for tile in kernel_tiles(kernel, schedule, hw):
        stats = hierarchy.run(tile.line_addresses, tile.is_write) if hierarchy else None
        cost = tile_cost(tile, stats, hw, schedule.precision, kind)
        tile_costs.append(cost)
        tally.add(tile, stats, cost)
    return tile_costs, tally


def _flush_cost(stats: HierarchyStats, hw: Hardware) -> TileCost:
    """The final write-back of dirty lines: DRAM traffic only."""
    total, bandwidth = dram_cycles(stats.dram_write_bytes, hw)
    no_levels = tuple(0.0 for _ in hw.caches)
    return TileCost(0, 0.0, no_levels, 0, stats.dram_write_bytes, total, bandwidth)


def _kernel_result(
    kernel: Kernel, schedule: Schedule, costs, tally: _Tally, cycles
) -> KernelResult:
    precision = schedule.precision
    n_levels = max((len(c.level_cycles) for c in costs), default=0)
    level_cycles = tuple(
        sum(c.level_cycles[i] for c in costs if c.level_cycles) for i in range(n_levels)
    )
    return KernelResult(
        name=kernel.name,
        ops=tuple(op.name for op in kernel.ops),
        kind=kernel.ops[0].kind.value,
        macs=sum(analytic_macs(op) for op in kernel.ops),
        analytic_flops=sum(analytic_flops(op) for op in kernel.ops),
        flops=sum(c.flops for c in costs),
        analytic_bytes=sum(estimate_op(op, precision).analytic_bytes for op in kernel.ops),
        dram_read_bytes=tally.dram_read_bytes,
        dram_write_bytes=tally.dram_write_bytes,
        levels=tally.levels.levels if tally.levels is not None else (),
        tiles=len(costs),
        line_accesses=tally.line_accesses,
        collapsed_accesses=tally.collapsed_accesses,
        spill_accesses=tally.spill_accesses,
        compute_cycles=sum(c.compute_cycles for c in costs),
        level_cycles=level_cycles,
        dram_cycles=sum(c.dram_cycles for c in costs),
        dram_bandwidth_cycles=sum(c.dram_bandwidth_cycles for c in costs),
        cycles=cycles,
    )
