"""From byte ranges in program order to tiles of collapsed cache-line accesses.

Generators describe what a loop nest touches as `Ranges`: contiguous byte ranges, each read
or written with register-wide loads or stores, in program order. `TileBuilder` cuts the
stream into tiles of at most `MAX_TILE_LINES` line accesses, turns ranges into the lines
they cover and merges consecutive accesses to the same (line, read/write) pair.

An access is one load or store of at most one register; an instruction never crosses a
line (an unaligned one is split in two), so a range touching `b` bytes of a line costs
ceil(b / register width) accesses of that line. Whatever is not a new (line, rw) entry is
counted in `collapsed_accesses`: those accesses hit the line the previous access touched.
"""

import itertools
import math
from collections.abc import Iterator

import numpy as np
from attrs import define, field

from sim.trace.lines import expand_lines, merge_repeats
from sim.trace.model import Tile

MAX_TILE_LINES = 4096  # line accesses per tile: fine enough for the engine to overlap tiles
PIECE_RANGES = 16384  # ranges generators aim to put in one Ranges


def _i64(values) -> np.ndarray:
    return np.ascontiguousarray(values, dtype=np.int64).ravel()


def _flags(values) -> np.ndarray:
    return np.ascontiguousarray(values, dtype=np.bool_).ravel()


@define(frozen=True, eq=False)
class Ranges:
    """Byte ranges in program order; a range of length 0 is no access (a masked slot).

    `own_pass`: the ranges belong to a pass whose output the code after it consumes (a
    packing pass). An in-order core runs such a pass to its end before the next loop starts,
    so its reads can overlap only its own work: TileBuilder never puts it in a tile with
    ranges of another pass."""

    flops: int
    starts: np.ndarray = field(converter=_i64)
    lengths: np.ndarray = field(converter=_i64)
    writes: np.ndarray = field(converter=_flags)
    spill_accesses: int = 0
    own_pass: bool = False


def _shape(value) -> tuple[int, ...]:
    if isinstance(value, np.ndarray):
        return value.shape
    return () if isinstance(value, bool | int) else np.shape(value)


def _broadcast(shapes) -> tuple[int, ...]:
    """np.broadcast_shapes without its temporary arrays (it dominated small steps)."""
    shapes = [shape for shape in shapes if shape]  # a scalar broadcasts to any shape
    if len(shapes) == 1:
        return tuple(shapes[0])
    out = [1] * max(map(len, shapes), default=0)
    for shape in shapes:
        for axis, size in enumerate(shape, len(out) - len(shape)):
            if size != 1 and out[axis] != size:
                if out[axis] != 1:
                    raise ValueError(f"shapes {shapes} do not broadcast together")
                out[axis] = size
    return tuple(out)


@define(frozen=True)
class Nested:
    """`join(parts)` as one part whose slots are all its inner steps, in order (`nest`):
    its leading `shape[:-1]` axes are the outer loops, `inner` the rest of the inner join's
    shape. It is filled straight into the arrays of the join it is a part of."""

    parts: list
    fulls: list  # each inner part's shape
    shape: tuple[int, ...]
    inner: tuple[int, ...]


def _full(part) -> tuple[int, ...]:
    if isinstance(part, Nested):
        return part.shape
    s, n, w = part
    return _broadcast([_shape(s), _shape(n), _shape(w)])


def _layout(parts) -> tuple[tuple[int, ...], list[tuple[int, ...]]]:
    """(leading axes, each part's shape) of parts side by side."""
    fulls = [_full(part) for part in parts]
    return _broadcast([f[:-1] for f in fulls]), fulls


def _fill(columns, parts, fulls) -> None:
    """Write the parts side by side along the last axis of `columns` (starts, lengths,
    writes), broadcasting each over the leading axes."""
    lo = 0
    for part, full in zip(parts, fulls):
        hi = lo + full[-1]
        views = [column[..., lo:hi] for column in columns]
        if isinstance(part, Nested):  # splitting the last axis: reshape gives a view
            shape = (*views[0].shape[:-1], *part.inner)
            _fill([view.reshape(shape) for view in views], part.parts, part.fulls)
        else:
            for view, value in zip(views, part):
                view[...] = value
        lo = hi


