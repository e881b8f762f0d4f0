"""Print each modelled kernel class next to the published per-kernel measurement it rests on.

The calibration table in docs/validation.md is this script's output:

    python benchmarks/microbench.py

Rates are per cycle of one unit (an A53 core) or of the whole GPU, so that measurements taken
at other clocks compare; "issue rules" is what the mechanisms alone give, "charged" what the
simulator charges (with the measured main-loop fraction where hw_configs cites one, with the
memory hierarchy for the stream rows), "ratio" is measured / charged. No figure below is fitted
to a network's latency.
"""

import math

import attrs

from sim.compute.classes import ComputeClass
from sim.compute.inorder import in_order_cycles
from sim.compute.volta import CtaShape, ctas_per_sm, launch_cycles, sm_cycles, waves
from sim.engine.simulate import simulate
from sim.graph.load import parse_workload
from sim.hw.load import load_hardware
from sim.hw.model import Precision
from sim.schedule.naive import naive_schedule
from sim.trace.winograd import _BT  # F(4x4, 3x3) input transform B^T

FP32, FP16, INT8 = Precision.FP32, Precision.FP16, Precision.INT8
PI3, V100 = load_hardware("pi3"), load_hardware("v100")
A53 = PI3.compute.unit
SM = V100.compute.unit


def transform_ops_per_channel() -> int:
    """Operations of one 6x6 input tile's 2-D transform: 12 passes of B^T."""
    per_pass = sum(
        sum(c != 0 for c in row) - 1 + sum(abs(c) not in (0, 1) for c in row) for row in _BT[4]
    )
    return 12 * per_pass


def a53_rate(flops: float, accesses: float, cls: ComputeClass, precision=FP32) -> float:
    return flops / in_order_cycles(flops, accesses, A53, cls, precision)


def a53_issue_rate(flops: float, accesses: float, cls: ComputeClass, precision=FP32) -> float:
    """The issue rules alone, without a measured main-loop fraction."""
    mixes = A53.int8_kernels if precision is INT8 else A53.kernels
    mix = attrs.evolve(mixes[cls], main_loop_fraction=1.0)
    core = attrs.evolve(A53, kernels={**A53.kernels, cls: mix}, int8_kernels={cls: mix})
    return flops / in_order_cycles(flops, accesses, core, cls, precision)


def gpu_gemm_rate(
    n: int, tile: tuple[int, int], cta: CtaShape, precision: Precision, sm=SM
) -> float:
    """FLOP per cycle of the whole V100 for an n^3 GEMM: CTAs of `tile` in waves, plus launch."""
    ctas = math.ceil(n / tile[0]) * math.ceil(n / tile[1])
    resident = ctas_per_sm(cta, sm)
    per_cta = 2 * tile[0] * tile[1] * n
    wave = resident * sm_cycles(per_cta, 0, sm, ComputeClass.GEMM, precision)
    cycles = waves(ctas, resident, V100.device_units) * wave
    return 2 * n**3 / (cycles + launch_cycles(sm, V100.core.clock_hz))


FULL_PIPES = attrs.evolve(SM, main_loop_fraction={"cuda": 1.0, "tensor": 1.0})


