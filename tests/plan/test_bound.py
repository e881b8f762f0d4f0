"""The floor under a schedule's simulated cycles (sim/plan/bound.py): never above the
engine's cycles, and the tiles traced on the way simulate to the very same run."""

import math

import pytest

import sim.plan.bound
from sim.engine.simulate import simulate
from sim.graph.load import load_workload
from sim.hw.load import load_hardware
from sim.hw.model import Precision
from sim.plan.bound import traces_within
from sim.schedule.presets import preset_schedule
from tests.plan.util import mini_mobilenet, talks_core

CASES = [
    ("mini", "pi3", "tiled"),
    ("mini", "talks", "tiled"),
    ("mini", "xavier", "fused"),  # a GPU: every kernel pays its launch
    ("mini", "pi3", "naive"),
    ("conv_chain_16x16", "talks", "tiled"),
    ("se_block", "pi3", "fused"),
]


def _case(workload: str, hw_name: str, preset: str):
    graph = mini_mobilenet() if workload == "mini" else load_workload(workload)
    hw = talks_core() if hw_name == "talks" else load_hardware(hw_name)
    return preset_schedule(preset, graph, Precision.FP32, hw), hw


@pytest.mark.parametrize("case", CASES)
def test_the_floor_is_at_most_the_simulated_cycles_and_its_tiles_simulate_the_same(case):
    schedule, hw = _case(*case)
    traces = traces_within(schedule, hw, math.inf)
    result = simulate(schedule, hw)
    assert 0 < traces.floor_cycles <= result.cycles
    assert traces.made is not None
    assert simulate(schedule, hw, tiles=traces) == result


def test_tiles_too_many_to_keep_are_traced_again(monkeypatch):
    schedule, hw = _case("mini", "pi3", "tiled")
    monkeypatch.setattr(sim.plan.bound, "MAX_TRACED_BYTES", 2**16)
    traces = traces_within(schedule, hw, math.inf)
    assert traces.made is None
    assert simulate(schedule, hw, tiles=traces) == simulate(schedule, hw)


def test_tracing_stops_once_the_floor_is_over_the_bar():
    schedule, hw = _case("mini", "pi3", "tiled")
    floor = traces_within(schedule, hw, math.inf).floor_cycles
    assert traces_within(schedule, hw, floor) is not None  # not over: equal
    assert traces_within(schedule, hw, math.nextafter(floor, 0)) is None
    assert traces_within(schedule, hw, floor / 2) is None


def test_traces_serve_only_the_schedule_they_were_made_for():
    schedule, hw = _case("conv_chain_16x16", "talks", "tiled")
    other, _ = _case("conv_chain_16x16", "talks", "fused")
    traces = traces_within(schedule, hw, math.inf)
    refused = "traces of tiled on pi3 asked for another schedule or device"
    for run in ((other, hw), (schedule, load_hardware("pi3").with_units(1))):
        with pytest.raises(ValueError, match=refused):
            simulate(*run, tiles=traces)
