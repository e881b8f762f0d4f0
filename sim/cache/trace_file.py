"""Read memory-access traces from files: Dinero's `din` text format and numpy `.npy`.

din (optionally gzipped): one access per line, `label address [size]`. The label is 0 (read),
1 (write) or 2 (instruction fetch, replayed as a read); the address is hexadecimal (ASCII
digits, with or without 0x); the size is a decimal number of bytes. Without a size, an access
is the 4-byte word at the address rounded down to a multiple of 4, as Dinero IV reads its
traditional din format. Blank lines and `#` comments are skipped.

.npy: a structured array with fields `address`, `is_write` and optionally `size`, or an
integer array of 2 or 3 columns in that order. Without sizes, each access is one byte (one
line). The header is checked against the file's size before any data is read.

Bounds, so that a hostile file ends in one clear error rather than a hang: at most 2**25
accesses, each of at most 4 KiB (a page) and ending below 2**64, 64 GiB touched in all, and
at most 256 MiB of din text (after decompression, which may not inflate more than 100-fold).
Every problem names the file and the line
(din) or row (.npy).
"""

import gzip
import re
import zlib
from pathlib import Path

import numpy as np

from sim.cache.accesses import ADDRESS_LIMIT, Accesses, as_accesses
from sim.errors import TraceError

DIN_LABELS = {"0": False, "1": True, "2": False}  # label -> is_write
DIN_WORD_BYTES = 4
NPY_FIELDS = ("address", "is_write", "size")
MAX_ACCESSES = 2**25
MAX_ACCESS_BYTES = 4096
MAX_TOTAL_BYTES = 2**36
MAX_TEXT_BYTES = 256 * 2**20
MAX_LINE_CHARS = 1024
CHUNK_CHARS = 2**22
MAX_GZIP_RATIO = 100
_HEX = re.compile(r"(?:0[xX])?[0-9a-fA-F]{1,32}", re.A)
_DECIMAL = re.compile(r"[0-9]{1,12}", re.A)


def read_trace(path: str) -> Accesses:
    """The accesses in `path`: `.npy` by suffix, din text (or `.gz`) otherwise."""
    if Path(path).is_dir():
        raise TraceError("is a directory, not a trace file", file=path)
    if Path(path).exists() and not Path(path).is_file():
        raise TraceError("is not a regular file (a device or a pipe?)", file=path)
    if not Path(path).is_file():
        raise TraceError("no such trace file", file=path)
    trace = _read_npy(path) if path.endswith(".npy") else _read_din(path)
    total = int(trace.sizes_bytes.sum()) if len(trace.sizes_bytes) else len(trace)
    if total > MAX_TOTAL_BYTES:
        raise TraceError(f"the accesses touch {total:,} B, more than 64 GiB in all", file=path)
    return trace


def _din_chunks(path: str):
    """(number of the first line, text of whole lines) of the din file, read a block at a time:
    a file without line breaks, too much text, or gzip that inflates more than 100-fold (a
    bomb) stops at the first block over the limit."""
    if not path.endswith(".gz") and Path(path).stat().st_size > MAX_TEXT_BYTES:
        raise TraceError(f"more than {MAX_TEXT_BYTES // 2**20} MiB of din text", file=path)
    opener = gzip.open if path.endswith(".gz") else open
    read, number, carry = 0, 1, ""
    with opener(path, "rt", encoding="utf-8") as handle:
        while block := handle.read(CHUNK_CHARS):
            read += len(block)
            _check_size(path, handle, read)
            text = carry + block
            cut = text.rfind("\n") + 1
            carry = text[cut:]
            if len(carry) > MAX_LINE_CHARS:
                place = f"line {number + text.count(chr(10), 0, cut)}"
                reason = f"a line longer than {MAX_LINE_CHARS} characters"
                raise TraceError(reason, file=path, place=place)
            if cut:
                yield number, text[:cut]
                number += text.count("\n", 0, cut)
    if carry:
        yield number, carry + "\n"


def _check_size(path: str, handle, read: int) -> None:
    if read > MAX_TEXT_BYTES:
        raise TraceError(f"more than {MAX_TEXT_BYTES // 2**20} MiB of din text", file=path)
    compressed = getattr(handle.buffer, "fileobj", None)
    if compressed is not None and read > CHUNK_CHARS:
        ratio = read / max(compressed.tell(), 1)
        if ratio > MAX_GZIP_RATIO:
            raise TraceError(
                f"gzip inflates {ratio:,.0f}-fold, more than {MAX_GZIP_RATIO}-fold (a gzip bomb?)",
                file=path,
            )


