"""Pooling interleaved with the depthwise conv that reads it, per channel (pool_dw)."""

from sim.engine.simulate import simulate
from sim.graph.load import load_workload
from sim.hw.load import load_hardware
from sim.hw.model import Precision
from sim.schedule.naive import naive_schedule
from sim.schedule.passes import PASSES, interleave_pool_dw
from tests.schedule.util import kernel_ops, on_chip, run_passes

PI3 = load_hardware("pi3")


def _schedules():
    naive = naive_schedule(load_workload("pool_dw"), Precision.FP32)
    without = run_passes(naive, [p for p in PASSES if p is not interleave_pool_dw])
    return without, run_passes(naive)


def test_the_pooled_tensor_stays_on_chip_one_channel_at_a_time():
    _, fused = _schedules()
    assert kernel_ops(fused) == [["pool", "dw", "dw_relu"]]
    kernel = fused.kernels[0]
    assert kernel.per_channel and kernel.main_op.name == "dw"
    assert "pool" in on_chip(fused) and "pool" not in fused.buffers


def test_interleaving_avoids_the_pooled_round_trip_and_keeps_the_flops():
    without, fused = _schedules()
    a, b = simulate(without, PI3), simulate(fused, PI3)

    def dram(r):
        return r.total("dram_read_bytes") + r.total("dram_write_bytes")

    round_trip = 2 * without.buffers["pool"].size_bytes
    # the interleaved kernel works on NCHW planes, one channel at a time; the separate
    # kernels run ncnn's NC4HW4, whose whole-line stores save the fills of 56-wide rows that
    # the plane-wise depthwise pays: most of the round trip, not all of it
    assert dram(a) - dram(b) >= 0.75 * round_trip
    assert a.total("flops") == b.total("flops")
