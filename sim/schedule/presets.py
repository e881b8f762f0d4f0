"""Named schedules: `naive` (one kernel per op), `fused` (every pass in PASSES but the
tiling) and `tiled` (fused, plus the conv chains the tiling estimate picks for the device)."""

import functools

import attrs

from sim.errors import ScheduleError
from sim.graph.model import Graph
from sim.hw.model import Hardware, Precision
from sim.schedule.model import Schedule
from sim.schedule.naive import naive_schedule
from sim.schedule.passes import PASSES
from sim.schedule.passes.tiling import Budget, choose_tiles, tile_chains

PRESETS = ("naive", "fused", "tiled")


def apply_passes(schedule: Schedule, passes=PASSES) -> Schedule:
    for transform in passes:
        schedule = transform(schedule)
    return schedule


def preset_schedule(
    name: str, graph: Graph, precision: Precision, hw: Hardware | None = None
) -> Schedule:
    """The schedule `name` of PRESETS for `graph`; `tiled` needs the device `hw`."""
    naive = naive_schedule(graph, precision)
    if name == "naive":
        return naive
    cut = PASSES.index(tile_chains)
    before, after = PASSES[:cut], PASSES[cut + 1 :]
    if name == "fused":
        return attrs.evolve(apply_passes(naive, before + after), name="fused")
    if name == "tiled" and hw is not None:
        fused = apply_passes(naive, before)
        tiling = functools.partial(tile_chains, tiles=choose_tiles(fused, Budget.of(hw, precision)))
        return attrs.evolve(apply_passes(fused, (tiling, *after)), name="tiled")
    if name == "tiled":
        raise ScheduleError("the tiled schedule needs the hardware it is tiled for")
    raise ScheduleError(f"unknown schedule {name!r} (known: {', '.join(PRESETS)})")
