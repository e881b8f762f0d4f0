"""Tiled conv chains: a tile loop around the stages' own generators (sim/schedule/tiles.py).

    for each tile of the last stage's output (row-major):
        for each stage: its generator, run on the stage's ops for this tile

Each stage's tile is an op of its own (a conv on the input region, with the pads clipping
left, and its epilogue), traced by the ordinary generator in a schedule where:
- what a tile reads from memory (the first stage's input, an epilogue's residual) and the
  last stage's output are regions of tensors in memory: the generator addresses them as if
  they were contiguous, each at its virtual base, and `remap` moves every range to the
  region's rows inside the real tensor (splitting ranges at row ends);
- every intermediate is contiguous in the scratch, one after the other from the kernel's
  scratch address, and the stage's own scratch (packing, columns) comes after them: the
  intermediate never reaches the tensors' address space.
Weights and epilogue parameters are read again by every tile, as the generators read them.

A part (i, n) of the kernel runs a contiguous share of the tiles (Context.share), each tile
whole, every stage of it, with no barrier between stages: the parallel loop over tiles of a
Halide schedule, or a GPU's fused kernel with one thread block per tile (docs/schedules.md).
The tiling pass makes at least as many tiles as units where the output allows (sim/schedule/
passes/tiling.py). The parts' intermediates take the same scratch addresses, as the parts
of every kernel share its scratch (docs/traces.md, "Parts").
"""

from collections.abc import Callable, Iterator

import attrs
import numpy as np
from attrs import define

from sim.graph.model import Tensor
from sim.schedule.model import Algorithm, Buffer, Kernel
from sim.schedule.naive import align
from sim.schedule.tiles import TILE_SUFFIX, Region, StageTile, chain_tiles, tile_regions
from sim.trace.context import Context
from sim.trace.stream import Ranges

VIRTUAL_BASE = 1 << 60  # far above any tensor: where region tensors are traced before remap
VIRTUAL_SPAN = 1 << 52  # regions are traced this far apart


@define(frozen=True)
class Window:
    """A region traced contiguously at `virtual`, living at rows of a real NCHW tensor, or of
    a channel-packed one (context.py), whose rows are `pack` lanes wide per pixel."""

    virtual: int
    size_bytes: int
    row_bytes: int  # one row of the region
    plane_rows: int  # rows of one plane of the region
    real: int  # address of the region's first element in the real tensor
    real_plane_bytes: int
    real_row_bytes: int

    @classmethod
    def of(cls, virtual: int, shape, region: Region, real: Buffer, real_hw, es: int, pack: int):
        n, c, h, w = shape
        height, width = real_hw
        start = real.address + (region.rows[0] * width + region.cols[0]) * pack * es
        pixel = pack * es  # bytes of one pixel's lanes
        size = n * c * h * w * es
        return cls(virtual, size, w * pixel, h, start, height * width * pixel, width * pixel)


def tiled_ranges(ctx: Context, ranges_of: Callable[[Context], Iterator[Ranges]]):
    """Every tile's stages in order; `ranges_of(ctx)` traces one stage's tile.

    Tiles whose stages' regions have the same shapes and whose convs have the same pads run
    the same ops (chain_tiles), and `_layout` places their regions' virtual windows and
    intermediates alike: their stages trace the same ranges, which differ only once
    `remap` moves them to where each tile's regions are. Those are traced once per part."""
    stages = ctx.kernel.stages
    regions = tile_regions(ctx.kernel)
    lo, hi = ctx.share(len(regions))
    traced: dict[tuple, list[Ranges]] = {}  # a tile's kind (_kind) -> its stages' ranges
    for tile in chain_tiles(ctx.kernel, regions[lo:hi]):
        buffers, windows, scratch_end = _layout(ctx, stages, tile)
        kind = _kind(stages, tile)
        if kind not in traced:
            laid_out = attrs.evolve(ctx.schedule, buffers=buffers, workspace_address=scratch_end)
            traced[kind] = [
                piece
                for stage, part in zip(stages, tile, strict=True)
                for piece in ranges_of(_stage_context(ctx, laid_out, stage, part))
            ]
        for piece in traced[kind]:
            yield remap(piece, windows)


