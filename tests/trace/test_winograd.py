"""Winograd: fewer multiplies by Lavin & Gray's ratio, transforms counted, weights in the
workspace, and a clear error for a conv it cannot run."""

import pytest

from sim.analytic.counts import flops, macs
from sim.errors import ScheduleError
from sim.schedule.model import Algorithm
from sim.trace import kernel_tiles
from sim.trace.context import WINOGRAD_OUTPUT_TILE
from sim.trace.winograd import transform_flops
from tests.trace.util import hardware, line_bytes, lines_of, schedule, touched, trace

CONV = [{"op": "conv2d", "channels": 32, "kernel": 3, "pad": 1, "bias": True}]
# Lavin & Gray 2015: 36 / 16 multiplies per 2x2 output tile, 144 / 36 per 4x4; 324 / 64 per 6x6
RATIO = {
    Algorithm.WINOGRAD_2X2: 36 / 16,
    Algorithm.WINOGRAD_4X4: 144 / 36,
    Algorithm.WINOGRAD_6X6: 324 / 64,
}


def test_transform_costs_match_lavin_and_gray():
    """F(2x2,3x3): data transform 32 additions, inverse transform 24 (section 4.1)."""
    assert transform_flops(2) == (32, 24)
    assert transform_flops(4) == (336, 200)  # counted from their F(4x4,3x3) matrices
    assert transform_flops(6) == (1024, 728)  # from ncnn's F(6x6,3x3) itm and otm


@pytest.mark.parametrize("algorithm", list(RATIO))
@pytest.mark.parametrize("hw_name", ["pi3", "xavier"])
def test_winograd_multiplies_and_flops(algorithm, hw_name):
    s = schedule({"x": [1, 32, 12, 12]}, CONV, algorithm)
    op = s.kernels[-1].ops[0]
    executed = sum(t.flops for t in trace(s, hardware(hw_name)))
    m = WINOGRAD_OUTPUT_TILE[algorithm]
    output_tiles = (12 // m) ** 2  # 12 x 12 outputs in m x m tiles
    gemm_macs = (m + 2) ** 2 * 32 * 32 * output_tiles  # (m+2)^2 points x C_out x C_in
    into, out = transform_flops(m)
    assert macs(op) / gemm_macs == pytest.approx(RATIO[algorithm])
    assert executed == 2 * gemm_macs + output_tiles * (32 * into + 32 * out)
    assert executed < flops(op)


@pytest.mark.parametrize("algorithm", list(RATIO))
def test_winograd_reads_input_and_transformed_weights_only(algorithm):
    s = schedule({"x": [2, 8, 10, 9]}, CONV, algorithm)
    hw = hardware("pi3")
    op = s.kernels[-1].ops[0]
    reads, writes = touched(trace(s, hw))
    line = line_bytes(hw)
    weight, bias = op.params
    below = s.workspace_address
    assert {a for a in reads if a < below} == lines_of(s, (*op.inputs, bias), line)
    assert {a for a in writes if a < below} == lines_of(s, op.outputs, line)
    assert not reads & lines_of(s, [weight], line)


def test_each_winograd_kernel_keeps_its_own_transformed_weights():
    ops = [
        {"op": "conv2d", "name": "a", "channels": 8, "kernel": 3, "pad": 1},
        {"op": "conv2d", "name": "b", "channels": 8, "kernel": 3, "pad": 1},
    ]
    s = schedule({"x": [1, 8, 8, 8]}, ops, Algorithm.WINOGRAD_2X2)
    hw = hardware("pi3")
    u_bytes = 16 * 8 * 8 * 4  # (2+2)^2 x C_out x C_in fp32: 16/9 of the 3x3 weights
    first = touched(trace(s, hw, 0))[0]
    second = touched(trace(s, hw, 1))[0]
    u_first = set(range(s.workspace_address, s.workspace_address + u_bytes, 64))
    u_second = {a + u_bytes for a in u_first}
    assert u_first <= first and not u_first & second
    assert u_second <= second and not u_second & first


@pytest.mark.parametrize(
    "conv",
    [
        {"op": "conv2d", "channels": 8, "kernel": 1},
        {"op": "conv2d", "channels": 8, "kernel": 3, "stride": 2, "pad": 1},
        {"op": "conv2d", "channels": 8, "kernel": 3, "groups": 2},
    ],
)
def test_winograd_of_another_conv_is_a_one_line_error(conv):
    s = schedule({"x": [1, 8, 8, 8]}, [{"name": "c", **conv}], Algorithm.WINOGRAD_4X4)
    with pytest.raises(ScheduleError) as error:
        kernel_tiles(s.kernels[0], s, hardware("pi3"))
    message = str(error.value)
    assert message.startswith("kernel c: winograd4x4 needs a 3x3") and "\n" not in message
