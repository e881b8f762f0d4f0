"""Spatial tiling of conv chains: the halo recomputed, counted by hand; the intermediate kept
off the memory; tiles too large for the cache save less; the estimate's choice on pi3."""

import attrs
import numpy as np
import pytest

from sim.analytic.counts import flops
from sim.engine.simulate import simulate
from sim.graph.load import load_workload
from sim.hw.load import load_hardware
from sim.hw.model import Precision
from sim.schedule.passes import PASSES, tile_chains
from sim.schedule.passes.tiling import Chain
from sim.schedule.presets import preset_schedule
from sim.schedule.tiles import chain_tiles, halo_flops
from sim.trace import kernel_tiles
from tests.schedule.util import kernel_ops, naive, on_chip, run_passes

PI3 = load_hardware("pi3").with_units(1).with_share(128 * 1024)  # the talk's core and share
# conv1: 4 -> 192 channels, 3x3; relu1 after it. An 8x8 tile of conv2's 16x16 output needs
# 9x9 of conv1's output (the image's edge is padding on two sides of every quadrant): 4 x 81
# = 324 positions computed instead of 256, so 68 recomputed, each 2 x 9 x 4 x 192 FLOPs of
# conv1 and 192 of relu1.
HAND_HALO_FLOPS = 68 * (2 * 9 * 4 * 192 + 192)


def _chain():
    fused = preset_schedule("fused", load_workload("conv_chain_16x16"), Precision.FP32)
    return fused, tile_chains(fused, [Chain("conv1", 2, (8, 8))])


def _dram_bytes(schedule) -> int:
    result = simulate(schedule, PI3)
    return result.total("dram_read_bytes") + result.total("dram_write_bytes")


def test_a_chain_becomes_one_kernel_and_its_intermediate_gets_no_memory():
    fused, tiled = _chain()
    run_passes(fused, [lambda s: tile_chains(s, [Chain("conv1", 2, (8, 8))])])  # verifies
    assert kernel_ops(tiled) == [["conv1", "relu1", "conv2", "relu2"]]
    assert "relu1" in on_chip(tiled) and "relu1" not in tiled.buffers
    assert "relu1" in fused.buffers


def test_the_halo_recompute_equals_the_hand_count():
    fused, tiled = _chain()
    assert halo_flops(tiled.kernels[0]) == HAND_HALO_FLOPS
    executed = simulate(tiled, PI3).total("flops") - simulate(fused, PI3).total("flops")
    assert executed == HAND_HALO_FLOPS


def test_an_interior_tile_needs_a_10x10_producer_tile():
    s = naive(
        {"x": [1, 2, 24, 24]},
        [
            {"op": "conv2d", "name": "c1", "channels": 4, "kernel": 3, "pad": 1},
            {"op": "conv2d", "name": "c2", "channels": 4, "kernel": 3, "pad": 1},
        ],
    )
    tiles = list(chain_tiles(tile_chains(s, [Chain("c1", 2, (8, 8))]).kernels[0]))
    assert len(tiles) == 9
    assert [t[1].input.shape for t in tiles] == [
        (9, 9), (9, 10), (9, 9), (10, 9), (10, 10), (10, 9), (9, 9), (9, 10), (9, 9)
    ]  # fmt: skip
    assert tiles[4][1].ops[0].attrs.pads == (0, 0, 0, 0)  # inside: no padding
    assert tiles[0][0].ops[0].attrs.pads == (1, 1, 0, 0)


def test_tiles_that_fit_avoid_the_intermediate_round_trip_and_too_large_ones_do_not():
    fused, tiled = _chain()
    round_trip = 2 * fused.buffers["relu1"].size_bytes
    # 8x8 tiles keep the intermediate on chip: they save most of its round trip; the rest
    # goes to the weights every tile reads again and to the halo
    assert _dram_bytes(tiled) < _dram_bytes(fused) - round_trip / 2
    whole = tile_chains(fused, [Chain("conv1", 2, (16, 16))])  # one tile: 192 KiB, over the share
    assert _dram_bytes(whole) > _dram_bytes(tiled) + round_trip / 2


def test_the_tiled_preset_tiles_the_chain_on_pi3_in_bands_of_whole_rows():
    tiled = preset_schedule("tiled", load_workload("conv_chain_16x16"), Precision.FP32, PI3)
    assert [k.tile for k in tiled.kernels] == [(8, 16)]


@pytest.mark.parametrize(
    ("workload", "tiles_some"),
    [("mobilenet", True), ("shufflenet_v1_1x_g3", True), ("resnet18", False)],
)
def test_on_pi3_fused_moves_less_than_naive_and_tiled_less_than_fused(workload, tiles_some):
    graph = load_workload(workload)
    naive, fused = (preset_schedule(p, graph, Precision.FP32) for p in ("naive", "fused"))
    tiled = preset_schedule("tiled", graph, Precision.FP32, PI3)
    assert any(k.tile for k in tiled.kernels) == tiles_some
    assert _dram_bytes(fused) < _dram_bytes(naive)
    if tiles_some:
        assert _dram_bytes(tiled) < _dram_bytes(fused)
    else:  # ResNet-18: no band of a 3x3 -> 3x3 chain fits 128 KiB next to its 56-wide planes
        assert tiled == attrs.evolve(fused, name="tiled")


