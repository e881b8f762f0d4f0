"""The planning driver above the engine: every command turns (workload, device, schedule,
objective) into a schedule and its notes here, and nowhere else.

    graph + device --plan()--> Plan (schedule, notes) --simulated()--> RunResult

`--schedule` is a preset made by passes (sim/schedule/presets.py), `auto` (a bounded
simulated search, sim/plan/auto.py: the one part of planning that runs the engine) or a
saved schedule file replayed without any pass. Nothing below this package imports it.
"""

from collections.abc import Callable

from attrs import define

from sim.engine.simulate import Progress, RunResult, simulate
from sim.errors import ScheduleError
from sim.graph.model import Graph
from sim.hw.model import Hardware, Precision
from sim.plan.auto import OBJECTIVES, auto_schedule, search_note
from sim.schedule.model import Schedule
from sim.schedule.presets import PRESETS, preset_schedule

SCHEDULES = (*PRESETS, "auto")

__all__ = ["OBJECTIVES", "SCHEDULES", "Plan", "is_saved", "plan", "simulated"]


@define(frozen=True)
class Plan:
    schedule: Schedule
    notes: tuple[str, ...] = ()  # what planning did, in plain words (auto's search)
    result: RunResult | None = None  # the schedule simulated with caches, if planning did


def is_saved(spec: str) -> bool:
    """Whether `--schedule` names a saved schedule file rather than a preset."""
    return spec not in SCHEDULES and spec.endswith((".yaml", ".yml"))


def plan(
    graph: Graph,
    hw: Hardware,
    spec: str,
    precision: Precision,
    objective: str = "time",
    progress: Callable[[int, int], None] | None = None,
) -> Plan:
    """The schedule `spec` asks for: a preset, `auto` (searching for `objective` on `hw` as
    configured, cores included, calling `progress` as it simulates), or a saved schedule."""
    if is_saved(spec):
        from sim.schedule.saved import load_schedule  # saved schedules only: not at start-up

        return Plan(load_schedule(spec, graph, precision))
    if spec == "auto":
        search = auto_schedule(graph, precision, hw, objective, progress)
        return Plan(search.schedule, (search_note(search),), search.result)
    if spec not in PRESETS:
        raise ScheduleError(f"unknown schedule {spec!r} (known: {', '.join(SCHEDULES)})")
    return Plan(preset_schedule(spec, graph, precision, hw))


def simulated(
    chosen: Plan,
    hw: Hardware,
    *,
    caches: bool = True,
    progress: Progress | None = None,
    spans: bool = True,
) -> RunResult:
    """`simulate(chosen.schedule, hw, caches=caches, progress=progress, spans=spans)`: the
    simulation planning ran (auto's search ends with its choice simulated whole) when it is
    that one, on the same hardware with caches and with spans if they are asked for; else a
    new one (the engine is deterministic)."""
    done = chosen.result
    if done is not None and caches and done.hw == hw and (not spans or done.timing.span_records):
        return done
    return simulate(chosen.schedule, hw, caches=caches, progress=progress, spans=spans)
