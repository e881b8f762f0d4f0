"""Arithmetic per op, counted from shapes.

MACs are multiply-accumulates of conv, FC, matmul and SE's two FCs, as papers count them.
FLOPs are 2 x MACs for those, plus, for every other op, one operation per arithmetic step
per element (docs/analytic.md lists each kind). Parameters are every element of an op's
parameter tensors; batch-norm has two per channel (the scale and shift inference applies).
"""

from sim.graph.model import (
    CONV_KINDS,
    LAYOUT_KINDS,
    Op,
    OpKind,
)
from sim.graph.sparsity import effective_macs as sparse_macs

# Operations per output element for ops without multiply-accumulates.
_OPS_PER_OUTPUT = {
    OpKind.BATCH_NORM: 2,  # x * scale + shift
    OpKind.SCALE: 2,
    OpKind.BIAS: 1,
    OpKind.RELU: 1,  # max(x, 0)
    OpKind.RELU6: 2,  # min(max(x, 0), 6)
    OpKind.SIGMOID: 3,  # exp, add, divide
    OpKind.HARD_SIGMOID: 4,  # min(max(alpha * x + beta, 0), 1)
    OpKind.HARDSWISH: 5,  # x * hard_sigmoid(x)
    OpKind.LEAKY_RELU: 2,  # max(x, alpha * x)
    OpKind.MUL: 1,
    OpKind.SOFTMAX: 4,  # subtract max, exp, sum, divide
    OpKind.OPAQUE: 0,  # not modeled: memory only
}


def macs(op: Op) -> int:
    if op.kind in CONV_KINDS:
        a = op.attrs
        n, c_out, h_out, w_out = op.outputs[0].shape
        c_in = op.inputs[0].shape[1]
        return n * c_out * h_out * w_out * (c_in // a.groups) * a.kernel[0] * a.kernel[1]
    if op.kind is OpKind.FC:
        n, features_in = op.inputs[0].shape
        return n * features_in * op.attrs.out_features
    if op.kind is OpKind.MATMUL:
        (m, k), (_, n) = op.inputs[0].shape, op.inputs[1].shape
        return m * k * n
    if op.kind is OpKind.SE:
        n, c = op.inputs[0].shape[:2]
        return 2 * n * c * op.attrs.hidden
    return 0


def effective_macs(op: Op) -> int:
    """Multiply-accumulates the op's kernel executes: fewer than `macs` for sparse weights
    that run a sparse kernel (sim/graph/sparsity.py)."""
    return sparse_macs(op, macs(op))


def flops(op: Op) -> int:
    if op.kind in LAYOUT_KINDS:
        return 0
    out_elements = op.outputs[0].elements
    if op.kind is OpKind.SE:
        n, c = op.inputs[0].shape[:2]
        pool_and_scale = 2 * op.inputs[0].elements
        return 2 * macs(op) + pool_and_scale + n * op.attrs.hidden + 3 * n * c
    if op.kind in CONV_KINDS or op.kind in (OpKind.FC, OpKind.MATMUL):
        return 2 * macs(op)
    if op.kind is OpKind.ADD:
        return out_elements * (len(op.inputs) - 1)
    if op.kind is OpKind.MAX_POOL:
        kh, kw = op.attrs.kernel
        return out_elements * (kh * kw - 1)
    if op.kind is OpKind.AVG_POOL:
        kh, kw = op.attrs.kernel
        return out_elements * kh * kw  # kh*kw - 1 adds and one divide
    if op.kind is OpKind.GLOBAL_AVG_POOL:
        return op.inputs[0].elements  # H*W - 1 adds and one divide per channel
    if op.kind is OpKind.LRN:
        # size squares and size - 1 adds for the window, scale and offset, power, divide
        return out_elements * (2 * op.attrs.size + 3)
    return out_elements * _OPS_PER_OUTPUT[op.kind]


def params(op: Op) -> int:
    return sum(t.elements for t in op.params)