def _three_convs():
    s = naive(
        {"x": [1, 3, 16, 16]},
        [
            {"op": "conv2d", "name": "c1", "channels": 8, "kernel": 3, "pad": 1},
            {"op": "relu", "name": "r1"},
            {"op": "conv2d", "name": "c2", "channels": 6, "kernel": 3, "pad": 1},
            {"op": "conv2d", "name": "c3", "channels": 4, "kernel": 3, "pad": 1},
        ],
    )
    fused = run_passes(s, [p for p in PASSES if p is not tile_chains])
    tiled = run_passes(fused, [lambda t: tile_chains(t, [Chain("c1", 3, (8, 8))])])
    return fused, tiled


def test_a_chain_of_three_convs_keeps_both_intermediates_and_recomputes_two_halos():
    fused, tiled = _three_convs()
    assert kernel_ops(tiled) == [["c1", "r1", "c2", "c3"]]
    assert [s.main_op.name for s in tiled.kernels[0].stages] == ["c1", "c2", "c3"]
    assert {"r1", "c2"} <= set(on_chip(tiled)) and not {"r1", "c2"} & set(tiled.buffers)
    tiles = list(chain_tiles(tiled.kernels[0]))
    # an 8x8 quadrant of c3 needs 9x9 of c2 (one side is the image's padding) and 10x10 of c1
    assert [t[1].output.shape for t in tiles] == [(9, 9)] * 4
    assert [t[0].output.shape for t in tiles] == [(10, 10)] * 4
    c2_extra, c1_extra = 4 * 81 - 256, 4 * 100 - 256
    hand = c2_extra * 2 * 9 * 8 * 6 + c1_extra * (2 * 9 * 3 * 8 + 8)  # c1 and its relu
    assert halo_flops(tiled.kernels[0]) == hand
    # the untiled convs may run Winograd (executed FLOPs); against the analytic count
    analytic = sum(flops(op) for op in fused.graph.ops)
    assert simulate(tiled, PI3).total("flops") - analytic == hand


def _shufflenet_unit():
    """A ShuffleNet unit (1x1 group conv, shuffle, 3x3 depthwise, 1x1 group conv, residual
    add, ReLU) on 12 channels of 12x12, fused."""
    s = naive(
        {"x": [1, 12, 12, 12]},
        [
            {"op": "conv2d", "name": "g1", "channels": 12, "kernel": 1, "groups": 3},
            {"op": "channel_shuffle", "name": "shuffle", "groups": 3},
            {"op": "depthwise_conv2d", "name": "dw", "kernel": 3, "pad": 1},
            {"op": "conv2d", "name": "g2", "channels": 12, "kernel": 1, "groups": 3},
            {"op": "add", "name": "add", "in": ["g2", "x"]},
            {"op": "relu", "name": "relu"},
        ],
    )
    fused = run_passes(s, [p for p in PASSES if p is not tile_chains])
    return fused


def test_a_shufflenet_unit_tiles_as_one_chain_with_the_shuffle_read_map_in_its_middle():
    fused = _shufflenet_unit()
    tiled = run_passes(fused, [lambda t: tile_chains(t, [Chain("g1", 3, (4, 12))])])
    assert kernel_ops(tiled) == [["g1", "shuffle", "dw", "g2", "add", "relu"]]
    stages = tiled.kernels[0].stages
    assert [[op.name for op in stage.prologue] for stage in stages] == [[], ["shuffle"], []]
    # bands of 4 rows of 12: the 3x3 dw needs g1's rows [0,5), [3,9), [7,12): 16 rows, not 12
    hand = 4 * 12 * 2 * (12 // 3) * 12
    assert halo_flops(tiled.kernels[0]) == hand
    # the untiled convs may run Winograd (executed FLOPs); against the analytic count
    analytic = sum(flops(op) for op in fused.graph.ops)
    assert simulate(tiled, PI3).total("flops") - analytic == hand


def test_a_chain_with_a_shuffle_read_map_and_a_residual_add_keeps_its_flops():
    fused = _shufflenet_unit()
    tiled = run_passes(fused, [lambda t: tile_chains(t, [Chain("dw", 2, (4, 12))])])
    assert kernel_ops(tiled) == [["g1"], ["shuffle", "dw", "g2", "add", "relu"]]
    assert "dw" in on_chip(tiled) and "dw" not in tiled.buffers
    assert halo_flops(tiled.kernels[1]) == 0  # a pointwise consumer needs no halo
    assert simulate(tiled, PI3).total("flops") == simulate(fused, PI3).total("flops")


@pytest.mark.parametrize(
    ("length", "tile"), [(2, (8, 8)), (2, (5, 3)), (2, (16, 16)), (3, (8, 8)), (3, (3, 5))]
)
def test_every_access_of_a_tiled_kernel_lands_in_the_tensors_or_the_scratch(length, tile):
    if length == 2:
        fused, _ = _chain()
        first, last = "conv1", "relu2"
    else:
        fused, _ = _three_convs()
        first, last = "c1", "c3"
    tiled = tile_chains(fused, [Chain(first, length, tile)])
    lines = np.concatenate([t.line_addresses for t in kernel_tiles(tiled.kernels[0], tiled, PI3)])
    scratch = tiled.workspace_address + 2**20
    assert int(lines.max()) < scratch
    output = tiled.buffers[last]
    written = {
        int(a)
        for t in kernel_tiles(tiled.kernels[0], tiled, PI3)
        for a in t.line_addresses[t.is_write]
        if output.address <= a < output.end
    }
    assert len(written) == output.size_bytes // PI3.caches[0].line_bytes  # every output line
