"""How big a unit's tiles are when a kernel runs on several units.

Each unit traces its own part of the kernel: the trace generator splits the kernel's
outermost parallel loop as the runtime does (docs/traces.md, "Parts"): output channels or
rows on a CPU, an OpenMP static schedule with a barrier at the kernel's end; blocks of the
output on a GPU, dealt to SMs in waves. With several units a part is cut into at least
CHUNKS_PER_UNIT tiles, sized from the kernel's analytic bytes, so that the units' tiles
interleave finely in the shared L2 and on the DRAM channel; one unit keeps the trace's own
tile size.

A tile is never smaller than what the unit's private L1 holds. Within a tile the engine
overlaps the unit's DRAM reads with its arithmetic (sim/engine/timing.py), and the L1 is the
window in which a unit does so: the lines its loads and prefetches have in flight, or on a
GPU the operands of the thread blocks resident on one SM at once, which share its L1/shared
memory and hide each other's loads.
"""

from sim.analytic.estimate import estimate_op
from sim.hw.model import Hardware
from sim.schedule.model import Kernel, Schedule
from sim.trace.stream import MAX_TILE_LINES

CHUNKS_PER_UNIT = 4
NO_L1_TILE_LINES = 64  # the smallest tile of a unit without a private cache


def tile_lines(kernel: Kernel, schedule: Schedule, hw: Hardware) -> int:
    """The most line accesses a tile of `kernel` holds when it runs on `hw.units` units."""
    if hw.units == 1:
        return MAX_TILE_LINES
    n_bytes = sum(estimate_op(op, schedule.precision).analytic_bytes for op in kernel.ops)
    lines = n_bytes // hw.line_bytes
    per_chunk = lines // (CHUNKS_PER_UNIT * hw.units)
    return max(min_tile_lines(hw), min(MAX_TILE_LINES, per_chunk))


def min_tile_lines(hw: Hardware) -> int:
    """The lines the unit's private L1 holds (NO_L1_TILE_LINES without one)."""
    if not hw.private_caches:
        return NO_L1_TILE_LINES
    l1 = hw.private_caches[0]
    return min(MAX_TILE_LINES, l1.size_bytes // l1.line_bytes)
