"""Shape inference: the output and parameter shapes of one op from its input shapes.

Feature maps are NCHW, vectors (N, F), matrices (M, K). Every function raises ValueError
with the reason a shape does not fit; the builder adds the file and the place.
"""

import math

from sim.graph.model import (
    ACTIVATION_KINDS,
    AxisAttrs,
    ConvAttrs,
    FcAttrs,
    GroupsAttrs,
    LrnAttrs,
    OpaqueAttrs,
    OpKind,
    PadAttrs,
    PermAttrs,
    PoolAttrs,
    SEAttrs,
    ShapeAttrs,
    SplitAttrs,
)

Shape = tuple[int, ...]
Params = list[tuple[str, Shape]]


def conv_output_hw(hw: tuple[int, int], kernel, stride, pads, dilation) -> tuple[int, int]:
    out = []
    for axis in (0, 1):
        span = dilation[axis] * (kernel[axis] - 1) + 1
        padded = hw[axis] + pads[axis] + pads[axis + 2]
        if padded < span:
            raise ValueError(
                f"kernel {kernel[0]}x{kernel[1]} (dilation {dilation[axis]}) does not fit "
                f"the padded input {hw[0]}x{hw[1]}"
            )
        out.append((padded - span) // stride[axis] + 1)
    return out[0], out[1]


def pool_output_hw(hw: tuple[int, int], attrs: PoolAttrs) -> tuple[int, int]:
    out = []
    for axis in (0, 1):
        padded = hw[axis] + attrs.pads[axis] + attrs.pads[axis + 2]
        if padded < attrs.kernel[axis]:
            raise ValueError(f"pool window {attrs.kernel} does not fit the input {hw}")
        steps = padded - attrs.kernel[axis]
        n = (
            -(-steps // attrs.stride[axis]) if attrs.ceil_mode else steps // attrs.stride[axis]
        ) + 1
        if attrs.ceil_mode and (n - 1) * attrs.stride[axis] >= hw[axis] + attrs.pads[axis]:
            n -= 1  # the last window must start inside the input or its leading pad
        out.append(n)
    return out[0], out[1]


def _feature_map(shape: Shape, what: str) -> Shape:
    if len(shape) != 4:
        raise ValueError(f"{what} needs an NCHW input, got shape {list(shape)}")
    return shape


def _same_shapes(shapes: list[Shape], what: str) -> Shape:
    first = shapes[0]
    for other in shapes[1:]:
        if other != first:
            raise ValueError(f"{what} needs inputs of one shape, got {[list(s) for s in shapes]}")
    return first


def _count(shapes: list[Shape], expected: int, what: str) -> None:
    if expected and len(shapes) != expected:
        raise ValueError(f"{what} takes {expected} input(s), got {len(shapes)}")


def infer(kind: OpKind, attrs, shapes: list[Shape]) -> tuple[list[Shape], Params]:
    """(output shapes, [(param suffix, param shape)]) of an op, or ValueError; every shape
    checked by `check_elements`."""
    arity = {OpKind.MATMUL: 2, OpKind.MUL: 2, OpKind.ADD: 0, OpKind.CONCAT: 0, OpKind.OPAQUE: 0}
    arity = arity.get(kind, 1)
    _count(shapes, arity, kind.value)
    if kind in (OpKind.ADD, OpKind.CONCAT) and len(shapes) < 2:
        raise ValueError(f"{kind.value} takes at least 2 inputs, got {len(shapes)}")
    handler = _HANDLERS[kind]
    outputs, params = handler(attrs, shapes)
    for shape in [*outputs, *(shape for _, shape in params)]:
        check_elements(shape)
    return outputs, params


MAX_TENSOR_ELEMENTS = 2**32  # 16 GiB of fp32: beyond any tensor of a network sim simulates


def check_elements(shape: Shape) -> Shape:
    """`shape`, if every dimension is at least 1 and it holds at most 2**32 elements."""
    if any(dim < 1 for dim in shape):
        raise ValueError(f"shape {list(shape)} has a dimension below 1")
    elements = math.prod(shape)
    if elements > MAX_TENSOR_ELEMENTS:
        raise ValueError(
            f"shape {list(shape)} holds {elements:,} elements, more than sim's limit of "
            f"2**32 = {MAX_TENSOR_ELEMENTS:,}"
        )
    return shape


def _conv(attrs: ConvAttrs, shapes):
    n, c, h, w = _feature_map(shapes[0], "conv2d")
    if attrs.groups < 1 or c % attrs.groups or attrs.out_channels % attrs.groups:
        raise ValueError(
            f"groups {attrs.groups} must divide input channels {c} "
            f"and output channels {attrs.out_channels}"
        )
    ho, wo = conv_output_hw((h, w), attrs.kernel, attrs.stride, attrs.pads, attrs.dilation)
    weight = (attrs.out_channels, c // attrs.groups, *attrs.kernel)
    params = [("weight", weight)] + ([("bias", (attrs.out_channels,))] if attrs.bias else [])
    return [(n, attrs.out_channels, ho, wo)], params


def _depthwise(attrs: ConvAttrs, shapes):
    c = _feature_map(shapes[0], "depthwise_conv2d")[1]
    if attrs.groups != c:
        raise ValueError(
            f"a depthwise conv has one group per channel: groups {attrs.groups}, channels {c}"
        )
    return _conv(attrs, shapes)


def _fc(attrs: FcAttrs, shapes):
    shape = shapes[0]
    if len(shape) != 2:
        raise ValueError(f"fc needs an (N, features) input, got {list(shape)}; flatten first")
    params = [("weight", (attrs.out_features, shape[1]))]
    if attrs.bias:
        params.append(("bias", (attrs.out_features,)))
    return [(shape[0], attrs.out_features)], params


def _matmul(attrs, shapes):
    a, b = shapes
    if len(a) != 2 or len(b) != 2 or a[1] != b[0]:
        raise ValueError(f"matmul needs (M, K) x (K, N), got {list(a)} x {list(b)}")
    return [(a[0], b[1])], []


def _pool(attrs: PoolAttrs, shapes):
    n, c, h, w = _feature_map(shapes[0], "pooling")
    return [(n, c, *pool_output_hw((h, w), attrs))], []


def _global_pool(attrs, shapes):
    n, c, _, _ = _feature_map(shapes[0], "global_avg_pool")
    return [(n, c, 1, 1)], []


def _per_channel(attrs, shapes):
    shape = shapes[0]
    if len(shape) < 2:
        raise ValueError(f"needs a channel axis, got shape {list(shape)}")
    return [shape], [("scale", (shape[1],)), ("shift", (shape[1],))]


def _bias(attrs, shapes):
    return [shapes[0]], [("bias", (shapes[0][1],))]


def _unary(attrs, shapes):
    return [shapes[0]], []


def _add(attrs, shapes):
    return [_same_shapes(shapes, "add")], []


def _mul(attrs, shapes):
    """Elementwise product; the second input may be per-channel (N, C, 1, 1), as in SE."""
    x, s = shapes
    if x == s or (len(x) == 4 and s == (x[0], x[1], 1, 1)):
        return [x], []
    raise ValueError(f"mul needs equal shapes or (N, C, 1, 1) scales, got {list(x)} and {list(s)}")


def _concat(attrs: AxisAttrs, shapes):
    axis = attrs.axis
    rank = len(shapes[0])
    if not 0 <= axis < rank:
        raise ValueError(f"concat axis {axis} outside rank {rank}")
    for shape in shapes[1:]:
        if len(shape) != rank or any(shape[i] != shapes[0][i] for i in range(rank) if i != axis):
            raise ValueError(
                f"concat needs shapes equal off axis {axis}, got {[list(s) for s in shapes]}"
            )
    out = list(shapes[0])
    out[axis] = sum(s[axis] for s in shapes)
    return [tuple(out)], []


def _split(attrs: SplitAttrs, shapes):
    shape = shapes[0]
    if not 0 <= attrs.axis < len(shape):
        raise ValueError(f"split axis {attrs.axis} outside rank {len(shape)}")
    if sum(attrs.sizes) != shape[attrs.axis] or min(attrs.sizes) < 1:
        raise ValueError(
            f"split sizes {list(attrs.sizes)} must be positive and sum to {shape[attrs.axis]}"
        )
    outs = []
    for size in attrs.sizes:
        out = list(shape)
        out[attrs.axis] = size
        outs.append(tuple(out))
    return outs, []


def _shuffle(attrs: GroupsAttrs, shapes):
    c = _feature_map(shapes[0], "channel_shuffle")[1]
    if attrs.groups < 1 or c % attrs.groups:
        raise ValueError(f"channel_shuffle groups {attrs.groups} must divide channels {c}")
    return [shapes[0]], []


def _se(attrs: SEAttrs, shapes):
    c = _feature_map(shapes[0], "se")[1]
    h = attrs.hidden
    if h < 1:
        raise ValueError(f"se hidden width must be positive, got {h}")
    params = [
        ("fc1_weight", (h, c)),
        ("fc1_bias", (h,)),
        ("fc2_weight", (c, h)),
        ("fc2_bias", (c,)),
    ]
    return [shapes[0]], params


def _flatten(attrs, shapes):
    shape = shapes[0]
    return [(shape[0], math.prod(shape[1:]))], []


def _reshape(attrs: ShapeAttrs, shapes):
    shape, target = shapes[0], attrs.shape
    if not target or min(target) < 1 or math.prod(target) != math.prod(shape):
        raise ValueError(
            f"reshape of {list(shape)} to {list(target)} needs positive sizes "
            f"with {math.prod(shape)} elements"
        )
    return [target], []


def _transpose(attrs: PermAttrs, shapes):
    shape = shapes[0]
    if sorted(attrs.perm) != list(range(len(shape))):
        raise ValueError(f"perm {list(attrs.perm)} does not permute the axes of {list(shape)}")
    return [tuple(shape[axis] for axis in attrs.perm)], []


def _pad(attrs: PadAttrs, shapes):
    n, c, h, w = _feature_map(shapes[0], "pad")
    top, left, bottom, right = attrs.pads
    if min(attrs.pads) < 0:
        raise ValueError(f"pads must not be negative, got {list(attrs.pads)}")
    return [(n, c, h + top + bottom, w + left + right)], []


def _lrn(attrs: LrnAttrs, shapes):
    shape = shapes[0]
    if len(shape) < 2 or attrs.size < 1:
        raise ValueError(f"lrn needs a channel axis and a positive size, got {list(shape)}")
    return [shape], []


def _opaque(attrs: OpaqueAttrs, shapes):
    if not attrs.out_shapes:
        raise ValueError("an opaque op needs at least one output shape")
    for shape in (*attrs.out_shapes, *attrs.param_shapes):
        if not shape or min(shape) < 1:
            raise ValueError(f"shapes need positive sizes, got {list(shape)}")
    return list(attrs.out_shapes), [(f"param{i}", s) for i, s in enumerate(attrs.param_shapes)]


_HANDLERS = {
    OpKind.CONV2D: _conv,
    OpKind.DEPTHWISE_CONV2D: _depthwise,
    OpKind.FC: _fc,
    OpKind.MATMUL: _matmul,
    OpKind.MAX_POOL: _pool,
    OpKind.AVG_POOL: _pool,
    OpKind.GLOBAL_AVG_POOL: _global_pool,
    OpKind.BATCH_NORM: _per_channel,
    OpKind.SCALE: _per_channel,
    OpKind.BIAS: _bias,
    **{kind: _unary for kind in ACTIVATION_KINDS},
    OpKind.SOFTMAX: _unary,
    OpKind.ADD: _add,
    OpKind.MUL: _mul,
    OpKind.CONCAT: _concat,
    OpKind.SPLIT: _split,
    OpKind.CHANNEL_SHUFFLE: _shuffle,
    OpKind.SE: _se,
    OpKind.FLATTEN: _flatten,
    OpKind.RESHAPE: _reshape,
    OpKind.TRANSPOSE: _transpose,
    OpKind.PAD: _pad,
    OpKind.LRN: _lrn,
    OpKind.OPAQUE: _opaque,
}
