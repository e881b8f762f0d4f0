"""The engine's event order on cases small enough to work out by hand.

A tile's DRAM bytes take (latency + bytes / rate) cycles; with latency 0 and a unit cap and
channel capacity of 1 B/cycle, a tile with `dram` bytes moves for `dram` cycles alone.
"""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.engine.costs import Channel, TileCost
from sim.engine.timing import KernelWork, run_timing, share_max_min

ONE_BYTE_PER_CYCLE = Channel(
    latency_cycles=0.0, capacity_bytes_per_cycle=1.0, unit_cap_bytes_per_cycle=1.0
)


def cost(compute: float, dram: int) -> TileCost:
    return TileCost(0, compute, (), dram, 0, dram, dram)


def work(name: str, *units) -> KernelWork:
    """A kernel whose unit u runs the tile costs units[u]."""
    return KernelWork(name, [iter([lambda c=c: c for c in costs]) for costs in units])


def run(kernels, prefetch=1, channel=ONE_BYTE_PER_CYCLE, units=1):
    names = [f"core {u}" for u in range(units)]
    return run_timing(iter(kernels), channel, prefetch, names)


def log(timing):
    return [(s.unit, s.tile, s.start_cycles, s.end_cycles) for s in timing.spans]


def test_a_tiles_reads_overlap_its_compute_and_prefetch_runs_a_tile_ahead():
    # Two buffers: fetch 0 [0,5) while the core computes tile 0 [0,10); fetch 1 [5,25) while
    # the core computes tile 1 [10,20) and waits for its bytes until 25; fetch 2 [25,30) and
    # compute 2 [25,35).
    timing = run([work("k", [cost(10, 5), cost(10, 20), cost(10, 5)])])
    assert log(timing) == [
        ("dram 0", 0, 0, 5),
        ("core 0", 0, 0, 10),
        ("dram 0", 1, 5, 25),
        ("core 0", 1, 10, 20),
        ("dram 0", 2, 25, 30),
        ("core 0", 2, 25, 35),
    ]
    assert timing.cycles == 35


def test_a_kernels_launch_delays_every_units_first_tile_and_counts_as_no_units_work():
    # two units, a 7-cycle launch: both start their tiles at 7; the kernel lasts 7 + 10
    k = work("k", [cost(10, 5)], [cost(4, 0)])
    k = KernelWork(k.name, k.units, overhead_cycles=7)
    timing = run([k], units=2)
    assert sorted(log(timing)) == [("core 0", 0, 7, 17), ("core 1", 0, 7, 11), ("dram 0", 0, 7, 12)]
    (kernel,) = timing.kernels
    assert (kernel.start_cycles, kernel.cycles) == (0, 17)
    assert kernel.unit_busy_cycles == (10, 4)
    assert kernel.unit_end_cycles == (17, 11)  # from the kernel's start, launch included


def test_without_prefetch_a_tile_takes_the_longer_of_its_reads_and_its_compute():
    timing = run([work("k", [cost(10, 5), cost(10, 20)])], prefetch=0)
    assert log(timing) == [
        ("dram 0", 0, 0, 5),
        ("core 0", 0, 0, 10),
        ("dram 0", 1, 10, 30),
        ("core 0", 1, 10, 20),
    ]
    assert timing.cycles == 30


def test_kernels_are_barriers():
    timing = run([work("a", [cost(10, 0)]), work("b", [cost(0, 7), cost(3, 0)])], prefetch=4)
    assert [(k.name, k.start_cycles, k.end_cycles) for k in timing.kernels] == [
        ("a", 0, 10),
        ("b", 10, 20),
    ]


def test_two_units_share_the_channel_fairly():
    # Channel 2 B/cycle, each unit at most 2 B/cycle: alone a unit moves 2 B/cycle, together
    # 1 B/cycle each. Unit 0 reads 10 B, unit 1 30 B: both at 1 B/cycle until unit 0 is done
    # at 10 (10 B each); unit 1 then reads its last 20 B at 2 B/cycle: done at 20.
    channel = Channel(0.0, 2.0, 2.0)
    timing = run([work("k", [cost(1, 10)], [cost(1, 30)])], channel=channel, units=2)
    assert log(timing) == [
        ("dram 0", 0, 0, 10),
        ("dram 1", 0, 0, 20),
        ("core 0", 0, 0, 1),
        ("core 1", 0, 0, 1),
    ]
    (kernel,) = timing.kernels
    assert kernel.unit_end_cycles == (10, 20)
    assert kernel.barrier_wait_cycles == 5  # unit 0 waits 10 cycles, unit 1 none


def test_a_units_cap_leaves_bandwidth_to_the_other():
    # Channel 3 B/cycle, each unit at most 2: together 1.5 each (fair share under the cap).
    channel = Channel(0.0, 3.0, 2.0)
    timing = run([work("k", [cost(0, 15)], [cost(0, 15)])], channel=channel, units=2)
    assert [s.end_cycles for s in timing.spans] == [10, 10]
    # One unit alone is held by its cap: 15 B at 2 B/cycle.
    alone = run([work("k", [cost(0, 15)])], channel=channel)
    assert alone.cycles == 7.5


