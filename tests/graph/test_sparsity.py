"""Sparsity specs, the kept weights of a sparse op, and the MACs its kernel executes."""

import re
from fractions import Fraction

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.analytic.counts import effective_macs, macs
from sim.errors import WorkloadError
from sim.graph.load import load_workload, parse_workload
from sim.graph.sparsity import (
    SPARSE_KINDS,
    kept,
    parse_sparsity,
    pattern,
    storage,
    weight_matrix,
)
from tests.strategies import sparse_ops, sparsity_specs


@pytest.mark.parametrize(
    "text, kind, fraction, extra",
    [
        ("unstructured:0.9", "unstructured", Fraction(9, 10), {}),
        ("2:4", "nm", Fraction(1, 2), {"n": 2, "m": 4}),
        ("block4x4:0.5", "block", Fraction(1, 2), {"rows": 4, "cols": 4}),
        ("block4x1:0.75", "block", Fraction(3, 4), {"rows": 4, "cols": 1}),
        ("channel:0.5", "channel", Fraction(1, 2), {}),
        ("dense", "dense", Fraction(0), {}),
    ],
)
def test_a_spec_parses_exactly_and_prints_back(text, kind, fraction, extra):
    spec = parse_sparsity(text)
    assert (spec.kind, spec.fraction) == (kind, fraction)
    assert all(getattr(spec, key) == value for key, value in extra.items())
    assert str(spec) == text
    assert parse_sparsity(str(spec)) == spec


@pytest.mark.parametrize(
    "text, reason",
    [
        ("unstructured:1.5", "outside [0, 1)"),
        ("unstructured:1", "would remove every weight"),
        ("3:2", "1 <= N <= M"),
        ("0:4", "1 <= N <= M"),
        ("block0x4:0.5", "1 to 64 on each side"),
        ("channel:1.0", "would remove every output channel"),
        ("unstructured:abc", "expected a fraction"),
        ("half", "unknown sparsity"),
        ("block4:0.5", "unknown sparsity"),
    ],
)
def test_a_bad_spec_says_why(text, reason):
    with pytest.raises(ValueError, match=re.escape(reason)):
        parse_sparsity(text)


def test_kept_is_exact_where_floats_are_not():
    assert kept(100, Fraction("0.29")) == 71  # 100 x 0.29 is 28.999999999999996 in floats
    assert kept(10, Fraction("0.9")) == 1 and kept(1, Fraction("0.5")) == 1


def test_unstructured_keeps_a_tenth_of_each_layer_and_executes_a_tenth_of_its_macs():
    graph = load_workload("mobilenet", sparsity=parse_sparsity("unstructured:0.9"))
    sparse = [op for op in graph.ops if op.kind in SPARSE_KINDS]
    assert sparse and all(str(op.sparsity) == "unstructured:0.9" for op in sparse)
    for op in sparse:
        rows, cols = weight_matrix(op)
        assert pattern(op).kept_weights == kept(rows * cols, Fraction(9, 10))
        assert abs(effective_macs(op) / macs(op) - 0.1) < 0.01
    dense = sum(macs(op) for op in sparse)
    assert sum(effective_macs(op) for op in sparse) == pytest.approx(dense / 10, rel=1e-3)


def test_stored_weights_are_values_indices_and_counts_fewer_bytes_than_dense():
    graph = load_workload("mobilenet", sparsity=parse_sparsity("unstructured:0.9"))
    op = graph.op("sep10.pw")  # 1024 x 1024
    stored = storage(op, 4)
    nonzeros = kept(1024 * 1024, Fraction(9, 10))
    assert (stored.value_bytes, stored.index_bytes) == (4 * nonzeros, 4 * nonzeros)
    assert stored.count_bytes == 4 * 1024
    assert stored.total_bytes < op.params[0].elements * 4


def test_n_m_and_channel_run_dense_kernels():
    for text in ("2:4", "channel:0.5", "dense"):
        graph = load_workload("mobilenet", sparsity=parse_sparsity(text))
        assert all(storage(op, 4) is None for op in graph.ops)
        assert all(effective_macs(op) == macs(op) for op in graph.ops)


def test_blocks_cut_by_the_matrix_edge_count_only_their_weights():
    graph = load_workload("mobilenet", sparsity=parse_sparsity("block4x4:0"))
    op = graph.op("conv1.conv")  # 32 x 27: the last block column is 3 wide
    found = pattern(op)
    assert found.kept_weights == 32 * 27 and effective_macs(op) == macs(op)


@settings(max_examples=60, deadline=None)
@given(sparse_ops(), sparsity_specs())
def test_sparsity_never_increases_the_macs_executed(op_and_graph, spec):
    op = op_and_graph.with_sparsity(spec)
    assert effective_macs(op) <= macs(op)
    if spec.kind in ("unstructured", "block"):
        assert pattern(op).kept_weights == sum(int(s) for s in pattern(op).sizes)
        rows, cols = weight_matrix(op)
        assert pattern(op).kept_weights <= rows * cols


def test_a_workload_op_carries_its_own_sparsity_and_opts_out_of_the_flag(write_file):
    path = write_file(
        "w.yaml",
        """
name: w
inputs: {x: [1, 8, 6, 6]}
graph:
  - {op: conv2d, name: first, channels: 16, kernel: 3, pad: 1, sparsity: dense}
  - {op: conv2d, name: second, channels: 16, kernel: 1, sparsity: "2:4"}
  - {op: conv2d, name: third, channels: 8, kernel: 1}
""",
    )
    graph = load_workload(path, sparsity=parse_sparsity("unstructured:0.9"))
    assert [str(op.sparsity) for op in graph.ops] == ["dense", "2:4", "unstructured:0.9"]


@pytest.mark.parametrize(
    "entry, reason",
    [
        ("{op: relu, sparsity: 'unstructured:0.5'}", "sparsity applies to weighted ops"),
        ("{op: conv2d, channels: 4, kernel: 1, sparsity: 'unstructured:1.5'}", "outside"),
        (
            "{op: conv2d, channels: 4, kernel: 3, algorithm: direct, sparsity: 'block2x2:0.5'}",
            "not algorithm direct",
        ),
    ],
)
def test_a_bad_sparsity_field_is_one_located_error(entry, reason):
    data = {"name": "w", "inputs": {"x": [1, 4, 6, 6]}, "graph": [yaml.safe_load(entry)]}
    with pytest.raises(WorkloadError, match=reason) as caught:
        parse_workload(data, "w.yaml")
    assert "graph[0]" in str(caught.value) and "\n" not in str(caught.value)


@settings(max_examples=60, deadline=None)
@given(
    sparse_ops(),
    st.sampled_from(["unstructured", "block2x2", "block4x1", "block1x3"]),
    st.fractions(0, 1, max_denominator=1000).filter(lambda f: f < 1),
    st.fractions(0, 1, max_denominator=1000).filter(lambda f: f < 1),
)
def test_more_zeros_never_execute_more_macs(op_and_graph, kind, a, b):
    low, high = sorted((a, b))
    fewer = op_and_graph.with_sparsity(parse_sparsity(f"{kind}:{float(high)!r}"))
    more = op_and_graph.with_sparsity(parse_sparsity(f"{kind}:{float(low)!r}"))
    assert effective_macs(fewer) <= effective_macs(more) <= macs(more)
