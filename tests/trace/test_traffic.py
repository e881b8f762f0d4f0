"""DRAM traffic of conv3x3_256 on one pi3 core, against its hand counts (docs/traces.md).

The talk's plain block moves 8.8 MB at least (input, output, weights); with a cache of S
bytes a 3x3 conv cannot move less than the communication lower bound, about 27 MB with the
128 KiB share and 13.5 MB with the whole 512 KiB L2. The windows below allow up to about
four times the bound: well-blocked kernels, not ideal ones.
"""

import attrs
import pytest

from sim.engine.simulate import simulate
from sim.graph.load import load_workload
from sim.hw.model import Precision
from sim.schedule.presets import preset_schedule
from tests.trace.util import hardware

MB = 1e6


def _whole_l2(hw):
    """pi3 with its L2 share removed: one core owns the whole 512 KiB."""
    l2 = hw.caches[-1]
    return attrs.evolve(hw, caches=(*hw.caches[:-1], attrs.evolve(l2, share_bytes=l2.size_bytes)))


def _dram_bytes(hw) -> float:
    s = preset_schedule("fused", load_workload("conv3x3_256"), Precision.FP32)
    result = simulate(s, hw)
    return result.total("dram_read_bytes") + result.total("dram_write_bytes")


@pytest.mark.parametrize(
    ("whole", "low", "high"),
    [(False, 27 * MB, 110 * MB), (True, 13.5 * MB, 60 * MB)],
    ids=["128KiB-share", "whole-512KiB-L2"],
)
def test_conv3x3_256_on_one_pi3_core_moves_a_well_blocked_kernels_traffic(whole, low, high):
    pi3 = hardware("pi3")
    assert pi3.caches[-1].share_bytes == 128 * 1024
    hw = _whole_l2(pi3) if whole else pi3
    assert low <= _dram_bytes(hw) <= high
