import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.cache.stats import HierarchyStats, LevelStats
from sim.compute.classes import ComputeClass
from sim.engine.costs import (
    CoreStream,
    dram_channel,
    dram_cycles,
    effective_dram_bytes_per_s,
    tile_cost,
)
from sim.hw.load import load_hardware
from sim.hw.model import Precision
from sim.trace.model import Tile


def test_littles_law_caps_the_pis_single_core_bandwidth():
    hw = load_hardware("pi3")
    # 6 lines of 64 B in flight over 175 ns = 2.19 GB/s: the measured single-core NEON read
    # bandwidth (~2.1 GB/s, tinymembench) rather than the 3.6 GB/s bus peak.
    assert effective_dram_bytes_per_s(hw) == pytest.approx(6 * 64 / 175e-9)
    assert effective_dram_bytes_per_s(hw) < hw.dram.bandwidth_bytes_per_s
    alone, at_peak = dram_cycles(64_000, hw)  # the latency is the stream's (timing.py)
    assert alone == pytest.approx(64_000 / (6 * 64 / 175e-9) * 1.2e9)
    assert at_peak == pytest.approx(64_000 / 3.6e9 * 1.2e9)
    assert dram_cycles(0, hw) == (0.0, 0.0)


def test_gpus_keep_enough_misses_in_flight_for_what_the_channel_sustains():
    for name in ("xavier", "v100"):
        hw = load_hardware(name)
        one_sm = effective_dram_bytes_per_s(hw)
        assert one_sm < hw.dram.bandwidth_bytes_per_s <= hw.units * one_sm
        # the channel sustains the measured 809 of V100's 900 GB/s (Xavier assumes the fraction)
        sustained = dram_channel(hw).capacity_bytes_per_cycle * hw.core.clock_hz
        assert sustained == pytest.approx(0.899 * hw.dram.bandwidth_bytes_per_s, rel=2e-3)


def test_a_total_cap_on_misses_in_flight_caps_the_channel():
    hw = load_hardware("pi3")
    capped = attrs.evolve(hw, dram=attrs.evolve(hw.dram, max_outstanding_total=8))
    by_little = 8 * 64 / 175e-9 / 1.2e9
    assert dram_channel(capped).capacity_bytes_per_cycle == pytest.approx(by_little)
    assert dram_channel(hw).capacity_bytes_per_cycle == pytest.approx(3.6e9 / 1.2e9)


def test_tile_cost_by_hand_on_the_pi():
    hw = load_hardware("pi3")
    tile = Tile(
        flops=800, line_addresses=[0, 64, 128, 192], is_write=[0, 0, 0, 1], collapsed_accesses=12
    )
    stats = HierarchyStats(
        (LevelStats("L1D", 4, 0, 4, 0, 0), LevelStats("L2", 4, 1, 3, 0, 0)),
        dram_read_bytes=192,
        dram_write_bytes=0,
    )
    cost = tile_cost(tile, stats, hw, Precision.FP32, "conv2d", ComputeClass.GEMM)
    # the A53's GEMM mix (hw_configs/pi3.yaml): 100 FMLAs and a free cycle after every 3 of
    # them, which the 16 one-cycle (64-bit) loads fill, are 133 cycles; the measured SGEMM's
    # 66.5% of peak is the ceiling: 800 FLOPs at 5.32 per cycle
    assert cost.compute_cycles == pytest.approx(800 / (8 * 0.665))
    # L1: 16 register accesses of 16 B at 8 B/cycle, 3 cycles latency;
    # L2: 4 lines of 64 B at 64 B/cycle, 14 cycles latency.
    assert cost.level_cycles == (16 * 16 / 8, 4 * 64 / 64)
    assert cost.level_latency_cycles == (3, 14)
    assert cost.core_cycles == cost.first_core_cycles == pytest.approx(800 / (8 * 0.665))
    assert (cost.dram_read_bytes, cost.dram_write_bytes) == (192, 0)
    assert cost.levels == stats.levels  # kept as plain counts, rebuilt on demand


def test_without_caches_every_line_access_is_dram_traffic():
    hw = load_hardware("pi3")
    tile = Tile(flops=0, line_addresses=[0, 64, 0], is_write=[0, 1, 0])
    cost = tile_cost(tile, None, hw, Precision.FP32, "relu", ComputeClass.ELEMENTWISE)
    assert (cost.dram_read_bytes, cost.dram_write_bytes) == (128, 64)
    assert cost.level_cycles == ()


def _stream_tile(flops: int, lines: int, collapsed: int) -> Tile:
    return Tile(
        flops=flops,
        line_addresses=[64 * i for i in range(lines)],
        is_write=[0] * lines,
        collapsed_accesses=collapsed,
    )


tile_counts = st.tuples(st.integers(0, 20_000), st.integers(0, 40), st.integers(0, 400))


@given(st.lists(tile_counts, min_size=1, max_size=12), st.data())
@settings(max_examples=100, deadline=None)
def test_a_stream_costs_its_counts_however_it_is_sliced(counts, data):
    """The core cycles of a unit's tiles add up to those of its whole part, whether the
    engine cut it into many tiles or one; no tile is charged less than nothing."""
    hw = load_hardware("pi3")
    kernel = ("conv2d", ComputeClass.GEMM, "auto")
    cuts = sorted(data.draw(st.sets(st.integers(1, len(counts)), max_size=len(counts))))
    groups = [counts[a:b] for a, b in zip([0, *cuts], [*cuts, len(counts)]) if b > a]

    def charged(pieces) -> tuple[float, float]:
        stream, compute, core = CoreStream(hw, Precision.FP32, *kernel), 0.0, 0.0
        for flops, lines, collapsed in pieces:
            tile = _stream_tile(flops, lines, collapsed)
            counts = (("L1D", lines, lines, 0, 0, 0), ("L2", 0, 0, 0, 0, 0))
            cost = stream.charge(tile, counts, 0, 0)
            assert cost.compute_cycles >= 0 and cost.core_cycles >= 0
            compute, core = compute + cost.compute_cycles, core + cost.core_cycles
        return compute, core

    merged = [tuple(map(sum, zip(*group))) for group in groups]
    assert charged(counts) == pytest.approx(charged(merged), rel=1e-9)
    whole = [tuple(map(sum, zip(*counts)))]
    assert charged(counts) == pytest.approx(charged(whole), rel=1e-9)