def join(parts) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parts `(starts, lengths, is_write)` or `Nested`, arrays whose last axis lists slots,
    side by side.

    The leading axes of all parts broadcast together (the loop indices of a step); a step's
    slots are the parts' last axes one after the other. Returns (starts, lengths, writes) of
    shape leading axes + (slots,).
    """
    lead, fulls = _layout(parts)
    shape = (*lead, sum(f[-1] for f in fulls))
    columns = (np.empty(shape, np.int64), np.empty(shape, np.int64), np.empty(shape, np.bool_))
    _fill(columns, parts, fulls)
    return columns


def nest(parts, outer_axes: int) -> Nested:
    """`join(parts)` as one part whose slots are all its inner steps, in order."""
    lead, fulls = _layout(parts)
    if len(lead) < outer_axes:
        raise ValueError(f"steps of shape {lead} have fewer than {outer_axes} axes to keep")
    inner = (*lead[outer_axes:], sum(f[-1] for f in fulls))
    return Nested(parts, fulls, (*lead[:outer_axes], math.prod(inner)), inner)


def steps(flops: int, parts, spill_accesses: int = 0) -> Ranges:
    """Ranges of a loop nest, ordered step by step in C order, slots in turn (see `join`)."""
    return Ranges(flops, *join(parts), spill_accesses)


def slots(flops: int, columns, spill_accesses: int = 0) -> Ranges:
    """`steps` with one slot per column: columns are `(starts, lengths, is_write)`."""
    parts = [(np.expand_dims(s, -1), np.expand_dims(n, -1), w) for s, n, w in columns]
    return steps(flops, parts, spill_accesses)


def concat(parts: list[Ranges]) -> Ranges:
    """Ranges of several steps, one after the other."""
    return Ranges(
        sum(p.flops for p in parts),
        np.concatenate([p.starts for p in parts]),
        np.concatenate([p.lengths for p in parts]),
        np.concatenate([p.writes for p in parts]),
        sum(p.spill_accesses for p in parts),
    )


def expand(ranges: Ranges, line_bytes: int, vector_bytes: int):
    """(keys, touched, done): for each line a range touches, in order, key = 2 x line
    index + is_write and the bytes the range touches in it; done[i] = the accesses to the
    lines before the i-th (lines.py)."""
    shift = line_bytes.bit_length() - 1
    return expand_lines(ranges.starts, ranges.lengths, ranges.writes, shift, vector_bytes)


class TileBuilder:
    """Accumulates Ranges and yields Tiles of at most `max_lines` line accesses."""

    def __init__(self, line_bytes: int, vector_bytes: int, max_lines: int = MAX_TILE_LINES):
        self.line_bytes = line_bytes
        self.vector_bytes = vector_bytes
        self.max_lines = max_lines
        self._own_pass = False  # whether the pending ranges are a pass of their own
        self._reset()

    def _reset(self) -> None:
        self._keys: list[np.ndarray] = []
        self._touched: list[np.ndarray] = []
        self._accesses = 0
        self._flops = 0
        self._spills = 0
        self._pending = 0

    def add(self, ranges: Ranges) -> Iterator[Tile]:
        keys, touched, done = expand(ranges, self.line_bytes, self.vector_bytes)
        total = keys.size
        other_pass = self._own_pass != ranges.own_pass
        if self._pending and (other_pass or self._pending + total > self.max_lines):
            yield self._tile()
        self._own_pass = ranges.own_pass
        if total <= self.max_lines:
            self._append(ranges.flops, keys, touched, int(done[-1]), ranges.spill_accesses)
            return
        # a piece longer than a tile: cut it, sharing its flops and spills by line count
        cuts = list(range(0, total, self.max_lines)) + [total]
        for begin, end in itertools.pairwise(cuts):
            flops = ranges.flops * end // total - ranges.flops * begin // total
            spills = ranges.spill_accesses * end // total - ranges.spill_accesses * begin // total
            accesses = int(done[end] - done[begin])
            self._append(flops, keys[begin:end], touched[begin:end], accesses, spills)
            if end < total:
                yield self._tile()

    def flush(self) -> Iterator[Tile]:
        if self._pending or self._flops or self._spills:
            yield self._tile()

    def _append(self, flops, keys, touched, accesses, spills) -> None:
        self._keys.append(keys)
        self._touched.append(touched)
        self._accesses += accesses
        self._flops += flops
        self._spills += spills
        self._pending += keys.size

    def _tile(self) -> Tile:
        keys, touched = _joined(self._keys), _joined(self._touched)
        shift = self.line_bytes.bit_length() - 1
        addresses, is_write, sizes = merge_repeats(keys, touched, shift)
        tile = Tile(
            flops=self._flops,
            line_addresses=addresses,
            is_write=is_write,
            collapsed_accesses=self._accesses - int(addresses.size),
            spill_accesses=self._spills,
            sizes_bytes=sizes,
        )
        self._reset()
        return tile


def _joined(arrays: list[np.ndarray]) -> np.ndarray:
    if len(arrays) == 1:
        return arrays[0]
    return np.concatenate(arrays) if arrays else np.empty(0, np.int64)
