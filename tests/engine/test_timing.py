"""The engine's event order on cases small enough to work out by hand."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.engine.costs import TileCost
from sim.engine.timing import run_timing


def cost(compute: float, dram: float) -> TileCost:
    return TileCost(0, compute, (), 0, 0, dram, dram)


def log(timing):
    return [(s.unit, s.tile, s.start_cycles, s.end_cycles) for s in timing.spans]


def test_double_buffering_overlaps_the_next_fetch_with_compute():
    # fetch 0 [0,5); compute 0 [5,15) while fetch 1 [5,25); fetch 2 waits for compute 0 to
    # finish (prefetch 1) and for the channel: [25,30); compute 1 [25,35); compute 2 [35,45).
    timing = run_timing([("k", [cost(10, 5), cost(10, 20), cost(10, 5)])], prefetch_tiles=1)
    assert log(timing) == [
        ("dram", 0, 0, 5),
        ("dram", 1, 5, 25),
        ("core", 0, 5, 15),
        ("dram", 2, 25, 30),
        ("core", 1, 25, 35),
        ("core", 2, 35, 45),
    ]
    assert timing.cycles == 45


def test_without_prefetch_memory_and_compute_alternate():
    timing = run_timing([("k", [cost(10, 5), cost(10, 20)])], prefetch_tiles=0)
    assert log(timing) == [
        ("dram", 0, 0, 5),
        ("core", 0, 5, 15),
        ("dram", 1, 15, 35),
        ("core", 1, 35, 45),
    ]


def test_kernels_are_barriers():
    timing = run_timing([("a", [cost(10, 0)]), ("b", [cost(0, 7), cost(3, 0)])], prefetch_tiles=4)
    assert [(k.name, k.start_cycles, k.end_cycles) for k in timing.kernels] == [
        ("a", 0, 10),
        ("b", 10, 20),
    ]


def test_negative_prefetch_is_refused():
    with pytest.raises(ValueError, match="prefetch_tiles"):
        run_timing([("k", [cost(1, 1)])], prefetch_tiles=-1)


tiles = st.lists(
    st.tuples(st.integers(0, 50), st.integers(0, 50)).map(lambda t: cost(*t)),
    min_size=1,
    max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(st.lists(tiles, min_size=1, max_size=4), st.integers(0, 3))
def test_time_is_bounded_by_the_busiest_unit_and_by_serial_execution(kernels, prefetch):
    named = [(f"k{i}", costs) for i, costs in enumerate(kernels)]
    timing = run_timing(named, prefetch)
    for (_, costs), kernel in zip(named, timing.kernels):
        core = sum(c.core_cycles for c in costs)
        dram = sum(c.dram_cycles for c in costs)
        assert max(core, dram) <= kernel.cycles <= core + dram
    # A unit never does two things at once.
    for unit in ("core", "dram"):
        spans = [s for s in timing.spans if s.unit == unit]
        for before, after in zip(spans, spans[1:]):
            assert before.end_cycles <= after.start_cycles
