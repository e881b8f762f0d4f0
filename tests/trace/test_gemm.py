"""The GEMM generator against a line sequence written out by hand, and its register tile."""

import attrs
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.hw.model import Precision
from sim.trace import register_tile
from sim.trace.blocking import gemm_blocking, tile_registers
from tests.trace.util import hardware, schedule, trace, with_registers


def _tiny_hw():
    """pi3 with 16-byte L1 lines (one register each) and 6 registers: a 4 x 4 micro-tile."""
    hw = with_registers(hardware("pi3"), 6)
    l1 = attrs.evolve(hw.caches[0], line_bytes=16)
    return attrs.evolve(hw, caches=(l1, *hw.caches[1:]))


def test_pointwise_conv_line_sequence_by_hand():
    """C (4 x 8) = W (4 x 4) x X (4 x 8): a 1x1 conv, 4 -> 4 channels, over 1 x 8 pixels.

    Placement (128-B aligned): X at 0 (128 B), W at 128 (64 B), Y at 256, workspace at 384.
    Pack X into two 4-column micro-panels at 384 and 448 (per k: read 4 elements, write 4),
    then per micro-panel: per k read the pre-packed W column and the packed X row, then write
    the four 4-element rows of C.
    """
    hw = _tiny_hw()
    assert register_tile(hw, Precision.FP32) == (4, 4)
    s = schedule({"x": [1, 4, 1, 8]}, [{"op": "conv2d", "channels": 4, "kernel": 1}])
    assert s.workspace_address == 384
    expected = []
    for panel in range(2):
        for k in range(4):
            expected += [("r", 32 * k + 16 * panel), ("w", 384 + 64 * panel + 16 * k)]
    for panel in range(2):
        for k in range(4):
            expected += [("r", 128 + 16 * k), ("r", 384 + 64 * panel + 16 * k)]
        expected += [("w", 256 + 32 * row + 16 * panel) for row in range(4)]
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
    assert gemm_blocking(hw, Precision.FP32).kc == 256


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


def test_pi3_blocks_fit_the_l1_and_the_l2_share():
    b = gemm_blocking(hardware("pi3"), Precision.FP32)
    assert (b.mc, b.kc, b.nc) == (32, 256, 60)
    way = 32 * 1024  # pi3 L1: 128 sets x 64 B; L2: 512 sets x 64 B = 32 KiB per way
    assert (b.mr + b.nr) * b.kc * 4 <= 32 * 1024 - 8 * 1024  # micro-panels + one L1 way
    assert b.mc * b.kc * 4 + b.kc * b.nc * 4 <= 128 * 1024 - way  # blocks + one L2 way


@pytest.mark.parametrize("name", ["pi3", "xavier", "v100"])
def test_blocks_leave_a_way_of_each_share(name):
    hw = hardware(name)
    b = gemm_blocking(hw, Precision.FP32)
    l1, l2 = hw.caches
    assert b.mc % b.mr == 0 and b.nc % b.nr == 0
    assert b.kc * b.mr * 4 <= l1.share_bytes // l1.share_ways * (l1.share_ways - 1)
    blocks = b.mc * b.kc * 4 * (b.mc > b.mr) + b.kc * b.nc * 4 * (b.nc > b.nr)
    assert blocks <= l2.share_bytes // l2.share_ways * (l2.share_ways - 1)


def test_matmul_packs_both_operands_and_counts_every_multiply():
    s = schedule({"a": [9, 13], "b": [13, 30]}, [{"op": "matmul", "in": ["a", "b"]}])
    tiles = trace(s, hardware("pi3"))
    assert sum(t.flops for t in tiles) == 2 * 9 * 13 * 30
    writes = np.concatenate([t.line_addresses[t.is_write] for t in tiles])
    assert (writes >= s.workspace_address).any()
