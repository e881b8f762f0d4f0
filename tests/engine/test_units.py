"""Many units in time: what must hold whatever the number of units and the cache given them."""

import json
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.cache import make_hierarchy
from sim.cli import main
from sim.engine.costs import CoreStream, dram_channel
from sim.engine.simulate import WRITE_BACK_KERNEL, simulate
from sim.graph.load import load_workload
from sim.hw.load import load_hardware
from sim.hw.model import Hardware, Precision
from sim.schedule.presets import preset_schedule
from sim.trace import compute_class, kernel_algorithm, kernel_tiles

SMALL = ["conv_chain_16x16", "se_block", "pool_dw", "matvec_1000"]
KIB = 1024


def run(workload: str, hw: Hardware, schedule: str = "fused"):
    graph = load_workload(workload)
    return simulate(preset_schedule(schedule, graph, Precision.FP32, hw), hw)


def dram_bytes(result) -> int:
    return result.total("dram_read_bytes") + result.total("dram_write_bytes")


def bigger_l2(hw: Hardware) -> Hardware:
    """The same device with twice the L2: twice the ways, the same sets (and shares kept)."""
    l2 = hw.caches[-1]
    share = l2.share_bytes if l2.is_shared else 2 * l2.size_bytes
    l2 = attrs.evolve(l2, size_bytes=2 * l2.size_bytes, ways=2 * l2.ways, share_bytes=share)
    return attrs.evolve(hw, caches=(*hw.caches[:-1], l2))


def more_bandwidth(hw: Hardware) -> Hardware:
    dram = hw.dram
    return attrs.evolve(
        hw, dram=attrs.evolve(dram, bandwidth_bytes_per_s=2 * dram.bandwidth_bytes_per_s)
    )


def more_misses_in_flight(hw: Hardware) -> Hardware:
    return attrs.evolve(hw, dram=attrs.evolve(hw.dram, max_outstanding=2 * hw.dram.max_outstanding))


def assert_no_worse(better, base, what: str) -> None:
    assert better.cycles <= base.cycles * (1 + 1e-9), (what, better.cycles, base.cycles)
    assert dram_bytes(better) <= dram_bytes(base) * 1.02, (
        what,
        dram_bytes(better),
        dram_bytes(base),
    )


@pytest.mark.parametrize("workload", SMALL)
def test_macs_flops_and_compulsory_bytes_do_not_depend_on_the_units(workload):
    pi3 = load_hardware("pi3")
    graph = load_workload(workload)
    compulsory = 4 * sum(t.elements for t in graph.inputs)
    compulsory += 4 * sum(t.elements for op in graph.ops for t in op.params)
    results = [run(workload, pi3.with_units(n)) for n in (1, 2, 3, 4)]
    for result in results:
        assert result.cores == len(result.units)
        assert result.total("macs") == results[0].total("macs")
        assert result.total("flops") == results[0].total("flops")
        # parts share their inputs (each part of a GEMM reads the whole B panel): accesses
        # can only grow with the units
        accesses = result.total("line_accesses") + result.total("collapsed_accesses")
        assert accesses >= results[0].total("line_accesses") + results[0].total(
            "collapsed_accesses"
        )
        assert result.total("dram_read_bytes") >= compulsory
        assert sum(u.tiles for u in result.units) == sum(
            k.tiles for k in result.kernels if k.name != WRITE_BACK_KERNEL
        )


@pytest.mark.parametrize("workload", SMALL)
def test_one_unit_is_the_serial_single_core_model(workload):
    """One unit: the caches see the kernels' tiles in program order through one hierarchy,
    and each tile takes the longer of its reads (no prefetch) and what it adds to its stream's
    core cycles, latencies paid once per kernel."""
    hw = load_hardware("pi3").with_units(1).with_share(128 * KIB)
    schedule = preset_schedule("fused", load_workload(workload), Precision.FP32, hw)
    result = simulate(schedule, hw)
    hierarchy = make_hierarchy(hw.caches)
    channel = dram_channel(hw)
    for kernel, simulated in zip(schedule.kernels, result.kernels):
        cycles, read, written, streaming = 0.0, 0, 0, False
        cls, algorithm = (f(kernel, hw, Precision.FP32) for f in (compute_class, kernel_algorithm))
        kind = (kernel.main_op.kind.value, cls, algorithm)
        stream = CoreStream(hw, Precision.FP32, *kind)
        for index, tile in enumerate(kernel_tiles(kernel, schedule, hw)):
            stats = hierarchy.run(tile.line_addresses, tile.is_write, tile.sizes_bytes)
            counts = tuple(level.as_counts() for level in stats.levels)
            cost = stream.charge(tile, counts, stats.dram_read_bytes, stats.dram_write_bytes)
            reads = cost.dram_read_bytes
            fetch = reads / channel.unit_cap_bytes_per_cycle
            if reads and not streaming:  # the stream's first reads wait for the latency
                fetch, streaming = fetch + channel.latency_cycles, True
            core = cost.first_core_cycles if index == 0 else cost.core_cycles
            cycles += max(core, fetch)
            read, written = read + reads, written + cost.dram_write_bytes
        assert (simulated.dram_read_bytes, simulated.dram_write_bytes) == (read, written)
        assert simulated.cycles == pytest.approx(cycles, rel=1e-9), kernel.name
    flushed = hierarchy.flush()
    assert result.kernels[-1].dram_write_bytes == flushed.dram_write_bytes


