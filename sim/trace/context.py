"""What every generator needs to know about one kernel: sizes, addresses and the workspace.

Layout: a runtime that packs channels (ncnn on ARM: NC4HW4 when C is a multiple of 4)
stores a feature map as groups of `lanes` channels, each group pixel-major with the lanes'
values side by side: element (n, c, y, x) of an N x C x H x W tensor packed by P is at

    ((n*C + c - c%P) * H*W + (y*W + x) * P + c%P) * element bytes,

P = 1 being plain NCHW. `pack_of(tensor)` says which P a generator addresses a tensor with.
The bytes of a tensor are the same either way, so each generator takes the layout its
kernel runs on (docs/traces.md); tiled chains and per-channel kernels stay NCHW.

Workspace layout (from `schedule.workspace_address` up): first the Winograd-transformed
weights of every Winograd kernel and the packed sparse weights of every sparse kernel of the
schedule, in kernel order (model data, transformed once at load time, so each kernel keeps
its own bytes); then the scratch region that every
kernel reuses for packed panels, column buffers and transform buffers, as a runtime reuses
one scratch allocation kernel after kernel.
"""

import functools

from attrs import define, field

from sim.graph.model import CONV_KINDS, Op, OpKind, Tensor
from sim.graph.sparsity import sparse_algorithm, storage
from sim.hw.model import Hardware, Precision
from sim.schedule.model import Algorithm, Buffer, Kernel, Schedule
from sim.schedule.naive import align
from sim.trace.fused import Epilogue, aliases, epilogue_of
from sim.trace.runtime import Runtime, conv_algorithm, runtime_of

WINOGRAD_OUTPUT_TILE = {
    Algorithm.WINOGRAD_2X2: 2,
    Algorithm.WINOGRAD_4X4: 4,
    Algorithm.WINOGRAD_6X6: 6,
}
WHOLE = (0, 1)  # the part (index, count) that is the whole kernel


def winograd_weights_elements(op: Op, algorithm: str) -> int:
    """Elements of the pre-transformed weights U: (m+2)^2 x C_out x C_in."""
    t = WINOGRAD_OUTPUT_TILE[algorithm] + 2
    return t * t * op.attrs.out_channels * op.inputs[0].shape[1]


def resolved_algorithm(
    kernel: Kernel, hw: Hardware, precision: Precision, allowed=Algorithm.ALL
) -> str:
    """The kernel's algorithm, `auto` replaced by the runtime's choice (runtime.py): a
    conv2d's, direct for a depthwise conv; other ops have only one way and keep `auto`."""
    op, algorithm = kernel.main_op, kernel.algorithm
    sparse = sparse_algorithm(op)
    if sparse is not None:  # sparse weights run the sparse kernel (sparse.py)
        return sparse
    if algorithm != Algorithm.AUTO or op.kind not in CONV_KINDS:
        return algorithm
    if op.kind is OpKind.DEPTHWISE_CONV2D:
        return Algorithm.DIRECT
    return conv_algorithm(op, hw, precision, allowed)


def sparse_weights_bytes(kernel: Kernel, precision: Precision) -> int:
    """Bytes the kernel's sparse weights take in the workspace (0 if it runs dense): values,
    indices and counts, each aligned (sparse.py)."""
    if kernel.tile is not None or kernel.per_channel:
        return 0
    stored = storage(kernel.main_op, precision.bytes)
    if stored is None:
        return 0
    return align(stored.value_bytes) + align(stored.index_bytes) + align(stored.count_bytes)


def _winograd(kernel: Kernel, hw: Hardware, precision: Precision, allowed) -> str | None:
    """The kernel's Winograd algorithm, if it runs one."""
    if kernel.tile is not None or kernel.main_op.kind is not OpKind.CONV2D:
        return None
    algorithm = resolved_algorithm(kernel, hw, precision, allowed)
    return algorithm if algorithm in WINOGRAD_OUTPUT_TILE else None


