"""Compute classes: which kind of inner loop a kernel runs, whatever op it came from.

A class groups the kernels whose instruction mix is alike (docs/compute.md): a packed GEMM
micro-kernel, a Winograd kernel (transforms and a batched GEMM), a direct or depthwise
convolution row, an elementwise stream, a pooling window, a pure data movement. The compute
model charges a tile by its class; `compute_class` is the one place that maps an op kind and
a conv algorithm to a class (to be read from the per-op-kind registry once it exists).
"""

import enum

from sim.graph.model import ELEMENTWISE_KINDS, LAYOUT_KINDS, POOL_KINDS, OpKind


class ComputeClass(enum.Enum):
    GEMM = "gemm"  # packed micro-kernel: im2col/implicit-GEMM convs, pointwise, FC, matmul
    WINOGRAD = "winograd"  # input/output transforms around a batched GEMM
    DIRECT = "direct"  # direct convolution row (few input channels, explicit `direct`)
    DEPTHWISE = "depthwise"  # one channel's window per output row
    ELEMENTWISE = "elementwise"  # one pass over a tensor: activations, add, scale, softmax
    POOL = "pool"  # max/average over a window
    DATA = "data"  # copies without arithmetic: concat, split, shuffle, reshape, pad


_GEMM_KINDS = frozenset({OpKind.FC, OpKind.MATMUL})
_ELEMENTWISE = ELEMENTWISE_KINDS | {OpKind.SOFTMAX, OpKind.LRN, OpKind.SE}
_DATA_KINDS = LAYOUT_KINDS | {OpKind.OPAQUE}


def compute_class(kind: str, algorithm: str = "auto") -> ComputeClass:
    """The class of a kernel whose main op is `kind` run by `algorithm`; ValueError for a
    kind without an entry (never a silent default)."""
    try:
        op_kind = OpKind(kind)
    except ValueError:
        raise ValueError(f"no compute class for op kind {kind!r}") from None
    if op_kind is OpKind.CONV2D:
        if algorithm.startswith("winograd"):
            return ComputeClass.WINOGRAD
        return ComputeClass.DIRECT if algorithm == "direct" else ComputeClass.GEMM
    if op_kind is OpKind.DEPTHWISE_CONV2D:
        return ComputeClass.DEPTHWISE
    if op_kind in _GEMM_KINDS:
        return ComputeClass.GEMM
    if op_kind in POOL_KINDS:
        return ComputeClass.POOL
    if op_kind in _ELEMENTWISE:
        return ComputeClass.ELEMENTWISE
    if op_kind in _DATA_KINDS:
        return ComputeClass.DATA
    raise ValueError(f"no compute class for op kind {kind!r}")
