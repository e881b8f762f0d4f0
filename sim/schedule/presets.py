"""Named schedules made by passes alone: `naive` (one kernel per op), `fused` (every pass in
PASSES but the tiling) and `tiled` (fused, plus the conv chains the tiling estimate picks for
the device). `auto`, which simulates, lives above the engine in sim/plan/."""

import functools
from collections.abc import Iterable

import attrs

from sim.errors import ScheduleError
from sim.graph.model import Graph
from sim.hw.model import Hardware, Precision
from sim.schedule.model import Schedule
from sim.schedule.naive import naive_schedule
from sim.schedule.passes import PASSES
from sim.schedule.passes.tiling import Budget, Chain, choose_tiles, tile_chains

PRESETS = ("naive", "fused", "tiled")
_CUT = PASSES.index(tile_chains)


def apply_passes(schedule: Schedule, passes=PASSES) -> Schedule:
    for transform in passes:
        schedule = transform(schedule)
    return schedule


def untiled(graph: Graph, precision: Precision) -> Schedule:
    """The schedule after every pass before `tile_chains`: where tiles are chosen."""
    return apply_passes(naive_schedule(graph, precision), PASSES[:_CUT])


def with_tiles(schedule: Schedule, chains: Iterable[Chain], name: str) -> Schedule:
    """`untiled`'s schedule finished: the `chains` tiled, then the passes after."""
    tiling = functools.partial(tile_chains, chains=tuple(chains))
    return attrs.evolve(apply_passes(schedule, (tiling, *PASSES[_CUT + 1 :])), name=name)


def preset_schedule(
    name: str, graph: Graph, precision: Precision, hw: Hardware | None = None
) -> Schedule:
    """The schedule `name` of PRESETS for `graph`; `tiled` needs the device `hw`."""
    if name == "naive":
        return naive_schedule(graph, precision)
    if name == "fused":
        return with_tiles(untiled(graph, precision), (), "fused")
    if name not in PRESETS:
        raise ScheduleError(f"unknown schedule {name!r} (known: {', '.join(PRESETS)})")
    if hw is None:
        raise ScheduleError(f"the {name} schedule needs the hardware it is made for")
    base = untiled(graph, precision)
    return with_tiles(base, choose_tiles(base, Budget.of(hw, precision)), "tiled")