def share_of(count: int, grain: int, index: int, parts: int) -> tuple[int, int]:
    """[lo, hi): part `index` of `parts` contiguous shares of `count` iterations, cut at
    multiples of `grain`; the shares of all parts cover [0, count) once, in order."""
    units = -(-count // grain)
    lo, hi = units * index // parts * grain, units * (index + 1) // parts * grain
    return min(lo, count), min(hi, count)


@define(frozen=True, eq=False)
class _Same:
    """Objects compared by identity: a cache key for frozen values too big to hash."""

    objects: tuple

    def __eq__(self, other) -> bool:
        return all(a is b for a, b in zip(self.objects, other.objects, strict=True))

    def __hash__(self) -> int:
        return hash(tuple(map(id, self.objects)))


@functools.lru_cache(maxsize=4)
def _workspace(key: _Same) -> tuple[dict[str, int], int]:
    """({kernel name: its own pre-transformed weights}, scratch address) of a schedule on a
    device with `allowed` algorithms (module docstring); every kernel asks, unit by unit."""
    schedule, hw, allowed = key.objects
    precision = schedule.precision
    cursor = schedule.workspace_address
    persistent = {}
    for kernel in schedule.kernels:
        persistent[kernel.name] = cursor
        algorithm = _winograd(kernel, hw, precision, allowed)
        if algorithm is not None:
            elements = winograd_weights_elements(kernel.main_op, algorithm)
            cursor = align(cursor + elements * precision.bytes)
        cursor += sparse_weights_bytes(kernel, precision)
    return persistent, cursor


@define(frozen=True)
class Context:
    """One kernel (or one part of it) on one device: element, vector and line sizes, its
    algorithm, buffers and workspace.

    `part` = (index, count): this trace is part `index` of `count` that together run the
    kernel, each on its own unit, splitting the kernel's outermost parallel loop as the
    runtime does (each generator says which); (0, 1) is the whole kernel.
    """

    kernel: Kernel
    schedule: Schedule
    hw: Hardware
    algorithm: str  # the main op's algorithm, never `auto` for a conv
    persistent_address: int  # this kernel's own pre-transformed weights, if any
    scratch_address: int  # scratch shared by all kernels
    aliases: dict[str, str]  # tensors of a fused kernel that use another tensor's bytes
    epilogue: Epilogue | None
    part: tuple[int, int] = WHOLE
    packs: bool = False  # feature maps are packed by `lanes` channels where they divide
    element_bytes: int = field(init=False)  # the precision's, looked up once: read per block

    @element_bytes.default
    def _element_bytes(self) -> int:
        return self.schedule.precision.bytes

    @classmethod
    def of(
        cls,
        kernel: Kernel,
        schedule: Schedule,
        hw: Hardware,
        part: tuple[int, int] = WHOLE,
        allowed: tuple[str, ...] = Algorithm.ALL,
        packs: bool | None = None,
    ) -> "Context":
        """`packs`: None for the runtime's own layout, else whether to pack."""
        persistent, scratch = _workspace(_Same((schedule, hw, allowed)))
        alias = aliases(kernel)

        def buffer(tensor: Tensor) -> Buffer:
            return schedule.buffer(alias.get(tensor.name, tensor.name))

        return cls(
            kernel,
            schedule,
            hw,
            algorithm=resolved_algorithm(kernel, hw, schedule.precision, allowed),
            persistent_address=persistent.get(kernel.name, schedule.workspace_address),
            scratch_address=scratch,
            aliases=alias,
            epilogue=epilogue_of(kernel, buffer),
            part=part,
            packs=runtime_of(hw) is Runtime.NCNN if packs is None else packs,
        )

    def share(self, count: int, grain: int = 1) -> tuple[int, int]:
        """[lo, hi): this part's contiguous share of `count` iterations (share_of)."""
        return share_of(count, grain, *self.part)

    @property
    def line_bytes(self) -> int:
        return self.hw.line_bytes

    @property
    def vector_bytes(self) -> int:
        """Bytes one load or store instruction moves: one register."""
        return self.hw.core.registers.width_bytes

    @property
    def lanes(self) -> int:
        return max(1, self.vector_bytes // self.element_bytes)

    @property
    def register_count(self) -> int:
        return self.hw.core.registers.count

    def pack_of(self, tensor: Tensor) -> int:
        """Channels per pixel group of a feature map: `lanes` if packed, else 1."""
        shape = tensor.shape
        if not self.packs or len(shape) != 4 or shape[1] % self.lanes:
            return 1
        return self.lanes

    def address(self, tensor: Tensor) -> int:
        return self.schedule.buffer(self.aliases.get(tensor.name, tensor.name)).address
