"""What every generator needs to know about one kernel: sizes, addresses and the workspace.

Workspace layout (from `schedule.workspace_address` up): first the Winograd-transformed
weights of every Winograd kernel of the schedule, in kernel order (model data, transformed
once at load time, so each kernel keeps its own bytes); then the scratch region that every
kernel reuses for packed panels, column buffers and transform buffers, as a runtime reuses
one scratch allocation kernel after kernel.
"""

from attrs import define

from sim.graph.model import Op, OpKind, Tensor
from sim.hw.model import Hardware
from sim.schedule.model import Algorithm, Buffer, Kernel, Schedule
from sim.schedule.naive import align
from sim.trace.fused import Epilogue, aliases, epilogue_of

LINE_BYTES_WITHOUT_CACHES = 64
WINOGRAD_OUTPUT_TILE = {Algorithm.WINOGRAD_2X2: 2, Algorithm.WINOGRAD_4X4: 4}


def winograd_weights_elements(op: Op, algorithm: str) -> int:
    """Elements of the pre-transformed weights U: (m+2)^2 x C_out x C_in."""
    t = WINOGRAD_OUTPUT_TILE[algorithm] + 2
    return t * t * op.attrs.out_channels * op.inputs[0].shape[1]


def _is_winograd(kernel: Kernel) -> bool:
    return kernel.algorithm in WINOGRAD_OUTPUT_TILE and kernel.main_op.kind is OpKind.CONV2D


@define(frozen=True)
class Context:
    """One kernel on one device: element, vector and line sizes, buffers and workspace."""

    kernel: Kernel
    schedule: Schedule
    hw: Hardware
    persistent_address: int  # this kernel's own pre-transformed weights, if any
    scratch_address: int  # scratch shared by all kernels
    aliases: dict[str, str]  # tensors of a fused kernel that use another tensor's bytes
    epilogue: Epilogue | None

    @classmethod
    def of(cls, kernel: Kernel, schedule: Schedule, hw: Hardware) -> "Context":
        cursor = schedule.workspace_address
        mine = cursor
        for other in schedule.kernels:
            if other.name == kernel.name:
                mine = cursor
            if _is_winograd(other):
                elements = winograd_weights_elements(other.main_op, other.algorithm)
                cursor = align(cursor + elements * schedule.precision.bytes)
        alias = aliases(kernel)

        def buffer(tensor: Tensor) -> Buffer:
            return schedule.buffer(alias.get(tensor.name, tensor.name))

        return cls(
            kernel,
            schedule,
            hw,
            persistent_address=mine,
            scratch_address=cursor,
            aliases=alias,
            epilogue=epilogue_of(kernel, buffer),
        )

    @property
    def element_bytes(self) -> int:
        return self.schedule.precision.bytes

    @property
    def line_bytes(self) -> int:
        return self.hw.caches[0].line_bytes if self.hw.caches else LINE_BYTES_WITHOUT_CACHES

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

    def address(self, tensor: Tensor) -> int:
        return self.schedule.buffer(self.aliases.get(tensor.name, tensor.name)).address
