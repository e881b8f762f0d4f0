"""`auto`: at least as good as the best of naive, fused and tiled by its objective (time or
DRAM traffic), bounded, deterministic.

Every shipped workload on every device: benchmarks/auto_search.py (docs/performance.md)."""

import pytest

from sim.engine.simulate import simulate
from sim.errors import ScheduleError
from sim.graph.load import load_workload
from sim.hw.load import load_hardware
from sim.hw.model import Precision
from sim.schedule.auto import MAX_TRIALS, auto_schedule
from sim.schedule.passes import tile_chains
from sim.schedule.passes.tiling import Chain
from sim.schedule.presets import preset_schedule
from sim.schedule.saved import schedule_data
from tests.test_cli import run_cli


def _dram_bytes(result) -> int:
    return result.total("dram_read_bytes") + result.total("dram_write_bytes")


@pytest.mark.parametrize("workload", ["conv_chain_16x16", "pool_dw", "se_block", "separable_256"])
@pytest.mark.parametrize("hw_name", ["pi3", "xavier", "v100"])
def test_auto_is_at_least_as_good_as_every_preset_by_its_objective(workload, hw_name):
    graph, hw = load_workload(workload), load_hardware(hw_name)
    presets = [
        simulate(preset_schedule(n, graph, Precision.FP32, hw), hw)
        for n in ("naive", "fused", "tiled")
    ]
    fastest = auto_schedule(graph, Precision.FP32, hw)
    assert fastest.cycles <= min(r.cycles for r in presets)
    leanest = auto_schedule(graph, Precision.FP32, hw, "traffic")
    assert leanest.dram_bytes <= min(_dram_bytes(r) for r in presets)
    for search in (fastest, leanest):
        result = simulate(search.schedule, hw)
        assert (search.cycles, search.dram_bytes) == (result.cycles, _dram_bytes(result))
        assert 3 <= search.simulations <= 4 and search.trials <= MAX_TRIALS
        assert search.schedule.name == "auto"


def test_the_same_inputs_give_the_same_choice():
    graph, hw = load_workload("conv_chain_16x16"), load_hardware("pi3")
    a, b = (auto_schedule(graph, Precision.FP32, hw).schedule for _ in range(2))
    assert schedule_data(a) == schedule_data(b)


def test_auto_tries_other_tile_sizes_for_a_chain_it_tiles():
    graph, hw = load_workload("conv_chain_16x16"), load_hardware("pi3")
    search = auto_schedule(graph, Precision.FP32, hw)
    # tiled's chain in 8x16 bands: then 16x16, 4x16 and 8x8 tiles, and untiled; none faster
    assert (search.simulations, search.trials) == (3, 4)
    assert search.chains == (Chain("conv1", 2, (8, 16)),)
    fused = preset_schedule("fused", graph, Precision.FP32)
    for tile in ((4, 16), (16, 16), (8, 8)):
        retiled = tile_chains(fused, [Chain("conv1", 2, tile)])
        assert search.cycles <= simulate(retiled, hw).cycles


def test_least_traffic_tiles_the_talks_chain_finer_and_moves_less_than_its_8x8_tiles():
    graph, hw = load_workload("conv_chain_16x16"), load_hardware("pi3")
    search = auto_schedule(graph, Precision.FP32, hw, "traffic")
    fused = preset_schedule("fused", graph, Precision.FP32)
    quadrants = simulate(tile_chains(fused, [Chain("conv1", 2, (8, 8))]), hw)  # docs/talk.md 6
    assert search.dram_bytes <= _dram_bytes(quadrants)
    assert "relu1" not in search.schedule.buffers  # the intermediate never reaches memory
    fastest = auto_schedule(graph, Precision.FP32, hw)
    assert search.dram_bytes < fastest.dram_bytes and search.cycles >= fastest.cycles


def test_an_unknown_objective_is_refused():
    graph, hw = load_workload("conv_chain_16x16"), load_hardware("pi3")
    with pytest.raises(ScheduleError, match="unknown objective 'energy'"):
        auto_schedule(graph, Precision.FP32, hw, "energy")


@pytest.mark.parametrize(
    "argv",
    [
        ("run", "--schedule", "auto"),
        ("compare", "--schedules", "fused,auto"),
        ("run", "--schedule", "auto", "--objective", "traffic"),
    ],
)
def test_run_and_compare_say_what_the_search_did(capsys, argv):
    command, *options = argv
    code, out, _ = run_cli(capsys, command, "conv_chain_16x16", "--hw", "pi3", *options)
    assert code == 0
    if "traffic" in options:
        assert "note: auto (least DRAM traffic): 4 whole-network simulations and 6 moves" in out
        assert "tiled chains: 2 kernels from conv1 in 1x16 tiles" in out
    else:
        assert "note: auto (least time): 3 whole-network simulations and 4 moves judged" in out
        assert "on kernel windows (at most 24); tiled chains: 2 kernels from conv1 in 8x16" in out
