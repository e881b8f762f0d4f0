"""The fast cache kernel: one level's state in numpy arrays, advanced by numba-compiled loops.

`run_level` replays a whole array of accesses through one level in compiled code and writes
the requests that level sends down (fills, write-backs, write-through stores) into an output
buffer, which the caller feeds to the next level (`hierarchy.py`). Because a level's behaviour
depends only on the sequence of requests it receives (the hierarchy is non-inclusive: no level
looks into another), replaying level by level gives exactly the counts of the reference model's
depth-first walk. The state arrays persist between calls, so a trace can arrive tile by tile.

Semantics are those of `reference.py`; the layout is chosen for speed:
- each set has four uint64 words (`sets`): its number of valid ways, which are always a prefix
  (ways fill lowest first and are never invalidated), so no valid bits; the way last brought
  to most-recent position, so an access to its line (a loop's common case) is a hit that can
  change no replacement state and skips the search; LRU or FIFO order of up to 16 ways as 16
  nibbles of way numbers, most to least recent (newest to oldest), so a touch or an eviction
  is a few bit operations; tree-PLRU node bits (hence at most 64 ways);
- LRU and FIFO sets wider than 16 ways keep a stamp per way (last use, or fill) instead and
  evict the smallest; random replacement is a xorshift64* per level, the twin of
  `xorshift.next_victim`.
Helpers take scalars only: an array argument would cost a reference-count call per access.
All arithmetic on lines and indices is uint64, so every 64-bit address works.
"""

import numpy as np

from sim.cache.xorshift import MULTIPLIER, seed_state
from sim.hw.model import CacheLevel, Replacement, WritePolicy
from sim.native.kernels import Array, Signature, intrinsic, kernel

POLICY_CODES = {Replacement.LRU: 0, Replacement.FIFO: 1, Replacement.PLRU: 2, Replacement.RANDOM: 3}
_LRU, _FIFO, _PLRU, _RANDOM = 0, 1, 2, 3
NIBBLE_WAYS = 16  # LRU/FIFO sets up to this wide keep their order in one uint64
PLRU_MAX_WAYS = 64
# config slots
_SHIFT, _SETS, _WAYS, _POLICY, _WRITE_BACK, _REFRESH, _LEAVES = range(7)
# per-set words: valid ways, most recent way + 1 (0: none), LRU/FIFO nibble order, PLRU bits
_FILL, _MRU, _ORDER, _PLRU_BITS = (np.uint64(k) for k in range(4))
_SET_WORDS = np.uint64(4)
# per-level words: the LRU/FIFO stamp clock (ways beyond 16), the xorshift state
_CLOCK, _RNG = 0, 1
# counters slots: the stats in LevelStats field order, then the bytes sent down (reads, writes)
ACCESSES, HITS, MISSES, EVICTIONS, WRITEBACKS, READ_BYTES_OUT, WRITE_BYTES_OUT = range(7)
N_COUNTERS = 7
STATUS_OK, STATUS_BUFFER_FULL, STATUS_PAST_2_64 = 0, 1, 2

_ZERO, _ONE, _NIBBLE = np.uint64(0), np.uint64(1), np.uint64(0xF)
_NIBBLE_ONES, _NIBBLE_HIGHS = np.uint64(0x1111111111111111), np.uint64(0x8888888888888888)
_U3, _U4, _U8, _U12, _U25, _U27, _U32 = (np.uint64(k) for k in (3, 4, 8, 12, 25, 27, 32))
_MULTIPLIER = np.uint64(MULTIPLIER)
# The arrays of a level's state, in run_level's order: config, tags, dirty, sets, stamps,
# level_words, counters
STATE_TYPES = (
    Array("int64"), Array("uint64"), Array("uint8"), Array("uint64"), Array("uint64"),
    Array("uint64"), Array("int64"),
)  # fmt: skip
REQUEST_TYPES = (Array("uint64"), Array("int64"), Array("uint8"))  # addresses, sizes, writes
_RUN_LEVEL = Signature(
    (*STATE_TYPES, Array("uint64"), Array("int64"), "int64", Array("uint8"), "int64", "uint64",
     "bool", *REQUEST_TYPES),
    ("int64", "int64", "uint64", "int64"),
)  # fmt: skip
_CLEAN_LEVEL = Signature(
    (Array("int64"), Array("uint64"), Array("uint8"), Array("int64")), Array("uint64")
)


