"""A trace through a chain of levels in one compiled call: the engine's path, tile by tile.

`FastHierarchy` calls `run_level` once per level and drains each level's buffer from Python;
for the many small traces of a simulated run (a tile is a few thousand line accesses) the
Python between the calls costs nearly as much as the kernel itself. `run_chain` does the same
walk in compiled code: level by level, a full buffer drained into the next level before the
level resumes, exactly `FastHierarchy._send`'s order, so the counts and the states are the
same. One specialization is compiled per number of levels (the tuples' length).
The levels are `KernelLevel`s owned by hierarchies (a unit's own and the shared ones below):
a `Chain` only holds their arrays, so every route through a shared level advances one state.
"""

from collections.abc import Sequence

import numpy as np

from sim.cache.kernel import (
    N_COUNTERS,
    REQUEST_TYPES,
    STATE_TYPES,
    STATUS_PAST_2_64,
    KernelLevel,
    run_level,
)
from sim.native.kernels import Array, Signature, kernel

STATUS_BAD_SIZE = STATUS_PAST_2_64 + 1
_STATE = ("config", "tags", "dirty", "sets", "stamps", "level_words", "counters")  # run_level's
LEVELS_BUILT = (1, 2, 3)  # chains of these lengths run ahead-of-time code (others: the JIT)


def _chain_signature(n: int) -> Signature:
    per_level = (*STATE_TYPES, *REQUEST_TYPES)  # a level's state, then its output buffers
    return Signature(
        (*((spec,) * n for spec in per_level), Array("uint64"), Array("int64"), "int64",
         Array("uint8"), Array("int64", 2)),
        ("int64", "int64", "int64"),
    )  # fmt: skip


@kernel(signatures=[_chain_signature(n) for n in LEVELS_BUILT])
def run_chain(
    configs, tags, dirty, sets, stamps, level_words, counters,
    out_addresses, out_sizes, out_writes,
    addresses, sizes, uniform_size, writes, counts,
):  # fmt: skip
    """Replay accesses through levels given as tuples of their arrays, innermost first; the
    last level's requests are the DRAM traffic. `counts` (one row of counters per level)
    receives this call's counts, which are also added to each level's `counters`.

    Returns (status, depth, index): STATUS_BAD_SIZE if the access `index` has a size below
    1 (nothing runs), STATUS_PAST_2_64 if the access `index` of the input of level `depth`
    ends beyond 2**64 (the walk stops there), else STATUS_OK.
    """
    n_levels = len(configs)
    counts[:] = 0
    for index in range(sizes.shape[0]):
        if sizes[index] < 1:
            return STATUS_BAD_SIZE, 0, index
    starts = np.zeros(n_levels, np.int64)  # per depth: the next request of its input
    lines = np.zeros(n_levels, np.uint64)  # the next line of that request
    resumes = np.zeros(n_levels, np.bool_)
    statuses = np.zeros(n_levels, np.int64)
    n_inputs = np.zeros(n_levels, np.int64)  # requests the level above left in its buffer
    n_inputs[0] = addresses.shape[0]
    depth, run = 0, True
    while True:
        if run:  # level `depth` runs on from where it stopped
            if depth == 0:
                in_addresses, in_sizes, in_size, in_writes = addresses, sizes, uniform_size, writes
            else:
                n = n_inputs[depth]
                in_addresses = out_addresses[depth - 1][:n]
                in_sizes = out_sizes[depth - 1][:n]
                in_size = 0
                in_writes = out_writes[depth - 1][:n]
            status, starts[depth], lines[depth], n_out = run_level(
                configs[depth], tags[depth], dirty[depth], sets[depth], stamps[depth],
                level_words[depth], counts[depth], in_addresses, in_sizes, in_size, in_writes,
                starts[depth], lines[depth], resumes[depth],
                out_addresses[depth], out_sizes[depth], out_writes[depth],
            )  # fmt: skip
            statuses[depth] = status
            if n_out and depth + 1 < n_levels:  # drain the buffer into the next level first
                depth += 1
                n_inputs[depth], starts[depth], lines[depth] = n_out, 0, 0
                resumes[depth] = False
                continue
        if statuses[depth] == STATUS_PAST_2_64 or (depth == 0 and starts[0] >= n_inputs[0]):
            break
        if starts[depth] < n_inputs[depth]:  # stopped on a full buffer, now drained
            resumes[depth], run = True, True
        else:  # the level above resumes after what it sent down
            depth, run = depth - 1, False
    for level in range(n_levels):
        counters[level][:] += counts[level]
    return statuses[depth], depth, starts[depth]


class Chain:
    """Levels that requests flow down, innermost first (each level's own buffer holds what
    it sends to the next); `run` replays a trace through all of them in one call."""

    def __init__(self, levels: Sequence[KernelLevel], buffers: Sequence[tuple]):
        """`buffers`: per level, its (addresses, sizes, writes) output buffers."""
        states = tuple(tuple(getattr(level, name) for level in levels) for name in _STATE)
        self._outputs = tuple(tuple(buffer[k] for buffer in buffers) for k in range(3))
        self._arrays = states + self._outputs
        self._counts = np.zeros((len(levels), N_COUNTERS), np.int64)

    def run(self, addresses, writes, sizes, uniform_size: int) -> np.ndarray:
        """Replay arrays as `as_accesses` gives them, unchecked but for sizes: contiguous
        uint64 `addresses`, uint8 `writes`, int64 `sizes` (empty: each access is
        `uniform_size` bytes); ValueError, before any access runs, if a size is below 1.
        Returns this call's counts, one row of counters per level, in a buffer the next call
        overwrites."""
        status, depth, index = run_chain(
            *self._arrays, addresses, sizes, uniform_size, writes, self._counts
        )
        if status == STATUS_BAD_SIZE:
            raise ValueError(f"access sizes must be at least 1 byte, got {sizes[index]}")
        if status == STATUS_PAST_2_64:
            source = addresses if depth == 0 else self._outputs[0][depth - 1]
            raise ValueError(f"access {index} at {source[index]:#x} ends beyond 2**64")
        return self._counts
