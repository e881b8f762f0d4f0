"""Per-op-kind knowledge in one table: shape rule, counts, algorithms, generators, compute class.

Every `OpKind` has exactly one `Entry`: its shape rule (sim/graph/shapes.py) and arithmetic
count (sim/analytic/counts.py), the algorithms it can run with their trace generators and
compute classes, and which of them the device's runtime picks for `auto` (runtime.py). An op
kind without an entry cannot be traced: `entry` raises ScheduleError naming the kind.

Compute classes (sim/compute/classes.py) say what kind of inner loop does the arithmetic,
which the compute model charges at its own rate; this table is the one place that maps an op
kind and its algorithm to a class: `gemm` (register-tiled micro-kernels), `winograd`
(transforms around batched GEMMs), `direct` (register-tiled conv without packing),
`depthwise` (sliding windows per channel), `gemv` (weights streamed once: FC of one image,
SE), `pool`, `elementwise` (streams, LRN, softmax), `data` (copies and views, no arithmetic),
and sparse weights times a dense operand (any weighted kind: sparse.py), charged by their
block (sim/compute/sparse.py).
"""

import functools
from collections.abc import Callable, Iterator

from attrs import define

from sim.analytic.counts import flops
from sim.compute.classes import ComputeClass
from sim.errors import ScheduleError
from sim.graph.model import (
    ACTIVATION_KINDS,
    PER_CHANNEL_KINDS,
    POOL_KINDS,
    VIEW_KINDS,
    Op,
    OpKind,
)
from sim.graph.shapes import infer
from sim.graph.sparsity import SPARSE_KINDS, block_of
from sim.hw.model import Hardware, Precision
from sim.schedule.model import Algorithm, Kernel
from sim.trace.context import Context, resolved_algorithm
from sim.trace.conv import direct_ranges, gemm_conv_ranges
from sim.trace.depthwise import depthwise_ranges
from sim.trace.elementwise import elementwise_ranges
from sim.trace.fc import fc_ranges, is_matvec, matmul_ranges
from sim.trace.layout import concat_or_split_ranges, shuffle_ranges, view_ranges
from sim.trace.layout_ops import lrn_ranges, pad_ranges, read_then_write, transpose_ranges
from sim.trace.pool import pool_ranges
from sim.trace.se import se_ranges
from sim.trace.sparse import sparse_ranges
from sim.trace.stream import Ranges
from sim.trace.winograd import winograd_ranges

Generator = Callable[[Op, Context], Iterator[Ranges]]


@define(frozen=True)
class Method:
    """One way to compute a kind: its trace generator and compute class; `stores_c` if the
    generator runs the kernel's epilogue itself, where it finishes each output element
    (GEMM's last K block), instead of once per store (fused.py)."""

    generator: Generator
    compute_class: ComputeClass | Callable[[Op], ComputeClass]
    stores_c: bool | Callable[[Op], bool] = False

    def class_of(self, op: Op) -> ComputeClass:
        cls = self.compute_class
        return cls if isinstance(cls, ComputeClass) else cls(op)

    def runs_epilogue(self, op: Op) -> bool:
        return self.stores_c if isinstance(self.stores_c, bool) else self.stores_c(op)


@define(frozen=True)
class Entry:
    """An op kind: its shape rule, arithmetic count and algorithms (`auto` for a kind with
    one way of running; a conv's `auto` is resolved by runtime.py before lookup)."""

    shape: Callable
    count: Callable[[Op], int]
    methods: dict[str, Method]


def _entry(kind: OpKind, methods: dict[str, Method]) -> Entry:
    return Entry(functools.partial(infer, kind), flops, methods)


def _one(generator: Generator, compute_class, stores_c=False) -> dict[str, Method]:
    return {Algorithm.AUTO: Method(generator, compute_class, stores_c)}


def _fc_class(op: Op) -> ComputeClass:
    return ComputeClass.GEMV if op.inputs[0].shape[0] == 1 else ComputeClass.GEMM


def _fc_stores_c(op: Op) -> bool:
    return op.inputs[0].shape[0] > 1


def _matmul_class(op: Op) -> ComputeClass:
    return ComputeClass.GEMV if is_matvec(op) else ComputeClass.GEMM


def _matmul_stores_c(op: Op) -> bool:
    return not is_matvec(op)


_CONV = {
    Algorithm.IM2COL: Method(gemm_conv_ranges, ComputeClass.GEMM, True),
    Algorithm.DIRECT: Method(direct_ranges, ComputeClass.DIRECT, True),
    **{
        name: Method(winograd_ranges, ComputeClass.WINOGRAD)
        for name in (Algorithm.WINOGRAD_2X2, Algorithm.WINOGRAD_4X4, Algorithm.WINOGRAD_6X6)
    },
}

