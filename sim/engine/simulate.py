"""The simulator's pipeline: schedule -> each unit's tiles -> cache counts in time -> tile
costs -> timing.

Each kernel's tiles are generated on demand and dealt to the units; a tile is replayed
through its unit's caches and the shared ones when the engine starts it (state carried from
kernel to kernel, as in a real run) and reduced to its cost at once, so memory stays bounded
whatever the network. The dirty lines left at the end are written back by a last pseudo-kernel.
"""

import functools
from collections.abc import Callable, Iterable

import attrs
from attrs import define

from sim.analytic.counts import flops as analytic_flops
from sim.analytic.counts import macs as analytic_macs
from sim.analytic.estimate import estimate_op
from sim.cache.stats import LevelCounts, LevelStats
from sim.compute.classes import ComputeClass
from sim.compute.model import kernel_overhead_cycles
from sim.engine.caches import DeviceCaches
from sim.engine.costs import CoreStream, TileCost, dram_channel, dram_cycles
from sim.engine.split import tile_lines
from sim.engine.timing import KernelTiming, KernelWork, Timing, run_timing
from sim.errors import WorkloadError
from sim.graph.model import Graph, Op
from sim.hw.model import Hardware, Precision
from sim.schedule.model import Kernel, Schedule
from sim.trace import compute_class, kernel_algorithm, kernel_tiles
from sim.trace.model import Tile

Progress = Callable[[int, int], None]
# Makes a kernel's tiles as `kernel_tiles` does: (kernel, schedule, hw, part, max_lines).
TileSource = Callable[[Kernel, Schedule, Hardware, tuple[int, int], int], Iterable[Tile]]


@define(frozen=True)
class KernelResult:
    """One kernel's simulated counts and time, next to its analytic estimate.

    Counts and the *_cycles of the units (compute, levels, DRAM) add up every unit's tiles;
    `cycles` is the kernel's wall time, barrier to barrier.
    """

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
    units: int = 1
    dram_channel_cycles: float = 0.0  # the DRAM bytes at the channel's full rate
    unit_busy_cycles: tuple[float, ...] = ()  # each unit's core busy time
    unit_end_cycles: tuple[float, ...] = ()  # when each unit finished, from the kernel's start
    barrier_wait_cycles: float = 0.0  # mean time a unit waits at the end for the slowest one

    @property
    def dram_bytes(self) -> int:
        return self.dram_read_bytes + self.dram_write_bytes

    @property
    def load_imbalance(self) -> float:
        """The busiest unit's core time over the mean (1.0: perfectly balanced)."""
        busy = self.unit_busy_cycles
        if not busy or not sum(busy):
            return 1.0
        return max(busy) / (sum(busy) / len(busy))

    @property
    def bound(self) -> str:
        """The unit busy longest: compute, a cache level, DRAM bandwidth or DRAM latency.

        Compute and cache ports are per unit, so their totals are shared by the units; DRAM
        takes the longer of the units' own transfers and the channel's time for all bytes.
        """
        if self.cycles == 0:
            return "none"
        n = self.units
        bandwidth = max(self.dram_bandwidth_cycles / n, self.dram_channel_cycles)
        latency = (self.dram_cycles - self.dram_bandwidth_cycles) / n
        busy = {"compute": self.compute_cycles / n, "dram": bandwidth + latency}
        for level, cycles in zip(self.levels, self.level_cycles):
            busy[f"cache {level.name}"] = cycles / n
        unit = max(busy, key=busy.get)
        if unit != "dram":
            return unit
        return "DRAM latency" if latency > bandwidth else "DRAM bandwidth"


@define(frozen=True)
class UnitResult:
    """One compute unit over the whole run: how long it computed, what its own cache levels
    saw, and the bytes they exchanged with the shared levels (or DRAM, with none shared)."""

    name: str
    busy_cycles: float
    tiles: int
    levels: tuple[LevelStats, ...]
    shared_read_bytes: int
    shared_write_bytes: int


