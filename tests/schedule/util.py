"""Helpers for schedule tests: tiny graphs, their naive schedule, and passes with verify."""

from sim.graph.load import parse_workload
from sim.hw.model import Precision
from sim.schedule.model import Schedule
from sim.schedule.naive import naive_schedule
from sim.schedule.passes import PASSES
from sim.schedule.verify import verify


def naive(inputs: dict, ops: list, outputs: list | None = None) -> Schedule:
    data = {"name": "t", "inputs": inputs, "graph": ops}
    if outputs is not None:
        data["outputs"] = outputs
    return naive_schedule(parse_workload(data), Precision.FP32)


def run_passes(schedule: Schedule, passes=PASSES) -> Schedule:
    """Apply `passes` in order, verifying the schedule after each."""
    verify(schedule)
    for transform in passes:
        schedule = transform(schedule)
        verify(schedule)
    return schedule


def kernel_ops(schedule: Schedule) -> list[list[str]]:
    return [[op.name for op in k.ops] for k in schedule.kernels]


def on_chip(schedule: Schedule) -> list[str]:
    return [t.name for k in schedule.kernels for t in k.on_chip]
