"""What a tile costs the unit that runs it."""

import attrs
import pytest

from sim.compute.classes import ComputeClass
from sim.compute.model import (
    compute_cycles,
    kernel_overhead_cycles,
    tile_accesses,
    unit_cycles,
)
from sim.hw.load import load_hardware
from sim.hw.model import Precision
from sim.trace.model import Tile

GEMM = ComputeClass.GEMM
TILE = Tile(
    flops=192_000,
    line_addresses=[0, 64, 128, 192],
    is_write=[0, 0, 0, 1],
    collapsed_accesses=4_000,
    spill_accesses=996,
)


def test_a_tile_is_charged_for_every_register_wide_access():
    assert tile_accesses(TILE) == 4 + 4_000 + 996


def test_a_tile_runs_on_one_sm():
    hw = load_hardware("v100")
    one_sm = unit_cycles(192_000, 5_000, hw.compute, ComputeClass.GEMM, Precision.FP32)
    assert compute_cycles(TILE, hw, Precision.FP32, "conv2d", GEMM) == pytest.approx(one_sm)
    assert one_sm >= 192_000 / hw.core.flops_per_cycle.fp32  # never above one SM's peak


def test_the_class_picks_the_rate():
    hw = load_hardware("pi3")
    direct = compute_cycles(TILE, hw, Precision.FP32, "conv2d", ComputeClass.DIRECT)
    gemm = compute_cycles(TILE, hw, Precision.FP32, "conv2d", GEMM)
    # FMLA by vector with 128-bit loads (direct) against the tuned GEMM at its measured rate
    assert direct == 24_000 + 8_000 + 2 * 5_000
    assert gemm == pytest.approx(192_000 / (8 * 0.665))


def test_without_a_compute_model_a_tile_runs_at_peak_times_efficiency():
    hw = attrs.evolve(load_hardware("pi3"), compute=None)
    assert compute_cycles(TILE, hw, Precision.FP32, "conv2d", GEMM) == 192_000 / 8


def test_a_gpu_kernel_waits_for_its_launch_and_a_cpu_kernel_does_not():
    v100 = load_hardware("v100")
    # the hardware file's 2.1 us launch floor at V100's 1530 MHz
    assert kernel_overhead_cycles(v100) == pytest.approx(2.1e-6 * 1.53e9)
    assert kernel_overhead_cycles(load_hardware("pi3")) == 0
    assert kernel_overhead_cycles(attrs.evolve(v100, compute=None)) == 0  # no model, no charge
