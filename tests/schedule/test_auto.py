"""`auto`: at least as fast as the best of naive, fused and tiled, bounded, deterministic.

Every shipped workload on every device: benchmarks/auto_search.py (docs/performance.md)."""

import pytest

from sim.engine.simulate import simulate
from sim.graph.load import load_workload
from sim.hw.load import load_hardware
from sim.hw.model import Precision
from sim.schedule.auto import MAX_TRIALS, auto_schedule
from sim.schedule.passes import tile_chains
from sim.schedule.passes.tiling import Chain
from sim.schedule.presets import preset_schedule
from sim.schedule.saved import schedule_data
from tests.test_cli import run_cli


@pytest.mark.parametrize("workload", ["conv_chain_16x16", "pool_dw", "se_block", "separable_256"])
@pytest.mark.parametrize("hw_name", ["pi3", "xavier", "v100"])
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


def test_auto_tries_other_band_heights_for_a_chain_it_tiles():
    graph, hw = load_workload("conv_chain_16x16"), load_hardware("pi3")
    search = auto_schedule(graph, Precision.FP32, hw)
    # tiled's chain in 8x16 bands, then bands of 16 and of 4 rows: two more simulations
    assert search.simulations == 5
    assert [(c.first, c.length) for c in search.chains] == [("conv1", 2)]
    fused = preset_schedule("fused", graph, Precision.FP32)
    for rows in (4, 16):
        retiled = tile_chains(fused, [Chain("conv1", 2, (rows, 16))])
        assert search.cycles <= simulate(retiled, hw).cycles


@pytest.mark.parametrize(
    "argv", [("run", "--schedule", "auto"), ("compare", "--schedules", "fused,auto")]
)
def test_run_and_compare_say_what_the_search_did(capsys, argv):
    command, *options = argv
    code, out, _ = run_cli(capsys, command, "conv_chain_16x16", "--hw", "pi3", *options)
    assert code == 0
    assert "note: auto: 5 whole-network simulations searched (at most 11)" in out
    assert "tiled chains: 2 kernels from conv1 in 8x16 tiles" in out
