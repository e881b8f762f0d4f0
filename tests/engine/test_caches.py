"""A device's caches: the engine's tile path counts as the checked path does."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.cache import make_hierarchy
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


def test_a_tile_access_of_no_bytes_is_refused():
    tile = Tile(0, [0, 64], [False, True], sizes_bytes=[1, 0])
    with pytest.raises(ValueError, match="at least 1 byte"):
        DeviceCaches(PI3).run_tile(0, tile)
