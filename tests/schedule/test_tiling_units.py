"""Tiled chains on several units: the tiles are dealt to the units, each running whole tiles,
so the tiling makes at least one tile per unit where the output allows, and each tile's
working set fits what one unit holds of the cache while every unit holds its own."""

import functools

import pytest

from sim.engine.simulate import simulate
from sim.graph.load import load_workload
from sim.hw.load import load_hardware
from sim.hw.model import Precision
from sim.schedule.passes import PASSES, tile_chains
from sim.schedule.passes.tiling import (
    Budget,
    Chain,
    chain_estimates,
    chained,
    dealt,
    unit_cache_bytes,
    working_bytes,
)
from sim.schedule.presets import preset_schedule, untiled, with_tiles
from sim.schedule.tiles import chain_tiles, halo_flops
from tests.schedule.util import naive, run_passes

KIB = 1024


@functools.cache
def _run(workload: str, hw_name: str, schedule: str):
    hw = load_hardware(hw_name)
    s = preset_schedule(schedule, load_workload(workload), Precision.FP32, hw)
    return s, simulate(s, hw)


def test_a_unit_holds_its_share_of_a_shared_level_or_its_private_level_whole():
    pi3 = load_hardware("pi3")
    assert unit_cache_bytes(pi3) == 512 * KIB // 4  # four cores split the L2
    assert unit_cache_bytes(pi3.with_units(1)) == 512 * KIB  # one core owns it
    assert unit_cache_bytes(pi3.with_units(1).with_share(128 * KIB)) == 128 * KIB
    v100 = load_hardware("v100")  # 6 MiB / 80 SMs = 76.8 KiB: an SM's own 128 KiB L1 is more
    assert 6 * 1024 * KIB // 80 < unit_cache_bytes(v100) == 128 * KIB
    assert Budget.of(v100, Precision.FP32).units == 80


@pytest.mark.parametrize(
    ("tile", "shape", "units", "dealt_tile"),
    [
        ((8, 16), (16, 16), 1, (8, 16)),  # one unit: the cache's band
        ((8, 16), (16, 16), 4, (4, 16)),  # the tallest band giving 4 tiles
        ((2, 112), (112, 112), 4, (2, 112)),  # 56 bands already
        ((3, 112), (112, 112), 80, (1, 112)),  # 112 one-row bands for 80 SMs
        ((8, 16), (16, 16), 80, (1, 3)),  # 16 rows of 6 column tiles: 96 >= 80 (4 wide: 64)
        ((1, 56), (56, 56), 80, (1, 28)),  # 56 rows of 2
    ],
)
def test_a_tile_is_cut_until_every_unit_has_one(tile, shape, units, dealt_tile):
    assert dealt(tile, shape, units) == dealt_tile


@pytest.mark.parametrize("hw_name", ["pi3", "xavier", "v100"])
@pytest.mark.parametrize("workload", ["mobilenet", "shufflenet_v1_1x_g3", "conv_chain_16x16"])
def test_every_estimate_gives_each_unit_a_tile_whose_working_set_fits_its_part(workload, hw_name):
    hw = load_hardware(hw_name)
    budget = Budget.of(hw, Precision.FP32)
    base = untiled(load_workload(workload), Precision.FP32)
    estimates = chain_estimates(base, budget)
    assert estimates
    for index, chain, guess in estimates:
        run = base.kernels[index : index + chain.length]
        tiles = list(chain_tiles(chained(run, chain.tile)))
        assert guess.tiles == len(tiles) >= hw.units
        assert working_bytes(tiles, 4) <= budget.share_bytes
        assert (guess.idle_flops > 0) == (len(tiles) % hw.units > 0)


def test_an_output_with_fewer_positions_than_units_is_not_tiled():
    """A 7x7 output cannot give 80 SMs a tile each; on pi3's 4 cores the chain is weighed."""
    s = run_passes(
        naive(
            {"x": [1, 32, 7, 7]},
            [
                {"op": "depthwise_conv2d", "name": "dw", "kernel": 3, "pad": 1},
                {"op": "conv2d", "name": "pw", "channels": 32, "kernel": 1},
            ],
        ),
        [p for p in PASSES if p is not tile_chains],
    )
    for hw_name, weighed in (("pi3", True), ("v100", False)):
        budget = Budget.of(load_hardware(hw_name), Precision.FP32)
        assert bool(chain_estimates(s, budget)) == weighed


@pytest.mark.parametrize(
    ("workload", "hw_name"),
    [("mobilenet", "pi3"), ("mobilenet", "v100"), ("conv_chain_16x16", "pi3")],
)
def test_every_unit_runs_tiles_of_every_tiled_chain(workload, hw_name):
    """Each chain the preset tiles has an output of at least as many positions as units
    (the estimate refuses the others) and gives every unit tiles."""
    units = load_hardware(hw_name).units
    tiled, result = _run(workload, hw_name, "tiled")
    _, fused = _run(workload, hw_name, "fused")
    chains = [k for k in tiled.kernels if k.tile is not None]
    assert chains  # each of these tiles a chain
    by_name = {k.name: k for k in result.kernels}
    for kernel in chains:
        height, width = kernel.outputs[0].shape[2:]
        assert height * width >= units
        busy = by_name[kernel.name].unit_busy_cycles
        assert len(busy) == units and min(busy) > 0, kernel.name
    halo = sum(halo_flops(k) for k in chains)
    assert result.total("macs") == fused.total("macs")
    assert result.total("flops") == fused.total("flops") + halo


def test_a_chain_with_fewer_rows_than_sms_is_cut_into_columns_that_busy_every_sm():
    """conv_chain_16x16 on the V100: 16 rows, 80 SMs. The estimate's tiles (it does not pick
    the chain) are 1 x 3: 96 tiles, every SM runs one or two, each recomputing its halo."""
    hw = load_hardware("v100")
    base = untiled(load_workload("conv_chain_16x16"), Precision.FP32)
    ((_, chain, guess),) = chain_estimates(base, Budget.of(hw, Precision.FP32))
    assert (chain.tile, guess.tiles) == ((1, 3), 96)
    tiled = with_tiles(base, [chain], "tiled")
    result = simulate(tiled, hw)
    (kernel,) = [k for k in result.kernels if "+" in k.name]
    assert min(kernel.unit_busy_cycles) > 0
    fused = simulate(with_tiles(base, (), "fused"), hw)
    assert result.total("macs") == fused.total("macs")
    assert result.total("flops") == fused.total("flops") + halo_flops(tiled.kernels[0])
    assert guess.halo_flops == halo_flops(tiled.kernels[0]) > 0


def test_a_one_tile_chain_idles_every_unit_but_one():
    """What the tiles' count is for: the same chain in one tile runs on one core of four."""
    hw = load_hardware("pi3")
    base = untiled(load_workload("conv_chain_16x16"), Precision.FP32)
    result = simulate(with_tiles(base, [Chain("conv1", 2, (16, 16))], "tiled"), hw)
    (kernel,) = [k for k in result.kernels if "+" in k.name]
    assert sorted(b > 0 for b in kernel.unit_busy_cycles) == [False, False, False, True]


def test_tiled_mobilenet_on_the_v100_is_not_ten_times_slower_than_fused():
    """Before the tiles were dealt to the SMs, one chain of 14x14 tiles kept 1 SM of 80 busy
    and tiled took over 10x fused's time."""
    _, tiled = _run("mobilenet", "v100", "tiled")
    _, fused = _run("mobilenet", "v100", "fused")
    assert tiled.cycles < 10 * fused.cycles