@intrinsic
def _count_trailing_zeros(typingctx, x):
    from llvmlite import ir
    from numba import types

    def codegen(context, builder, signature, args):
        return builder.cttz(args[0], ir.Constant(ir.IntType(1), 0))

    return types.uint64(types.uint64), codegen


@kernel
def _order_touch(order, way):
    """Move `way` (present in the nibble order) to the most recent position."""
    y = order ^ (way * _NIBBLE_ONES)
    zero_nibbles = (y - _NIBBLE_ONES) & ~y & _NIBBLE_HIGHS  # lowest flag is the true match
    k4 = _count_trailing_zeros(zero_nibbles) - _U3  # 4 x position of `way`
    below = (_ONE << k4) - _ONE
    return (order & ~((below << _U4) | _NIBBLE)) | ((order & below) << _U4) | way


@kernel
def _plru_touch(bits, leaves, way):
    node = leaves + way
    while node > _ONE:  # every node on the path points away from `way`
        if node & _ONE:
            bits &= ~(_ONE << (node >> _ONE))
        else:
            bits |= _ONE << (node >> _ONE)
        node >>= _ONE
    return bits


@kernel
def _plru_victim(bits, leaves, ways):
    node = _ONE
    while node < leaves:
        child = (node << _ONE) | ((bits >> node) & _ONE)
        if child & _ONE:  # a right subtree that holds no way (ways not a power of two): go left
            leftmost = child
            while leftmost < leaves:
                leftmost <<= _ONE
            if leftmost - leaves >= ways:
                child ^= _ONE
        node = child
    return node - leaves


@kernel
def _xorshift(x):
    x ^= x >> _U12
    x ^= x << _U25
    return x ^ (x >> _U27)


