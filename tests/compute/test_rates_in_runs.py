"""What the issue asks the compute model to show in whole simulated runs (docs/compute.md):
no compute-bound A53 layer faster than the A53 kernel measurements it rests on, and no fp16
depthwise, pooling or elementwise op at tensor-core rates on the GPUs."""

import pytest

from sim.compute.classes import ComputeClass
from sim.engine.simulate import simulate
from sim.graph.load import load_workload
from sim.hw.load import load_hardware
from sim.hw.model import Precision
from sim.schedule.presets import preset_schedule

# Paddle-Lite pull 6521: A53 8x12 SGEMM, one thread, 512^3 in 25.2315 ms at 2.0 GHz
SGEMM_FLOPS_PER_CYCLE = 2 * 512**3 / 25.2315e-3 / 2.0e9
# gemmlowp pull 78: the A53 12x8 depth-2 8-bit kernel, 9.45 Gop/s at 1.44 GHz
INT8_GEMM_OPS_PER_CYCLE = 9.45e9 / 1.44e9


def run(workload: str, hw_name: str, precision: Precision, schedule: str = "fused"):
    graph = load_workload(workload)
    return simulate(preset_schedule(schedule, graph, precision), load_hardware(hw_name))


@pytest.mark.parametrize(
    "precision, measured",
    [(Precision.FP32, SGEMM_FLOPS_PER_CYCLE), (Precision.INT8, INT8_GEMM_OPS_PER_CYCLE)],
)
def test_no_compute_bound_a53_layer_beats_the_measured_kernel(precision, measured):
    compute_bound = 0
    for workload in ("separable_256", "bottleneck_256"):
        for kernel in run(workload, "pi3", precision).kernels:
            if kernel.bound == "compute":
                compute_bound += 1
                per_core = kernel.flops / (kernel.cycles * kernel.units)
                assert per_core <= measured * (1 + 1e-3), kernel.name  # the YAML rounds it
    assert compute_bound >= 3  # the pointwise and 3x3 convs, the depthwise conv


def test_the_pis_gemm_ceiling_is_the_measurement():
    pi = load_hardware("pi3").compute.unit
    gemm = pi.kernels[ComputeClass.GEMM]
    assert 8 * gemm.main_loop_fraction == pytest.approx(SGEMM_FLOPS_PER_CYCLE, rel=1e-3)


@pytest.mark.parametrize("hw_name", ["v100", "xavier"])
def test_no_fp16_depthwise_pooling_or_elementwise_op_runs_at_tensor_core_rates(hw_name):
    hw = load_hardware(hw_name)
    sm = hw.compute.unit
    cuda = sm.cuda_flops_per_cycle[Precision.FP16]  # one SM's: compute_cycles add up the SMs'
    tensor = sm.tensor_flops_per_cycle[Precision.FP16]
    kinds = set()
    for kernel in run("pool_dw", hw_name, Precision.FP16, "naive").kernels:
        if kernel.flops:
            kinds.add(kernel.kind)
            assert kernel.flops / kernel.compute_cycles <= cuda * (1 + 1e-9), kernel.name
    assert kinds == {"max_pool", "depthwise_conv2d", "batch_norm", "relu"}
    (pointwise,) = [
        k for k in run("separable_256", hw_name, Precision.FP16).kernels if k.ops == ("pw",)
    ]
    assert cuda < pointwise.flops / pointwise.compute_cycles <= tensor  # a GEMM: tensor cores
