"""Trace generators: the cache-line accesses of a kernel, tile by tile (docs/traces.md).

`kernel_tiles` checks the kernel, then dispatches on its op's kind (and, for conv2d, on the
kernel's algorithm) to a generator of byte ranges in program order; `TileBuilder` turns the
ranges into tiles of collapsed line accesses. A kernel holds one op today. Fused kernels
will apply their elementwise epilogue where the producer writes its output (the C store of
gemm.py, the row store of window.py), reading only the epilogue's extra operands there.
"""

from collections.abc import Iterator

from sim.errors import ScheduleError
from sim.graph.model import ELEMENTWISE_KINDS, POOL_KINDS, Op, OpKind
from sim.hw.model import Hardware
from sim.schedule.model import Algorithm, Kernel, Schedule
from sim.trace.blocking import register_tile
from sim.trace.context import WINOGRAD_OUTPUT_TILE, Context
from sim.trace.conv import conv_ranges
from sim.trace.depthwise import depthwise_ranges
from sim.trace.elementwise import elementwise_ranges
from sim.trace.fc import fc_ranges, matmul_ranges
from sim.trace.layout import layout_ranges
from sim.trace.model import Tile
from sim.trace.pool import pool_ranges
from sim.trace.se import se_ranges
from sim.trace.stream import Ranges, TileBuilder
from sim.trace.winograd import winograd_ranges

__all__ = ["Tile", "kernel_tiles", "register_tile"]


def kernel_tiles(kernel: Kernel, schedule: Schedule, hw: Hardware) -> Iterator[Tile]:
    """The tiles of `kernel` in program order; ScheduleError if it cannot be traced."""
    op = _single_op(kernel)
    _check_algorithm(kernel, op)
    ctx = Context.of(kernel, schedule, hw)
    return _tiles(_ranges(op, kernel.algorithm, ctx), ctx)


def _tiles(ranges: Iterator[Ranges], ctx: Context) -> Iterator[Tile]:
    builder = TileBuilder(ctx.line_bytes, ctx.vector_bytes)
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


def _single_op(kernel: Kernel) -> Op:
    if len(kernel.ops) != 1:
        names = ", ".join(op.name for op in kernel.ops)
        raise ScheduleError(
            f"fuses {len(kernel.ops)} ops ({names}); trace generators take one op per kernel",
            place=f"kernel {kernel.name}",
        )
    return kernel.ops[0]


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
