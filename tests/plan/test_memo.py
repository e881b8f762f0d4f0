"""The search's memo of tiled chains' traces (sim/plan/memo.py): the very tiles
`kernel_tiles` makes, served again only where everything they are made of is the same."""

import attrs
import pytest

import sim.plan.memo
from sim.engine.simulate import simulate
from sim.engine.split import tile_lines
from sim.hw.load import load_hardware
from sim.hw.model import Precision
from sim.plan.auto import _window
from sim.plan.memo import TraceMemo, trace_key
from sim.schedule.passes.tiling import Chain
from sim.schedule.presets import untiled, with_tiles
from sim.trace import kernel_tiles
from tests.plan.util import mini_mobilenet

PI3 = load_hardware("pi3")


def _schedule(tile=(4, 32)):
    base = untiled(mini_mobilenet(), Precision.FP32)
    return with_tiles(base, [Chain("sep2.dw", 2, tile)], "auto")


def _chain(schedule):
    return next(k for k in schedule.kernels if k.tile is not None)


def _runs(memo, kernel, schedule, hw=PI3):
    """Each unit's tiles of `kernel`, taken to the end, from `memo`."""
    lines = tile_lines(kernel, schedule, hw)
    return [list(memo(kernel, schedule, hw, (u, hw.units), lines)) for u in range(hw.units)]


def _same(tiles, others) -> bool:
    fields = ("line_addresses", "is_write", "sizes_bytes")
    return len(tiles) == len(others) and all(
        (a.flops, a.collapsed_accesses, a.spill_accesses)
        == (b.flops, b.collapsed_accesses, b.spill_accesses)
        and all((getattr(a, f) == getattr(b, f)).all() for f in fields if getattr(a, f) is not None)
        and (a.sizes_bytes is None) == (b.sizes_bytes is None)
        for a, b in zip(tiles, others, strict=True)
    )


def test_it_gives_kernel_tiles_own_tiles_and_keeps_only_the_tiled_chains():
    schedule, memo = _schedule(), TraceMemo(PI3)
    for kernel in schedule.kernels:
        made = _runs(memo, kernel, schedule)
        assert all(_same(m, list(t)) for m, t in zip(made, _runs(kernel_tiles, kernel, schedule)))
    chain = _chain(schedule)
    assert len(memo.kept) == PI3.units
    assert {key[0] for key in memo.kept} == {chain}


def test_kept_tiles_serve_the_same_layout_and_only_it():
    schedule, memo = _schedule(), TraceMemo(PI3)
    chain = _chain(schedule)
    first = _runs(memo, chain, schedule)
    again = _runs(memo, chain, schedule)
    assert all(a[0] is b[0] for a, b in zip(first, again, strict=True))  # served, not made
    # a window from the first kernel keeps the layout: buffers, the workspace (Winograd's
    # weights of the kernels before the chain, the scratch after them all)
    upto = schedule.kernels[: schedule.kernels.index(chain) + 1]
    window = _window(schedule, frozenset(op.name for k in upto for op in k.ops))
    assert len(window.kernels) < len(schedule.kernels)
    assert _runs(memo, chain, window)[0][0] is first[0][0]
    # the chain's window alone has fewer of Winograd's weights below the scratch
    alone = _window(schedule, frozenset(op.name for op in chain.ops))
    made = _runs(memo, chain, alone)
    assert made[0][0] is not first[0][0]
    assert all(_same(m, list(t)) for m, t in zip(made, _runs(kernel_tiles, chain, alone)))
    moved = attrs.evolve(schedule, workspace_address=schedule.workspace_address + 4096)
    other = dict(schedule.buffers)
    tensor = chain.ops[0].inputs[0].name
    other[tensor] = attrs.evolve(other[tensor], address=other[tensor].address + 64)
    for changed in (moved, attrs.evolve(schedule, buffers=other)):
        assert trace_key(chain, changed, PI3, (0, 4), 64) != trace_key(
            chain, schedule, PI3, (0, 4), 64
        )
        made = _runs(memo, chain, changed)
        assert made[0][0] is not first[0][0]
        assert all(_same(m, list(t)) for m, t in zip(made, _runs(kernel_tiles, chain, changed)))


def test_a_trace_stopped_partway_is_not_kept():
    schedule, memo = _schedule(), TraceMemo(PI3)
    chain = _chain(schedule)
    tiles = memo(chain, schedule, PI3, (0, PI3.units), tile_lines(chain, schedule, PI3))
    next(iter(tiles))
    del tiles
    assert not memo.kept


def test_it_keeps_at_most_max_kept_bytes_dropping_the_least_recently_used(monkeypatch):
    schedule, memo = _schedule(), TraceMemo(PI3)
    chain = _chain(schedule)
    _runs(memo, chain, schedule)
    sizes = [n_bytes for _, n_bytes in memo.kept.values()]
    monkeypatch.setattr(sim.plan.memo, "MAX_KEPT_BYTES", sum(sizes[:2]))
    memo = TraceMemo(PI3)
    _runs(memo, chain, schedule)
    assert [key[1] for key in memo.kept] == [(2, 4), (3, 4)]
    assert memo.kept_bytes == sum(sizes[2:]) <= sim.plan.memo.MAX_KEPT_BYTES
    monkeypatch.setattr(sim.plan.memo, "MAX_KEPT_BYTES", min(sizes) - 1)
    memo = TraceMemo(PI3)
    _runs(memo, chain, schedule)
    assert not memo.kept and memo.kept_bytes == 0


@pytest.mark.parametrize("tile", [(4, 32), (1, 8)])
def test_runs_on_kept_tiles_are_the_runs_without_them(tile):
    schedule, memo = _schedule(tile), TraceMemo(PI3)
    alone = simulate(schedule, PI3)
    assert simulate(schedule, PI3, tiles=memo) == alone
    assert memo.kept
    assert simulate(schedule, PI3, tiles=memo) == alone


def test_it_serves_only_its_device():
    schedule, memo = _schedule(), TraceMemo(PI3)
    with pytest.raises(ValueError, match="traces kept for pi3 asked for another device"):
        _runs(memo, _chain(schedule), schedule, load_hardware("pi3").with_units(1))
