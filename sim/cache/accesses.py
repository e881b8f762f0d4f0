"""A trace of memory accesses as the cache models take it: three flat numpy arrays.

Both engines and the trace readers agree on this one form, so the fast kernel never sees a
Python object per access and never needs more than one compiled specialization.
"""

import numpy as np
from attrs import define, field

ADDRESS_LIMIT = 2**64  # an access may touch bytes up to 2**64 - 1, never beyond


@define(frozen=True, eq=False)
class Accesses:
    """`addresses` (uint64 byte addresses), `is_write` (uint8, nonzero: a write) and either
    per-access `sizes_bytes` (int64 >= 1) or, if that array is empty, `uniform_size_bytes`."""

    addresses: np.ndarray
    is_write: np.ndarray
    sizes_bytes: np.ndarray = field(factory=lambda: np.empty(0, np.int64))
    uniform_size_bytes: int = 1

    def __len__(self) -> int:
        return len(self.addresses)

    def size_of(self, index: int) -> int:
        return int(self.sizes_bytes[index]) if len(self.sizes_bytes) else self.uniform_size_bytes


def as_accesses(addresses, is_write, sizes=None) -> Accesses:
    """Check and convert user arrays; copies only when a dtype or layout must change.

    `is_write` may be one bool for every access. `sizes` may be None (each access touches the
    one byte at its address, hence exactly one line), one int for all, or an array.
    """
    addresses = np.asarray(addresses)
    if addresses.ndim != 1:
        raise ValueError(f"addresses must be one-dimensional, got shape {addresses.shape}")
    if addresses.dtype != np.uint64:
        if addresses.dtype.kind not in "iu":
            raise ValueError(f"addresses must be integers, got dtype {addresses.dtype}")
        if addresses.dtype.kind == "i" and len(addresses) and addresses.min() < 0:
            raise ValueError("addresses must not be negative")
        addresses = addresses.astype(np.uint64)
    is_write = np.asarray(is_write)
    if is_write.ndim == 0:
        is_write = np.full(len(addresses), bool(is_write))
    if is_write.shape != addresses.shape:
        raise ValueError(f"is_write has shape {is_write.shape}, addresses {addresses.shape}")
    if is_write.dtype == np.bool_:
        is_write = is_write.view(np.uint8)
    elif is_write.dtype != np.uint8:  # uint8 is taken as it is: nonzero means a write
        is_write = (is_write != 0).view(np.uint8)
    is_write = np.ascontiguousarray(is_write)
    addresses = np.ascontiguousarray(addresses)
    if sizes is None or np.ndim(sizes) == 0:
        size = 1 if sizes is None else int(sizes)
        if size < 1:
            raise ValueError(f"access size must be at least 1 byte, got {size}")
        return Accesses(addresses, is_write, uniform_size_bytes=size)
    sizes = np.ascontiguousarray(sizes, dtype=np.int64)
    if sizes.shape != addresses.shape:
        raise ValueError(f"sizes has shape {sizes.shape}, addresses {addresses.shape}")
    if len(sizes) and sizes.min() < 1:
        raise ValueError("access sizes must be at least 1 byte")
    return Accesses(addresses, is_write, sizes_bytes=sizes)
