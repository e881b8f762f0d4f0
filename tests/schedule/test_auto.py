"""`auto`: at least as fast as the best of naive, fused and tiled, bounded, deterministic."""

import pytest

from sim.engine.simulate import simulate
from sim.graph.load import load_workload
from sim.hw.load import load_hardware
from sim.hw.model import Precision
from sim.schedule.auto import MAX_TRIALS, auto_schedule
from sim.schedule.presets import preset_schedule
from sim.schedule.saved import schedule_data


@pytest.mark.parametrize("workload", ["conv_chain_16x16", "pool_dw", "se_block"])
@pytest.mark.parametrize("hw_name", ["pi3", "xavier"])
def test_auto_is_at_least_as_fast_as_every_preset(workload, hw_name):
    graph, hw = load_workload(workload), load_hardware(hw_name)
    search = auto_schedule(graph, Precision.FP32, hw)
    presets = [preset_schedule(n, graph, Precision.FP32, hw) for n in ("naive", "fused", "tiled")]
    assert search.cycles <= min(simulate(s, hw).cycles for s in presets)
    assert search.cycles == simulate(search.schedule, hw).cycles
    assert 3 <= search.simulations <= 3 + MAX_TRIALS
    assert search.schedule.name == "auto"


def test_the_same_inputs_give_the_same_choice():
    graph, hw = load_workload("conv_chain_16x16"), load_hardware("pi3")
    a, b = (auto_schedule(graph, Precision.FP32, hw).schedule for _ in range(2))
    assert schedule_data(a) == schedule_data(b)
