"""Trace generators: the cache-line accesses of a kernel, tile by tile (docs/traces.md).

`kernel_tiles` checks the kernel, then dispatches on its op's kind (and, for conv2d, on the
kernel's algorithm) to a generator of byte ranges in program order; `TileBuilder` turns the
ranges into tiles of collapsed line accesses. A fused kernel runs its main op's generator
with the prologue applied on its reads and the epilogue before its stores (fused.py); a
tiled chain runs each stage's generator tile by tile (tiled.py), a per-channel kernel channel
by channel (interleave.py).
"""

import itertools
from collections.abc import Iterator

from sim.errors import ScheduleError
from sim.graph.model import CONV_KINDS, ELEMENTWISE_KINDS, POOL_KINDS, Op, OpKind
from sim.hw.model import Hardware
from sim.schedule.model import PROLOGUE_KINDS, Algorithm, Kernel, Schedule
from sim.trace.blocking import register_tile
from sim.trace.context import WINOGRAD_OUTPUT_TILE, Context
from sim.trace.conv import conv_ranges
from sim.trace.depthwise import depthwise_ranges
from sim.trace.elementwise import elementwise_ranges
from sim.trace.fc import fc_ranges, matmul_ranges
from sim.trace.fused import with_epilogue
from sim.trace.interleave import interleaved_ranges
from sim.trace.layout import layout_ranges
from sim.trace.model import Tile
from sim.trace.pool import pool_ranges
from sim.trace.se import se_ranges
from sim.trace.stream import MAX_TILE_LINES, Ranges, TileBuilder
from sim.trace.tiled import tiled_ranges
from sim.trace.winograd import winograd_ranges

__all__ = ["Tile", "kernel_tiles", "register_tile"]


def kernel_tiles(
    kernel: Kernel, schedule: Schedule, hw: Hardware, max_lines: int = MAX_TILE_LINES
) -> Iterator[Tile]:
    """The tiles of `kernel` in program order, each of at most `max_lines` line accesses;
    ScheduleError if it cannot be traced."""
    for stage in kernel.stages:
        _check_fusion(stage)
        _check_algorithm(stage, stage.main_op)
    ctx = Context.of(kernel, schedule, hw)
    if kernel.tile is not None:
        return _tiles(tiled_ranges(ctx, _kernel_ranges), ctx, max_lines)
    if kernel.per_channel:
        return _tiles(interleaved_ranges(ctx, _kernel_ranges), ctx, max_lines)
    return _tiles(_kernel_ranges(ctx), ctx, max_lines)


def _kernel_ranges(ctx: Context) -> Iterator[Ranges]:
    """The ranges of one untiled kernel: its main op's generator, with its epilogue."""
    op, algorithm = ctx.kernel.main_op, ctx.kernel.algorithm
    ranges = _ranges(op, algorithm, ctx)
    if ctx.epilogue is not None:
        ranges = _with_epilogue(ranges, op, algorithm, ctx)
    return ranges


def _with_epilogue(ranges, op: Op, algorithm: str, ctx: Context) -> Iterator[Ranges]:
    """The epilogue's parameters first; its loads before the stores unless GEMM does them."""
    epilogue = ctx.epilogue
    starts = [address for address, _ in epilogue.params]
    lengths = [size for _, size in epilogue.params]
    if starts:
        yield Ranges(0, starts, lengths, [False] * len(starts))
    if not _stores_through_gemm(op, algorithm):
        ranges = with_epilogue(ranges, epilogue, ctx.element_bytes)
    yield from ranges


def _stores_through_gemm(op: Op, algorithm: str) -> bool:
    """Whether the op's output is a GEMM's C (which runs the epilogue itself, gemm.py)."""
    if op.kind is OpKind.CONV2D:
        return algorithm != Algorithm.DIRECT and algorithm not in WINOGRAD_OUTPUT_TILE
    if op.kind is OpKind.FC:
        return op.inputs[0].shape[0] > 1
    return op.kind is OpKind.MATMUL


def _tiles(ranges: Iterator[Ranges], ctx: Context, max_lines: int) -> Iterator[Tile]:
    builder = TileBuilder(ctx.line_bytes, ctx.vector_bytes, max_lines)
    for piece in ranges:
        yield from builder.add(piece)
    yield from builder.flush()


def _ranges(op: Op, algorithm: str, ctx: Context) -> Iterator[Ranges]:
    if op.kind is OpKind.CONV2D:
        if algorithm in WINOGRAD_OUTPUT_TILE:
            return winograd_ranges(op, algorithm, ctx)
        return conv_ranges(op, algorithm, ctx)
    if op.kind is OpKind.DEPTHWISE_CONV2D:
        return depthwise_ranges(op, ctx)
    if op.kind is OpKind.FC:
        return fc_ranges(op, ctx)
    if op.kind is OpKind.MATMUL:
        return matmul_ranges(op, ctx)
    if op.kind in POOL_KINDS:
        return pool_ranges(op, ctx)
    if op.kind is OpKind.SE:
        return se_ranges(op, ctx)
    if op.kind in ELEMENTWISE_KINDS or op.kind is OpKind.SOFTMAX:
        return elementwise_ranges(op, ctx)
    return layout_ranges(op, ctx)


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
    if op.kind is OpKind.DEPTHWISE_CONV2D and algorithm not in (Algorithm.AUTO, Algorithm.DIRECT):
        raise ScheduleError(f"a depthwise conv runs direct, not {algorithm}", place=place)
    if algorithm in WINOGRAD_OUTPUT_TILE and op.kind is OpKind.CONV2D:
        a = op.attrs
        if a.kernel != (3, 3) or a.stride != (1, 1) or a.dilation != (1, 1) or a.groups != 1:
            raise ScheduleError(
                f"{algorithm} needs a 3x3, stride-1, undilated, ungrouped conv; got kernel "
                f"{a.kernel[0]}x{a.kernel[1]}, stride {a.stride[0]}, dilation "
                f"{a.dilation[0]}, groups {a.groups}",
                place=place,
            )
