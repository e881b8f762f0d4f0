"""Read each op kind's settings from a workload entry into its frozen attribute class.

Input shapes are given because some settings depend on them: a depthwise conv has one group
per input channel, `pad: same` depends on the input size, an SE block's `reduction` on C.
"""

from sim.graph.model import (
    CONV_ALGORITHMS,
    CONV_KINDS,
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
from sim.yamlio import Fields, as_int, as_str


def _positive(value) -> int:
    return as_int(value, minimum=1)


def _pair(value) -> tuple[int, int]:
    """An int (both axes) or [h, w]."""
    if isinstance(value, list):
        if len(value) != 2:
            raise ValueError(f"expected a number or [h, w], got {value!r}")
        return _positive(value[0]), _positive(value[1])
    n = _positive(value)
    return n, n


def _bool(value) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {value!r}")
    return value


def _pads(value, hw, kernel, stride, dilation) -> tuple[int, int, int, int]:
    """`same` (TensorFlow's rule), an int, [h, w] or [top, left, bottom, right]."""
    if value == "same":
        pads = []
        for axis in (0, 1):
            out = -(-hw[axis] // stride[axis])
            span = dilation[axis] * (kernel[axis] - 1) + 1
            pads.append(max((out - 1) * stride[axis] + span - hw[axis], 0))
        return pads[0] // 2, pads[1] // 2, pads[0] - pads[0] // 2, pads[1] - pads[1] // 2
    if isinstance(value, list) and len(value) == 4:
        top, left, bottom, right = (as_int(v) for v in value)
        return top, left, bottom, right
    if isinstance(value, list) and len(value) == 2:
        h, w = (as_int(v) for v in value)
        return h, w, h, w
    if isinstance(value, list):
        raise ValueError(
            f"expected pad as a number, [h, w], [top, left, bottom, right] or same, got {value!r}"
        )
    n = as_int(value)
    return n, n, n, n


def _hw(shapes) -> tuple[int, int]:
    shape = shapes[0]
    if len(shape) != 4:
        raise ValueError(f"needs an NCHW input, got shape {list(shape)}")
    return shape[2], shape[3]


def parse(kind: OpKind, fields: Fields, shapes: list[tuple[int, ...]]):
    """The attribute object for `kind`, reading its keys from `fields` (None if it has none)."""
    if kind in CONV_KINDS:
        return _conv(kind, fields, shapes)
    if kind in (OpKind.MAX_POOL, OpKind.AVG_POOL):
        kernel = fields.get("kernel", _pair)
        stride = fields.get("stride", _pair, default=kernel)
        pads = fields.get(
            "pad", lambda v: _pads(v, _hw(shapes), kernel, stride, (1, 1)), default=(0, 0, 0, 0)
        )
        ceil_mode = fields.get("ceil_mode", _bool, default=False)
        return PoolAttrs(kernel=kernel, stride=stride, pads=pads, ceil_mode=ceil_mode)
    if kind is OpKind.FC:
        return FcAttrs(fields.get("features", _positive), fields.get("bias", _bool, default=True))
    if kind is OpKind.SE:
        if fields.has("reduction"):
            reduction = fields.get("reduction", _positive)
            return SEAttrs(hidden=max(1, shapes[0][1] // reduction))
        return SEAttrs(hidden=fields.get("hidden", _positive))
    if kind is OpKind.CHANNEL_SHUFFLE:
        return GroupsAttrs(fields.get("groups", _positive))
    if kind is OpKind.CONCAT:
        return AxisAttrs(fields.get("axis", as_int, default=1))
    if kind is OpKind.SPLIT:
        sizes = fields.get("sizes", _sizes)
        return SplitAttrs(sizes=sizes, axis=fields.get("axis", as_int, default=1))
    return _parse_more(kind, fields, shapes)


def _parse_more(kind: OpKind, fields: Fields, shapes):
    if kind is OpKind.RESHAPE:
        return ShapeAttrs(fields.get("shape", _shape))
    if kind is OpKind.TRANSPOSE:
        return PermAttrs(fields.get("perm", _ints))
    if kind is OpKind.PAD:
        return PadAttrs(fields.get("pad", _explicit_pads))
    if kind is OpKind.LRN:
        return LrnAttrs(fields.get("size", _positive))
    if kind is OpKind.OPAQUE:
        op_type = fields.get("type", as_str)
        out_shapes = fields.get("shapes", _shape_list, default=[shapes[0]])
        return OpaqueAttrs(op_type, out_shapes, fields.get("params", _shape_list, default=[]))
    return None


def _ints(value) -> list[int]:
    if not isinstance(value, list):
        raise TypeError(f"expected a list of integers, got {value!r}")
    return [as_int(v) for v in value]


def _shape(value) -> tuple[int, ...]:
    if not isinstance(value, list) or not value:
        raise ValueError(f"expected a shape such as [1, 512], got {value!r}")
    return tuple(_positive(v) for v in value)


def _shape_list(value) -> list[tuple[int, ...]]:
    if not isinstance(value, list):
        raise TypeError(f"expected a list of shapes such as [[1, 64, 56, 56]], got {value!r}")
    return [_shape(v) for v in value]


def _explicit_pads(value) -> tuple[int, int, int, int]:
    if value == "same":
        raise ValueError("a pad op needs explicit pads: a number, [h, w] or [t, l, b, r]")
    return _pads(value, None, None, None, None)


def _sizes(value) -> tuple[int, ...]:
    if not isinstance(value, list) or len(value) < 2:
        raise ValueError(f"expected a list of at least two sizes, got {value!r}")
    return tuple(_positive(v) for v in value)


def _conv(kind: OpKind, fields: Fields, shapes) -> ConvAttrs:
    kernel = fields.get("kernel", _pair)
    stride = fields.get("stride", _pair, default=(1, 1))
    dilation = fields.get("dilation", _pair, default=(1, 1))
    pads = fields.get(
        "pad", lambda v: _pads(v, _hw(shapes), kernel, stride, dilation), default=(0, 0, 0, 0)
    )
    bias = fields.get("bias", _bool, default=False)
    if kind is OpKind.DEPTHWISE_CONV2D:
        channels = shapes[0][1] if len(shapes[0]) == 4 else 1
        multiplier = fields.get("multiplier", _positive, default=1)
        return ConvAttrs(channels * multiplier, kernel, stride, pads, dilation, channels, bias)
    out_channels = fields.get("channels", _positive)
    groups = fields.get("groups", _positive, default=1)
    algorithm = fields.get("algorithm", _algorithm, default="auto")
    return ConvAttrs(out_channels, kernel, stride, pads, dilation, groups, bias, algorithm)


def _algorithm(value) -> str:
    if value not in CONV_ALGORITHMS:
        raise ValueError(f"expected one of {', '.join(CONV_ALGORITHMS)}, got {value!r}")
    return value
