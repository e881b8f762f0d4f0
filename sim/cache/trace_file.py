"""Read memory-access traces from files: Dinero's `din` text format and numpy `.npy`.

din (optionally gzipped): one access per line, `label address [size]`. The label is 0 (read),
1 (write) or 2 (instruction fetch, replayed as a read); the address is hexadecimal, with or
without 0x; the size is a decimal number of bytes. Without a size, an access is the 4-byte
word at the address rounded down to a multiple of 4, as Dinero IV reads its traditional din
format. Blank lines and `#` comments are skipped.

.npy: a structured array with fields `address`, `is_write` and optionally `size`, or an
integer array of 2 or 3 columns in that order. Without sizes, each access is one byte (one
line). Every problem names the file and the line (din) or row (.npy).
"""

import gzip
from pathlib import Path

import numpy as np

from sim.cache.accesses import ADDRESS_LIMIT, Accesses, as_accesses
from sim.errors import TraceError

DIN_LABELS = {"0": False, "1": True, "2": False}  # label -> is_write
DIN_WORD_BYTES = 4
NPY_FIELDS = ("address", "is_write", "size")


def read_trace(path: str) -> Accesses:
    """The accesses in `path`: `.npy` by suffix, din text (or `.gz`) otherwise."""
    if Path(path).is_dir():
        raise TraceError("is a directory, not a trace file", file=path)
    if not Path(path).is_file():
        raise TraceError("no such trace file", file=path)
    if path.endswith(".npy"):
        return _read_npy(path)
    return _read_din(path)


def _read_din(path: str) -> Accesses:
    try:
        if path.endswith(".gz"):
            with gzip.open(path, "rt", encoding="utf-8") as handle:
                text = handle.read()
        else:
            text = Path(path).read_text(encoding="utf-8")
    except (OSError, EOFError) as exc:
        raise TraceError(f"cannot read file ({exc})", file=path) from None
    except UnicodeDecodeError:
        raise TraceError("not a din text file (not UTF-8)", file=path) from None
    addresses, writes, sizes = [], [], []
    for number, raw in enumerate(text.splitlines(), start=1):
        fields = raw.split("#", 1)[0].split()
        if not fields:
            continue
        try:
            address, is_write, size = _din_access(fields)
        except ValueError as exc:
            raise TraceError(str(exc), file=path, place=f"line {number}") from None
        addresses.append(address)
        writes.append(is_write)
        sizes.append(size)
    return as_accesses(np.array(addresses, np.uint64), np.array(writes, bool), np.array(sizes))


def _din_access(fields: list[str]) -> tuple[int, bool, int]:
    if len(fields) not in (2, 3):
        raise ValueError(f"expected 'label address [size]', got {len(fields)} fields")
    label, address_text = fields[0], fields[1]
    if label not in DIN_LABELS:
        raise ValueError(
            f"label must be 0 (read), 1 (write) or 2 (instruction fetch), got {label!r}"
        )
    try:
        address = int(address_text, 16)
    except ValueError:
        raise ValueError(f"address {address_text!r} is not hexadecimal") from None
    if address < 0 or address >= ADDRESS_LIMIT:
        raise ValueError(f"address {address_text} does not fit in 64 bits")
    if len(fields) == 2:
        return address - address % DIN_WORD_BYTES, DIN_LABELS[label], DIN_WORD_BYTES
    if not fields[2].isdigit() or int(fields[2]) < 1:
        raise ValueError(f"size must be a positive decimal number of bytes, got {fields[2]!r}")
    size = int(fields[2])
    if address + size > ADDRESS_LIMIT:
        raise ValueError(f"access of {size} B at {address_text} ends beyond 2**64")
    return address, DIN_LABELS[label], size


def _read_npy(path: str) -> Accesses:
    try:
        data = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise TraceError(f"not a readable .npy file ({exc})", file=path) from None
    if data.dtype.names:
        unknown = set(data.dtype.names) - set(NPY_FIELDS)
        missing = {"address", "is_write"} - set(data.dtype.names)
        if unknown or missing or data.ndim != 1:
            raise TraceError(
                f"expected a 1-D structured array with fields {', '.join(NPY_FIELDS)} "
                f"(size optional), got fields {', '.join(data.dtype.names)} "
                f"and shape {data.shape}",
                file=path,
            )
        columns = [data[name] for name in NPY_FIELDS if name in data.dtype.names]
    elif data.ndim == 2 and data.shape[1] in (2, 3):
        columns = list(data.T)
    else:
        raise TraceError(
            f"expected a structured array or 2 or 3 columns (address, is_write[, size]), "
            f"got shape {data.shape}",
            file=path,
        )
    for name, column in zip(NPY_FIELDS, columns):
        if column.dtype.kind not in ("iub" if name == "is_write" else "iu"):
            raise TraceError(f"{name} must be integers, got dtype {column.dtype}", file=path)
    addresses, is_write = columns[0], columns[1]
    _check_rows(path, addresses < 0, "address is negative")
    _check_rows(path, (is_write != 0) & (is_write != 1), "is_write must be 0 or 1")
    addresses = addresses.astype(np.uint64)
    if len(columns) == 2:
        return as_accesses(addresses, is_write != 0)
    sizes = columns[2]
    _check_rows(path, sizes < 1, "size must be at least 1 byte")
    last_bytes = sizes.astype(np.uint64) - np.uint64(1)
    _check_rows(path, addresses > np.uint64(ADDRESS_LIMIT - 1) - last_bytes, "ends beyond 2**64")
    return as_accesses(addresses, is_write != 0, sizes)


def _check_rows(path: str, bad: np.ndarray, reason: str) -> None:
    rows = np.flatnonzero(bad)
    if len(rows):
        raise TraceError(reason, file=path, place=f"row {rows[0]}")