def stream_cycles(hw, elements: int) -> float:
    """Simulated cycles of a relu over `elements` floats (compute, caches and DRAM), until its
    posted writes have drained, as a measured copy's time includes its stores."""
    graph = parse_workload(
        {
            "version": 1,
            "name": "stream",
            "inputs": {"x": [1, elements // 1024, 32, 32]},
            "graph": [{"op": "relu", "name": "r"}],
        },
        "stream",
    )
    return simulate(naive_schedule(graph, FP32), hw).cycles


def rows():
    sgemm = (192, 5)  # one k step of the 8x12 micro-kernel: 24 FMLAs, 5 vector loads
    generic_ratio = a53_issue_rate(*sgemm, ComputeClass.GEMM) / (192 / (24 + 8 + 10))
    winograd_flops = 4 * transform_ops_per_channel()  # 4 channels per NEON vector
    int8 = (384, 5)  # one depth-2 step of gemmlowp's 12x8 kernel
    depthwise = (
        2 * 9 * 8 * 4,
        24 + 8,
    )  # ncnn pack4: 2 rows x 4 pixels x 9 taps, 24 loads + 8 stores
    copied_pi = 4 * 2**22 / stream_cycles(PI3.with_units(1), 2**22)  # one core, as tinymembench
    moved_v100 = 2 * 4 * 2**25 / stream_cycles(V100, 2**25)  # read + written, as gpu-stream
    gemm_cta = CtaShape(256, 128)  # 128x128 SGEMM tile: 2 CTAs per SM by registers
    hgemm_cta = CtaShape(256, 255)  # 256x128 HGEMM tile: 1 CTA per SM
    return [
        (
            "SGEMM micro-kernel, A53 (8x12, split loads)",
            a53_issue_rate(*sgemm, ComputeClass.GEMM),
            a53_rate(*sgemm, ComputeClass.GEMM),
            2 * 512**3 / 25.2315e-3 / 2.0e9,
            "FLOP/cycle",
            "Paddle-Lite pull 6521: 512^3 in 25.23 ms, A53 at 2.0 GHz (sets the ceiling)",
        ),
        (
            "SGEMM, A53 (8x8, OpenBLAS)",
            a53_issue_rate(128, 4, ComputeClass.GEMM),
            a53_rate(128, 4, ComputeClass.GEMM),
            6.40e9 / 1.416e9,
            "FLOP/cycle",
            "OpenBLAS pull 2643: 6.40 GFLOPS at 2048^3, RK3399 A53 at 1.416 GHz",
        ),
        (
            "SGEMM split-load / 128-bit-load kernel, A53",
            generic_ratio,
            generic_ratio,
            5.4 / 4.1,
            "x",
            "Arm Compute Library issue 336: a53.hpp 5.4 vs generic.hpp 4.1 GFLOPS",
        ),
        (
            "int8 GEMM, A53 (gemmlowp 12x8 depth 2)",
            a53_issue_rate(*int8, ComputeClass.GEMM, INT8),
            a53_rate(*int8, ComputeClass.GEMM, INT8),
            9.45e9 / 1.44e9,
            "op/cycle",
            "gemmlowp pull 78: 9.45 Gop/s, Nexus 5X A53 at 1.44 GHz (sets the ceiling)",
        ),
        (
            "Winograd F(4x4,3x3) input transform, A53",
            a53_issue_rate(winograd_flops, 72, ComputeClass.WINOGRAD),
            a53_rate(winograd_flops, 72, ComputeClass.WINOGRAD),
            None,
            "FLOP/cycle",
            "none found: no published per-kernel A53 transform rate",
        ),
        (
            "depthwise 3x3 row, A53 (ncnn pack4)",
            a53_issue_rate(*depthwise, ComputeClass.DEPTHWISE),
            a53_rate(*depthwise, ComputeClass.DEPTHWISE),
            None,
            "FLOP/cycle",
            "none found: no published single-core A53 depthwise kernel rate",
        ),
        (
            "elementwise stream from DRAM, pi3 (relu 16 MiB)",
            None,
            copied_pi,
            1.15e9 / 1.2e9,
            "B/cycle copied",
            "tinymembench memcpy ~1.1-1.2 GB/s on one Pi 3 B+ core (sbc-bench), at 1.2 GHz",
        ),
        (
            "GPU SGEMM tiles, V100 (128x128, 8192^3)",
            gpu_gemm_rate(8192, (128, 128), gemm_cta, FP32, FULL_PIPES),
            gpu_gemm_rate(8192, (128, 128), gemm_cta, FP32),
            14.38e12 / 1.53e9,
            "FLOP/cycle",
            "torch-performance-test-data issue 140: 14.38 TFLOPS, V100-SXM2 (1530 MHz boost)",
        ),
        (
            "GPU SGEMM tiles, V100 (128x128, 2048^3)",
            gpu_gemm_rate(2048, (128, 128), gemm_cta, FP32, FULL_PIPES),
            gpu_gemm_rate(2048, (128, 128), gemm_cta, FP32),
            12.71e12 / 1.53e9,
            "FLOP/cycle",
            "same source: 12.71 TFLOPS",
        ),
        (
            "GPU HGEMM tensor-core tiles, V100 (256x128, 8192^3)",
            gpu_gemm_rate(8192, (256, 128), hgemm_cta, FP16, FULL_PIPES),
            gpu_gemm_rate(8192, (256, 128), hgemm_cta, FP16),
            97.36e12 / 1.53e9,
            "FLOP/cycle",
            "same source: 97.36 TFLOPS fp16 (sets the tensor main-loop fraction)",
        ),
        (
            "GPU HGEMM tensor-core tiles, V100 (256x128, 2048^3)",
            gpu_gemm_rate(2048, (256, 128), hgemm_cta, FP16, FULL_PIPES),
            gpu_gemm_rate(2048, (256, 128), hgemm_cta, FP16),
            78.23e12 / 1.53e9,
            "FLOP/cycle",
            "same source: 78.23 TFLOPS fp16 (2 waves of 128 CTAs on 80 SMs)",
        ),
        (
            "elementwise stream from HBM2, V100 (relu 128 MiB)",
            None,
            moved_v100,
            809e9 / V100.core.clock_hz,
            "B/cycle moved",
            "RRZE-HPC/gpu-benches gpu-stream/v100.txt: SCALE 809 GB/s, per cycle at 1530 MHz",
        ),
    ]


def main() -> None:
    print(
        "| kernel class | issue rules | charged | measured | unit | measured / charged | source |"
    )
    print("|---|---:|---:|---:|---|---:|---|")
    for name, issue, charged, measured, unit, source in rows():
        ratio = f"{measured / charged:.2f}" if measured else "-"
        print(
            f"| {name} | {_number(issue)} | {_number(charged)} | {_number(measured)} | {unit} "
            f"| {ratio} | {source} |"
        )


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:,.2f}"


if __name__ == "__main__":
    main()
