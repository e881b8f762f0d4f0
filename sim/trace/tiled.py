"""Tiled conv chains: a tile loop around the stages' own generators (sim/schedule/tiles.py).

    for each tile of the last stage's output (row-major):
        for each stage: its generator, run on the stage's ops for this tile

Each stage's tile is an op of its own (a conv on the input region, with the pads clipping
left, and its epilogue), traced by the ordinary generator in a schedule where:
- the first stage's input and the last stage's output are regions of tensors in memory: the
  generator addresses them as if they were contiguous, at a virtual base, and `remap` moves
  every range to the region's rows inside the real tensor (splitting ranges at row ends);
- every intermediate is contiguous in the scratch, one after the other from the kernel's
  scratch address, and the stage's own scratch (packing, columns) comes after them: the
  intermediate never reaches the tensors' address space.
Weights and epilogue parameters are read again by every tile, as the generators read them.
"""

from collections.abc import Callable, Iterator

import attrs
import numpy as np
from attrs import define

from sim.schedule.model import Buffer, Kernel
from sim.schedule.naive import align
from sim.schedule.tiles import Region, chain_tiles
from sim.trace.context import Context
from sim.trace.stream import Ranges

VIRTUAL_BASE = 1 << 60  # far above any tensor: where region tensors are traced before remap
VIRTUAL_SPAN = 1 << 56  # the input region at VIRTUAL_BASE, the output region this far above


@define(frozen=True)
class Window:
    """A region traced contiguously at `virtual`, living at rows of a real NCHW tensor."""

    virtual: int
    size_bytes: int
    row_bytes: int  # one row of the region
    plane_rows: int  # rows of one plane of the region
    real: int  # address of the region's first element in the real tensor
    real_plane_bytes: int
    real_row_bytes: int

    @classmethod
    def of(cls, virtual: int, shape, region: Region, real: Buffer, real_hw, es: int) -> "Window":
        n, c, h, w = shape
        height, width = real_hw
        start = real.address + (region.rows[0] * width + region.cols[0]) * es
        return cls(virtual, n * c * h * w * es, w * es, h, start, height * width * es, width * es)


def tiled_ranges(ctx: Context, ranges_of: Callable[[Context], Iterator[Ranges]]):
    """Every tile's stages in order; `ranges_of(ctx)` traces one stage's tile."""
    kernel, schedule = ctx.kernel, ctx.schedule
    es = ctx.element_bytes
    stages = kernel.stages
    source, result = stages[0].main_op.inputs[0], kernel.outputs[0]
    for tile in chain_tiles(kernel):
        buffers = dict(schedule.buffers)
        cursor = ctx.scratch_address
        windows = []
        for index, part in enumerate(tile):
            x, y = part.ops[0].inputs[0], part.ops[-1].outputs[0]
            if index == 0:
                virtual = VIRTUAL_BASE
                buffers[x.name] = Buffer(x.name, virtual, x.elements * es)
                real = schedule.buffer(source.name)
                windows.append(Window.of(virtual, x.shape, part.input, real, source.shape[2:], es))
            if index == len(tile) - 1:
                virtual = VIRTUAL_BASE + VIRTUAL_SPAN
                buffers[y.name] = Buffer(y.name, virtual, y.elements * es)
                real = schedule.buffer(result.name)
                windows.append(Window.of(virtual, y.shape, part.output, real, result.shape[2:], es))
            else:
                buffers[y.name] = Buffer(y.name, cursor, y.elements * es)
                cursor = align(cursor + y.elements * es)
        for index, part in enumerate(tile):
            stage = stages[index]
            sub = Kernel(stage.name, part.ops, stage.algorithm)
            traced = attrs.evolve(
                schedule, kernels=(sub,), buffers=buffers, workspace_address=cursor
            )
            for piece in ranges_of(Context.of(sub, traced, ctx.hw)):
                yield remap(piece, windows)


def remap(piece: Ranges, windows: list[Window]) -> Ranges:
    """`piece` with every range inside a window moved to the real tensor, row by row."""
    starts, lengths, writes = piece.starts, piece.lengths, piece.writes
    for win in windows:
        inside = (starts >= win.virtual) & (starts < win.virtual + win.size_bytes)
        if not inside.any():
            continue
        offset = np.where(inside, starts - win.virtual, 0)
        first = offset // win.row_bytes
        last = (offset + np.maximum(lengths, 1) - 1) // win.row_bytes
        count = np.where(inside, last - first + 1, 1)
        group = np.repeat(np.arange(starts.size), count)
        row = first[group] + np.arange(group.size) - np.repeat(np.cumsum(count) - count, count)
        lo = np.maximum(offset[group], row * win.row_bytes)
        hi = np.minimum(offset[group] + lengths[group], (row + 1) * win.row_bytes)
        plane, y = np.divmod(row, win.plane_rows)
        real = win.real + plane * win.real_plane_bytes + y * win.real_row_bytes
        moved = inside[group]
        starts = np.where(moved, real + lo - row * win.row_bytes, starts[group])
        lengths = np.where(moved & (lengths[group] > 0), hi - lo, lengths[group])
        writes = writes[group]
    return Ranges(piece.flops, starts, lengths, writes, piece.spill_accesses)