@define(frozen=True)
class RunResult:
    workload: str
    hw: Hardware
    schedule: str
    precision: str
    caches_enabled: bool
    kernels: tuple[KernelResult, ...]
    timing: Timing
    units: tuple[UnitResult, ...] = ()

    @property
    def cores(self) -> int:
        """How many of the device's units ran."""
        return self.hw.units

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
    """Counts and costs of one kernel, summed tile by tile over its units as they run (sums
    in the order `sum` would add a list of the tiles' costs; a run keeps no tile's cost)."""

    level_names: tuple[str, ...] = ()
    level_counts: list[list[int]] | None = None  # per level: accesses, hits, misses, ...
    line_accesses: int = 0
    collapsed_accesses: int = 0
    spill_accesses: int = 0
    dram_read_bytes: int = 0
    dram_write_bytes: int = 0
    tiles: int = 0
    flops: int = 0
    compute_cycles: float = 0  # the float sums start at 0, as `sum` does
    level_cycles: list[float] = attrs.Factory(list)  # per level, of the tiles that have levels
    dram_cycles: float = 0
    dram_bandwidth_cycles: float = 0

    def add(self, tile: Tile | None, counts: tuple[LevelCounts, ...] | None, cost: TileCost):
        """Count a tile (None: the write-back) whose levels counted `counts` (None: no
        caches) and which cost `cost`."""
        if tile is not None:
            self.line_accesses += tile.line_accesses
            self.collapsed_accesses += tile.collapsed_accesses
            self.spill_accesses += tile.spill_accesses
        self.dram_read_bytes += cost.dram_read_bytes
        self.dram_write_bytes += cost.dram_write_bytes
        if counts is not None:
            if self.level_counts is None:
                self.level_names = tuple(level[0] for level in counts)
                self.level_counts = [[0] * 5 for _ in counts]
            for row, level in zip(self.level_counts, counts):
                row[0] += level[1]
                row[1] += level[2]
                row[2] += level[3]
                row[3] += level[4]
                row[4] += level[5]
        self.tiles += 1
        self.flops += cost.flops
        self.compute_cycles += cost.compute_cycles
        sums = self.level_cycles
        if len(sums) < len(cost.level_cycles):
            sums.extend([0] * (len(cost.level_cycles) - len(sums)))
        for depth, cycles in enumerate(cost.level_cycles):
            sums[depth] += cycles
        self.dram_cycles += cost.dram_cycles
        self.dram_bandwidth_cycles += cost.dram_bandwidth_cycles

    @property
    def levels(self) -> tuple[LevelStats, ...]:
        if self.level_counts is None:
            return ()
        pairs = zip(self.level_names, self.level_counts)
        return tuple(LevelStats(name, *row) for name, row in pairs)


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
    schedule: Schedule,
    hw: Hardware,
    *,
    caches: bool = True,
    progress: Progress | None = None,
    spans: bool = True,
    tiles: TileSource = kernel_tiles,
) -> RunResult:
    """Run `schedule` on `hw.units` of the device's units; `caches=False` sends every line
    access to DRAM; `spans=False` keeps no busy interval of a unit (`result.timing.spans` is
    empty): only a timeline reads them, and a run without them keeps no tile's cost. `tiles`
    gives each unit's tiles of a kernel: `kernel_tiles`, or the same tiles made beforehand
    (`auto` traces a candidate before it simulates it, sim/plan/).

    Each unit traces its part of each kernel (sim/engine/split.py sizes its tiles); a tile is
    replayed through the unit's caches and the shared ones when it runs, and timed by
    sim/engine/timing.py. With caches, one more kernel, WRITE_BACK_KERNEL, lasts until the
    writes posted during the run have drained and counts the dirty lines still cached at the
    end (their write-back takes no time: the board does it while whatever comes next runs), so
    that every byte that reaches DRAM is counted.
    """
    precision = schedule.precision
    _check_simulable(schedule.graph, precision)
    device = DeviceCaches(hw) if caches and hw.caches else None
    names = tuple(f"{hw.unit_name} {u}" for u in range(hw.units))
    tallies: list[tuple[str, _Tally]] = []
    unit_tiles = [0] * hw.units
    launch = kernel_overhead_cycles(hw)  # a GPU kernel's launch gap (sim/compute/model.py)

    def replay(unit: int, tile: Tile, stream: CoreStream, tally: _Tally) -> TileCost:
        if device is None:
            counts, cost = None, stream.charge(tile, None, 0, 0)
        else:
            counts, read_bytes, write_bytes = device.tile_counts(unit, tile)
            cost = stream.charge(tile, counts, read_bytes, write_bytes)
        tally.add(tile, counts, cost)
        unit_tiles[unit] += 1
        return cost

    def unit_work(unit: int, tiles, kind: tuple[str, ComputeClass, str], tally: _Tally):
        stream = CoreStream(hw, precision, *kind)  # the unit's part of the kernel, as one
        for tile in tiles:
            yield functools.partial(replay, unit, tile, stream, tally)

    def kernels():
        for kernel in schedule.kernels:
            kind = (
                kernel.main_op.kind.value,
                compute_class(kernel, hw, precision),
                kernel_algorithm(kernel, hw, precision),
            )
            tally = _Tally()
            tallies.append((kernel.name, tally))
            lines = tile_lines(kernel, schedule, hw)
            parts = [
                unit_work(u, tiles(kernel, schedule, hw, (u, hw.units), lines), kind, tally)
                for u in range(hw.units)
            ]
            yield KernelWork(kernel.name, parts, launch)  # launch: kernel_overhead_cycles

    done = [0]

    def step() -> None:
        done[0] += 1
        if progress is not None and done[0] <= len(schedule.kernels):
            progress(done[0], len(schedule.kernels))

    timing = run_timing(
        kernels(), dram_channel(hw), hw.core.prefetch_tiles, names, step, keep_spans=spans
    )
    if device is not None:
        tally = _Tally()
        tallies.append((WRITE_BACK_KERNEL, tally))
        write_back(device, hw, tally)
        last = timing.kernels[-1].end_cycles if timing.kernels else 0.0
        drain = KernelTiming(WRITE_BACK_KERNEL, last, timing.cycles)
        timing = attrs.evolve(timing, kernels=(*timing.kernels, drain))
    results = []
    by_name = {k.name: k for k in schedule.kernels}
    for (name, tally), kernel_timing in zip(tallies, timing.kernels):
        kernel = by_name.get(name)
        ops = graph_ops(kernel, schedule.graph) if kernel else ()
        kind = kernel.main_op.kind.value if kernel else "write-back"
        results.append(_kernel_result(name, kind, ops, precision, tally, kernel_timing, hw))
    return RunResult(
        workload=schedule.graph.name,
        hw=hw,
        schedule=schedule.name,
        precision=precision.value,
        caches_enabled=device is not None,
        kernels=tuple(results),
        timing=timing,
        units=_unit_results(names, timing, unit_tiles, device),
    )


