"""How a kernel's work is split over the units that run it.

A kernel's tiles, in program order, are dealt to the units in turn (tile i to unit i mod N):
an OpenMP `schedule(static, 1)` over tile-sized chunks of the kernel's outer loops on a CPU,
CTAs dealt to SMs in waves on a GPU. The last round leaves some units without a tile (wave
quantisation) and the kernel's barrier waits for the slowest unit. With several units a kernel
is cut into at least CHUNKS_PER_UNIT tiles per unit, as runtimes make at least as many work
items as there are threads or SMs; one unit keeps the trace's own tile size. Tiles are made
on demand: a unit's next tile is generated when it asks, and tiles made ahead for other units
wait in their queues.
"""

from collections import deque
from collections.abc import Iterator

from sim.analytic.estimate import estimate_op
from sim.hw.model import Hardware
from sim.schedule.model import Kernel, Schedule
from sim.trace.model import Tile
from sim.trace.stream import MAX_TILE_LINES

CHUNKS_PER_UNIT = 4
MIN_TILE_LINES = 64


def tile_lines(kernel: Kernel, schedule: Schedule, hw: Hardware) -> int:
    """The most line accesses a tile of `kernel` holds when it runs on `hw.units` units."""
    if hw.units == 1:
        return MAX_TILE_LINES
    n_bytes = sum(estimate_op(op, schedule.precision).analytic_bytes for op in kernel.ops)
    lines = n_bytes // hw.line_bytes
    per_chunk = lines // (CHUNKS_PER_UNIT * hw.units)
    return max(MIN_TILE_LINES, min(MAX_TILE_LINES, per_chunk))


class Dealer:
    """A kernel's tiles dealt round-robin to `units` queues, made on demand."""

    def __init__(self, tiles: Iterator[Tile], units: int):
        self._tiles = tiles
        self._queues: list[deque[Tile]] = [deque() for _ in range(units)]
        self._dealt = 0
        self._exhausted = False

    def _take(self, unit: int) -> Tile | None:
        queue = self._queues[unit]
        while not queue and not self._exhausted:
            tile = next(self._tiles, None)
            if tile is None:
                self._exhausted = True
                break
            self._queues[self._dealt % len(self._queues)].append(tile)
            self._dealt += 1
        return queue.popleft() if queue else None

    def tiles_of(self, unit: int) -> Iterator[Tile]:
        """The tiles dealt to `unit`, in order."""
        while (tile := self._take(unit)) is not None:
            yield tile