@kernel(signatures=[_RUN_LEVEL])
def run_level(
    config, tags, dirty, sets, stamps, level_words, counters,
    addresses, sizes, uniform_size, writes, start, resume_line, resume,
    out_addresses, out_sizes, out_writes,
):  # fmt: skip
    """Replay accesses[start:] through one level until done or the output buffer is full.

    Returns (status, next access, next line of that access, requests written). Requests are
    also counted (READ/WRITE_BYTES_OUT): below the last level they are the DRAM traffic.
    Indices are uint64 throughout: numba then skips negative-index handling, which doubles
    the speed.
    """
    shift, n_sets, ways = np.uint64(config[_SHIFT]), np.uint64(config[_SETS]), config[_WAYS]
    policy, leaves = config[_POLICY], np.uint64(config[_LEAVES])
    write_back, refresh = config[_WRITE_BACK] == 1, config[_REFRESH] == 1
    nibbles = policy <= _FIFO and ways <= NIBBLE_WAYS
    top4 = np.uint64(4 * (ways - 1))
    u_ways, line_bytes = np.uint64(ways), _ONE << shift
    set_mask = n_sets - _ONE
    pow2_sets = (n_sets & set_mask) == _ZERO
    pow2_ways = (u_ways & (u_ways - _ONE)) == _ZERO  # then % is a mask: no division
    limit = np.uint64(out_addresses.shape[0] - 2)  # room for what one line access may send
    has_sizes = sizes.shape[0] > 0
    n_accesses, n_hits, n_misses, n_evictions, n_writebacks = 0, 0, 0, 0, 0
    read_out, write_out, n_out = 0, 0, _ZERO
    now, state = level_words[_CLOCK], level_words[_RNG]
    status, i, n = STATUS_OK, np.uint64(start), np.uint64(addresses.shape[0])
    line, last_line, last_byte, address, is_write = resume_line, _ONE, _ONE, _ONE, False
    index, row, base, way, hit, known = _ZERO, _ZERO, _ZERO, _ZERO, False, False
    load = i < n  # load access i (its first line, unless resuming inside it)
    while i < n:
        if load:
            address = addresses[i]
            size = np.uint64(sizes[i]) if has_sizes else np.uint64(uniform_size)
            last_byte = address + (size - _ONE)
            if last_byte < address:
                status = STATUS_PAST_2_64
                break
            last_line = last_byte >> shift
            is_write = writes[i] != 0
            if not resume:
                line = address >> shift
                index = (line & set_mask) if pow2_sets else (line % n_sets)
                row, base = index * _SET_WORDS, index * u_ways
                way = sets[row + _MRU] - _ONE
                hit = way < u_ways and tags[base + way] == line  # the set's most recent line
                if hit and line == last_line and (write_back or not is_write):  # fast path
                    n_accesses += 1
                    n_hits += 1
                    if is_write:
                        dirty[base + way] = 1
                    i += _ONE
                    continue
                known = True  # index, row, base, way and hit hold for this line
            resume, load = False, False
        if n_out > limit:
            status = STATUS_BUFFER_FULL
            break
        n_accesses += 1
        if not known:
            index = (line & set_mask) if pow2_sets else (line % n_sets)
            row, base = index * _SET_WORDS, index * u_ways
            way = sets[row + _MRU] - _ONE
            hit = way < u_ways and tags[base + way] == line  # the set's most recent line
        known, n_valid = False, _ZERO
        if not hit:
            n_valid = sets[row + _FILL]
            w = _ZERO
            while w + _U8 <= n_valid:  # eight ways at a time, one branch for all eight
                match = False
                for k in range(8):
                    match |= tags[base + w + np.uint64(k)] == line
                if match:
                    break
                w += _U8
            while w < n_valid:
                if tags[base + w] == line:
                    way, hit = w, True
                    break
                w += _ONE
            if hit and (refresh or not is_write):
                if policy == _LRU:
                    if nibbles:
                        sets[row + _ORDER] = _order_touch(sets[row + _ORDER], way)
                    else:
                        now += _ONE
                        stamps[base + way] = now
                elif policy == _PLRU:
                    sets[row + _PLRU_BITS] = _plru_touch(sets[row + _PLRU_BITS], leaves, way)
                sets[row + _MRU] = way + _ONE
        forward = is_write and not write_back  # write-through: the store goes down too
        if hit:
            n_hits += 1
            if is_write and write_back:
                dirty[base + way] = 1
        else:
            n_misses += 1
            if not forward:  # allocate: fetch (unless a write covers the whole line)
                line_start = line << shift
                line_end = line_start + (line_bytes - _ONE)
                if not (is_write and address <= line_start and last_byte >= line_end):
                    read_out += np.int64(line_bytes)
                    out_addresses[n_out] = line_start
                    out_sizes[n_out] = np.int64(line_bytes)
                    out_writes[n_out] = 0
                    n_out += _ONE
                if n_valid < u_ways:
                    way = n_valid
                    sets[row + _FILL] = n_valid + _ONE
                else:
                    if nibbles:
                        way = (sets[row + _ORDER] >> top4) & _NIBBLE
                    elif policy == _PLRU:
                        way = _plru_victim(sets[row + _PLRU_BITS], leaves, u_ways)
                    elif policy == _RANDOM:
                        state = _xorshift(state)
                        draw = (state * _MULTIPLIER) >> _U32
                        way = draw & (u_ways - _ONE) if pow2_ways else draw % u_ways
                    else:  # LRU and FIFO beyond 16 ways: the smallest stamp
                        way, w = _ZERO, _ONE
                        while w < u_ways:
                            if stamps[base + w] < stamps[base + way]:
                                way = w
                            w += _ONE
                    n_evictions += 1
                    if dirty[base + way]:
                        n_writebacks += 1
                        write_out += np.int64(line_bytes)
                        out_addresses[n_out] = tags[base + way] << shift
                        out_sizes[n_out] = np.int64(line_bytes)
                        out_writes[n_out] = 1
                        n_out += _ONE
                tags[base + way] = line
                dirty[base + way] = 1 if is_write else 0
                if nibbles:  # the new line is the most recent (LRU) or the newest (FIFO)
                    sets[row + _ORDER] = (sets[row + _ORDER] << _U4) | way
                elif policy == _PLRU:
                    sets[row + _PLRU_BITS] = _plru_touch(sets[row + _PLRU_BITS], leaves, way)
                elif policy != _RANDOM:
                    now += _ONE
                    stamps[base + way] = now
                sets[row + _MRU] = way + _ONE
        if forward:  # with its own bytes: the part of the access inside this line
            line_start = line << shift
            first = max(line_start, address)
            end = line_start + (line_bytes - _ONE)
            part = np.int64(min(end, last_byte) - first) + 1
            write_out += part
            out_addresses[n_out] = first
            out_sizes[n_out] = part
            out_writes[n_out] = 1
            n_out += _ONE
        if line == last_line:
            i += _ONE
            load = i < n
        else:
            line += _ONE
    level_words[_CLOCK], level_words[_RNG] = now, state
    counters[ACCESSES] += n_accesses
    counters[HITS] += n_hits
    counters[MISSES] += n_misses
    counters[EVICTIONS] += n_evictions
    counters[WRITEBACKS] += n_writebacks
    counters[READ_BYTES_OUT] += read_out
    counters[WRITE_BYTES_OUT] += write_out
    return status, np.int64(i), line, np.int64(n_out)


