"""A schedule: kernels (op groups with an algorithm) and the byte address of every buffer.

The schedule is a value: passes rewrite it into a new one, and it can be saved and replayed.
"""

from attrs import define, field

from sim.graph.model import CONV_ALGORITHMS, Graph, Op
from sim.hw.model import Precision


class Algorithm:
    """How a convolution is computed; other ops ignore it."""

    AUTO = "auto"
    DIRECT = "direct"
    IM2COL = "im2col"
    WINOGRAD_2X2 = "winograd2x2"  # F(2x2, 3x3)
    WINOGRAD_4X4 = "winograd4x4"  # F(4x4, 3x3)
    ALL = CONV_ALGORITHMS


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
    """One or more ops executed together."""

    name: str
    ops: tuple[Op, ...] = field(converter=tuple)
    algorithm: str = Algorithm.AUTO


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
