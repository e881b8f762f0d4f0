"""Whole networks: bounded tiles, analytic FLOPs, and the errors of kernels that cannot run."""

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.analytic.counts import flops
from sim.errors import ScheduleError
from sim.graph.load import load_workload
from sim.hw.model import Precision
from sim.schedule.model import Algorithm, Kernel
from sim.schedule.naive import naive_schedule
from sim.trace import kernel_tiles
from sim.trace.context import resolved_algorithm
from sim.trace.runtime import WINOGRADS
from sim.trace.stream import MAX_TILE_LINES
from tests.trace.util import hardware, line_bytes, lines_of, schedule, touched, trace


@pytest.mark.parametrize("hw_name", ["pi3", "xavier"])
def test_mobilenet_v1_traces_within_bounds(hw_name):
    hw = hardware(hw_name)
    s = naive_schedule(load_workload("mobilenet"), Precision.FP32)
    total_lines = total_tiles = 0
    for kernel in s.kernels:
        tiles = list(kernel_tiles(kernel, s, hw))
        assert len(tiles) <= 2000
        assert all(t.line_accesses <= MAX_TILE_LINES for t in tiles)
        assert sum(t.flops for t in tiles) == flops(kernel.ops[0])
        total_lines += sum(t.line_accesses for t in tiles)
        total_tiles += len(tiles)
    assert total_tiles < 10_000
    assert 1_000_000 < total_lines < 50_000_000


def test_a_kernel_whose_epilogue_is_not_elementwise_is_an_error_naming_it():
    ops = [{"op": "relu", "name": "a"}, {"op": "max_pool", "name": "b", "kernel": 2}]
    s = schedule({"x": [1, 4, 4, 4]}, ops)
    fused = Kernel("a+b", s.kernels[0].ops + s.kernels[1].ops)
    with pytest.raises(ScheduleError, match=r"^kernel a\+b: cannot run max_pool b as an epilogue"):
        kernel_tiles(fused, attrs.evolve(s, kernels=(fused,)), hardware("pi3"))


def test_a_depthwise_conv_has_no_im2col():
    s = schedule({"x": [1, 4, 4, 4]}, [{"op": "depthwise_conv2d", "kernel": 3, "name": "dw"}])
    s = attrs.evolve(s, kernels=(attrs.evolve(s.kernels[0], algorithm=Algorithm.IM2COL),))
    message = "^kernel dw: a depthwise_conv2d runs direct, not im2col"
    with pytest.raises(ScheduleError, match=message):
        kernel_tiles(s.kernels[0], s, hardware("pi3"))


convs = st.fixed_dictionaries(
    {
        "groups": st.sampled_from([1, 2]),
        "c_in": st.sampled_from([2, 4, 6]),
        "channels": st.sampled_from([2, 6, 10]),
        "size": st.integers(3, 11),
        "kernel": st.sampled_from([1, 2, 3]),
        "stride": st.sampled_from([1, 2]),
        "pad": st.integers(0, 1),
        "dilation": st.sampled_from([1, 2]),
        "algorithm": st.sampled_from([Algorithm.AUTO, Algorithm.IM2COL, Algorithm.DIRECT]),
        "batch": st.sampled_from([1, 2]),
    }
)


@given(conv=convs)
@settings(max_examples=40, deadline=None)
def test_any_conv_touches_only_its_buffers_and_counts_every_multiply(conv):
    span = conv["dilation"] * (conv["kernel"] - 1) + 1
    if conv["size"] + 2 * conv["pad"] < span:
        return
    op = {
        "op": "conv2d",
        "channels": conv["channels"],
        "kernel": conv["kernel"],
        "stride": conv["stride"],
        "pad": conv["pad"],
        "dilation": conv["dilation"],
        "groups": conv["groups"],
        "bias": True,
    }
    shape = [conv["batch"], conv["c_in"], conv["size"], conv["size"]]
    s = schedule({"x": shape}, [op], conv["algorithm"])
    hw = hardware("pi3")
    tiles = trace(s, hw)
    conv_op = s.kernels[-1].ops[0]
    reads, writes = touched(tiles)
    line = line_bytes(hw)
    inputs, params = lines_of(s, conv_op.inputs, line), lines_of(s, conv_op.params, line)
    outside = {a for a in reads | writes if a < s.workspace_address}
    assert {a for a in writes if a < s.workspace_address} == lines_of(s, conv_op.outputs, line)
    assert outside - inputs - params <= lines_of(s, conv_op.outputs, line)
    assert reads & inputs
    if resolved_algorithm(s.kernels[-1], hw, Precision.FP32) in WINOGRADS:
        return  # reads the transformed weights and counts what it executes (test_winograd)
    assert params <= reads
    assert sum(t.flops for t in tiles) == flops(conv_op)
