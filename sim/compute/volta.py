"""Cycles of a tile on one Volta SM (sm_70 V100, sm_72 Xavier), and what a launch costs.

Each class runs on a pipe: the tensor cores for the GEMM-like classes at a precision they
support (fp16; int8 on sm_72), the CUDA cores otherwise (fp32 FFMA, fp16 HFMA2, int8 DP4A;
depthwise, pooling and elementwise ops never reach tensor-core rates). A CUDA-core warp
instruction occupies its sub-partition's 16 lanes for two cycles, so each of the
`schedulers` issues one other instruction (a load, a store) between two arithmetic ones; a
tile is bound by its pipe or by issue:

    pipe  = flops / (pipe rate x main_loop_fraction[pipe])
    issue = (flops / (rate / 2) [CUDA cores only] + accesses / warp) / schedulers

`main_loop_fraction` is what the pipe sustains in a kernel's main loop: 1 for FFMA (loads fit
in the free issue slots), a measured cuBLAS figure for the tensor cores (hw_configs).
Occupancy (CTAs per SM from threads, registers and shared memory), waves and the launch cost
are per kernel: the engine charges them once it spreads a kernel's CTAs over the SMs.
"""

import math

from attrs import define, field

from sim.compute.classes import ComputeClass
from sim.hw.model import Precision

CUDA, TENSOR = "cuda", "tensor"
REGISTER_ALLOCATION_PER_WARP = 256  # registers are allocated per warp in units of 256 (cc 7.x)


def _positive(instance, attribute, value) -> None:
    if not value > 0:
        raise ValueError(f"{attribute.name} must be positive, got {value}")


@define(frozen=True)
class StreamingMultiprocessor:
    """One SM: pipe rates per precision (FLOPs per cycle), issue, and occupancy limits."""

    cuda_flops_per_cycle: dict[Precision, float]
    tensor_flops_per_cycle: dict[Precision, float]
    tensor_classes: frozenset[ComputeClass]
    main_loop_fraction: dict[str, float]
    schedulers: int = field(validator=_positive)
    warp_threads: int = field(validator=_positive)
    registers: int = field(validator=_positive)
    shared_bytes: int = field(validator=_positive)
    max_threads: int = field(validator=_positive)
    max_ctas: int = field(validator=_positive)
    launch_s: float = field(validator=_positive)

    def __attrs_post_init__(self) -> None:
        missing = [p.value for p in Precision if p not in self.cuda_flops_per_cycle]
        if missing:
            raise ValueError(f"no CUDA-core rate for {missing[0]}")
        for pipe in (CUDA, TENSOR):
            fraction = self.main_loop_fraction.get(pipe)
            if fraction is None or not 0 < fraction <= 1:
                raise ValueError(f"main_loop_fraction of {pipe} must be in (0, 1], got {fraction}")

    def pipe(self, cls: ComputeClass, precision: Precision) -> str:
        if cls in self.tensor_classes and precision in self.tensor_flops_per_cycle:
            return TENSOR
        return CUDA

    def rate(self, cls: ComputeClass, precision: Precision) -> float:
        """Peak FLOPs per cycle of the pipe this class runs on."""
        if self.pipe(cls, precision) == TENSOR:
            return self.tensor_flops_per_cycle[precision]
        return self.cuda_flops_per_cycle[precision]

    def peak(self, precision: Precision) -> float:
        return max(
            self.cuda_flops_per_cycle[precision], self.tensor_flops_per_cycle.get(precision, 0)
        )


def sm_cycles(
    flops: float,
    accesses: float,
    sm: StreamingMultiprocessor,
    cls: ComputeClass,
    precision: Precision,
) -> float:
    """Cycles one SM takes for `flops` and `accesses` thread-level loads and stores."""
    pipe = sm.pipe(cls, precision)
    rate = sm.rate(cls, precision)
    on_pipe = flops / (rate * sm.main_loop_fraction[pipe])
    arithmetic = flops / (rate / 2) if pipe == CUDA else 0.0
    issue = (arithmetic + accesses / sm.warp_threads) / sm.schedulers
    return max(on_pipe, issue)


@define(frozen=True)
class CtaShape:
    """What one thread block asks of an SM."""

    threads: int = field(validator=_positive)
    registers_per_thread: int = field(validator=_positive)
    shared_bytes: int = 0


def ctas_per_sm(cta: CtaShape, sm: StreamingMultiprocessor) -> int:
    """Resident CTAs per SM: the tightest of the CTA, thread, register and shared limits;
    ValueError if not even one fits."""
    warps = -(-cta.threads // sm.warp_threads)
    per_warp = -(-cta.registers_per_thread * sm.warp_threads // REGISTER_ALLOCATION_PER_WARP)
    registers = per_warp * REGISTER_ALLOCATION_PER_WARP * warps
    limits = [sm.max_ctas, sm.max_threads // (warps * sm.warp_threads), sm.registers // registers]
    if cta.shared_bytes:
        limits.append(sm.shared_bytes // cta.shared_bytes)
    resident = min(limits)
    if resident < 1:
        raise ValueError(f"a CTA of {cta.threads} threads does not fit one SM")
    return resident


def waves(ctas: int, resident_per_sm: int, sms: int) -> int:
    return math.ceil(ctas / (resident_per_sm * sms))


def wave_efficiency(ctas: int, resident_per_sm: int, sms: int) -> float:
    """Fraction of the SM slots the kernel's waves keep busy (the last wave may be partial)."""
    return ctas / (waves(ctas, resident_per_sm, sms) * resident_per_sm * sms)


def launch_cycles(sm: StreamingMultiprocessor, clock_hz: float) -> float:
    """Cycles between two dependent kernels of one stream that no SM computes in."""
    return sm.launch_s * clock_hz
