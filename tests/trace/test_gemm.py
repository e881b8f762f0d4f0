"""The GEMM generator against a line sequence written out by hand, and its register tile."""

import attrs
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.hw.model import Precision
from sim.trace import register_tile
from sim.trace.blocking import Sources, gemm_blocking, kc_max, tile_registers
from tests.trace.util import hardware, schedule, trace, with_registers


def _tiny_hw():
    """pi3 with 16-byte L1 lines (one register each) and 6 registers: a 4 x 4 micro-tile."""
    hw = with_registers(hardware("pi3"), 6)
    l1 = attrs.evolve(hw.caches[0], line_bytes=16)
    return attrs.evolve(hw, caches=(l1, *hw.caches[1:]))


def test_pointwise_conv_line_sequence_by_hand():
    """C (4 x 8) = W (4 x 4) x X (4 x 8): a 1x1 conv, 4 -> 4 channels, over 1 x 8 pixels.

    Placement (128-B aligned): X at 0 (128 B), W at 128 (64 B), Y at 256, workspace at 384.
    X and Y are NC4HW4 (ncnn packs 4 channels): pixel x's four channels are the 16 B at 16x.
    Per 4-column micro-panel p of X: pack it into the one B micro-panel buffer at 384 (read
    the 64 B of pixels 4p..4p+3, write the 4 k rows of 4), then per k read the pre-packed W
    column and the packed X row, then write C's 4 x 4 tile: 64 B of Y at 256 + 64p.
    """
    hw = _tiny_hw()
    assert register_tile(hw, Precision.FP32) == (4, 4)
    s = schedule({"x": [1, 4, 1, 8]}, [{"op": "conv2d", "channels": 4, "kernel": 1}])
    assert s.workspace_address == 384
    expected = []
    for panel in range(2):
        expected += [("r", 64 * panel + 16 * i) for i in range(4)]
        expected += [("w", 384 + 16 * i) for i in range(4)]
        for k in range(4):
            expected += [("r", 128 + 16 * k), ("r", 384 + 16 * k)]
        expected += [("w", 256 + 64 * panel + 16 * i) for i in range(4)]
    tiles = trace(s, hw)
    assert len(tiles) == 1
    tile = tiles[0]
    got = [("w" if w else "r", int(a)) for a, w in zip(tile.line_addresses, tile.is_write)]
    assert got == expected
    assert tile.collapsed_accesses == 0 and tile.spill_accesses == 0
    assert tile.flops == 2 * 4 * 8 * 4


def test_pi3_fp32_register_tile_is_8x12():
    hw = hardware("pi3")
    assert register_tile(hw, Precision.FP32) == (8, 12)
    assert tile_registers(8, 12, 4) == 29 <= hw.core.registers.count
    assert kc_max(hw, Precision.FP32) == 512  # B micro-panel 24 KiB: 3 of the 4 L1 ways


def test_a_register_file_of_two_spills():
    hw = with_registers(hardware("pi3"), 2)
    assert register_tile(hw, Precision.FP32) == (4, 1)
    s = schedule({"x": [1, 8, 4, 4]}, [{"op": "conv2d", "channels": 8, "kernel": 1}])
    tiles = trace(s, hw)
    # 3 registers needed, 2 present: one store and one load per k step of every micro-kernel
    micro_kernels = (8 // 4) * 16
    assert sum(t.spill_accesses for t in tiles) == 2 * micro_kernels * 8
    assert sum(t.spill_accesses for t in trace(s, hardware("pi3"))) == 0


def _brute_force(count: int, lanes: int):
    best = None
    for mr in range(lanes, lanes * (count + 1), lanes):
        for nr in [*range(1, lanes), *range(lanes, lanes * (count + 1), lanes)]:
            if tile_registers(mr, nr, lanes) <= count:
                key = (mr * nr / (mr + nr), mr * nr, -mr)
                if best is None or key > best[0]:
                    best = (key, (mr, nr))
    return best[1] if best else (lanes, 1)


@given(count=st.integers(1, 48), width=st.sampled_from([4, 8, 16, 32]))
def test_register_tile_is_the_best_that_fits(count, width):
    hw = with_registers(hardware("pi3"), count, width)
    lanes = width // 4
    mr, nr = register_tile(hw, Precision.FP32)
    assert (mr, nr) == _brute_force(count, lanes)
    assert mr % lanes == 0
    if count >= 3:
        assert tile_registers(mr, nr, lanes) <= count


def _whole_l2(hw):
    """`hw` with the share of its last level removed: one core owns the whole L2."""
    l2 = hw.caches[-1]
    return attrs.evolve(hw, caches=(*hw.caches[:-1], attrs.evolve(l2, share_bytes=l2.size_bytes)))


def test_winograd_gemm_keeps_u_in_the_whole_l2_and_splits_k_in_the_share():
    """conv3x3_256 by F(4x4,3x3): 36 GEMMs of 256 x 256 x 196 (U[xi] 256 KiB, V[xi] 196 KiB)."""
    shape, sources = (256, 256, 196), Sources(256 * 256 * 4, 256 * 196 * 4)
    whole = gemm_blocking(_whole_l2(hardware("pi3")), Precision.FP32, shape, sources)
    assert (whole.mc, whole.kc, whole.nc) == (256, 256, 196)  # one block: U read once
    share = gemm_blocking(hardware("pi3"), Precision.FP32, shape, sources)
    assert share.mc * share.kc * 4 <= 96 * 1024 and share.mc < 256


shapes = st.tuples(st.integers(1, 600), st.integers(1, 3000), st.integers(1, 4000))


@given(shape=shapes, name=st.sampled_from(["pi3", "xavier", "v100"]), whole=st.booleans())
@settings(max_examples=60, deadline=None)
def test_blocks_fit_the_share_but_a_way(shape, name, whole):
    """mc, nc multiples of mr, nr (or the whole M, N), kc a multiple of the lanes (or the
    whole K) about as deep as the L1 allows, and the blocks that must stay in the last level
    within its share but a way, unless even the smallest block does not fit."""
    hw = _whole_l2(hardware(name)) if whole else hardware(name)
    m, k, n = shape
    b = gemm_blocking(hw, Precision.FP32, shape, Sources(m * k * 4, k * n * 4))
    assert b.mc % b.mr == 0 or b.mc >= m
    assert b.nc % b.nr == 0 or b.nc == n
    deepest = kc_max(hw, Precision.FP32)
    lanes = max(1, hw.core.registers.width_bytes // 4)
    assert min(k, deepest // 16) <= b.kc <= deepest + lanes and (b.kc == k or b.kc % lanes == 0)
    l2 = hw.caches[-1]
    budget = l2.share_bytes // l2.share_ways * (l2.share_ways - 1) // 4
    resident = b.mc * b.kc + b.kc * b.nr + (b.mc + b.kc) * b.nc * (k > b.kc)
    assert resident <= budget or b.mc == b.mr


def test_matmul_packs_both_operands_and_counts_every_multiply():
    s = schedule({"a": [9, 13], "b": [13, 30]}, [{"op": "matmul", "in": ["a", "b"]}])
    tiles = trace(s, hardware("pi3"))
    assert sum(t.flops for t in tiles) == 2 * 9 * 13 * 30
    writes = np.concatenate([t.line_addresses[t.is_write] for t in tiles])
    assert (writes >= s.workspace_address).any()