def _kind(stages: tuple[Kernel, ...], tile: tuple[StageTile, ...]) -> tuple:
    """What a tile's traces before `remap` depend on: its stages' region shapes and pads."""
    return tuple(
        (part.input.shape, part.output.shape, part.ops[stage.main].attrs.pads)
        for stage, part in zip(stages, tile, strict=True)
    )


def _stage_context(ctx: Context, laid_out, stage: Kernel, part: StageTile) -> Context:
    """The context of one stage's part of a tile, in the schedule the tile is laid out in."""
    sub = Kernel(stage.name, part.ops, stage.algorithm, stage.main)
    sub_schedule = attrs.evolve(laid_out, kernels=(sub,))
    return Context.of(sub, sub_schedule, ctx.hw, allowed=Algorithm.TILED, packs=ctx.packs)


def _layout(ctx: Context, stages: tuple[Kernel, ...], tile: tuple[StageTile, ...]):
    """Buffers of one tile's tensors (the kernel's `stages`, in `tile`), the windows of its
    regions, and the scratch's end."""
    schedule, es = ctx.schedule, ctx.element_bytes
    buffers = dict(schedule.buffers)
    windows: list[Window] = []
    cursor = ctx.scratch_address

    def window(tensor: Tensor, region: Region, like: Tensor) -> None:
        virtual = VIRTUAL_BASE + len(windows) * VIRTUAL_SPAN
        real = schedule.buffer(tensor.name.removesuffix(TILE_SUFFIX))
        buffers[tensor.name] = Buffer(tensor.name, virtual, tensor.elements * es)
        pack = ctx.pack_of(like)
        windows.append(Window.of(virtual, tensor.shape, region, real, like.shape[2:], es, pack))

    for stage, part in zip(stages, tile, strict=True):
        made: set[str] = set()
        for index, op in enumerate(part.ops):
            if index <= stage.main:
                region, like = part.input, stage.main_op.inputs[0]
            else:
                region, like = part.output, stage.main_op.outputs[0]
            for t in op.inputs:
                if t.name not in made and t.name not in buffers:
                    window(t, region, like)
            made.update(t.name for t in op.outputs)
        y = part.ops[-1].outputs[0]
        if stage is stages[-1]:
            window(y, part.output, stage.main_op.outputs[0])
        else:
            buffers[y.name] = Buffer(y.name, cursor, y.elements * es)
            cursor = align(cursor + y.elements * es)
    return buffers, windows, cursor


def remap(piece: Ranges, windows: list[Window]) -> Ranges:
    """`piece` with every range inside a window moved to the real tensor, row by row."""
    starts, lengths, writes = piece.starts, piece.lengths, piece.writes
    for win in windows:
        moved = np.flatnonzero((starts >= win.virtual) & (starts < win.virtual + win.size_bytes))
        if not moved.size:
            continue
        offset = starts[moved] - win.virtual
        first = offset // win.row_bytes
        rows = (offset + np.maximum(lengths[moved], 1) - 1) // win.row_bytes - first + 1
        if (rows == 1).all():  # no range crosses a row end: each moves whole
            plane, y = np.divmod(first, win.plane_rows)
            real = win.real + plane * win.real_plane_bytes + y * win.real_row_bytes
            starts = starts.copy()
            starts[moved] = real + offset - first * win.row_bytes
            continue
        # each moved range cut at the row ends it crosses: `rows` pieces, one per row
        count = np.ones(starts.size, np.int64)
        count[moved] = rows
        group = np.repeat(np.arange(starts.size), count)
        piece_of = np.repeat(np.arange(moved.size), rows)
        within = np.arange(piece_of.size) - np.repeat(np.cumsum(rows) - rows, rows)
        at = np.repeat((np.cumsum(count) - count)[moved], rows) + within  # where they go
        row = first[piece_of] + within
        lo = np.maximum(offset[piece_of], row * win.row_bytes)
        length = lengths[moved][piece_of]
        hi = np.minimum(offset[piece_of] + length, (row + 1) * win.row_bytes)
        plane, y = np.divmod(row, win.plane_rows)
        real = win.real + plane * win.real_plane_bytes + y * win.real_row_bytes
        starts, lengths, writes = starts[group], lengths[group], writes[group]
        starts[at] = real + lo - row * win.row_bytes
        lengths[at] = np.where(length > 0, hi - lo, length)
    return Ranges(piece.flops, starts, lengths, writes, piece.spill_accesses)
