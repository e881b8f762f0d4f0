"""A tile: one step of a kernel, with its arithmetic and its ordered cache-line accesses."""

import numpy as np
from attrs import define, field


def _u64(values) -> np.ndarray:
    return np.ascontiguousarray(values, dtype=np.uint64)


def _flags(values) -> np.ndarray:
    return np.ascontiguousarray(values, dtype=np.bool_)


def _sizes(values) -> np.ndarray | None:
    return None if values is None else np.ascontiguousarray(values, dtype=np.int64)


@define(frozen=True, eq=False)
class Tile:
    """What the core does in one step of a kernel.

    `line_addresses` are byte addresses aligned to the innermost cache's line, in program
    order; consecutive element accesses to one line are already merged into one entry, and
    the merged ones are counted in `collapsed_accesses` (L1 hits that need no simulation).
    `spill_accesses` are register spills: loads and stores to the stack, also L1 hits.
    `sizes_bytes`, when given, is the bytes each entry covers from its line address: a store
    run that writes a whole line has the line's size, which lets a write-back cache allocate
    it without fetching it first (a streaming store); 1 otherwise.
    """

    flops: int
    line_addresses: np.ndarray = field(converter=_u64)
    is_write: np.ndarray = field(converter=_flags)
    collapsed_accesses: int = 0
    spill_accesses: int = 0
    sizes_bytes: np.ndarray | None = field(default=None, converter=_sizes)

    def __attrs_post_init__(self) -> None:
        if self.line_addresses.shape != self.is_write.shape or self.line_addresses.ndim != 1:
            raise ValueError("line_addresses and is_write must be 1-D arrays of one length")
        if self.sizes_bytes is not None and self.sizes_bytes.shape != self.line_addresses.shape:
            raise ValueError("sizes_bytes must have one entry per line access")

    @property
    def line_accesses(self) -> int:
        return int(self.line_addresses.size)
