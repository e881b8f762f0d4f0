"""The network graph: ops over named tensors, with every shape known.

One frozen `Op` class with an `OpKind` enum (after tinygrad's single node type); per-kind
settings live in small frozen attribute classes. Ops are stored in execution order.
"""

import enum
import math
from typing import TYPE_CHECKING

from attrs import define, field

if TYPE_CHECKING:
    from sim.graph.sparsity import Sparsity


class OpKind(enum.Enum):
    CONV2D = "conv2d"  # any groups; kernel 1x1 is a pointwise conv
    DEPTHWISE_CONV2D = "depthwise_conv2d"
    FC = "fc"
    MATMUL = "matmul"
    MAX_POOL = "max_pool"
    AVG_POOL = "avg_pool"
    GLOBAL_AVG_POOL = "global_avg_pool"
    BATCH_NORM = "batch_norm"
    SCALE = "scale"
    BIAS = "bias"
    RELU = "relu"
    RELU6 = "relu6"
    SIGMOID = "sigmoid"
    HARD_SIGMOID = "hard_sigmoid"
    HARDSWISH = "hardswish"
    LEAKY_RELU = "leaky_relu"
    ADD = "add"
    MUL = "mul"
    CONCAT = "concat"
    SPLIT = "split"
    CHANNEL_SHUFFLE = "channel_shuffle"
    SE = "se"
    SOFTMAX = "softmax"
    FLATTEN = "flatten"
    RESHAPE = "reshape"
    TRANSPOSE = "transpose"
    PAD = "pad"
    LRN = "lrn"  # local response normalization across channels (AlexNet, GoogLeNet)
    OPAQUE = "opaque"  # an op sim does not model: reads its inputs, writes its outputs


CONV_KINDS = frozenset({OpKind.CONV2D, OpKind.DEPTHWISE_CONV2D})
MAC_KINDS = CONV_KINDS | {OpKind.FC, OpKind.MATMUL, OpKind.SE}
POOL_KINDS = frozenset({OpKind.MAX_POOL, OpKind.AVG_POOL, OpKind.GLOBAL_AVG_POOL})
ACTIVATION_KINDS = frozenset(
    {
        OpKind.RELU,
        OpKind.RELU6,
        OpKind.SIGMOID,
        OpKind.HARD_SIGMOID,
        OpKind.HARDSWISH,
        OpKind.LEAKY_RELU,
    }
)
PER_CHANNEL_KINDS = frozenset({OpKind.BATCH_NORM, OpKind.SCALE, OpKind.BIAS})
ELEMENTWISE_KINDS = ACTIVATION_KINDS | PER_CHANNEL_KINDS | {OpKind.ADD, OpKind.MUL}
LAYOUT_KINDS = frozenset(
    {
        OpKind.CONCAT,
        OpKind.SPLIT,
        OpKind.CHANNEL_SHUFFLE,
        OpKind.FLATTEN,
        OpKind.RESHAPE,
        OpKind.TRANSPOSE,
        OpKind.PAD,
    }
)
VIEW_KINDS = frozenset({OpKind.FLATTEN, OpKind.RESHAPE})  # reinterpret a buffer; move no data


CONV_ALGORITHMS = ("auto", "direct", "im2col", "winograd2x2", "winograd4x4", "winograd6x6")


def _pair(values) -> tuple[int, int]:
    return tuple(int(v) for v in values)


@define(frozen=True)
class ConvAttrs:
    """A 2-D convolution; pads are (top, left, bottom, right)."""

    out_channels: int
    kernel: tuple[int, int] = field(converter=_pair)
    stride: tuple[int, int] = field(default=(1, 1), converter=_pair)
    pads: tuple[int, int, int, int] = field(default=(0, 0, 0, 0), converter=tuple)
    dilation: tuple[int, int] = field(default=(1, 1), converter=_pair)
    groups: int = 1
    bias: bool = False
    algorithm: str = "auto"  # how to compute it: one of CONV_ALGORITHMS


@define(frozen=True)
class PoolAttrs:
    kernel: tuple[int, int] = field(converter=_pair)
    stride: tuple[int, int] = field(converter=_pair)
    pads: tuple[int, int, int, int] = field(default=(0, 0, 0, 0), converter=tuple)
    ceil_mode: bool = False


@define(frozen=True)
class FcAttrs:
    out_features: int
    bias: bool = True


@define(frozen=True)
class SEAttrs:
    """Squeeze-and-excitation: global pool, FC down to `hidden` + ReLU, FC up + sigmoid, scale."""

    hidden: int


@define(frozen=True)
class GroupsAttrs:
    groups: int


@define(frozen=True)
class AxisAttrs:
    axis: int = 1


@define(frozen=True)
class SplitAttrs:
    sizes: tuple[int, ...] = field(converter=tuple)
    axis: int = 1


def _shape(values) -> tuple[int, ...]:
    return tuple(int(v) for v in values)


def _shapes(values) -> tuple[tuple[int, ...], ...]:
    return tuple(_shape(v) for v in values)


@define(frozen=True)
class ShapeAttrs:
    """The target shape of a reshape (a view: same elements, same order)."""

    shape: tuple[int, ...] = field(converter=_shape)


@define(frozen=True)
class PermAttrs:
    """A transpose: output axis i is input axis perm[i]."""

    perm: tuple[int, ...] = field(converter=_shape)


@define(frozen=True)
class PadAttrs:
    """Spatial padding of an NCHW map, (top, left, bottom, right); the fill value costs nothing."""

    pads: tuple[int, int, int, int] = field(converter=_shape)


@define(frozen=True)
class LrnAttrs:
    """Local response normalization over `size` neighbouring channels."""

    size: int


@define(frozen=True)
class OpaqueAttrs:
    """An op sim does not model (`op_type`, e.g. an ONNX type): only its shapes are known."""

    op_type: str
    out_shapes: tuple[tuple[int, ...], ...] = field(converter=_shapes)
    param_shapes: tuple[tuple[int, ...], ...] = field(converter=_shapes, default=())


Attrs = (
    ConvAttrs
    | PoolAttrs
    | FcAttrs
    | SEAttrs
    | GroupsAttrs
    | AxisAttrs
    | SplitAttrs
    | ShapeAttrs
    | PermAttrs
    | PadAttrs
    | LrnAttrs
    | OpaqueAttrs
    | None
)


@define(frozen=True)
class Tensor:
    name: str
    shape: tuple[int, ...] = field(converter=tuple)

    @property
    def elements(self) -> int:
        return math.prod(self.shape)


@define(frozen=True)
class Op:
    """One operator: activations in, activations out, and its parameter tensors."""

    name: str
    kind: OpKind
    inputs: tuple[Tensor, ...] = field(converter=tuple)
    outputs: tuple[Tensor, ...] = field(converter=tuple)
    params: tuple[Tensor, ...] = field(converter=tuple, default=())
    attrs: Attrs = None
    sparsity: "Sparsity | None" = None  # of its weights (sim/graph/sparsity.py); None: dense

    @property
    def is_pointwise(self) -> bool:
        return self.kind is OpKind.CONV2D and self.attrs.kernel == (1, 1)


@define(frozen=True)
class Graph:
    name: str
    inputs: tuple[Tensor, ...] = field(converter=tuple)
    ops: tuple[Op, ...] = field(converter=tuple)
    outputs: tuple[Tensor, ...] = field(converter=tuple)
    description: str = ""
    source: str = ""

    def op(self, name: str) -> Op:
        for op in self.ops:
            if op.name == name:
                return op
        raise KeyError(name)