def test_latency_comes_once_per_stream_before_its_first_bytes():
    # a unit's reads in a kernel are one pipelined stream: 4 cycles of latency before tile 0's
    # bytes, none before tile 1's; the next kernel starts a new stream and waits again
    channel = Channel(4.0, 1.0, 1.0)
    timing = run([work("a", [cost(1, 6), cost(1, 6)]), work("b", [cost(1, 6)])], channel=channel)
    assert log(timing) == [
        ("dram 0", 0, 0, 10),
        ("core 0", 0, 0, 1),
        ("dram 0", 1, 10, 16),
        ("core 0", 1, 10, 11),
        ("dram 0", 0, 16, 26),
        ("core 0", 0, 16, 17),
    ]
    assert [k.dram_fill_cycles for k in timing.kernels] == [4, 4]


def test_a_streams_first_tile_waits_for_each_levels_latency():
    first = TileCost(0, 2.0, (3.0, 1.0), 0, 0, 0, 0, (), (5.0, 9.0))
    timing = run([work("k", [first, first])])
    assert [(s.start_cycles, s.end_cycles) for s in timing.spans] == [(0, 10), (10, 13)]
    assert timing.kernels[0].level_fill_cycles == (5, 9)


def test_a_unit_without_tiles_finishes_at_once():
    timing = run([work("k", [cost(5, 0)], [])], units=2)
    (kernel,) = timing.kernels
    assert kernel.unit_end_cycles == (5, 0)
    assert kernel.unit_busy_cycles == (5, 0)


def test_negative_prefetch_is_refused():
    with pytest.raises(ValueError, match="prefetch_tiles"):
        run([work("k", [cost(1, 1)])], prefetch=-1)


@given(st.floats(0.1, 100), st.lists(st.floats(0.01, 100), min_size=1, max_size=8))
def test_max_min_shares_never_exceed_a_cap_nor_the_capacity(capacity, caps):
    rates = share_max_min(capacity, caps)
    assert all(0 <= r <= c * (1 + 1e-12) for r, c in zip(rates, caps))
    assert sum(rates) <= capacity * (1 + 1e-9)
    # Work-conserving: either every flow is at its cap or the channel is full.
    assert sum(rates) == pytest.approx(min(capacity, sum(caps)))


tiles = st.lists(
    st.tuples(st.integers(0, 50), st.integers(0, 50)).map(lambda t: cost(*t)),
    min_size=1,
    max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(st.lists(tiles, min_size=1, max_size=4), st.integers(0, 3))
def test_time_is_bounded_by_the_busiest_unit_and_by_serial_execution(kernels, prefetch):
    timing = run([work(f"k{i}", costs) for i, costs in enumerate(kernels)], prefetch)
    for costs, kernel in zip(kernels, timing.kernels):
        core = sum(c.core_cycles for c in costs)
        dram = sum(c.dram_cycles for c in costs)
        assert max(core, dram) <= kernel.cycles + 1e-9
        assert kernel.cycles <= core + dram + 1e-9
    # A unit never does two things at once.
    for unit in ("core 0", "dram 0"):
        spans = [s for s in timing.spans if s.unit == unit]
        for before, after in zip(spans, spans[1:]):
            assert before.end_cycles <= after.start_cycles


@settings(max_examples=100, deadline=None)
@given(st.lists(tiles, min_size=2, max_size=4), st.floats(0.5, 4), st.floats(0.5, 4))
def test_units_sharing_the_channel_never_beat_its_capacity(units, capacity, cap):
    channel = Channel(0.0, capacity, cap)
    timing = run([work("k", *units)], channel=channel, units=len(units))
    total = sum(c.dram_bytes for costs in units for c in costs)
    slowest_alone = max(sum(c.dram_bytes for c in costs) for costs in units) / cap
    assert timing.cycles >= max(total / capacity, slowest_alone) * (1 - 1e-9)


def writes(compute: float, n_bytes: int) -> TileCost:
    return TileCost(0, compute, (), 0, n_bytes, n_bytes, n_bytes)


def test_posted_writes_delay_no_tile_and_the_run_ends_when_they_have_drained():
    # 30 B of writes posted by tile 0 drain at 1 B/cycle while the core computes [0,10) and
    # [10,20); the kernel ends at 20, the run at 30.
    timing = run([work("k", [writes(10, 30), cost(10, 0)])])
    (kernel,) = timing.kernels
    assert kernel.end_cycles == 20
    assert timing.cycles == 30


def test_reads_come_before_posted_writes():
    # Unit 0 posts 100 B of writes; unit 1's 10 B of reads take the channel first: [0,10);
    # the writes drain after them, [10,110).
    timing = run([work("k", [writes(0, 100)], [cost(0, 10)])], units=2)
    (read,) = [s for s in timing.spans if s.unit == "dram 1"]
    assert (read.start_cycles, read.end_cycles) == (0, 10)
    assert timing.cycles == 110


def test_a_later_kernels_barrier_wait_counts_from_its_own_start():
    timing = run([work("a", [cost(7, 0)], []), work("b", [cost(10, 0)], [cost(4, 0)])], units=2)
    second = timing.kernels[1]
    assert (second.start_cycles, second.unit_end_cycles) == (7, (10, 4))
    assert second.barrier_wait_cycles == 3  # unit 1 waits 6 cycles, unit 0 none
