"""ONNX op types -> our ops, one handler per family (docs/onnx.md has the table and limits).

A handler gets the importer (`ctx`, `sim.graph.onnx_import.Importer`) and one node whose
inputs are not all constants. It emits ops, or aliases the node's output to its input when
the node computes nothing at inference (Identity, Dropout, a reshape to the same shape).
"""

import math

from sim.graph.model import (
    AxisAttrs,
    ConvAttrs,
    FcAttrs,
    GroupsAttrs,
    LrnAttrs,
    OpKind,
    PadAttrs,
    PermAttrs,
    PoolAttrs,
    ShapeAttrs,
    SplitAttrs,
)

_HUGE = 1e30  # Clip bounds beyond this (opset < 11 defaults are +-3.4e38) are no bound


def _pair(ctx, node, name: str, default) -> tuple[int, int]:
    value = tuple(ctx.attr(node, name, default))
    if len(value) != 2:
        raise ctx.fail(node, f"only 2-D windows are supported, got {name} {list(value)}")
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


def concat(ctx, node) -> None:
    names = [name for name in node.input if name]
    if len(names) == 1:
        ctx.alias(node, node.output[0], names[0])
        return
    tensors = [ctx.activation(node, name) for name in names]
    axis = ctx.attr(node, "axis", 1) % len(tensors[0].shape)
    ctx.emit(node, OpKind.CONCAT, AxisAttrs(axis), tensors)


