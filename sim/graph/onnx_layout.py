"""ONNX ops that move or reinterpret data -> our layout ops (docs/onnx.md).

Concat, Split, Slice, the view ops (Reshape, Flatten, Squeeze, Unsqueeze; Reshape-Transpose-
Reshape as a channel shuffle), Transpose, Pad, and Identity/Dropout, which are removed.
Handlers take the importer (`ctx`) and a node, as in `onnx_ops`.
"""

import math

from sim.graph.model import (
    AxisAttrs,
    GroupsAttrs,
    OpKind,
    PadAttrs,
    PermAttrs,
    ShapeAttrs,
    SplitAttrs,
)


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
