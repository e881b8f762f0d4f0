"""A floor under a schedule's simulated cycles from its traces alone, so that a candidate
which cannot beat a bar is judged without replaying a line through the caches.

The engine (sim/engine/timing.py) runs each unit's tiles of a kernel one after another: the
core is busy for each tile's core cycles, and it may also wait for the tile's bytes. A
unit's part is charged as one stream (sim/engine/costs.py, CoreStream): after its first i
tiles the core has been busy for the largest of compute and the cache ports of their
counts (the first tile's, `first_core_cycles`, adds the levels' latencies), never less than
their compute cycles, `cycles_of` of their FLOPs and accesses. A kernel starts where the
one before it ended, plus its launch gap, and ends when its last unit does; the run ends
at the last kernel's end, or later if posted writes are still draining. So

    cycles >= sum over kernels of (launch + max over units of the compute of its part).

The compute cycles are the engine's own (`cycles_of` of the same counts with the same
arguments), and the floor follows a unit's clock as the engine advances it: from the
kernel's start, tile after tile, the compute of the counts so far, lowered by SUM_SLACK for
the rounding of the engine's sum of tile charges. The tiles made on the way are the ones
`simulate` would make (`kernel_tiles` is a pure function of its arguments, and the tiles
come from it or from a source that gives the same, sim/plan/memo.py); they are kept to
simulate with when the floor stays under the bar, up to MAX_TRACED_BYTES (a larger schedule
is traced again as it runs).
"""

from attrs import define

from sim.compute.model import cycles_of, kernel_overhead_cycles
from sim.engine.simulate import TileSource
from sim.engine.split import tile_lines
from sim.hw.model import Hardware
from sim.schedule.model import Kernel, Schedule
from sim.trace import compute_class, kernel_algorithm, kernel_tiles
from sim.trace.model import Tile

MAX_TRACED_BYTES = 64 * 2**20
# The engine adds a stream's tile charges one by one, the floor takes the stream's cost of
# the counts at once: the two roundings differ by far less than this, relatively, and the
# floor is lowered by it.
SUM_SLACK = 1e-9


@define(frozen=True, eq=False)
class Traces:
    """Every unit's tiles of every kernel of `schedule` on `hw`, as `simulate` asks for
    them: a `TileSource` (sim/engine/simulate.py) for that schedule and device."""

    schedule: Schedule
    hw: Hardware
    made: dict[tuple[str, tuple[int, int], int], list[Tile]] | None  # None: too many to keep
    floor_cycles: float  # the floor above: the simulation takes at least this many cycles
    source: TileSource = kernel_tiles  # what made them, and makes them again if None

    def __call__(
        self,
        kernel: Kernel,
        schedule: Schedule,
        hw: Hardware,
        part: tuple[int, int],
        max_lines: int,
    ) -> list[Tile]:
        if schedule is not self.schedule or hw is not self.hw:
            made_for = f"{self.schedule.name} on {self.hw.name}"
            raise ValueError(f"traces of {made_for} asked for another schedule or device")
        if self.made is None:
            return self.source(kernel, schedule, hw, part, max_lines)
        return self.made[kernel.name, part, max_lines]


def traces_within(
    schedule: Schedule, hw: Hardware, bar_cycles: float, tiles: TileSource = kernel_tiles
) -> Traces | None:
    """The schedule's traces from `tiles`, or None once the floor above exceeds `bar_cycles`:
    then its simulation on `hw` takes more than `bar_cycles` cycles."""
    precision = schedule.precision
    launch = kernel_overhead_cycles(hw)
    made: dict | None = {}
    made_bytes = 0
    start = 0.0
    for kernel in schedule.kernels:
        kind = (
            kernel.main_op.kind.value,
            compute_class(kernel, hw, precision),
            kernel_algorithm(kernel, hw, precision),
        )
        compute = cycles_of(hw, precision, *kind)
        lines = tile_lines(kernel, schedule, hw)
        start = start + launch
        end = start
        for unit in range(hw.units):
            part = (unit, hw.units)
            kept: list[Tile] = []
            clock, flops, accesses = start, 0, 0
            for tile in tiles(kernel, schedule, hw, part, lines):
                flops += tile.flops
                accesses += tile.line_accesses + tile.collapsed_accesses + tile.spill_accesses
                clock = start + compute(flops, accesses)
                if clock * (1 - SUM_SLACK) > bar_cycles:
                    return None
                if made is not None:
                    kept.append(tile)
                    made_bytes += tile_bytes(tile)
                    if made_bytes > MAX_TRACED_BYTES:  # the simulation traces them again
                        made, kept = None, []
            if made is not None:
                made[kernel.name, part, lines] = kept
            end = max(end, clock)
        start = end
    return Traces(schedule, hw, made, start * (1 - SUM_SLACK), tiles)


def tile_bytes(tile: Tile) -> int:
    """The bytes a tile's arrays take."""
    arrays = (tile.line_addresses, tile.is_write, tile.sizes_bytes)
    return sum(a.nbytes for a in arrays if a is not None)
