"""The sparse kernel's trace: it reads the stored values, indices and counts, gathers the
dense operand, writes every output once, executes 2 x the kept MACs, and splits into parts."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.analytic.counts import effective_macs
from sim.graph.sparsity import pattern, storage
from sim.hw.model import Precision
from sim.schedule.naive import align, naive_schedule
from sim.trace import kernel_tiles
from sim.trace.context import Context, sparse_weights_bytes
from sim.trace.sparse import MR, strip_widths
from tests.trace.test_parts import _lines
from tests.trace.util import graph, hardware, lines_of, touched

CASES = {
    "pointwise": ({"x": [1, 16, 7, 9]}, {"op": "conv2d", "channels": 24, "kernel": 1}),
    "3x3 stride 2": (
        {"x": [2, 6, 11, 13]},
        {"op": "conv2d", "channels": 8, "kernel": 3, "stride": 2, "pad": 1, "bias": True},
    ),
    "grouped": ({"x": [1, 12, 8, 8]}, {"op": "conv2d", "channels": 9, "kernel": 1, "groups": 3}),
    "fc": ({"x": [1, 300]}, {"op": "fc", "features": 70}),
    "fc batch": ({"x": [3, 50]}, {"op": "fc", "features": 20}),
    "matmul": ({"a": [20, 30], "b": [30, 45]}, {"op": "matmul", "in": ["a", "b"]}),
}
SPECS = ["unstructured:0.9", "unstructured:0.3", "block4x1:0.5", "block3x2:0.6"]


def sparse_schedule(case: str, spec: str):
    inputs, entry = CASES[case]
    g = graph(inputs, [{**entry, "name": "w", "sparsity": spec}])
    return naive_schedule(g, Precision.FP32)


def stored_lines(s, hw) -> set[int]:
    kernel = s.kernels[-1]
    start = Context.of(kernel, s, hw).persistent_address
    line = hw.caches[0].line_bytes
    stored = storage(kernel.main_op, 4)
    ranges = [(start, stored.value_bytes)]
    ranges.append((ranges[0][0] + align(stored.value_bytes), stored.index_bytes))
    ranges.append((ranges[1][0] + align(stored.index_bytes), stored.count_bytes))
    return {a for s0, n in ranges for a in range(s0 // line * line, s0 + n, line)}


@pytest.mark.parametrize("spec", SPECS)
@pytest.mark.parametrize("case", CASES)
def test_the_trace_reads_the_stored_weights_never_the_dense_ones(case, spec):
    s, hw = sparse_schedule(case, spec), hardware()
    op = s.kernels[-1].main_op
    tiles = list(kernel_tiles(s.kernels[-1], s, hw))
    reads, writes = touched(tiles)
    line = hw.caches[0].line_bytes
    assert sum(t.flops for t in tiles) == 2 * effective_macs(op)
    assert writes == lines_of(s, op.outputs, line)
    assert stored_lines(s, hw) <= reads
    dense_weights = lines_of(s, [op.params[0]], line) if op.params else set()
    assert not reads & dense_weights
    allowed = lines_of(s, [*op.inputs, *op.params[1:]], line) | stored_lines(s, hw)
    assert reads <= allowed


def test_each_kept_weight_costs_an_index_a_value_and_a_strip_of_the_input():
    """A 1x1 conv of 64 pixels (two strips of 32): per strip and output row a count, per
    kept weight an index, a value and 8 loads of 16 B of the input, per output row 8 stores."""
    s = sparse_schedule("pointwise", "unstructured:0.9")
    s_op = s.kernels[-1].main_op
    assert s_op.outputs[0].shape[2:] == (7, 9)  # 63 pixels: strips of 32, 16, 8, 4, 2, 1
    firsts, widths = strip_widths(63)
    assert list(widths) == [32, 16, 8, 4, 2, 1] and list(firsts) == [0, 32, 48, 56, 60, 62]
    tiles = list(kernel_tiles(s.kernels[-1], s, hardware()))
    accesses = sum(t.line_accesses + t.collapsed_accesses for t in tiles)
    kept_weights, rows = pattern(s_op).kept_weights, 24
    vectors = sum(-(-w * 4 // 16) for w in widths)  # 16-byte loads per strip of the input
    expected = rows * len(widths) + kept_weights * (2 * len(widths) + vectors) + rows * vectors
    # a strip of the input may straddle a line: an access split in two counts once more
    assert expected <= accesses <= expected + kept_weights * len(widths) + rows * len(widths)


def test_n_m_runs_the_dense_kernel_on_devices_without_support():
    for device in ("pi3", "xavier", "v100"):
        hw = hardware(device)
        dense = sparse_schedule("pointwise", "dense")
        nm = sparse_schedule("pointwise", "2:4")
        assert sparse_weights_bytes(nm.kernels[-1], Precision.FP32) == 0
        a = list(kernel_tiles(dense.kernels[-1], dense, hw))
        b = list(kernel_tiles(nm.kernels[-1], nm, hw))
        assert [t.flops for t in a] == [t.flops for t in b]
        assert all(np.array_equal(x.line_addresses, y.line_addresses) for x, y in zip(a, b))


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(list(CASES)), st.sampled_from(SPECS), st.integers(2, 5))
def test_parts_of_a_sparse_kernel_are_the_whole_kernel(case, spec, count):
    s, hw = sparse_schedule(case, spec), hardware()
    kernel = s.kernels[-1]
    flops, reads, writes = _lines(list(kernel_tiles(kernel, s, hw)))
    parts = [_lines(list(kernel_tiles(kernel, s, hw, (i, count)))) for i in range(count)]
    assert sum(p[0] for p in parts) == flops
    assert set().union(*(p[2] for p in parts)) == writes
    assert all(p[1] <= reads for p in parts)


def test_strips_are_mr_wide_then_powers_of_two():
    assert MR == 32
    for count in range(0, 200):
        firsts, widths = strip_widths(count)
        assert widths.sum() == count and np.all(firsts == np.cumsum(widths) - widths)
        assert all(w == MR or (w & (w - 1) == 0 and w < MR) for w in widths)