def graph_ops(kernel: Kernel, graph: Graph) -> tuple[Op, ...]:
    """The graph's ops a kernel performs: those it runs and those it absorbed (a folded
    batch-norm, a placed concat). Its analytic counts are theirs, as the estimate has them."""
    by_name = {op.name: op for op in graph.ops}
    names = (*(op.name for op in kernel.ops), *kernel.absorbed)
    return tuple(by_name[n] for n in names if n in by_name)


def write_back(device: DeviceCaches, hw: Hardware, tally: _Tally) -> TileCost:
    """Flush the dirty lines: DRAM traffic only, as one tile."""
    stats = device.flush()
    total, bandwidth = dram_cycles(stats.dram_write_bytes, hw)
    no_levels = tuple(0.0 for _ in hw.caches)
    cost = TileCost(0, 0.0, no_levels, 0, stats.dram_write_bytes, total, bandwidth)
    counts = tuple(lv.as_counts() for lv in stats.levels)
    tally.add(None, counts, cost)
    return cost


def _kernel_result(
    name: str,
    kind: str,
    ops: tuple[Op, ...],
    precision: Precision,
    tally: _Tally,
    timing: KernelTiming,
    hw: Hardware,
) -> KernelResult:
    n_levels = len(tally.level_cycles)
    fills = timing.level_fill_cycles or (0.0,) * n_levels  # none: no tile ran
    level_cycles = tuple(tally.level_cycles[i] + fills[i] for i in range(n_levels))
    dram_bytes = tally.dram_read_bytes + tally.dram_write_bytes
    return KernelResult(
        name=name,
        ops=tuple(op.name for op in ops),
        kind=kind,
        macs=sum(analytic_macs(op) for op in ops),
        analytic_flops=sum(analytic_flops(op) for op in ops),
        flops=tally.flops,
        analytic_bytes=sum(estimate_op(op, precision).analytic_bytes for op in ops),
        dram_read_bytes=tally.dram_read_bytes,
        dram_write_bytes=tally.dram_write_bytes,
        levels=tally.levels,
        tiles=tally.tiles,
        line_accesses=tally.line_accesses,
        collapsed_accesses=tally.collapsed_accesses,
        spill_accesses=tally.spill_accesses,
        compute_cycles=tally.compute_cycles,
        level_cycles=level_cycles,
        dram_cycles=tally.dram_cycles + timing.dram_fill_cycles,
        dram_bandwidth_cycles=tally.dram_bandwidth_cycles,
        cycles=timing.cycles,
        units=hw.units,
        dram_channel_cycles=dram_bytes / dram_channel(hw).capacity_bytes_per_cycle,
        unit_busy_cycles=timing.unit_busy_cycles,
        unit_end_cycles=timing.unit_end_cycles,
        barrier_wait_cycles=timing.barrier_wait_cycles,
    )


def _unit_results(names, timing: Timing, tiles: list[int], device) -> tuple[UnitResult, ...]:
    busy = [0.0] * len(names)
    for kernel in timing.kernels:
        for unit, cycles in enumerate(kernel.unit_busy_cycles):
            busy[unit] += cycles
    results = []
    for unit, name in enumerate(names):
        own = device.unit_totals(unit) if device is not None else None
        levels = own.levels if own is not None else ()
        read, write = (own.dram_read_bytes, own.dram_write_bytes) if own is not None else (0, 0)
        results.append(UnitResult(name, busy[unit], tiles[unit], levels, read, write))
    return tuple(results)
