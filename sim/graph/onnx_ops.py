"""ONNX op types -> our ops, one handler per family (docs/onnx.md has the table and limits).

A handler gets the importer (`ctx`, `sim.graph.onnx_import.Importer`) and one node whose
inputs are not all constants. It emits ops, or aliases the node's output to its input when
the node computes nothing at inference (Identity, Dropout, a reshape to the same shape).
Ops that move or reinterpret data are in `onnx_layout`.
"""

from sim.graph.model import ConvAttrs, FcAttrs, LrnAttrs, OpKind, PoolAttrs
from sim.graph.onnx_layout import concat, identity, pad, reshape, slice_, split, transpose

_HUGE = 1e30  # Clip bounds beyond this (opset < 11 defaults are +-3.4e38) are no bound


def _pair(ctx, node, name: str, default) -> tuple[int, int]:
    value = tuple(ctx.attr(node, name, default))
    if len(value) != 2:
        raise ctx.fail(node, f"only 2-D windows are supported, got {name} {list(value)}")
    if min(value) < 1:
        raise ctx.fail(node, f"{name} must be positive, got {list(value)}")
    return value


def _spatial_pads(ctx, node, hw, kernel, stride, dilation) -> tuple[int, int, int, int]:
    """(top, left, bottom, right) from `pads` (ONNX order: begins, then ends) or `auto_pad`."""
    auto = ctx.attr(node, "auto_pad", "NOTSET")
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        begin, end = [], []
        for axis in (0, 1):
            out = -(-hw[axis] // stride[axis])
            span = dilation[axis] * (kernel[axis] - 1) + 1
            total = max((out - 1) * stride[axis] + span - hw[axis], 0)
            small = total // 2
            begin.append(total - small if auto == "SAME_LOWER" else small)
            end.append(total - begin[-1])
        return begin[0], begin[1], end[0], end[1]
    if auto == "VALID":
        return 0, 0, 0, 0
    if auto != "NOTSET":
        raise ctx.fail(node, f"unknown auto_pad '{auto}'")
    pads = tuple(ctx.attr(node, "pads", (0, 0, 0, 0)))
    if len(pads) != 4 or min(pads) < 0:
        raise ctx.fail(node, f"pads must be 4 numbers >= 0 (2-D), got {list(pads)}")
    return pads


def conv(ctx, node) -> None:
    x = ctx.activation(node, node.input[0])
    w_name = node.input[1]
    w = ctx.constant_shape(node, w_name) if ctx.is_constant(w_name) else ()
    if len(x.shape) != 4 or len(w) != 4:
        raise ctx.fail(
            node,
            f"only 2-D convolutions with constant weights are supported, got input "
            f"{list(x.shape)} and weight {list(w) if w else 'computed at run time'}",
        )
    kernel = _pair(ctx, node, "kernel_shape", w[2:])
    stride = _pair(ctx, node, "strides", (1, 1))
    dilation = _pair(ctx, node, "dilations", (1, 1))
    pads = _spatial_pads(ctx, node, x.shape[2:], kernel, stride, dilation)
    groups = ctx.attr(node, "group", 1)
    if groups < 1:
        raise ctx.fail(node, f"group must be positive, got {groups}")
    channels_in, channels_out = x.shape[1], w[0]
    bias = len(node.input) > 2 and node.input[2] != ""
    weights = [(w_name, (channels_out, channels_in // groups, *kernel))]
    if bias:
        weights.append((node.input[2], (channels_out,)))
    kind = OpKind.DEPTHWISE_CONV2D if 1 < groups == channels_in else OpKind.CONV2D
    attrs = ConvAttrs(channels_out, kernel, stride, pads, dilation, groups, bias)
    ctx.emit(node, kind, attrs, [x], weights=weights)


def gemm(ctx, node) -> None:
    a, b_name = ctx.activation(node, node.input[0]), node.input[1]
    c_name = node.input[2] if len(node.input) > 2 else ""
    if ctx.attr(node, "transA", 0):
        raise ctx.fail(node, "transA is not supported (the activation must be (N, K))")
    trans_b = ctx.attr(node, "transB", 0)
    if not ctx.is_constant(b_name):
        if trans_b or c_name:
            raise ctx.fail(node, "a Gemm of two activations is supported without transB and C")
        ctx.emit(node, OpKind.MATMUL, None, [a, b_name])
        return
    b = ctx.constant_shape(node, b_name)
    if len(a.shape) != 2 or len(b) != 2:
        raise ctx.fail(node, f"Gemm needs 2-D operands, got {list(a.shape)} and {list(b)}")
    features = b[0] if trans_b else b[1]
    weights = [(b_name, (features, a.shape[1]) if trans_b else (a.shape[1], features))]
    if c_name:
        weights.append((c_name, (features,)))
    ctx.emit(node, OpKind.FC, FcAttrs(features, bool(c_name)), [a], weights=weights)


def matmul(ctx, node) -> None:
    a_name, b_name = node.input[:2]
    a = ctx.activation(node, a_name)
    if not ctx.is_constant(b_name):
        ctx.emit(node, OpKind.MATMUL, None, [a, b_name])
        return
    b = ctx.constant_shape(node, b_name)
    if len(a.shape) != 2 or len(b) != 2:
        raise ctx.fail(
            node, f"only (M, K) x (K, N) MatMul is supported, got {list(a.shape)} x {list(b)}"
        )
    weights = [(b_name, (a.shape[1], b[1]))]
    ctx.emit(node, OpKind.FC, FcAttrs(b[1], bias=False), [a], weights=weights)


def batch_norm(ctx, node) -> None:
    x = ctx.activation(node, node.input[0])
    stats = list(node.input[1:5])
    if len(stats) != 4 or not all(ctx.is_constant(name) for name in stats):
        raise ctx.fail(node, "needs constant scale, bias, mean and variance (inference mode)")
    ctx.only_first_output(node)
    channels = x.shape[1] if len(x.shape) > 1 else 1
    weights = [(name, (channels,)) for name in stats]
    ctx.emit(node, OpKind.BATCH_NORM, None, [x], weights=weights)


def _unary(kind: OpKind):
    def handler(ctx, node) -> None:
        ctx.emit(node, kind, None, node.input[:1])

    return handler


def clip(ctx, node) -> None:
    """A clamp: both bounds count as relu6 (min and max), one bound as relu, none is removed."""
    if ctx.opset < 11:
        bounds = [ctx.attr(node, "min"), ctx.attr(node, "max")]
    else:
        bounds = [ctx.values(node, position) for position in (1, 2)]
        bounds = [None if b is None else b[0] for b in bounds]
    bounds = [b for b in bounds if b is not None and abs(b) < _HUGE]
    if not bounds:
        ctx.alias(node, node.output[0], node.input[0])
        return
    kind = OpKind.RELU6 if len(bounds) == 2 else OpKind.RELU
    ctx.emit(node, kind, None, node.input[:1])


def _per_channel(constant: tuple[int, ...], shape: tuple[int, ...]) -> bool:
    """True if `constant` broadcasts into `shape` with at most one value per channel (axis 1)."""
    if len(constant) > len(shape) or len(shape) < 2:
        return False
    padded = (1,) * (len(shape) - len(constant)) + constant
    return padded[1] in (1, shape[1]) and all(d == 1 for i, d in enumerate(padded) if i != 1)


def binary(ctx, node) -> None:
    """Add/Sub -> add, Mul/Div -> mul; with a per-channel or scalar constant -> bias."""
    first, second = node.input[:2]
    if ctx.is_constant(first) or ctx.is_constant(second):
        x_name, c_name = (second, first) if ctx.is_constant(first) else (first, second)
        x = ctx.activation(node, x_name)
        constant = ctx.constant_shape(node, c_name)
        if not _per_channel(constant, x.shape):
            raise ctx.fail(
                node,
                f"a constant of shape {list(constant)} is supported only if it holds one "
                f"value per channel of {list(x.shape)} (or one value)",
            )
        weights = [(c_name, (x.shape[1],))]
        ctx.emit(node, OpKind.BIAS, None, [x], weights=weights)
        return
    a, b = ctx.activation(node, first), ctx.activation(node, second)
    if node.op_type in ("Add", "Sub"):
        ctx.emit(node, OpKind.ADD, None, [a, b])
        return
    if len(a.shape) == len(b.shape) == 4 and a.shape[2:] == (1, 1) != b.shape[2:]:
        a, b = b, a  # our mul takes the (N, C, 1, 1) scale second
    ctx.emit(node, OpKind.MUL, None, [a, b])


def sum_(ctx, node) -> None:
    names = [name for name in node.input if name]
    if len(names) == 1:
        ctx.alias(node, node.output[0], names[0])
        return
    ctx.emit(node, OpKind.ADD, None, names)


def pool(ctx, node) -> None:
    x = ctx.activation(node, node.input[0])
    if len(x.shape) != 4:
        raise ctx.fail(node, f"only 2-D pooling of an NCHW map is supported, got {list(x.shape)}")
    kernel = _pair(ctx, node, "kernel_shape", ())
    stride = _pair(ctx, node, "strides", (1, 1))
    if _pair(ctx, node, "dilations", (1, 1)) != (1, 1):
        raise ctx.fail(node, "dilated pooling is not supported")
    pads = _spatial_pads(ctx, node, x.shape[2:], kernel, stride, (1, 1))
    ctx.only_first_output(node)
    kind = OpKind.MAX_POOL if node.op_type == "MaxPool" else OpKind.AVG_POOL
    attrs = PoolAttrs(kernel, stride, pads, bool(ctx.attr(node, "ceil_mode", 0)))
    ctx.emit(node, kind, attrs, [x])


def reduce_mean(ctx, node) -> None:
    """A mean over H and W is a global average pool (and a flatten when keepdims is 0)."""
    x = ctx.activation(node, node.input[0])
    axes = ctx.attr(node, "axes") if ctx.opset < 18 else ctx.values(node, 1)
    if len(x.shape) != 4 or axes is None or sorted(a % 4 for a in axes) != [2, 3]:
        raise ctx.fail(node, "only a ReduceMean over axes [2, 3] of an NCHW map is supported")
    if ctx.attr(node, "keepdims", 1):
        ctx.emit(node, OpKind.GLOBAL_AVG_POOL, None, [x])
        return
    base = ctx.base_name(node)
    pooled = ctx.emit(node, OpKind.GLOBAL_AVG_POOL, None, [x], [], name=f"{base}.pool")
    ctx.emit(node, OpKind.FLATTEN, None, pooled, name=base)


def lrn(ctx, node) -> None:
    attrs = LrnAttrs(ctx.attr(node, "size", 0))
    ctx.emit(node, OpKind.LRN, attrs, node.input[:1])


HANDLERS = {
    "Conv": conv,
    "Gemm": gemm,
    "MatMul": matmul,
    "BatchNormalization": batch_norm,
    "Relu": _unary(OpKind.RELU),
    "Sigmoid": _unary(OpKind.SIGMOID),
    "HardSigmoid": _unary(OpKind.HARD_SIGMOID),
    "HardSwish": _unary(OpKind.HARDSWISH),
    "LeakyRelu": _unary(OpKind.LEAKY_RELU),
    "Softmax": _unary(OpKind.SOFTMAX),
    "Clip": clip,
    "Add": binary,
    "Sub": binary,
    "Mul": binary,
    "Div": binary,
    "Sum": sum_,
    "MaxPool": pool,
    "AveragePool": pool,
    "GlobalAveragePool": _unary(OpKind.GLOBAL_AVG_POOL),
    "GlobalMaxPool": _unary(OpKind.GLOBAL_AVG_POOL),
    "ReduceMean": reduce_mean,
    "Concat": concat,
    "Split": split,
    "Slice": slice_,
    "Reshape": reshape,
    "Flatten": reshape,
    "Squeeze": reshape,
    "Unsqueeze": reshape,
    "Transpose": transpose,
    "Identity": identity,
    "Dropout": identity,
    "LRN": lrn,
    "Pad": pad,
}