@kernel(signatures=[_CLEAN_LEVEL])
def clean_level(config, tags, dirty, counters):
    """Mark every dirty line clean; return their byte addresses, ascending."""
    shift = np.uint64(config[_SHIFT])
    n_dirty = np.int64(dirty.sum())  # only valid ways can be dirty
    lines = np.empty(n_dirty, np.uint64)
    k = 0
    for slot in range(dirty.shape[0]):
        if dirty[slot]:
            lines[k] = tags[slot]
            dirty[slot] = 0
            k += 1
    lines.sort()
    counters[WRITEBACKS] += n_dirty
    counters[WRITE_BYTES_OUT] += n_dirty * np.int64(_ONE << shift)
    return lines << shift


class KernelLevel:
    """The arrays that hold one level's state; `hierarchy.py` drives them through the kernel."""

    def __init__(self, level: CacheLevel, counters: np.ndarray):
        """`counters`: this level's N_COUNTERS int64 counts, advanced in place."""
        n_sets, ways = level.sets, level.share_ways
        if level.replacement not in POLICY_CODES:
            raise ValueError(
                f"{level.name}: the fast kernel runs the built-in policies only; "
                f"{level.replacement.__name__} is Python code: use the reference engine"
            )
        if level.replacement is Replacement.PLRU and ways > PLRU_MAX_WAYS:
            raise ValueError(
                f"{level.name}: tree-PLRU is modeled up to {PLRU_MAX_WAYS} ways, got {ways}"
            )
        self.level = level
        leaves = 1 << (ways - 1).bit_length()
        self.config = np.array(
            [
                level.line_bytes.bit_length() - 1,
                n_sets,
                ways,
                POLICY_CODES[level.replacement],
                level.write_policy is WritePolicy.WRITE_BACK,
                level.store_hit_refreshes,
                leaves,
            ],
            dtype=np.int64,
        )
        self.tags = np.zeros(n_sets * ways, np.uint64)  # line numbers
        self.dirty = np.zeros(n_sets * ways, np.uint8)
        self.sets = np.zeros(n_sets * int(_SET_WORDS), np.uint64)
        self.stamps = np.zeros(n_sets * ways if ways > NIBBLE_WAYS else 0, np.uint64)
        self.level_words = np.array([0, seed_state(level.seed)], np.uint64)
        self.counters = counters

    def run(self, addresses, sizes, uniform_size, writes, start, resume_line, resume, out):
        """`run_level` on this state; `out` is (addresses, sizes, writes) buffers."""
        return run_level(
            self.config, self.tags, self.dirty, self.sets, self.stamps, self.level_words,
            self.counters, addresses, sizes, uniform_size, writes, start, resume_line, resume, *out,
        )  # fmt: skip

    def clean(self) -> np.ndarray:
        return clean_level(self.config, self.tags, self.dirty, self.counters)

    def contents(self) -> tuple:
        """Per set, per way: (line's byte address, dirty) or None, as `ReferenceCache`."""
        ways, line_bytes = self.level.share_ways, self.level.line_bytes
        return tuple(
            tuple(
                (int(self.tags[s * ways + w]) * line_bytes, bool(self.dirty[s * ways + w]))
                if w < self.sets[s * int(_SET_WORDS) + int(_FILL)]
                else None
                for w in range(ways)
            )
            for s in range(self.level.sets)
        )
