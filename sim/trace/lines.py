"""The two loops of stream.py that touch every line access, compiled by numba.

`expand_lines` turns byte ranges into the lines they cover, `merge_repeats` merges
consecutive accesses to one (line, read/write) pair. A line access is keyed by
2 x line index + is_write. Each is one pass (two for `expand_lines`: count, then fill)
instead of a dozen numpy calls over temporaries, which dominated tracing small tiles.
"""

import numpy as np

from sim.native.kernels import Array, Signature, kernel

_I8, _U8, _B1 = Array("int64"), Array("uint64"), Array("bool")


@kernel(signatures=[Signature((_I8, _I8, _B1, "int64", "int64"), (_I8, _I8, _I8))])
def expand_lines(starts, lengths, writes, shift, vector_bytes):
    """(keys, touched, done): for each line a range of positive length touches, in order,
    its key and the bytes the range touches in it; done[i] counts the register-wide accesses
    (an access never crosses a line) to lines before the i-th, done[-1] all of them."""
    total = 0
    for i in range(starts.size):
        if lengths[i] > 0:
            total += ((starts[i] + lengths[i] - 1) >> shift) - (starts[i] >> shift) + 1
    keys = np.empty(total, np.int64)
    touched = np.empty(total, np.int64)
    done = np.empty(total + 1, np.int64)
    done[0] = 0
    # the accesses of each size a line can hold: a look-up, not a division per line
    accesses_of = np.empty((1 << shift) + 1, np.int64)
    for size in range(accesses_of.size):
        accesses_of[size] = (size + vector_bytes - 1) // vector_bytes
    out = 0
    count = 0
    for i in range(starts.size):
        start, length = starts[i], lengths[i]
        if length <= 0:
            continue
        end = start + length
        write = 1 if writes[i] else 0
        first, last = start >> shift, (end - 1) >> shift
        if first == last:  # a range inside one line, the common case
            keys[out] = (first << 1) | write
            touched[out] = length
            count += accesses_of[length]
            out += 1
            done[out] = count
            continue
        for line in range(first, last + 1):
            size = min(end, (line + 1) << shift) - max(start, line << shift)
            keys[out] = (line << 1) | write
            touched[out] = size
            count += accesses_of[size]
            out += 1
            done[out] = count
    return keys, touched, done


@kernel(signatures=[Signature((_I8, _I8, "int64"), (_U8, _B1, _I8))])
def merge_repeats(keys, touched, shift):
    """(line addresses, is_write, sizes_bytes) of `keys` with each run of one key merged:
    the size is the line's for a store run that touches a whole line, else 1."""
    n = 0
    for i in range(keys.size):
        if i == 0 or keys[i] != keys[i - 1]:
            n += 1
    addresses = np.empty(n, np.uint64)
    is_write = np.empty(n, np.bool_)
    sizes = np.empty(n, np.int64)
    line_bytes = 1 << shift
    out = -1
    run = 0
    for i in range(keys.size):
        if i == 0 or keys[i] != keys[i - 1]:
            if out >= 0:
                sizes[out] = line_bytes if is_write[out] and run >= line_bytes else 1
            out += 1
            addresses[out] = np.uint64((keys[i] >> 1) << shift)
            is_write[out] = (keys[i] & 1) == 1
            run = 0
        run += touched[i]
    if out >= 0:
        sizes[out] = line_bytes if is_write[out] and run >= line_bytes else 1
    return addresses, is_write, sizes