def split(ctx, node) -> None:
    x = ctx.activation(node, node.input[0])
    axis = ctx.attr(node, "axis", 0) % len(x.shape)
    outputs = list(node.output)
    if len(outputs) == 1:
        ctx.alias(node, outputs[0], node.input[0])
        return
    known = [ctx.known_shape(name) for name in outputs]
    if None not in known:
        sizes = [shape[axis] for shape in known]
    elif ctx.attr(node, "split") is not None:
        sizes = list(ctx.attr(node, "split"))
    elif ctx.opset >= 13 and len(node.input) > 1 and node.input[1]:
        sizes = ctx.values(node, 1)
    else:
        size = -(-x.shape[axis] // len(outputs))
        sizes = [size] * (len(outputs) - 1) + [x.shape[axis] - size * (len(outputs) - 1)]
    ctx.emit(node, OpKind.SPLIT, SplitAttrs(sizes, axis), [x], outputs)


def slice_(ctx, node) -> None:
    """A slice along one axis is a split into (before, part, after) of which one piece is used."""
    x = ctx.activation(node, node.input[0])
    out = ctx.known_shape(node.output[0])
    if out is None or len(out) != len(x.shape):
        raise ctx.fail(node, "the output shape is unknown (bounds computed at run time)")
    changed = [axis for axis, (a, b) in enumerate(zip(x.shape, out)) if a != b]
    if not changed:
        ctx.alias(node, node.output[0], node.input[0])
        return
    if len(changed) > 1:
        raise ctx.fail(node, f"slicing along several axes {changed} is not supported")
    steps = ctx.attr(node, "steps") if ctx.opset < 10 else ctx.values(node, 4)
    if steps is not None and any(step != 1 for step in steps):
        raise ctx.fail(node, f"only step 1 is supported, got steps {list(steps)}")
    axis, part = changed[0], out[changed[0]]
    dim = x.shape[axis]
    if ctx.opset < 10:
        starts, axes = ctx.attr(node, "starts"), ctx.attr(node, "axes")
    else:
        starts, axes = ctx.values(node, 1), ctx.values(node, 3)
    axes = [a % len(x.shape) for a in (axes or range(len(starts)))]
    start = starts[axes.index(axis)]
    begin = min(max(start + dim if start < 0 else start, 0), dim - part)
    sizes = [size for size in (begin, part, dim - begin - part) if size > 0]
    pieces = ctx.emit(node, OpKind.SPLIT, SplitAttrs(sizes, axis), [x], [])
    ctx.bind(node, node.output[0], pieces[1 if begin else 0])


def reshape(ctx, node) -> None:
    """Reshape, Flatten, Squeeze, Unsqueeze: a view (flatten or reshape), or a channel shuffle."""
    if node.op_type == "Reshape" and _channel_shuffle(ctx, node):
        return
    x = ctx.activation(node, node.input[0])
    target = _target(ctx, node, x.shape)
    if target == x.shape:
        ctx.alias(node, node.output[0], node.input[0])
    elif len(x.shape) > 1 and target == (x.shape[0], math.prod(x.shape[1:])):
        ctx.emit(node, OpKind.FLATTEN, None, [x])
    else:
        ctx.emit(node, OpKind.RESHAPE, ShapeAttrs(target), [x])


def _target(ctx, node, shape: tuple[int, ...]) -> tuple[int, ...]:
    """The output shape of a view op (Reshape, Flatten, Squeeze, Unsqueeze) of `shape`."""
    known = ctx.known_shape(node.output[0])
    return known if known is not None else _view_shape(ctx, node, shape)


def _view_shape(ctx, node, shape: tuple[int, ...]) -> tuple[int, ...]:
    """The output shape of a view op when onnx could not infer it."""
    rank = len(shape)
    if node.op_type == "Flatten":
        axis = ctx.attr(node, "axis", 1) % (rank + 1)
        return math.prod(shape[:axis]), math.prod(shape[axis:])
    if node.op_type == "Reshape":
        target = ctx.values(node, 1)
        keep_zero = ctx.attr(node, "allowzero", 0)
        target = [shape[i] if v == 0 and not keep_zero else v for i, v in enumerate(target)]
        if -1 in target:
            known = math.prod(v for v in target if v != -1)
            target[target.index(-1)] = math.prod(shape) // max(known, 1)
        return tuple(target)
    axes = ctx.attr(node, "axes") if ctx.opset < 13 else ctx.values(node, 1)
    if node.op_type == "Squeeze":
        drop = {a % rank for a in axes} if axes else {i for i, d in enumerate(shape) if d == 1}
        return tuple(d for i, d in enumerate(shape) if i not in drop)
    out, axes = list(shape), axes or []
    for axis in sorted(a % (rank + len(axes)) for a in axes):
        out.insert(axis, 1)
    return tuple(out)


def _channel_shuffle(ctx, node) -> bool:
    """Reshape (N, C, H, W) -> (N, g, C/g, H, W), Transpose (0, 2, 1, 3, 4), Reshape back."""
    x = ctx.activation(node, node.input[0])
    middle = _target(ctx, node, x.shape)
    if len(x.shape) != 4 or len(middle) != 5:
        return False
    n, c, h, w = x.shape
    if middle[0] != n or middle[3:] != (h, w) or middle[1] * middle[2] != c:
        return False
    transpose = ctx.sole_consumer(node.output[0])
    if transpose is None or transpose.op_type != "Transpose":
        return False
    if tuple(ctx.attr(transpose, "perm", ())) != (0, 2, 1, 3, 4):
        return False
    back = ctx.sole_consumer(transpose.output[0])
    swapped = (n, middle[2], middle[1], h, w)
    if back is None or back.op_type != "Reshape" or _target(ctx, back, swapped) != x.shape:
        return False
    ctx.skip(transpose, back)
    ctx.emit(node, OpKind.CHANNEL_SHUFFLE, GroupsAttrs(middle[1]), [x], back.output[:1])
    return True


def transpose(ctx, node) -> None:
    x = ctx.activation(node, node.input[0])
    perm = tuple(ctx.attr(node, "perm", tuple(reversed(range(len(x.shape))))))
    if perm == tuple(range(len(x.shape))):
        ctx.alias(node, node.output[0], node.input[0])
        return
    ctx.emit(node, OpKind.TRANSPOSE, PermAttrs(perm), [x])


def identity(ctx, node) -> None:
    """Identity and Dropout compute nothing at inference."""
    ctx.only_first_output(node)
    ctx.alias(node, node.output[0], node.input[0])


def lrn(ctx, node) -> None:
    attrs = LrnAttrs(ctx.attr(node, "size", 0))
    ctx.emit(node, OpKind.LRN, attrs, node.input[:1])


def pad(ctx, node) -> None:
    x = ctx.activation(node, node.input[0])
    rank = len(x.shape)
    pads = ctx.attr(node, "pads") if ctx.opset < 11 else ctx.values(node, 1)
    axes = ctx.values(node, 3) if ctx.opset >= 18 else None
    axes = [a % rank for a in (axes or range(rank))]
    if rank != 4 or pads is None or len(pads) != 2 * len(axes):
        raise ctx.fail(node, f"only padding an NCHW map is supported, got {list(x.shape)}")
    begin, end = [0] * rank, [0] * rank
    for index, axis in enumerate(axes):
        begin[axis], end[axis] = pads[index], pads[len(axes) + index]
    if any(begin[:2]) or any(end[:2]):
        raise ctx.fail(node, "padding the batch or channel axis is not supported")
    attrs = PadAttrs((begin[2], begin[3], end[2], end[3]))
    ctx.emit(node, OpKind.PAD, attrs, [x])


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
