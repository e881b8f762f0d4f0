"""The simulator's pipeline: schedule -> tiles -> cache counts -> tile costs -> timing.

Tiles are generated, replayed through one cache hierarchy (state carried from kernel to
kernel, as in a real run) and reduced to costs one at a time, so memory stays bounded
whatever the network. The dirty lines left at the end are written back by a last pseudo-kernel.
"""

from collections.abc import Callable, Iterable

from attrs import define

from sim.analytic.counts import flops as analytic_flops
from sim.analytic.counts import macs as analytic_macs
from sim.analytic.estimate import estimate_op
from sim.cache import make_hierarchy
from sim.cache.stats import HierarchyStats, LevelStats
from sim.engine.costs import TileCost, dram_cycles, tile_cost
from sim.engine.timing import Timing, run_timing
from sim.errors import WorkloadError
from sim.graph.model import Graph, Op
from sim.hw.model import Hardware, Precision
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


WRITE_BACK_KERNEL = "(write-back)"
MAX_TENSOR_BYTES = 2**30  # larger tensors take too long to replay line by line


def _check_simulable(graph: Graph, precision: Precision) -> None:
    """Refuse a tensor too large to replay (analyze still estimates it)."""
    for op in graph.ops:
        for tensor in (*op.inputs, *op.params, *op.outputs):
            n_bytes = tensor.elements * precision.bytes
            if n_bytes > MAX_TENSOR_BYTES:
                raise WorkloadError(
                    f"tensor {tensor.name} of op {op.name} is {n_bytes:,} B; at most "
                    f"{MAX_TENSOR_BYTES:,} B (1 GiB) per tensor can be simulated",
                    place=f"workload {graph.name}",
                )


def simulate(
    schedule: Schedule, hw: Hardware, *, caches: bool = True, progress: Progress | None = None
) -> RunResult:
    """Run `schedule` on `hw`; `caches=False` sends every line access to DRAM.

    With caches, the dirty lines left at the end are written back by one more kernel,
    WRITE_BACK_KERNEL, so that every byte that reaches DRAM is counted and timed.
    """
    precision = schedule.precision
    _check_simulable(schedule.graph, precision)
    hierarchy = make_hierarchy(hw.caches) if caches and hw.caches else None
    replays: list[tuple[str, list[TileCost], _Tally]] = []
    for index, kernel in enumerate(schedule.kernels):
        kind = kernel.main_op.kind.value
        tiles = kernel_tiles(kernel, schedule, hw)
        replays.append((kernel.name, *replay_tiles(tiles, kind, hierarchy, hw, precision)))
        if progress is not None:
            progress(index + 1, len(schedule.kernels))
    if hierarchy is not None:
        replays.append((WRITE_BACK_KERNEL, *write_back(hierarchy, hw)))
    timing = run_timing([(name, costs) for name, costs, _ in replays], hw.core.prefetch_tiles)
    results = []
    kernels = {k.name: k for k in schedule.kernels}
    for (name, costs, tally), kernel_timing in zip(replays, timing.kernels):
        kernel = kernels.get(name)
        ops = graph_ops(kernel, schedule.graph) if kernel else ()
        kind = kernel.main_op.kind.value if kernel else "write-back"
        result = _kernel_result(name, kind, ops, precision, costs, tally, kernel_timing.cycles)
        results.append(result)
    return RunResult(
        workload=schedule.graph.name,
        hw=hw,
        schedule=schedule.name,
        precision=precision.value,
        caches_enabled=hierarchy is not None,
        kernels=tuple(results),
        timing=timing,
    )


def graph_ops(kernel: Kernel, graph: Graph) -> tuple[Op, ...]:
    """The graph's ops a kernel performs: those it runs and those it absorbed (a folded
    batch-norm, a placed concat). Its analytic counts are theirs, as the estimate has them."""
    by_name = {op.name: op for op in graph.ops}
    names = (*(op.name for op in kernel.ops), *kernel.absorbed)
    return tuple(by_name[n] for n in names if n in by_name)


def replay_tiles(
    tiles: Iterable[Tile], kind: str, hierarchy, hw: Hardware, precision: Precision
) -> tuple[list[TileCost], _Tally]:
    """Each tile through the cache hierarchy (None: no caches), then to its cost."""
    tile_costs: list[TileCost] = []
    tally = _Tally()
    for tile in tiles:
        if hierarchy is None:
            stats = None
        else:
            stats = hierarchy.run(tile.line_addresses, tile.is_write, tile.sizes_bytes)
        cost = tile_cost(tile, stats, hw, precision, kind)
        tile_costs.append(cost)
        tally.add(tile, stats, cost)
    return tile_costs, tally


def write_back(hierarchy, hw: Hardware) -> tuple[list[TileCost], _Tally]:
    """Flush the dirty lines: DRAM traffic only, as one tile."""
    stats = hierarchy.flush()
    total, bandwidth = dram_cycles(stats.dram_write_bytes, hw)
    no_levels = tuple(0.0 for _ in hw.caches)
    cost = TileCost(0, 0.0, no_levels, 0, stats.dram_write_bytes, total, bandwidth)
    tally = _Tally()
    tally.add(None, stats, cost)
    return [cost], tally


def _kernel_result(
    name: str,
    kind: str,
    ops: tuple[Op, ...],
    precision: Precision,
    costs,
    tally: _Tally,
    cycles: float,
) -> KernelResult:
    n_levels = max((len(c.level_cycles) for c in costs), default=0)
    level_cycles = tuple(
        sum(c.level_cycles[i] for c in costs if c.level_cycles) for i in range(n_levels)
    )
    return KernelResult(
        name=name,
        ops=tuple(op.name for op in ops),
        kind=kind,
        macs=sum(analytic_macs(op) for op in ops),
        analytic_flops=sum(analytic_flops(op) for op in ops),
        flops=sum(c.flops for c in costs),
        analytic_bytes=sum(estimate_op(op, precision).analytic_bytes for op in ops),
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