def _read_din(path: str) -> Accesses:
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    count = 0
    try:
        for number, text in _din_chunks(path):
            part = _clean_chunk(text) or _checked_chunk(path, number, text)
            count += len(part[0])
            if count > MAX_ACCESSES:
                raise TraceError(f"more than {MAX_ACCESSES:,} accesses", file=path)
            parts.append(part)
    except UnicodeDecodeError:
        raise TraceError("not a din text file (not UTF-8)", file=path) from None
    except (OSError, EOFError, zlib.error) as exc:
        raise TraceError(f"cannot read file ({exc})", file=path) from None
    if not parts:
        return as_accesses(np.empty(0, np.uint64), False, np.empty(0, np.int64))
    addresses, writes, sizes = (np.concatenate(column) for column in zip(*parts))
    return as_accesses(addresses, writes, sizes)


def _clean_chunk(text: str):
    """The accesses of a chunk of plain `label address [size]` lines, tokenised, checked and
    converted by numpy (the line-by-line reader takes ten times longer); None if a line is
    anything else (a comment, a mistake, a value out of range): the line-by-line reader then
    reads the chunk and names the line at fault."""
    if not text.isascii():
        return None
    chars = np.frombuffer(text.encode("ascii"), np.uint8)
    if not _ALLOWED[chars].all():
        return None
    blank = (chars == 32) | (chars == 9) | (chars == 10)
    starts = np.flatnonzero(~blank & np.r_[True, blank[:-1]])
    ends = np.flatnonzero(~blank & np.r_[blank[1:], True]) + 1
    if not len(starts):
        return np.empty(0, np.uint64), np.empty(0, bool), np.empty(0, np.int64)
    line = np.cumsum(chars == 10)[starts]
    index = np.arange(len(starts))
    first = np.maximum.accumulate(np.where(np.r_[True, line[1:] != line[:-1]], index, 0))
    position = index - first  # 0: label, 1: address, 2: size
    label, address, size = (position == 0), (position == 1), (position == 2)
    if (position > 2).any() or (np.bincount(np.cumsum(label) - 1) < 2).any():
        return None
    labels = chars[starts[label]]
    address_starts = starts[address] + 2 * (chars[starts[address] + 1] | 32 == ord("x"))
    bad = (
        ((ends[label] - starts[label]) != 1) | ((labels < ord("0")) | (labels > ord("2")))
    ).any() or not _digits_ok(chars, address_starts, ends[address], 16, _IS_HEX)
    if bad or not _digits_ok(chars, starts[size], ends[size], 4, _IS_DECIMAL):
        return None
    has_size = np.zeros(len(labels), bool)
    has_size[np.cumsum(label)[size] - 1] = True
    addresses = _digits(chars, address_starts, ends[address], 16)
    sizes = np.full(len(labels), DIN_WORD_BYTES, np.uint64)
    sizes[has_size] = _digits(chars, starts[size], ends[size], 10)
    addresses[~has_size] -= addresses[~has_size] % np.uint64(DIN_WORD_BYTES)
    last = np.uint64(ADDRESS_LIMIT - 1) - (sizes - np.uint64(1))  # a size of 0 fails below
    if (sizes < 1).any() or (sizes > MAX_ACCESS_BYTES).any() or (addresses > last).any():
        return None
    return addresses, labels == ord("1"), sizes.astype(np.int64)


def _digits_ok(chars, starts, ends, most: int, allowed: np.ndarray) -> bool:
    """Each token has 1 to `most` characters, all of them `allowed` digits."""
    lengths = ends - starts
    if ((lengths < 1) | (lengths > most)).any():
        return False
    at = np.repeat(starts - np.r_[0, np.cumsum(lengths)[:-1]], lengths) + np.arange(lengths.sum())
    return bool(allowed[chars[at]].all())


_ALLOWED = np.zeros(256, bool)
_IS_HEX = np.zeros(256, bool)
_IS_DECIMAL = np.zeros(256, bool)
for _char in "0123456789abcdefABCDEFxX \t\n":
    _ALLOWED[ord(_char)] = True
    _IS_HEX[ord(_char)] = _char in "0123456789abcdefABCDEF"
    _IS_DECIMAL[ord(_char)] = _char.isdigit()


