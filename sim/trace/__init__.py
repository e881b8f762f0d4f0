"""Trace generators: the cache-line accesses of a kernel, tile by tile (docs/traces.md).

`kernel_tiles` checks the kernel, resolves its algorithm (`auto`: what the device's runtime
runs, runtime.py) and looks up its op's generator of byte ranges in program order in the
registry (registry.py, which also gives each kernel its compute class); `TileBuilder` turns
the ranges into tiles of collapsed line accesses. A fused kernel runs its main op's generator
with the prologue applied on its reads and the epilogue before its stores (fused.py); a
tiled chain runs each stage's generator tile by tile (tiled.py), a per-channel kernel channel
by channel (interleave.py).
"""

import itertools
from collections.abc import Iterator

from sim.errors import ScheduleError
from sim.graph.model import CONV_KINDS, ELEMENTWISE_KINDS, Op, OpKind
from sim.hw.model import Hardware
from sim.schedule.model import PROLOGUE_KINDS, Algorithm, Kernel, Schedule
from sim.trace.blocking import register_tile
from sim.trace.context import WHOLE, WINOGRAD_OUTPUT_TILE, Context
from sim.trace.fused import with_epilogue
from sim.trace.interleave import interleaved_ranges
from sim.trace.model import Tile
from sim.trace.registry import compute_class, entry, kernel_algorithm, method
from sim.trace.stream import MAX_TILE_LINES, Ranges, TileBuilder
from sim.trace.tiled import tiled_ranges

__all__ = ["Tile", "compute_class", "kernel_algorithm", "kernel_tiles", "register_tile"]


def kernel_tiles(
    kernel: Kernel,
    schedule: Schedule,
    hw: Hardware,
    part: tuple[int, int] = WHOLE,
    max_lines: int = MAX_TILE_LINES,
) -> Iterator[Tile]:
    """The tiles of `kernel` in program order, or of its part `part` = (index, count) when
    `count` units run it together (context.py), each of at most `max_lines` line accesses;
    ScheduleError if it cannot be traced."""
    index, count = part
    if not (isinstance(index, int) and isinstance(count, int) and 0 <= index < count):
        raise ScheduleError(f"part {part} is not (index, count) with 0 <= index < count")
    for stage in kernel.stages:
        _check_fusion(stage)
        _check_algorithm(stage, stage.main_op)
    ctx = Context.of(kernel, schedule, hw, part)
    if kernel.tile is not None:
        return _tiles(tiled_ranges(ctx, _kernel_ranges), ctx, max_lines)
    if kernel.per_channel:
        return _tiles(interleaved_ranges(ctx, _kernel_ranges), ctx, max_lines)
    return _tiles(_kernel_ranges(ctx), ctx, max_lines)


def _kernel_ranges(ctx: Context) -> Iterator[Ranges]:
    """The ranges of one untiled kernel: its main op's generator, with its epilogue."""
    op = ctx.kernel.main_op
    how = method(op, ctx.algorithm, f"kernel {ctx.kernel.name}")
    ranges = how.generator(op, ctx)
    if ctx.epilogue is not None:
        ranges = _with_epilogue(ranges, how.runs_epilogue(op), ctx)
    return ranges


def _with_epilogue(ranges, runs_epilogue: bool, ctx: Context) -> Iterator[Ranges]:
    """The epilogue's parameters first; its loads before the stores unless the generator
    runs it where it finishes each output (GEMM's last K block)."""
    epilogue = ctx.epilogue
    starts = [address for address, _ in epilogue.params]
    lengths = [size for _, size in epilogue.params]
    if starts:
        yield Ranges(0, starts, lengths, [False] * len(starts))
    if not runs_epilogue:
        ranges = with_epilogue(ranges, epilogue, ctx.element_bytes)
    yield from ranges


def _tiles(ranges: Iterator[Ranges], ctx: Context, max_lines: int) -> Iterator[Tile]:
    builder = TileBuilder(ctx.line_bytes, ctx.vector_bytes, max_lines)
    for piece in ranges:
        yield from builder.add(piece)
    yield from builder.flush()


def _check_fusion(kernel: Kernel) -> None:
    """Each op reads the previous one's output; the prologue maps a conv's read; the
    epilogue is elementwise."""
    place = f"kernel {kernel.name}"
    for before, op in itertools.pairwise(kernel.ops):
        if before.outputs[0].name not in {t.name for t in op.inputs}:
            raise ScheduleError(f"{op.name} does not read {before.name}'s output", place=place)
    main = kernel.main_op
    for op in kernel.prologue:
        if op.kind not in PROLOGUE_KINDS or main.kind not in CONV_KINDS:
            raise ScheduleError(
                f"cannot apply {op.kind.value} {op.name} on the read of {main.kind.value}",
                place=place,
            )
    for op in kernel.epilogue:
        if op.kind not in ELEMENTWISE_KINDS:
            raise ScheduleError(
                f"cannot run {op.kind.value} {op.name} as an epilogue (elementwise ops only)",
                place=place,
            )


def _check_algorithm(kernel: Kernel, op: Op) -> None:
    algorithm = kernel.algorithm
    place = f"kernel {kernel.name}"
    if algorithm not in Algorithm.ALL:
        known = ", ".join(Algorithm.ALL)
        raise ScheduleError(f"unknown algorithm {algorithm!r} (known: {known})", place=place)
    entry(op.kind, place)
    if algorithm != Algorithm.AUTO:
        method(op, algorithm, place)
    if algorithm in WINOGRAD_OUTPUT_TILE and op.kind is OpKind.CONV2D:
        a = op.attrs
        if a.kernel != (3, 3) or a.stride != (1, 1) or a.dilation != (1, 1) or a.groups != 1:
            raise ScheduleError(
                f"{algorithm} needs a 3x3, stride-1, undilated, ungrouped conv; got kernel "
                f"{a.kernel[0]}x{a.kernel[1]}, stride {a.stride[0]}, dilation "
                f"{a.dilation[0]}, groups {a.groups}",
                place=place,
            )
