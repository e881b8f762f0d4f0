"""Run a sweep into its results file: skip the points already there, append the others as
they finish, and leave the rows in spec order once every point is in."""

from collections.abc import Callable
from typing import Any

from attrs import define

from sim.sweep.executors import execute
from sim.sweep.points import Point, file_digest, sweep_points
from sim.sweep.runner import Task
from sim.sweep.spec import SweepSpec
from sim.sweep.store import Store

Update = Callable[[int, int, str], None]


@define(frozen=True)
class Outcome:
    points: int
    resumed: int  # found in the results file, not run again
    failed: int  # of the spec's points, resumed ones included
    changed: bool  # whether the results file was written
    rows: tuple[dict[str, Any], ...]  # one per point, in spec order


def run_sweep(
    spec: SweepSpec,
    store: Store,
    workers: int = 1,
    scheduler: str | None = None,
    retry_failed: bool = False,
    update: Update | None = None,
) -> Outcome:
    """Every point of `spec` once in `store`: those already there are kept (failed ones run
    again with `retry_failed`), the others run on `workers` processes or at `scheduler`."""
    points = sweep_points(spec)
    keys = {point.key for point in points}
    existing = store.rows()
    retried = retry_failed and any(r["key"] in keys and r.get("error") for r in existing)
    if retried:
        existing = [r for r in existing if not (r["key"] in keys and r.get("error"))]
        store.rewrite(existing)
    have = {row["key"]: row for row in existing}
    todo = [point for point in points if point.key not in have]
    resumed = len(points) - len(todo)
    failed = sum(1 for p in points if p.key in have and have[p.key].get("error"))
    done = resumed
    _tell(update, done, len(points), failed)
    for _, row in execute([_task(spec, p) for p in todo], workers, scheduler):
        store.append(row)
        have[row["key"]] = row
        done += 1
        failed += bool(row.get("error"))
        _tell(update, done, len(points), failed)
    ordered = [have[p.key] for p in points]
    others = [row for row in store.rows() if row["key"] not in keys]
    reorder = [r["key"] for r in store.rows()] != [r["key"] for r in ordered + others]
    if reorder:
        store.rewrite(ordered + others)
    changed = retried or reorder or resumed < len(points)
    return Outcome(len(points), resumed, failed, changed, tuple(ordered))


def _task(spec: SweepSpec, point: Point) -> Task:
    workload = spec.workloads[point.workload_index]
    device = spec.devices[point.device_index]
    return Task(point, workload.graph, file_digest(workload.path), device.data, device.path)


def _tell(update: Update | None, done: int, total: int, failed: int) -> None:
    if update is not None:
        update(done, total, f"sweep: {done}/{total} points, {failed} failed")
