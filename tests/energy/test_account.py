"""Energy from counts: monotonic in every count (the law), dynamic only (no term in time)."""

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.energy.account import Counts, energy_by_level, kernel_counts, run_energy
from sim.energy.model import EnergyCosts, LevelEnergy
from sim.engine.simulate import simulate
from sim.graph.load import load_workload
from sim.hw.load import load_hardware
from sim.hw.model import Precision
from sim.schedule.presets import preset_schedule

PI3 = load_hardware("pi3")
COUNT = st.integers(0, 10**12)
JOULES = st.floats(0, 1e-9, allow_nan=False)


@st.composite
def costs(draw) -> EnergyCosts:
    """Any non-negative costs on pi3's levels (NEON, L1D, L2, DRAM)."""
    return EnergyCosts(
        flop_j={p: draw(JOULES) for p in ("fp32", "fp16", "int8")},
        registers=LevelEnergy("NEON", draw(JOULES)),
        caches=(LevelEnergy("L1D", draw(JOULES)), LevelEnergy("L2", draw(JOULES))),
        dram=LevelEnergy("DRAM", draw(JOULES)),
    )


@st.composite
def counts(draw) -> Counts:
    levels = tuple(tuple(draw(COUNT) for _ in range(3)) for _ in PI3.caches)
    return Counts(draw(COUNT), draw(COUNT), levels, draw(COUNT))


def _bumped(base: Counts, field: int, amount: int) -> Counts:
    """`base` with one count raised by `amount`: 0 flops, 1 register accesses, 2 DRAM bytes,
    then each level's accesses, misses and write-backs."""
    flat = [base.flops, base.register_accesses, base.dram_bytes, *sum(base.levels, ())]
    flat[field] += amount
    levels = tuple(tuple(flat[3 + 3 * i : 6 + 3 * i]) for i in range(len(base.levels)))
    return Counts(flat[0], flat[1], levels, flat[2])


FIELDS = 3 + 3 * len(PI3.caches)


@given(
    counts(),
    costs(),
    st.integers(0, FIELDS - 1),
    st.integers(1, 10**9),
    st.sampled_from(list(Precision)),
)
def test_energy_never_falls_when_any_count_grows(base, energy, field, amount, precision):
    hw = attrs.evolve(PI3, energy=energy)
    before = energy_by_level(base, hw, precision)
    after = energy_by_level(_bumped(base, field, amount), hw, precision)
    assert before.keys() == after.keys() == set(energy.level_names)
    assert all(after[name] >= before[name] for name in before)
    assert sum(after.values()) >= sum(before.values())


@given(counts(), st.integers(1, 10**9), st.floats(1e-15, 1e-9))
def test_dram_bytes_cost_exactly_their_energy_per_byte(base, extra, byte_j):
    energy = attrs.evolve(PI3.energy, dram=LevelEnergy("DRAM", byte_j))
    hw = attrs.evolve(PI3, energy=energy)
    before = energy_by_level(base, hw, Precision.FP32)
    after = energy_by_level(_bumped(base, 2, extra), hw, Precision.FP32)
    assert after["DRAM"] - before["DRAM"] == pytest.approx(extra * byte_j)
    assert {k: v for k, v in after.items() if k != "DRAM"} == {
        k: v for k, v in before.items() if k != "DRAM"
    }


def _doubled_dram_bandwidth(hw):
    dram = attrs.evolve(hw.dram, bandwidth_bytes_per_s=2 * hw.dram.bandwidth_bytes_per_s)
    return attrs.evolve(hw, dram=dram)


def test_doubling_dram_bandwidth_changes_the_time_not_the_energy():
    """matvec on 4 Pi cores is DRAM-bound: twice the bandwidth nearly halves the time. Energy is
    counts times costs: the costs are the same, and the counts move only as far as the cores'
    interleaving on the shared L2 moves with time (under 0.01% here)."""
    graph = load_workload("matvec_1000")
    hw = PI3
    fast = _doubled_dram_bandwidth(hw)
    slow_run, fast_run = (
        simulate(preset_schedule("fused", graph, Precision.FP32, h), h) for h in (hw, fast)
    )
    assert fast_run.seconds < 0.6 * slow_run.seconds
    slow_j, fast_j = (sum(run_energy(r).values()) for r in (slow_run, fast_run))
    assert fast_j == pytest.approx(slow_j, rel=1e-4)
    for kernel in fast_run.kernels:  # the same counts cost the same on either device
        c = kernel_counts(kernel)
        assert energy_by_level(c, hw, Precision.FP32) == energy_by_level(c, fast, Precision.FP32)


def test_on_one_core_the_energy_is_exactly_unchanged_by_dram_bandwidth():
    """One core: no interleaving, so the counts (and the joules) are identical."""
    graph = load_workload("pool_dw")
    hw = PI3.with_units(1)
    runs = [
        simulate(preset_schedule("naive", graph, Precision.FP32, h), h)
        for h in (hw, _doubled_dram_bandwidth(hw))
    ]
    assert run_energy(runs[0]) == run_energy(runs[1])
    assert sum(run_energy(runs[0]).values()) > 0


def test_a_device_without_energy_costs_has_no_energy():
    graph = load_workload("pool_dw")
    hw = attrs.evolve(PI3, energy=None)
    assert run_energy(simulate(preset_schedule("fused", graph, Precision.FP32, hw), hw)) is None
    with pytest.raises(ValueError, match="no energy costs"):
        energy_by_level(Counts(1, 1, (), 0), hw, Precision.FP32)


def test_without_caches_only_compute_registers_and_dram_cost_energy():
    graph = load_workload("pool_dw")
    result = simulate(preset_schedule("fused", graph, Precision.FP32, PI3), PI3, caches=False)
    by_level = run_energy(result)
    assert by_level["L1D"] == by_level["L2"] == 0.0
    assert by_level["DRAM"] == pytest.approx(
        (result.total("dram_read_bytes") + result.total("dram_write_bytes"))
        * PI3.energy.dram.byte_j
    )