CHANGES = {"L2": bigger_l2, "bandwidth": more_bandwidth, "outstanding": more_misses_in_flight}


@settings(max_examples=24, deadline=None)
@given(
    st.sampled_from(SMALL),
    st.sampled_from(["pi3", "xavier"]),
    st.sampled_from(sorted(CHANGES)),
    st.booleans(),
)
def test_more_cache_bandwidth_or_misses_in_flight_never_hurt_one_unit(
    workload, device, change, share
):
    """One unit. With several, the shared L2 sees the units' tiles in the order time gives
    them, so a change of speed can change its hits (docs/engine.md shows a case)."""
    hw = load_hardware(device).with_units(1)
    if share and device == "pi3":
        hw = hw.with_share(128 * KIB)
    base = run(workload, hw)
    better = run(workload, CHANGES[change](hw))
    assert_no_worse(better, base, (workload, device, change, share))


def test_the_whole_l2_never_slows_the_pointwise_conv_its_share_runs():
    """The review's case: a 256-channel 14x14 pointwise conv on one core, 128 KiB share
    against the whole 512 KiB L2 (the old engine took longer with the whole L2)."""
    one = load_hardware("pi3").with_units(1)
    share, whole = (run("separable_256", hw) for hw in (one.with_share(128 * KIB), one))
    assert_no_worse(whole, share, "pointwise")


SHIPPED = sorted(path.stem for path in (Path(__file__).parents[2] / "workloads").glob("*.yaml"))


@pytest.mark.parametrize("workload", SHIPPED)
def test_a_bigger_l2_or_share_never_adds_dram_bytes_nor_slows_a_run(workload):
    """Every shipped workload, fused, on one core (its 128 KiB share, the whole L2, twice the
    L2) and on four (64 KiB shares, the whole L2, twice the L2)."""
    pi3 = load_hardware("pi3")
    one = pi3.with_units(1)
    for label, whole, share in (("one core", one, 128 * KIB), ("four cores", pi3, 64 * KIB)):
        hws = (whole.with_share(share), whole, bigger_l2(whole))
        base, more, most = (run(workload, hw) for hw in hws)
        assert_no_worse(more, base, (workload, label, "share -> whole L2"))
        assert_no_worse(most, more, (workload, label, "whole L2 -> twice the L2"))


def test_four_cores_run_resnet18_faster_with_the_same_macs(capsys):
    reports = {}
    for cores in (1, 4):
        argv = ["run", "resnet18", "--hw", "pi3", "--cores", str(cores), "--schedule", "fused"]
        assert main([*argv, "--json", "-"]) == 0
        reports[cores] = json.loads(capsys.readouterr().out)
    one, four = reports[1], reports[4]
    assert (one["cores"], four["cores"]) == (1, 4)
    assert one["totals"]["macs"] == four["totals"]["macs"] == 1_814_073_344
    assert len(four["units"]) == 4 and all(u["busy_cycles"] > 0 for u in four["units"])
    assert 1.5 <= one["totals"]["seconds"] / four["totals"]["seconds"] <= 4


def test_the_share_against_one_cores_part_of_a_four_core_run():
    """The seed's one-core view (128 KiB of the L2) against what a quarter of the chip does
    in a 4-core run, kernel by kernel, on fused MobileNet-v1: docs/hardware.md."""
    pi3 = load_hardware("pi3")
    shared = run("mobilenet", pi3.with_units(1).with_share(128 * KIB))
    four = run("mobilenet", pi3)
    ratios = [
        f.dram_bytes / s.dram_bytes
        for s, f in zip(shared.kernels, four.kernels)
        if s.name != WRITE_BACK_KERNEL and s.dram_bytes
    ]
    total = dram_bytes(four) / dram_bytes(shared)
    assert 0.5 <= total <= 1.5
    assert sum(0.5 <= r <= 2 for r in ratios) >= 0.8 * len(ratios)
