"""Compute classes: which kind of inner loop a kernel runs, whatever op it came from.

A class groups the kernels whose instruction mix is alike (docs/compute.md): a packed GEMM
micro-kernel, a matrix-vector product streaming its weights once, a Winograd kernel
(transforms and a batched GEMM), a direct or depthwise convolution row, an elementwise
stream, a pooling window, a pure data movement. The compute model charges a tile by its
class; which class an op kind runs under each algorithm is per-op-kind knowledge and lives
in the op-kind registry (sim/trace/registry.py), the one place that maps kinds to classes.
"""

import enum


class ComputeClass(enum.StrEnum):
    GEMM = "gemm"  # packed micro-kernel: im2col/implicit-GEMM convs, pointwise, FC, matmul
    GEMV = "gemv"  # weights streamed once: FC of one image, matrix-vector matmul, SE
    WINOGRAD = "winograd"  # input/output transforms around a batched GEMM
    DIRECT = "direct"  # direct convolution row (few input channels, explicit `direct`)
    DEPTHWISE = "depthwise"  # one channel's window per output row
    ELEMENTWISE = "elementwise"  # one pass over a tensor: activations, add, scale, softmax, LRN
    POOL = "pool"  # max/average over a window
    DATA = "data"  # copies and views without arithmetic: concat, split, shuffle, reshape, pad
