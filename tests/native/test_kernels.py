"""Kernels run native code only for arguments of exactly its types, the JIT otherwise, and both
give the same results."""

from contextlib import contextmanager

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.cache import FastHierarchy
from sim.cache.accesses import as_accesses
from sim.native import library
from sim.native.kernels import Array, argument_check, registered
from sim.testing import hierarchies, traces
from sim.trace.lines import expand_lines, merge_repeats

DTYPES = ["int64", "uint64", "uint8", "bool", "int32", "float64"]


@contextmanager
def jit_only():
    """Every kernel through numba's JIT for the block, then back to the library."""
    kernels, built = registered(), library.load()
    for kernel in kernels:
        kernel.bind(None)
    try:
        yield
    finally:
        for kernel in kernels:
            kernel.bind(built)


@settings(max_examples=200, deadline=None)
@given(
    dtype=st.sampled_from(DTYPES),
    ndim=st.integers(1, 2),
    step=st.integers(1, 2),
    want_dtype=st.sampled_from(DTYPES),
    want_ndim=st.integers(1, 2),
)
def test_an_array_matches_only_its_exact_type(dtype, ndim, step, want_dtype, want_ndim):
    array = np.zeros((6,) * ndim, dtype)[..., ::step]
    exact = dtype == want_dtype and ndim == want_ndim and step == 1
    check = argument_check((Array(want_dtype, want_ndim),))
    assert check((array,)) is exact
    assert check(((array,),)) is False  # a tuple is not an array
    pair = argument_check(((Array(want_dtype, want_ndim), "int64"),))
    assert pair(((array, 3),)) is exact
    assert pair(((array, 3),)) is exact  # remembered by identity: the same answer
    assert pair(((array, 3.0),)) is False
    assert pair(((array,),)) is False


@pytest.mark.parametrize(
    "value, spec, matches",
    [(3, "int64", True), (np.uint64(3), "uint64", True), (True, "int64", False),
     (True, "bool", True), (np.bool_(False), "bool", True), (1, "bool", False),
     (3.0, "int64", False), (np.float64(3), "int64", False)],
)  # fmt: skip
def test_a_scalar_matches_its_kind(value, spec, matches):
    assert argument_check((spec,))((value,)) is matches


def test_the_library_builds_on_this_machine():
    """CI and the benchmarks run the library: a build that failed here must not pass unseen."""
    assert library.load() is not None, library.path().with_suffix(".failed").read_text()


def test_a_call_of_other_types_runs_on_the_jit_and_agrees():
    starts, lengths = np.array([0, 100, 5000]), np.array([64, 300, 7])
    writes = np.array([True, False, True])
    before = expand_lines.jit_calls
    native = expand_lines(starts, lengths, writes, 6, 16)
    assert expand_lines.jit_calls == before
    other = expand_lines(starts.astype(np.int32), lengths, writes, 6, 16)  # no such signature
    assert expand_lines.jit_calls == before + 1
    for a, b in zip(native, other):
        np.testing.assert_array_equal(a, b)


ranges = st.lists(
    st.tuples(st.integers(0, 1 << 20), st.integers(-8, 600), st.booleans()), max_size=40
)


@settings(max_examples=100, deadline=None)
@given(ranges=ranges, shift=st.sampled_from([5, 6, 7]), vector=st.sampled_from([4, 16, 32]))
def test_the_line_loops_agree_natively_and_on_the_jit(ranges, shift, vector):
    starts = np.array([r[0] for r in ranges], np.int64)
    lengths = np.array([r[1] for r in ranges], np.int64)
    writes = np.array([r[2] for r in ranges], bool)
    native = expand_lines(starts, lengths, writes, shift, vector)
    merged = merge_repeats(native[0], native[1], shift)
    with jit_only():
        jit = expand_lines(starts, lengths, writes, shift, vector)
        jit_merged = merge_repeats(jit[0], jit[1], shift)
    for a, b in zip((*native, *merged), (*jit, *jit_merged)):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)


@settings(max_examples=60, deadline=None)
@given(levels=hierarchies(), trace=traces(), buffer=st.integers(2, 9))
def test_the_cache_kernels_agree_natively_and_on_the_jit(levels, trace, buffer):
    """A chain (the engine's path) and a hierarchy run level by level (replay's), flushed."""
    accesses = as_accesses(*trace)
    arrays = (accesses.addresses, accesses.is_write, accesses.sizes_bytes)

    def counts_and_contents():
        chain = FastHierarchy(levels, buffer_requests=buffer)
        counts = chain.chain().run(*arrays, accesses.uniform_size_bytes).tolist()
        plain = FastHierarchy(levels, buffer_requests=buffer)
        plain.replay(*trace)
        plain.flush()
        return counts, chain.contents(), plain.counters.tolist(), plain.contents()

    native = counts_and_contents()
    with jit_only():
        assert counts_and_contents() == native
