"""Tiled chains' traces (sim/trace/tiled.py): `remap` moves ranges traced in a region's
virtual window, row by row, to where the region's rows are in the real tensor and leaves the
rest; tiles of one kind share their stages' traces and trace as each tile alone would."""

import attrs
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.hw.load import load_hardware
from sim.schedule.passes import PASSES, tile_chains
from sim.schedule.passes.tiling import Chain
from sim.schedule.tiles import stage_tiles, tile_regions
from sim.trace import _kernel_ranges
from sim.trace.context import Context
from sim.trace.stream import Ranges
from sim.trace.tiled import (
    VIRTUAL_BASE,
    VIRTUAL_SPAN,
    Window,
    _layout,
    _stage_context,
    remap,
    tiled_ranges,
)
from tests.schedule.util import naive, run_passes
from tests.strategies import conv_chains

PI3 = load_hardware("pi3")


def _reference(piece: Ranges, windows: list[Window]) -> list[tuple[int, int, bool]]:
    """Range by range: one range per row of the window it starts in."""
    out = []
    for start, length, write in zip(piece.starts, piece.lengths, piece.writes, strict=True):
        start, length, write = int(start), int(length), bool(write)
        win = next((w for w in windows if w.virtual <= start < w.virtual + w.size_bytes), None)
        if win is None:
            out.append((start, length, write))
            continue
        offset = start - win.virtual
        first, last = offset // win.row_bytes, (offset + max(length, 1) - 1) // win.row_bytes
        for row in range(first, last + 1):
            lo = max(offset, row * win.row_bytes)
            hi = min(offset + length, (row + 1) * win.row_bytes)
            plane, y = divmod(row, win.plane_rows)
            real = win.real + plane * win.real_plane_bytes + y * win.real_row_bytes
            out.append((real + lo - row * win.row_bytes, hi - lo if length > 0 else length, write))
    return out


def _windows(rng) -> list[Window]:
    windows = []
    for index in range(rng.integers(1, 4)):
        row, rows, planes = (int(v) for v in rng.integers(1, [64, 8, 4]))
        real = int(rng.integers(0, 2**20))
        plane_bytes = int(rng.integers(rows * row, 4 * rows * row))
        virtual = VIRTUAL_BASE + index * VIRTUAL_SPAN
        windows.append(Window(virtual, planes * rows * row, row, rows, real, plane_bytes, row * 2))
    return windows


def _piece(rng, windows: list[Window], n: int, longest: int) -> Ranges:
    starts = []
    for _ in range(n):
        if rng.random() < 0.3:
            starts.append(int(rng.integers(0, 2**20)))  # a real address: left alone
        else:
            win = windows[rng.integers(len(windows))]
            starts.append(win.virtual + int(rng.integers(0, win.size_bytes)))
    lengths = rng.integers(0, longest + 1, n)
    lengths[rng.random(n) < 0.1] = 0  # masked slots
    return Ranges(int(rng.integers(0, 99)), starts, lengths, rng.random(n) < 0.5, 3)


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("rows", ["within rows", "across rows"])
def test_ranges_move_row_by_row_to_the_real_tensor(seed, rows):
    rng = np.random.default_rng(seed)
    windows = _windows(rng)
    row = min(w.row_bytes for w in windows)
    longest = 1 if rows == "within rows" else 3 * row  # 1 byte never crosses a row end
    piece = _piece(rng, windows, int(rng.integers(0, 60)), longest)
    moved = remap(piece, windows)
    assert list(zip(moved.starts, moved.lengths, moved.writes)) == _reference(piece, windows)
    assert (moved.flops, moved.spill_accesses) == (piece.flops, piece.spill_accesses)
    assert moved.starts.dtype == moved.lengths.dtype == np.int64


def test_ranges_within_a_row_move_whole_and_others_stay():
    win = Window(VIRTUAL_BASE, 4 * 32, 32, 4, 1000, 4 * 100, 100)
    piece = Ranges(
        7, [VIRTUAL_BASE + 40, 5, VIRTUAL_BASE + 96, VIRTUAL_BASE], [8, 3, 0, 32], [1, 0, 1, 0]
    )
    moved = remap(piece, [win])
    assert moved.starts.tolist() == [1000 + 100 + 8, 5, 1000 + 300, 1000]
    assert moved.lengths.tolist() == [8, 3, 0, 32]
    assert moved.writes.tolist() == [True, False, True, False]


def _each_tile_traced_alone(ctx: Context):
    """`tiled_ranges` without sharing: every tile's stages traced on their own."""
    stages = ctx.kernel.stages
    regions = tile_regions(ctx.kernel)
    lo, hi = ctx.share(len(regions))
    for out in regions[lo:hi]:
        tile = stage_tiles(ctx.kernel, out)
        buffers, windows, scratch_end = _layout(ctx, stages, tile)
        laid_out = attrs.evolve(ctx.schedule, buffers=buffers, workspace_address=scratch_end)
        for stage, part in zip(stages, tile, strict=True):
            for piece in _kernel_ranges(_stage_context(ctx, laid_out, stage, part)):
                yield remap(piece, windows)


@settings(max_examples=30, deadline=None)
@given(conv_chains(), st.sampled_from([1, 2, 4]))
def test_tiles_of_one_kind_trace_as_each_tile_alone(chain, units):
    inputs, ops, tile = chain
    fused = run_passes(naive(inputs, ops), [p for p in PASSES if p is not tile_chains])
    runs = Chain(fused.kernels[0].name, len(fused.kernels), tile)
    schedule = run_passes(fused, [lambda s: tile_chains(s, [runs])])
    (kernel,) = schedule.kernels
    for unit in range(units):
        ctx = Context.of(kernel, schedule, PI3, (unit, units))
        shared = list(tiled_ranges(ctx, _kernel_ranges))
        alone = list(_each_tile_traced_alone(ctx))
        assert len(shared) == len(alone)
        for a, b in zip(shared, alone, strict=True):
            assert (a.flops, a.spill_accesses, a.own_pass) == (
                b.flops,
                b.spill_accesses,
                b.own_pass,
            )
            assert all(
                (getattr(a, f) == getattr(b, f)).all() for f in ("starts", "lengths", "writes")
            )
