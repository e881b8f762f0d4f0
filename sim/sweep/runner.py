"""Run one point where a worker is: the same steps as `run`, and its row.

A `Task` carries what the point needs as data (the loaded graph, the hardware file's parsed
YAML), so a worker on another machine needs sim installed but not the input files (a saved
schedule file excepted: it is read at its path). Within a worker process, what does not
change between points is kept: a `naive` or `fused` schedule depends on the graph and the
precision only (sim/schedule/presets.py), so it is made once per workload and precision;
other schedules once per device as well.
"""

from collections import OrderedDict
from typing import Any

import attrs
from attrs import define

from sim.errors import ConfigError, SimError
from sim.graph.model import Graph
from sim.graph.pruning import apply_sparsity
from sim.graph.sparsity import parse_sparsity
from sim.hw.load import parse_hardware
from sim.hw.model import Hardware, Precision
from sim.hw.overrides import Override, OverrideError, apply_overrides
from sim.plan import Plan, is_saved, plan, simulated
from sim.report.notes import workload_notes
from sim.report.run import run_json
from sim.report.sparsity import kernel_effective_macs
from sim.sweep.points import Point
from sim.sweep.rows import failure_row, row_of
from sim.sweep.spec import override_text

HW_FREE_SCHEDULES = ("naive", "fused")  # made from the graph and precision alone
KEPT_PLANS = 32  # schedules a worker keeps, most recently used first


@define(frozen=True)
class Task:
    point: Point
    graph: Graph
    graph_digest: str
    hw_data: dict
    hw_file: str


_plans: OrderedDict = OrderedDict()


def run_task(task: Task) -> dict[str, Any]:
    """The point's row: its run's figures, or its one-line error (the sweep goes on)."""
    try:
        return row_of(task.point, point_json(task))
    except SimError as exc:
        return failure_row(task.point, str(exc))
    except Exception as exc:  # a bug: recorded with its type, so the other points still run
        text = f"internal error: {type(exc).__name__}: {exc}"
        return failure_row(task.point, text.replace("\n", " "))


def point_json(task: Task) -> dict[str, Any]:
    """What `run WORKLOAD --hw HW --set ... --json -` prints for the point."""
    point = task.point
    hw = device(task)
    precision = Precision(point.precision)
    graph = _graph(task)
    chosen = _plan(task, graph, hw, precision)
    result = simulated(chosen, hw, spans=False)
    data = run_json(result, kernel_effective_macs(chosen.schedule))
    notes = workload_notes(graph) + list(chosen.notes)
    if notes:
        data["notes"] = notes
    return data


def device(task: Task) -> Hardware:
    """The hardware file with the point's coordinates set, on the point's cores."""
    point = task.point
    overrides = tuple(Override(k, override_text(v)) for k, v in point.coordinates)
    if overrides:
        try:
            hw = apply_overrides(task.hw_data, overrides, task.hw_file)
        except OverrideError as exc:  # a combination the device refuses: said in spec terms
            told = ", ".join(str(o) for o in exc.overrides)
            raise ConfigError(f"{told}: {exc.detail}") from None
    else:
        hw = parse_hardware(task.hw_data, task.hw_file)
    if point.cores is not None:
        if point.cores > hw.device_units:
            raise ConfigError(
                f"cores {point.cores}: {hw.name} has {hw.device_units} {hw.unit_name}s "
                f"(use 1 to {hw.device_units})"
            )
        hw = hw.with_units(point.cores)
    return hw


def _graph(task: Task) -> Graph:
    """The point's graph: the workload with the point's sparsity on every weighted op."""
    if task.point.sparsity is None:
        return task.graph
    return apply_sparsity(task.graph, parse_sparsity(task.point.sparsity))


def _plan(task: Task, graph: Graph, hw: Hardware, precision: Precision) -> Plan:
    point = task.point
    if is_saved(point.schedule):  # read from its file each time: it may change
        return plan(graph, hw, point.schedule, precision, point.objective)
    shaped_by_hw = point.schedule not in HW_FREE_SCHEDULES
    key = (
        task.graph_digest,
        point.sparsity,
        point.schedule,
        precision,
        point.objective,
        repr(hw) if shaped_by_hw else None,
    )
    if key in _plans:
        _plans.move_to_end(key)
        return _plans[key]
    chosen = plan(graph, hw, point.schedule, precision, point.objective)
    _plans[key] = attrs.evolve(chosen, result=None)  # the schedule kept, not its simulation
    if len(_plans) > KEPT_PLANS:
        _plans.popitem(last=False)
    return chosen