_HEX_VALUE = np.zeros(256, np.uint64)
for _digit in "0123456789abcdefABCDEF":
    _HEX_VALUE[ord(_digit)] = int(_digit, 16)


def _digits(chars: np.ndarray, starts: np.ndarray, ends: np.ndarray, base: int) -> np.ndarray:
    """The numbers written in `chars[starts[i]:ends[i]]` (at most 16 hex or 4 decimal digits,
    which the grammar guarantees), all at once."""
    lengths = ends - starts
    offsets = np.r_[0, np.cumsum(lengths)[:-1]]
    token = np.repeat(np.arange(len(starts)), lengths)
    at = starts[token] + np.arange(lengths.sum()) - offsets[token]
    power = (ends[token] - 1 - at).astype(np.uint64)
    values = _HEX_VALUE[chars[at]] * np.uint64(base) ** power
    return np.add.reduceat(values, offsets) if len(starts) else values


def _checked_chunk(path: str, first: int, text: str):
    """Line by line, with comments: the accesses, or a TraceError naming the line."""
    addresses, writes, sizes = [], [], []
    for number, raw in enumerate(text.split("\n")[:-1], start=first):
        if len(raw) >= MAX_LINE_CHARS:
            reason = f"a line longer than {MAX_LINE_CHARS} characters"
            raise TraceError(reason, file=path, place=f"line {number}")
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
    return np.array(addresses, np.uint64), np.array(writes, bool), np.array(sizes, np.int64)


def _din_access(fields: list[str]) -> tuple[int, bool, int]:
    if len(fields) not in (2, 3):
        raise ValueError(f"expected 'label address [size]', got {len(fields)} fields")
    label, address_text = fields[0], fields[1]
    if label not in DIN_LABELS:
        raise ValueError(
            f"label must be 0 (read), 1 (write) or 2 (instruction fetch), got {label!r}"
        )
    if not _HEX.fullmatch(address_text):
        raise ValueError(f"address {address_text!r} is not hexadecimal")
    address = int(address_text, 16)
    if address >= ADDRESS_LIMIT:
        raise ValueError(f"address {address_text} does not fit in 64 bits")
    if len(fields) == 2:
        return address - address % DIN_WORD_BYTES, DIN_LABELS[label], DIN_WORD_BYTES
    if not _DECIMAL.fullmatch(fields[2]) or not 1 <= int(fields[2]) <= MAX_ACCESS_BYTES:
        raise ValueError(
            f"size must be a decimal number of bytes from 1 to {MAX_ACCESS_BYTES}, "
            f"got {fields[2]!r}"
        )
    size = int(fields[2])
    if address + size > ADDRESS_LIMIT:
        raise ValueError(f"access of {size} B at {address_text} ends beyond 2**64")
    return address, DIN_LABELS[label], size


def _npy_header(path: str) -> tuple[tuple[int, ...], np.dtype]:
    """The shape and dtype an .npy header declares, once the file is long enough to hold them."""
    with open(path, "rb") as handle:
        version = np.lib.format.read_magic(handle)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(handle)
        else:
            shape, _, dtype = np.lib.format.read_array_header_2_0(handle)
        data_bytes = Path(path).stat().st_size - handle.tell()
    if dtype.hasobject:
        raise ValueError("holds Python objects, not numbers")
    declared = int(np.prod(shape, dtype=object)) * dtype.itemsize
    if declared > data_bytes:
        raise ValueError(
            f"its header declares shape {shape} ({declared:,} B), the file holds {data_bytes:,} B"
        )
    if shape and shape[0] > MAX_ACCESSES:
        raise ValueError(f"{shape[0]:,} rows, more than {MAX_ACCESSES:,} accesses")
    return shape, dtype


def _read_npy(path: str) -> Accesses:
    try:
        _npy_header(path)
        data = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as exc:
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
    _check_rows(path, sizes > MAX_ACCESS_BYTES, f"size is more than {MAX_ACCESS_BYTES} bytes")
    last_bytes = sizes.astype(np.uint64) - np.uint64(1)
    _check_rows(path, addresses > np.uint64(ADDRESS_LIMIT - 1) - last_bytes, "ends beyond 2**64")
    return as_accesses(addresses, is_write != 0, sizes)


def _check_rows(path: str, bad: np.ndarray, reason: str) -> None:
    rows = np.flatnonzero(bad)
    if len(rows):
        raise TraceError(reason, file=path, place=f"row {rows[0]}")
