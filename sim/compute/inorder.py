"""Cycles of a tile on an in-order, dual-issue core with one 128-bit NEON pipe (Cortex-A53).

A tile's arithmetic is `flops / flops_per_op` NEON instructions (an FMLA on four fp32 lanes
is 8 FLOPs), plus `extra_ops_per_op` other NEON instructions (widening, EXT); each takes the
NEON pipe for one cycle. Its loads and stores, one register wide each, take `access_cycles`
of issue in which no NEON instruction issues: one for a 64-bit load (the other half goes
through an integer register and an INS that dual-issue), two for a 128-bit load. An FP
multiply-accumulate stream leaves one issue cycle free after every `fma_per_bubble` FMAs (the
accumulate stage, docs/compute.md); a kernel tuned for the core issues its 64-bit loads in
those cycles (`fills_bubbles`), a generic one pays for both. Dependent accumulations recur
every `fma_recurrence_cycles`, so `accumulators` independent chains bound the FMA rate.
Address arithmetic and branches dual-issue with NEON instructions and cost nothing. Where a
published measurement of the class's kernel sustains less than these rules give, the class
carries that `main_loop_fraction` of the peak as a ceiling (hw_configs cites it).

    cycles = ops + max(bubbles, loads)     if the kernel fills the bubbles with its loads
    cycles = ops + bubbles + loads         otherwise
    cycles >= fma_ops x fma_recurrence_cycles / accumulators
    cycles >= flops / (peak x main_loop_fraction)
"""

from attrs import define, field

from sim.compute.classes import ComputeClass
from sim.hw.model import Precision


def _positive(instance, attribute, value) -> None:
    if not value > 0:
        raise ValueError(f"{attribute.name} must be positive, got {value}")


def _fraction(instance, attribute, value) -> None:
    if not 0 < value <= 1:
        raise ValueError(f"{attribute.name} must be in (0, 1], got {value}")


def _not_negative(instance, attribute, value) -> None:
    if value < 0:
        raise ValueError(f"{attribute.name} must not be negative, got {value}")


@define(frozen=True)
class KernelMix:
    """How one class of kernel issues on the core (figures and sources in hw_configs)."""

    flops_per_op: float = field(validator=_positive)
    access_cycles: float = field(validator=_positive)
    fma_bubble: bool = False
    fills_bubbles: bool = False
    extra_ops_per_op: float = field(default=0.0, validator=_not_negative)
    accumulators: int = field(default=32, validator=_positive)
    main_loop_fraction: float = field(default=1.0, validator=_fraction)


@define(frozen=True)
class InOrderCore:
    """One core: its peak, its issue rules, and the mix of each compute class.

    `kernels` holds the fp32 mixes (fp16 runs them after widening: ARMv8.0 has no fp16
    arithmetic, so each access also costs `fp16_convert_ops_per_access` NEON conversions);
    `int8_kernels` the classes with a cited int8 kernel, the others run their fp32 mix.
    """

    peak_flops_per_cycle: dict[Precision, float]
    fma_per_bubble: int = field(validator=_positive)
    fma_recurrence_cycles: float = field(validator=_positive)
    fp16_convert_ops_per_access: float = field(validator=_not_negative)
    kernels: dict[ComputeClass, KernelMix]
    int8_kernels: dict[ComputeClass, KernelMix] = field(factory=dict)

    def __attrs_post_init__(self) -> None:
        missing = [c.value for c in ComputeClass if c not in self.kernels]
        if missing:
            raise ValueError(f"no kernel mix for class {missing[0]}")
        for precision in Precision:
            for cls in ComputeClass:
                mix = self.mix(cls, precision)
                if mix.flops_per_op > self.peak_flops_per_cycle[precision]:
                    raise ValueError(
                        f"{cls.value} ({precision.value}): {mix.flops_per_op} FLOPs per op "
                        f"exceeds the peak of {self.peak_flops_per_cycle[precision]} per cycle"
                    )

    def mix(self, cls: ComputeClass, precision: Precision) -> KernelMix:
        if precision is Precision.INT8 and cls in self.int8_kernels:
            return self.int8_kernels[cls]
        return self.kernels[cls]


def in_order_cycles(
    flops: float, accesses: float, core: InOrderCore, cls: ComputeClass, precision: Precision
) -> float:
    """Cycles one core takes for `flops` and `accesses` register-wide loads and stores."""
    mix = core.mix(cls, precision)
    ops = flops / mix.flops_per_op
    neon = ops * (1.0 + mix.extra_ops_per_op)
    if precision is Precision.FP16:
        neon += accesses * core.fp16_convert_ops_per_access
    loads = accesses * mix.access_cycles
    bubbles = ops / core.fma_per_bubble if mix.fma_bubble else 0.0
    issue = neon + (max(bubbles, loads) if mix.fills_bubbles else bubbles + loads)
    chains = ops * core.fma_recurrence_cycles / mix.accumulators if mix.fma_bubble else 0.0
    measured = flops / (core.peak_flops_per_cycle[precision] * mix.main_loop_fraction)
    return max(issue, chains, measured)
