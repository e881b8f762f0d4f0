"""Volta SM pipes, issue, occupancy and waves on hand-computed cases, and their laws."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.compute.classes import ComputeClass
from sim.compute.volta import (
    CtaShape,
    ctas_per_sm,
    launch_cycles,
    sm_cycles,
    wave_efficiency,
    waves,
)
from sim.hw.load import load_hardware
from sim.hw.model import Precision
from tests.strategies import streaming_multiprocessors, work_accesses, work_flops

V100 = load_hardware("v100").compute.unit
XAVIER = load_hardware("xavier").compute.unit
GEMM, DEPTHWISE = ComputeClass.GEMM, ComputeClass.DEPTHWISE


def test_an_fp32_gemm_tile_runs_at_the_ffma_rate():
    assert sm_cycles(128_000, 1_000, V100, GEMM, Precision.FP32) == 1_000


def test_an_fp16_gemm_tile_runs_on_the_tensor_cores_at_their_measured_fraction():
    assert sm_cycles(1024_000, 0, V100, GEMM, Precision.FP16) == pytest.approx(1_000 / 0.78)


@pytest.mark.parametrize("sm", [V100, XAVIER], ids=["v100", "xavier"])
@pytest.mark.parametrize(
    "cls", [DEPTHWISE, ComputeClass.ELEMENTWISE, ComputeClass.POOL, ComputeClass.DATA]
)
def test_fp16_depthwise_pooling_and_elementwise_never_reach_tensor_core_rates(sm, cls):
    flops = 256_000
    assert sm_cycles(flops, 0, sm, cls, Precision.FP16) == flops / 256  # HFMA2 on CUDA cores
    assert (
        flops / sm_cycles(flops, 0, sm, cls, Precision.FP16)
        < sm.tensor_flops_per_cycle[Precision.FP16]
    )


def test_int8_uses_tensor_cores_on_xavier_only():
    flops = 2048_000
    assert sm_cycles(flops, 0, V100, GEMM, Precision.INT8) == flops / 512  # DP4A
    assert sm_cycles(flops, 0, XAVIER, GEMM, Precision.INT8) == pytest.approx(1_000 / 0.78)


def test_an_elementwise_stream_is_bound_by_issue():
    # relu on 32k floats: 32k FLOPs at 128 per cycle = 256 cycles, but 512 arithmetic warp
    # instructions and 2,048 load/store ones on 4 schedulers take 640
    assert sm_cycles(32_768, 65_536, V100, ComputeClass.ELEMENTWISE, Precision.FP32) == 640


@pytest.mark.parametrize(
    ("cta", "resident"),
    [
        (CtaShape(256, 128), 2),  # registers: 8 warps x 4096
        (CtaShape(256, 255), 1),  # 255 registers round up to 8192 per warp
        (CtaShape(256, 32, 48 * 1024), 2),  # shared memory
        (CtaShape(128, 32), 16),  # threads
        (CtaShape(32, 16), 32),  # the CTA limit
    ],
)
def test_occupancy_is_the_tightest_limit(cta, resident):
    assert ctas_per_sm(cta, V100) == resident


def test_a_cta_that_does_not_fit_is_refused():
    with pytest.raises(ValueError, match="does not fit one SM"):
        ctas_per_sm(CtaShape(1024, 255), V100)


def test_waves_quantize_the_last_partial_one():
    assert waves(2048, 1, 80) == 26
    assert wave_efficiency(2048, 1, 80) == pytest.approx(2048 / 2080)
    assert wave_efficiency(160, 2, 80) == 1


def test_a_launch_costs_its_seconds_at_the_clock():
    assert launch_cycles(V100, 1.53e9) == pytest.approx(2.1e-6 * 1.53e9)


@given(
    streaming_multiprocessors(),
    st.sampled_from(ComputeClass),
    st.sampled_from(Precision),
    work_flops,
    work_flops,
    work_accesses,
    work_accesses,
)
def test_cycles_grow_with_flops_and_accesses_and_never_beat_the_peak(
    sm, cls, precision, flops_a, flops_b, accesses_a, accesses_b
):
    low_f, high_f = sorted((flops_a, flops_b))
    low_a, high_a = sorted((accesses_a, accesses_b))
    base = sm_cycles(low_f, low_a, sm, cls, precision)
    assert sm_cycles(high_f, low_a, sm, cls, precision) >= base
    assert sm_cycles(low_f, high_a, sm, cls, precision) >= base
    assert base * sm.peak(precision) >= low_f * (1 - 1e-12)
    if cls not in sm.tensor_classes:
        assert base * sm.cuda_flops_per_cycle[precision] >= low_f * (1 - 1e-12)


@given(st.integers(1, 10**6), st.integers(1, 32), st.integers(1, 100))
def test_waves_cover_every_cta_and_efficiency_is_a_fraction(ctas, per_sm, sms):
    count = waves(ctas, per_sm, sms)
    assert (count - 1) * per_sm * sms < ctas <= count * per_sm * sms
    assert 0 < wave_efficiency(ctas, per_sm, sms) <= 1
