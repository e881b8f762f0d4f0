"""Fully-connected layers (GEMV for one image, GEMM for a batch) and matmul (GEMM; GEMV by one
column).

GEMV y = W x (+ b), W row-major (rows x cols), streamed once; x stays in L1:

    for each block of R rows:                # R accumulators, R row operands, 1 x vector
        for each line-sized chunk of x:
            read the x chunk; read the chunk of each of the R rows of W
        read the R biases; write the R outputs

A part (i, n) of the kernel takes its contiguous share of the rows (ncnn's OpenMP loop over
outputs; a GPU's thread blocks of rows dealt to its SMs) and runs it in blocks of
R = (registers - 1) // 2 rows, the most accumulators that fit beside one operand per row and
x, or its whole share if smaller. (Blocks cut before the share would let an SM's 64 K
registers make one block of all the rows, run by one SM.)
A batch of N > 1 images is C (N x F_out) = X (N x F_in) x W^T, X packed at run time and W
pre-packed offline.
"""

from collections.abc import Iterator

import numpy as np

from sim.graph.model import Op
from sim.trace.context import Context
from sim.trace.gemm import Gemm, Operand, gemm_ranges
from sim.trace.stream import PIECE_RANGES, Ranges, nest, steps


def fc_ranges(op: Op, ctx: Context) -> Iterator[Ranges]:
    n, features_in = op.inputs[0].shape
    features_out = op.outputs[0].shape[1]
    x, y, w = ctx.address(op.inputs[0]), ctx.address(op.outputs[0]), ctx.address(op.params[0])
    bias = ctx.address(op.params[1]) if len(op.params) > 1 else None
    if n == 1:
        yield from gemv(ctx, (features_out, features_in), w, x, y, bias)
        return
    gemm = Gemm(
        m=n,
        k=features_in,
        n=features_out,
        a=Operand(x, row_stride=features_in),
        b=Operand(w, prepacked=True),
        c=Operand(y, row_stride=features_out),
        bias=None if bias is None else Operand(bias, row_stride=0, col_stride=1),
        epilogue=True,
    )
    yield from gemm_ranges(ctx, gemm, ctx.scratch_address)


def gemv(
    ctx: Context,
    shape: tuple[int, int],
    w: int,
    x: int,
    y: int,
    bias: int | None,
    flops_per_output: int = 0,
) -> Iterator[Ranges]:
    """y = W x (+ bias) for W of `shape` (rows, cols); `flops_per_output` for an epilogue."""
    rows, cols = shape
    es, line = ctx.element_bytes, ctx.line_bytes
    lo, hi = ctx.share(rows)
    block = max(1, min(hi - lo, (ctx.register_count - 1) // 2))
    spills_per_step = 2 * max(0, 2 * block + 1 - ctx.register_count)
    chunk = np.arange(0, cols * es, line)  # byte offsets of the line chunks of x
    chunk_len = np.minimum(line, cols * es - chunk)
    r = np.arange(block)
    first = np.arange(lo, hi, block)
    per_block = chunk.size * (block + 1) + 2
    blocks_per_piece = max(1, PIECE_RANGES // per_block)
    for b0 in range(0, first.size, blocks_per_piece):
        f = first[b0 : b0 + blocks_per_piece, None, None]
        live = (f + r < hi)[..., 0, :]  # (blocks, rows of the block)
        w_rows = w + (f + r) * cols * es + chunk[:, None]  # (blocks, chunk, row)
        w_len = np.where(live[:, None, :], chunk_len[:, None], 0)
        x_part = (x + chunk[:, None], chunk_len[:, None], False)
        body = nest([x_part, (w_rows, w_len, False)], 1)
        outputs = np.minimum(block, hi - f[:, 0, :])
        parts = [body]
        if bias is not None:
            parts.append((bias + f[:, 0, :] * es, outputs * es, False))
        parts.append((y + f[:, 0, :] * es, outputs * es, True))
        done = int(outputs.sum())
        flops = (2 * cols + flops_per_output) * done
        yield steps(flops, parts, spills_per_step * chunk.size * f.shape[0])


def is_matvec(op: Op) -> bool:
    """A matmul by one column: BLAS runs it as a GEMV."""
    return op.inputs[1].shape[1] == 1


def matmul_ranges(op: Op, ctx: Context) -> Iterator[Ranges]:
    """C = A B of two row-major inputs, both packed at run time; by one column, a GEMV."""
    (m, k), n = op.inputs[0].shape, op.inputs[1].shape[1]
    a, b = (ctx.address(t) for t in op.inputs)
    if is_matvec(op):
        yield from gemv(ctx, (m, k), a, b, ctx.address(op.outputs[0]), None)
        return
    gemm = Gemm(
        m=m,
        k=k,
        n=n,
        a=Operand(a, row_stride=k),
        b=Operand(b, row_stride=n),
        c=Operand(ctx.address(op.outputs[0]), row_stride=n),
        epilogue=True,
    )
    yield from gemm_ranges(ctx, gemm, ctx.scratch_address)