REGISTRY: dict[OpKind, Entry] = {
    OpKind.CONV2D: _entry(OpKind.CONV2D, _CONV),
    OpKind.DEPTHWISE_CONV2D: _entry(
        OpKind.DEPTHWISE_CONV2D,
        {Algorithm.DIRECT: Method(depthwise_ranges, ComputeClass.DEPTHWISE)},
    ),
    OpKind.FC: _entry(OpKind.FC, _one(fc_ranges, _fc_class, _fc_stores_c)),
    OpKind.MATMUL: _entry(OpKind.MATMUL, _one(matmul_ranges, _matmul_class, _matmul_stores_c)),
    **{kind: _entry(kind, _one(pool_ranges, ComputeClass.POOL)) for kind in POOL_KINDS},
    **{
        kind: _entry(kind, _one(elementwise_ranges, ComputeClass.ELEMENTWISE))
        for kind in (
            *ACTIVATION_KINDS,
            *PER_CHANNEL_KINDS,
            OpKind.ADD,
            OpKind.MUL,
            OpKind.SOFTMAX,
        )
    },
    OpKind.SE: _entry(OpKind.SE, _one(se_ranges, ComputeClass.GEMV)),
    OpKind.CONCAT: _entry(OpKind.CONCAT, _one(concat_or_split_ranges, ComputeClass.DATA)),
    OpKind.SPLIT: _entry(OpKind.SPLIT, _one(concat_or_split_ranges, ComputeClass.DATA)),
    OpKind.CHANNEL_SHUFFLE: _entry(OpKind.CHANNEL_SHUFFLE, _one(shuffle_ranges, ComputeClass.DATA)),
    **{kind: _entry(kind, _one(view_ranges, ComputeClass.DATA)) for kind in VIEW_KINDS},
    OpKind.TRANSPOSE: _entry(OpKind.TRANSPOSE, _one(transpose_ranges, ComputeClass.DATA)),
    OpKind.PAD: _entry(OpKind.PAD, _one(pad_ranges, ComputeClass.DATA)),
    OpKind.LRN: _entry(OpKind.LRN, _one(lrn_ranges, ComputeClass.ELEMENTWISE)),
    OpKind.OPAQUE: _entry(OpKind.OPAQUE, _one(read_then_write, ComputeClass.DATA)),
}


# Sparse weights of conv2d, fc, matmul: the compute model charges them by the block their
# algorithm's name carries (sim/compute/sparse.py); `direct` is the class a GPU runs them at.
SPARSE_METHOD = Method(sparse_ranges, ComputeClass.DIRECT)


def entry(kind: OpKind, place: str = "") -> Entry:
    """The kind's entry; ScheduleError if it has none."""
    found = REGISTRY.get(kind)
    if found is None:
        raise ScheduleError(f"op kind {kind.value} has no trace generator", place=place)
    return found


def method(op: Op, algorithm: str, place: str = "") -> Method:
    """How `op` runs with `algorithm` (resolved: never `auto` for a conv)."""
    if op.kind in SPARSE_KINDS and block_of(algorithm) is not None:
        return SPARSE_METHOD
    methods = entry(op.kind, place).methods
    if algorithm in methods:
        return methods[algorithm]
    if len(methods) == 1 and algorithm in (Algorithm.AUTO, *methods):
        return next(iter(methods.values()))
    known = ", ".join(methods)
    raise ScheduleError(f"a {op.kind.value} runs {known}, not {algorithm}", place=place)


def kernel_algorithm(kernel: Kernel, hw: Hardware, precision: Precision = Precision.FP32) -> str:
    """The algorithm the kernel's main op runs (for a tiled chain or a per-channel kernel,
    its last stage's): the runtime's choice for `auto`."""
    stage, allowed = _charged_stage(kernel)
    return resolved_algorithm(stage, hw, precision, allowed)


def compute_class(
    kernel: Kernel, hw: Hardware, precision: Precision = Precision.FP32
) -> ComputeClass:
    """The compute class of the kernel's main op under the algorithm the kernel runs (for a
    tiled chain or a per-channel kernel, its last stage's), which the compute model charges."""
    stage, allowed = _charged_stage(kernel)
    algorithm = resolved_algorithm(stage, hw, precision, allowed)
    return method(stage.main_op, algorithm, f"kernel {stage.name}").class_of(stage.main_op)


def _charged_stage(kernel: Kernel) -> tuple[Kernel, tuple[str, ...]]:
    if kernel.tile is not None:
        return kernel.stages[-1], Algorithm.TILED
    if kernel.per_channel:
        return kernel.stages[-1], Algorithm.ALL
    return kernel, Algorithm.ALL
