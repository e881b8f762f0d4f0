"""A schedule: kernels (op groups with an algorithm) and the byte address of every buffer.

The schedule is a value: passes rewrite it into a new one, and it can be saved and replayed.
"""

import functools

from attrs import converters, define, field

from sim.graph.model import CONV_ALGORITHMS, CONV_KINDS, Graph, Op, OpKind, Tensor
from sim.hw.model import Precision

PROLOGUE_KINDS = frozenset({OpKind.CHANNEL_SHUFFLE, OpKind.MUL})  # read maps a conv applies


class Algorithm:
    """How a convolution is computed; other ops ignore it. `auto` is what the device's
    runtime would pick (sim/trace/runtime.py)."""

    AUTO = "auto"
    DIRECT = "direct"
    IM2COL = "im2col"
    WINOGRAD_2X2 = "winograd2x2"  # F(2x2, 3x3)
    WINOGRAD_4X4 = "winograd4x4"  # F(4x4, 3x3)
    WINOGRAD_6X6 = "winograd6x6"  # F(6x6, 3x3)
    ALL = CONV_ALGORITHMS
    TILED = (AUTO, DIRECT, IM2COL)  # what a stage of a tiled chain may run (no Winograd)


@define(frozen=True)
class Buffer:
    """A byte range of the flat address space, aligned to the largest cache line."""

    name: str
    address: int
    size_bytes: int

    @property
    def end(self) -> int:
        return self.address + self.size_bytes


@define(frozen=True)
class Kernel:
    """One or more ops executed together, as one loop nest: the nest of `ops[main]`.

    Ops before `main` are its prologue, read maps applied as it loads its input (a channel
    shuffle's permutation, an SE gate's per-channel scale); ops after it are its epilogue,
    elementwise ops applied to each result before it is stored (bias, activations, the add
    of a residual). Each op consumes the previous one's output, which never reaches memory.
    `absorbed` names graph ops this kernel performs without running them: a batch-norm,
    scale or bias folded into the main op's parameters, a concat or split done by placement.

    With a `tile` (rows, columns of the last op's output), the kernel is a tiled chain of
    convs: its `stages` (each conv with its read maps before it and the elementwise ops
    after it; `stage_starts` is the index of each stage's first op) run tile by tile, each
    tile computing the rows and columns of every stage's output that the next stage needs
    (halo included); `main` is the last conv. A `per_channel` kernel runs a pooling and
    the depthwise conv that reads it one channel at a time (fine granularity): each pooled
    plane stays on chip; `main` is the depthwise conv.
    """

    name: str
    ops: tuple[Op, ...] = field(converter=tuple)
    algorithm: str = Algorithm.AUTO
    main: int = 0
    absorbed: tuple[str, ...] = field(default=(), converter=tuple)
    tile: tuple[int, int] | None = field(default=None, converter=converters.optional(tuple))
    per_channel: bool = False
    stage_starts: tuple[int, ...] = field(default=(), converter=tuple)

    @property
    def stages(self) -> tuple["Kernel", ...]:
        """The convs of a tiled chain, each with its epilogue (the first also with the
        kernel's prologue), as kernels; the pooling and the depthwise conv with its epilogue
        of a per-channel kernel; else the kernel itself."""
        if self.per_channel:
            return (
                Kernel(f"{self.name}/{self.ops[0].name}", self.ops[:1]),
                Kernel(f"{self.name}/{self.ops[1].name}", self.ops[1:], self.algorithm),
            )
        if self.tile is None:
            return (self,)
        spans = self.stage_spans
        mains = [next(i for i in range(s, e) if self.ops[i].kind in CONV_KINDS) for s, e in spans]
        return tuple(
            Kernel(
                f"{self.name}/{self.ops[m].name}",
                self.ops[s:e],
                self.ops[m].attrs.algorithm,
                m - s,
            )
            for (s, e), m in zip(spans, mains, strict=True)
        )

    @property
    def stage_spans(self) -> tuple[tuple[int, int], ...]:
        """[start, end) of each stage of a tiled chain in `ops`."""
        starts = self.stage_starts
        return tuple(zip(starts, (*starts[1:], len(self.ops)), strict=True))

    @property
    def main_op(self) -> Op:
        return self.ops[self.main]

    @property
    def prologue(self) -> tuple[Op, ...]:
        return self.ops[: self.main]

    @property
    def epilogue(self) -> tuple[Op, ...]:
        return self.ops[self.main + 1 :]

    @functools.cached_property
    def inputs(self) -> tuple[Tensor, ...]:
        """The activations the kernel loads: inputs of its ops not produced inside it (worked
        out once per kernel: the passes ask every kernel for them at each step)."""
        inside = {t.name for t in self.on_chip}
        seen: dict[str, Tensor] = {}
        for op in self.ops:
            for t in op.inputs:
                if t.name not in inside:
                    seen.setdefault(t.name, t)
        return tuple(seen.values())

    @property
    def params(self) -> tuple[Tensor, ...]:
        return tuple(t for op in self.ops for t in op.params)

    @property
    def outputs(self) -> tuple[Tensor, ...]:
        """The tensors the kernel stores: the last op's outputs."""
        return self.ops[-1].outputs

    @property
    def on_chip(self) -> tuple[Tensor, ...]:
        """Tensors produced and consumed inside the kernel: they never reach memory."""
        return tuple(t for op in self.ops[:-1] for t in op.outputs)


@define(frozen=True)
class Schedule:
    name: str
    graph: Graph
    precision: Precision
    kernels: tuple[Kernel, ...] = field(converter=tuple)
    buffers: dict[str, Buffer]  # tensor name -> its bytes; views share their source's
    workspace_address: int  # scratch for packing, im2col and transforms starts here

    def buffer(self, tensor_name: str) -> Buffer:
        return self.buffers[tensor_name]

    @property
    def footprint_bytes(self) -> int:
        """Bytes of all tensors, from address 0 to the workspace."""
        return self.workspace_address
