"""Named schedules: `naive` (one kernel per op) and `fused` (every pass in PASSES)."""

import attrs

from sim.errors import ScheduleError
from sim.graph.model import Graph
from sim.hw.model import Precision
from sim.schedule.model import Schedule
from sim.schedule.naive import naive_schedule
from sim.schedule.passes import PASSES

PRESETS = ("naive", "fused")


def apply_passes(schedule: Schedule, passes=PASSES) -> Schedule:
    for transform in passes:
        schedule = transform(schedule)
    return schedule


def preset_schedule(name: str, graph: Graph, precision: Precision) -> Schedule:
    """The schedule `name` of PRESETS for `graph`."""
    naive = naive_schedule(graph, precision)
    if name == "naive":
        return naive
    if name == "fused":
        return attrs.evolve(apply_passes(naive), name="fused")
    raise ScheduleError(f"unknown schedule {name!r} (known: {', '.join(PRESETS)})")
