import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.analytic.estimate import estimate, roofline
from sim.graph.load import load_workload, parse_workload
from sim.hw.load import load_hardware
from sim.hw.model import Precision


def test_op_bytes_are_inputs_plus_params_plus_outputs():
    graph = parse_workload(
        yaml.safe_load(
            """
name: one
inputs: {x: [1, 2, 5, 5]}
graph:
  - {op: conv2d, name: c, channels: 3, kernel: 3, bias: true}
  - {op: flatten, name: f}
"""
        )
    )
    est = estimate(graph, Precision.FP32)
    conv, flat = est.ops
    assert conv.input_bytes == 2 * 5 * 5 * 4
    assert conv.param_bytes == (3 * 2 * 3 * 3 + 3) * 4
    assert conv.output_bytes == 3 * 3 * 3 * 4
    assert conv.macs == 3 * 3 * 3 * 2 * 3 * 3
    assert conv.flops == 2 * conv.macs
    assert conv.intensity == pytest.approx(conv.flops / conv.analytic_bytes)
    assert flat.analytic_bytes == 0 and flat.intensity is None  # a view moves nothing


@pytest.mark.parametrize(
    "precision, width", [(Precision.FP32, 4), (Precision.FP16, 2), (Precision.INT8, 1)]
)
def test_bytes_scale_with_precision_and_flops_do_not(precision, width):
    graph = load_workload("mobilenet")
    base = estimate(graph, Precision.FP32)
    est = estimate(graph, precision)
    assert est.analytic_bytes * 4 == base.analytic_bytes * width
    assert est.flops == base.flops


@settings(max_examples=100, deadline=None)
@given(
    flop_count=st.integers(0, 10**15),
    n_bytes=st.integers(0, 10**12),
    hw_name=st.sampled_from(["pi3", "xavier", "v100"]),
    precision=st.sampled_from(list(Precision)),
)
def test_roofline_time_is_the_slower_of_the_two_roofs(flop_count, n_bytes, hw_name, precision):
    hw = load_hardware(hw_name)
    r = roofline(flop_count, n_bytes, hw, precision)
    assert r.seconds >= flop_count / hw.peak_flops_per_s(precision) * (1 - 1e-12)
    assert r.seconds >= n_bytes / hw.dram.bandwidth_bytes_per_s * (1 - 1e-12)
    assert r.seconds in (r.compute_seconds, r.memory_seconds)
    if n_bytes > 0 and flop_count / n_bytes > hw.ridge_flops_per_byte(precision) * (1 + 1e-9):
        assert r.bound == "compute"  # right of the ridge point
    if n_bytes > 0 and flop_count / n_bytes < hw.ridge_flops_per_byte(precision) * (1 - 1e-9):
        assert r.bound == "memory"


def test_network_totals_are_sums_of_ops():
    est = estimate(load_workload("mobilenet"), Precision.FP32, load_hardware("pi3"))
    assert est.macs == sum(o.macs for o in est.ops)
    assert est.roofline_seconds == pytest.approx(sum(o.roofline.seconds for o in est.ops))
