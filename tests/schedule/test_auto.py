"""`auto`: at least as good as the best of naive, fused and tiled by its objective (time or
DRAM traffic), bounded, deterministic.

Every shipped workload on every device: benchmarks/auto_search.py (docs/performance.md)."""

import attrs
import pytest

from sim.engine.simulate import simulate
from sim.errors import ScheduleError
from sim.graph.load import load_workload
from sim.hw.load import load_hardware
from sim.hw.model import Precision
from sim.plan.auto import MAX_TRIALS, auto_schedule
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


def talks_core():
    """The talk's setting: one Cortex-A53 core of a busy Pi, with its 128 KiB of the L2."""
    return load_hardware("pi3").with_units(1).with_share(128 * 1024)


def test_the_same_inputs_give_the_same_choice():
    graph, hw = load_workload("conv_chain_16x16"), load_hardware("pi3")
    a, b = (auto_schedule(graph, Precision.FP32, hw).schedule for _ in range(2))
    assert schedule_data(a) == schedule_data(b)


def test_auto_tries_other_tile_sizes_for_a_chain_it_tiles():
    graph, hw = load_workload("conv_chain_16x16"), talks_core()
    search = auto_schedule(graph, Precision.FP32, hw, "traffic")
    # tiled's chain in 8x16 bands, then taller and shorter bands and narrower tiles: the
    # search keeps the least traffic it finds, and no neighbouring tile size moves less
    (chain,) = search.chains
    assert (chain.first, chain.length) == ("conv1", 2) and chain.tile != (8, 16)
    assert search.trials >= 3
    fused = preset_schedule("fused", graph, Precision.FP32)
    rows, columns = chain.tile
    for tile in {(min(16, 2 * rows), columns), (max(1, rows // 2), columns), (8, 16)}:
        retiled = tile_chains(fused, [Chain("conv1", 2, tile)])
        assert search.dram_bytes <= _dram_bytes(simulate(retiled, hw))


def test_least_traffic_tiles_the_talks_chain_finer_and_moves_less_than_its_8x8_tiles():
    graph, hw = load_workload("conv_chain_16x16"), talks_core()
    search = auto_schedule(graph, Precision.FP32, hw, "traffic")
    fused = preset_schedule("fused", graph, Precision.FP32)
    quadrants = simulate(tile_chains(fused, [Chain("conv1", 2, (8, 8))]), hw)  # docs/talk.md 6
    assert search.dram_bytes <= _dram_bytes(quadrants)
    assert "relu1" not in search.schedule.buffers  # the intermediate never reaches memory
    fastest = auto_schedule(graph, Precision.FP32, hw)
    assert search.dram_bytes < fastest.dram_bytes and search.cycles >= fastest.cycles


def test_an_unknown_objective_is_refused():
    graph, hw = load_workload("conv_chain_16x16"), load_hardware("pi3")
    with pytest.raises(ScheduleError, match="unknown objective 'power'"):
        auto_schedule(graph, Precision.FP32, hw, "power")
    with pytest.raises(ScheduleError, match="has no energy costs"):
        auto_schedule(graph, Precision.FP32, attrs.evolve(hw, energy=None), "energy")


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
    talks_core_flags = ("--cores", "1", "--share", "128KiB")
    code, out, _ = run_cli(
        capsys, command, "conv_chain_16x16", "--hw", "pi3", *talks_core_flags, *options
    )
    assert code == 0
    if "traffic" in options:
        assert "note: auto (least DRAM traffic): 4 whole-network simulations and 6 moves" in out
        assert "tiled chains: 2 kernels from conv1 in 1x16 tiles" in out
    else:  # tiled (1.19 ms) is no faster than fused (1.17 ms): the search keeps fused
        assert "note: auto (least time): 3 whole-network simulations and 1 move judged" in out
        assert "on kernel windows (at most 24); tiled chains: none" in out


def test_the_search_reports_progress_after_each_simulation():
    graph, hw = load_workload("conv_chain_16x16"), talks_core()
    calls = []
    search = auto_schedule(graph, Precision.FP32, hw, "traffic", lambda d, t: calls.append((d, t)))
    done = [d for d, _ in calls]
    assert done == list(range(1, len(calls) + 1))  # one call per simulation, in order
    assert search.simulations <= len(calls) <= search.simulations + 2 * search.trials
    assert all(d <= t for d, t in calls)
