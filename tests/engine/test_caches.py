"""A device's caches: the engine's tile path counts as the checked path does."""

import attrs
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.cache import make_hierarchy
from sim.cache.policies import LRU
from sim.engine.caches import DeviceCaches
from sim.hw.load import load_hardware
from sim.trace.model import Tile

PI3 = load_hardware("pi3")  # four cores, private L1s, one shared L2

tiles = st.lists(
    st.tuples(
        st.integers(0, PI3.units - 1),
        st.lists(
            st.tuples(st.integers(0, 2**15), st.booleans(), st.sampled_from([1, 64])),
            max_size=60,
        ),
    ),
    max_size=12,
)


def _tile(accesses) -> Tile:
    lines, writes, sizes = zip(*accesses) if accesses else ((), (), ())
    return Tile(0, np.array(lines, np.uint64) * 64, writes, sizes_bytes=np.array(sizes))


@settings(max_examples=40, deadline=None)
@given(tiles)
def test_run_tile_counts_as_run(units_tiles):
    fast, checked = DeviceCaches(PI3), DeviceCaches(PI3)
    for unit, accesses in units_tiles:
        tile = _tile(accesses)
        addresses, writes = tile.line_addresses.astype(np.int64), tile.is_write.astype(np.int32)
        expected = checked.run(unit, addresses, writes, tile.sizes_bytes)
        assert fast.run_tile(unit, tile) == expected
    assert fast.flush() == checked.flush()
    for unit in range(PI3.units):
        assert fast.unit_totals(unit) == checked.unit_totals(unit)


@settings(max_examples=40, deadline=None)
@given(tiles)
def test_one_unit_counts_as_the_reference_engine(units_tiles):
    """One core owns the whole hierarchy: its tiles, one after the other, are one trace."""
    hw = PI3.with_units(1)
    device, reference = DeviceCaches(hw), make_hierarchy(hw.caches, "reference")
    for _, accesses in units_tiles:
        tile = _tile(accesses)
        expected = reference.run(tile.line_addresses, tile.is_write, tile.sizes_bytes)
        assert device.run_tile(0, tile) == expected
    assert device.flush() == reference.flush()


@settings(max_examples=20, deadline=None)
@given(tiles)
def test_tile_counts_are_run_tiles_stats_as_tuples(units_tiles):
    """The engine's plain counts say what `run_tile` says, on the fast kernel (four units)
    and on the reference engine (one unit whose L2 runs a Python replacement policy)."""
    l1, l2 = PI3.caches
    python_l2 = attrs.evolve(PI3.with_units(1), caches=(l1, attrs.evolve(l2, replacement=LRU)))
    for hw in (PI3, python_l2):
        device, counted = DeviceCaches(hw), DeviceCaches(hw)
        for unit, accesses in units_tiles:
            unit %= hw.units
            stats = device.run_tile(unit, _tile(accesses))
            counts, read_bytes, write_bytes = counted.tile_counts(unit, _tile(accesses))
            assert counts == tuple(level.as_counts() for level in stats.levels)
            assert (read_bytes, write_bytes) == (stats.dram_read_bytes, stats.dram_write_bytes)


def test_a_tile_access_of_no_bytes_is_refused_before_any_access_runs():
    tile = Tile(0, [0, 64], [False, True], sizes_bytes=[1, 0])
    device = DeviceCaches(PI3)
    with pytest.raises(ValueError, match="at least 1 byte"):
        device.run_tile(0, tile)
    assert device.flush() == DeviceCaches(PI3).flush()
    assert device.unit_totals(0) == DeviceCaches(PI3).unit_totals(0)
