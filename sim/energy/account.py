"""A run's dynamic energy from its counts: FLOPs executed, and bytes read or written at each level.

Per kernel, with the device's costs (sim/energy/model.py):
- compute: executed FLOPs x the precision's energy per FLOP;
- registers: the register-wide loads and stores (line, collapsed and spill accesses, each
  the register width, as the L1 time model moves them), plus the operands of the arithmetic:
  a multiply-accumulate reads three registers and writes one, 2 x precision bytes per FLOP;
- the innermost cache: the same register-wide loads and stores, plus a line per miss (the
  fill) and per write-back (the dirty line read out);
- each outer cache: a line per access (from the level inside), per miss and per write-back;
- DRAM: the bytes read and written.
Every term is a count times a cost, so energy never falls when a count grows, and no term
depends on time (no static power is modelled).
"""

from attrs import define

from sim.engine.simulate import KernelResult, RunResult
from sim.hw.model import Hardware, Precision

OPERAND_BYTES_PER_FLOP = 2  # FMA: 3 reads + 1 write of one element per 2 FLOPs, in elements


@define(frozen=True)
class Counts:
    """What one kernel did that costs energy. `levels`: per cache level, innermost first,
    its (accesses, misses, write-backs); empty when caches are disabled."""

    flops: int
    register_accesses: int
    levels: tuple[tuple[int, int, int], ...]
    dram_bytes: int


def kernel_counts(kernel: KernelResult) -> Counts:
    return Counts(
        flops=kernel.flops,
        register_accesses=kernel.line_accesses + kernel.collapsed_accesses + kernel.spill_accesses,
        levels=tuple((lv.accesses, lv.misses, lv.writebacks) for lv in kernel.levels),
        dram_bytes=kernel.dram_bytes,
    )


def energy_by_level(counts: Counts, hw: Hardware, precision: Precision) -> dict[str, float]:
    """Joules per level (`compute`, the register file, each cache, DRAM) for `counts` on `hw`,
    which must have energy costs."""
    costs = hw.energy
    if costs is None:
        raise ValueError(f"hardware {hw.name} has no energy costs")
    moved = counts.register_accesses * min(hw.core.registers.width_bytes, hw.line_bytes)
    operands = OPERAND_BYTES_PER_FLOP * counts.flops * precision.bytes
    joules = {
        "compute": counts.flops * costs.flop_j[precision.value],
        costs.registers.name: (moved + operands) * costs.registers.byte_j,
    }
    for depth, (level, cost) in enumerate(zip(hw.caches, costs.caches)):
        if depth >= len(counts.levels):
            joules[cost.name] = 0.0
            continue
        accesses, misses, writebacks = counts.levels[depth]
        lines = misses + writebacks + (0 if depth == 0 else accesses)
        n_bytes = lines * level.line_bytes + (moved if depth == 0 else 0)
        joules[cost.name] = n_bytes * cost.byte_j
    joules[costs.dram.name] = counts.dram_bytes * costs.dram.byte_j
    return joules


def kernel_energy(
    kernel: KernelResult, hw: Hardware, precision: Precision
) -> dict[str, float] | None:
    """The kernel's joules per level, or None on a device without energy costs."""
    if hw.energy is None:
        return None
    return energy_by_level(kernel_counts(kernel), hw, precision)


def run_energy(result: RunResult) -> dict[str, float] | None:
    """The run's joules per level, summed over its kernels; None without energy costs."""
    hw = result.hw
    if hw.energy is None:
        return None
    precision = Precision(result.precision)
    total = dict.fromkeys(hw.energy.level_names, 0.0)
    for kernel in result.kernels:
        for name, joules in energy_by_level(kernel_counts(kernel), hw, precision).items():
            total[name] += joules
    return total
