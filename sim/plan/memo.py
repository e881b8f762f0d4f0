"""The traces of tiled chains kept across one search's simulations, so that a chain is traced
once per layout rather than once per simulation that runs it.

`auto` simulates the same tiled chains again and again: the incumbent's chains in the
windows of its moves and of its neighbours' moves, a kept move's chain in the next
incumbent's windows, a chain of the result in its whole simulation. A tiled chain is the
slowest kernel to trace (its stages are traced tile by tile, sim/trace/tiled.py), and its
tiles are a pure function of what `kernel_tiles` reads: the kernel, the device, the part,
the tile size in lines, and of the schedule its precision, its buffers, its workspace
address and, through the workspace layout (sim/trace/context.py), the kernel's own
pre-transformed weights' address and the scratch's. Those are the key; the tiles are kept
once traced to the end (a trace the floor of sim/plan/bound.py stopped is not), up to
MAX_KEPT_BYTES, the least recently used dropped first. Other kernels trace many times
faster per byte and are traced again.
"""

from collections import OrderedDict
from collections.abc import Iterable, Iterator

from sim.hw.model import Hardware
from sim.plan.bound import tile_bytes
from sim.schedule.model import Kernel, Schedule
from sim.trace import kernel_tiles
from sim.trace.context import Context
from sim.trace.model import Tile

MAX_KEPT_BYTES = 64 * 2**20


class TraceMemo:
    """`kernel_tiles` on `hw`, a `TileSource` (sim/engine/simulate.py), with the tiles of
    tiled chains kept (module docstring)."""

    def __init__(self, hw: Hardware):
        self.hw = hw
        self.kept: OrderedDict[tuple, tuple[list[Tile], int]] = OrderedDict()  # (tiles, bytes)
        self.kept_bytes = 0

    def __call__(
        self,
        kernel: Kernel,
        schedule: Schedule,
        hw: Hardware,
        part: tuple[int, int],
        max_lines: int,
    ) -> Iterable[Tile]:
        if hw is not self.hw:
            raise ValueError(f"traces kept for {self.hw.name} asked for another device")
        if kernel.tile is None:
            return kernel_tiles(kernel, schedule, hw, part, max_lines)
        key = trace_key(kernel, schedule, hw, part, max_lines)
        found = self.kept.get(key)
        if found is None:
            return self._keeping(key, kernel_tiles(kernel, schedule, hw, part, max_lines))
        self.kept.move_to_end(key)
        return found[0]

    def _keeping(self, key: tuple, tiles: Iterator[Tile]) -> Iterator[Tile]:
        """`tiles`, kept once the last has been taken if they fit."""
        made: list[Tile] | None = []
        n_bytes = 0
        for tile in tiles:
            if made is not None:
                made.append(tile)
                n_bytes += tile_bytes(tile)
                if n_bytes > MAX_KEPT_BYTES:
                    made = None
            yield tile
        if made is None or key in self.kept:  # too many, or kept meanwhile
            return
        self.kept[key] = (made, n_bytes)
        self.kept_bytes += n_bytes
        while self.kept_bytes > MAX_KEPT_BYTES:
            _, (_, dropped) = self.kept.popitem(last=False)
            self.kept_bytes -= dropped


def trace_key(
    kernel: Kernel, schedule: Schedule, hw: Hardware, part: tuple[int, int], max_lines: int
) -> tuple:
    """All that `kernel_tiles(kernel, schedule, hw, part, max_lines)` reads on one device."""
    ctx = Context.of(kernel, schedule, hw, part)
    return (
        kernel,
        part,
        max_lines,
        schedule.precision,
        frozenset(schedule.buffers.items()),
        schedule.workspace_address,
        ctx.persistent_address,
        ctx.scratch_address,
    )
