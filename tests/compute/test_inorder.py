"""The in-order issue rules on hand-counted kernels, and their laws."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.compute.classes import ComputeClass
from sim.compute.inorder import InOrderCore, KernelMix, in_order_cycles
from sim.hw.load import load_hardware
from sim.hw.model import Precision
from tests.strategies import in_order_cores, work_accesses, work_flops

TUNED = KernelMix(flops_per_op=8, access_cycles=1, fma_bubble=True, fills_bubbles=True)
GENERIC = KernelMix(flops_per_op=8, access_cycles=2, fma_bubble=True)
STREAM = KernelMix(flops_per_op=4, access_cycles=2)


def core(gemm: KernelMix = TUNED, int8_gemm: KernelMix | None = None) -> InOrderCore:
    return InOrderCore(
        peak_flops_per_cycle={p: 8.0 for p in Precision},
        fma_per_bubble=3,
        fma_recurrence_cycles=4,
        fp16_convert_ops_per_access=2,
        kernels={c: gemm if c is ComputeClass.GEMM else STREAM for c in ComputeClass},
        int8_kernels={ComputeClass.GEMM: int8_gemm} if int8_gemm else {},
    )


def cycles(unit, flops, accesses, cls=ComputeClass.GEMM, precision=Precision.FP32):
    return in_order_cycles(flops, accesses, unit, cls, precision)


def test_a_tuned_8x12_k_step_takes_32_cycles():
    # 24 FMLAs (192 FLOPs) and 5 split loads: 8 free cycles, the 5 loads fill them
    assert cycles(core(), 192, 5) == 32


def test_a_generic_kernel_pays_its_128_bit_loads_on_top_of_the_free_cycles():
    # 24 FMLAs + 8 free cycles + 5 loads of 2 cycles: 42, 1.31x the tuned kernel (Arm Compute
    # Library issue 336 measured a53.hpp 5.4 against generic.hpp 4.1 GFLOPS on an A53: 1.32x)
    assert cycles(core(GENERIC), 192, 5) == 42


def test_loads_beyond_the_free_cycles_stall_the_fmas():
    assert cycles(core(), 192, 20) == 24 + 20


def test_few_accumulators_bound_a_dependent_fma_chain():
    chained = KernelMix(flops_per_op=8, access_cycles=1, fma_bubble=True, accumulators=2)
    # 24 FMLAs on 2 chains, each FMA waiting 4 cycles for the previous one: 48 cycles
    assert cycles(core(chained), 192, 0) == 48


def test_a_stream_is_bound_by_its_128_bit_loads_and_stores():
    # relu on 4 floats: one load, one fmax, one store
    assert cycles(core(), 4, 2, ComputeClass.ELEMENTWISE) == 1 + 2 * 2


def test_fp16_pays_its_widening_on_every_access():
    assert cycles(core(), 192, 5, precision=Precision.FP16) == 32 + 5 * 2


def test_int8_runs_its_own_kernel_where_one_is_cited_else_the_fp32_mix():
    widening = KernelMix(flops_per_op=8, access_cycles=1, extra_ops_per_op=5 / 48)
    unit = core(int8_gemm=widening)
    # gemmlowp's 12x8 depth-2 step: 48 UMLAL (384 ops) + 5 UXTL + 5 loads = 58 cycles
    assert cycles(unit, 384, 5, precision=Precision.INT8) == pytest.approx(58)
    assert cycles(unit, 4, 2, ComputeClass.ELEMENTWISE, Precision.INT8) == 5


def test_a_measured_fraction_caps_the_issue_rules():
    capped = KernelMix(
        flops_per_op=8, access_cycles=1, fma_bubble=True, fills_bubbles=True, main_loop_fraction=0.5
    )
    assert cycles(core(capped), 192, 5) == 192 / 4


def test_a_mix_faster_than_the_peak_is_refused():
    with pytest.raises(ValueError, match="exceeds the peak"):
        core(KernelMix(flops_per_op=16, access_cycles=1))


def test_every_class_needs_a_mix():
    with pytest.raises(ValueError, match="no kernel mix for class"):
        InOrderCore(
            peak_flops_per_cycle={p: 8.0 for p in Precision},
            fma_per_bubble=3,
            fma_recurrence_cycles=4,
            fp16_convert_ops_per_access=0,
            kernels={ComputeClass.GEMM: TUNED},
        )


def test_the_pis_gemm_runs_at_its_measured_fraction_and_int8_at_gemmlowps_rate():
    pi = load_hardware("pi3").compute.unit
    flops = 192 * 1000
    fp32 = flops / cycles(pi, flops, 5 * 1000)
    assert fp32 == pytest.approx(8 * 0.665)
    int8 = 384 * 1000 / cycles(pi, 384 * 1000, 5 * 1000, precision=Precision.INT8)
    # the issue rules give 384 / 58 = 6.62; gemmlowp measured 9.45 Gop/s at 1.44 GHz = 6.56
    assert int8 == pytest.approx(16 * 0.41)


@given(
    in_order_cores(),
    st.sampled_from(ComputeClass),
    st.sampled_from(Precision),
    work_flops,
    work_flops,
    work_accesses,
    work_accesses,
)
def test_cycles_grow_with_flops_and_accesses_and_never_beat_the_peak(
    unit, cls, precision, flops_a, flops_b, accesses_a, accesses_b
):
    low_f, high_f = sorted((flops_a, flops_b))
    low_a, high_a = sorted((accesses_a, accesses_b))
    base = in_order_cycles(low_f, low_a, unit, cls, precision)
    assert in_order_cycles(high_f, low_a, unit, cls, precision) >= base
    assert in_order_cycles(low_f, high_a, unit, cls, precision) >= base
    assert base * unit.peak_flops_per_cycle[precision] >= low_f * (1 - 1e-12)


def test_the_pis_depthwise_row_pays_its_128_bit_loads_and_stores():
    pi = load_hardware("pi3").compute.unit
    # ncnn's pack4 3x3 for 2 rows x 4 pixels: 72 FMLAs (576 FLOPs), 24 loads and 8 stores of
    # 128 bits, which cannot use the FMA stream's free cycles: 72 + 72 / 3 + 32 x 2 = 160
    assert cycles(pi, 576, 32, ComputeClass.DEPTHWISE) == 160
