"""Shape inference and MAC formulas against a direct count by a naive implementation."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.analytic.counts import macs
from sim.graph.model import AxisAttrs, ConvAttrs, FcAttrs, Op, OpKind, PoolAttrs, SplitAttrs, Tensor
from sim.graph.shapes import infer


def naive_conv(x, w, stride, pads, dilation, groups):
    """Direct convolution by loops; returns the output and the multiply-adds it performed."""
    n, c, h, wd = x.shape
    c_out, c_per_group, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
    out_rows, out_cols, count = [], [], 0
    i = 0
    while i + dilation[0] * (kh - 1) < xp.shape[2]:
        out_rows.append(i)
        i += stride[0]
    j = 0
    while j + dilation[1] * (kw - 1) < xp.shape[3]:
        out_cols.append(j)
        j += stride[1]
    y = np.zeros((n, c_out, len(out_rows), len(out_cols)))
    per_out = c_out // groups
    for o in range(c_out):
        g = o // per_out
        for a, i in enumerate(out_rows):
            for b, j in enumerate(out_cols):
                for ci in range(c_per_group):
                    for p in range(kh):
                        for q in range(kw):
                            pixel = xp[
                                :, g * c_per_group + ci, i + p * dilation[0], j + q * dilation[1]
                            ]
                            y[:, o, a, b] += pixel * w[o, ci, p, q]
                            count += n
    return y, count


@st.composite
def conv_cases(draw):
    groups = draw(st.integers(1, 3))
    c_in = groups * draw(st.integers(1, 2))
    c_out = groups * draw(st.integers(1, 2))
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    pads = tuple(draw(st.integers(0, 2)) for _ in range(4))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    span = [dilation[a] * (kernel[a] - 1) + 1 for a in (0, 1)]
    h = draw(st.integers(max(1, span[0] - pads[0] - pads[2]), 7))
    w = draw(st.integers(max(1, span[1] - pads[1] - pads[3]), 7))
    return (1, c_in, h, w), ConvAttrs(c_out, kernel, stride, pads, dilation, groups)


@settings(max_examples=60, deadline=None)
@given(conv_cases())
def test_conv_shape_and_macs_match_a_direct_convolution(case):
    shape, attrs = case
    (out_shape,), params = infer(OpKind.CONV2D, attrs, [shape])
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape)
    w = rng.standard_normal(params[0][1])
    y, count = naive_conv(x, w, attrs.stride, attrs.pads, attrs.dilation, attrs.groups)
    assert out_shape == y.shape
    op = Op("c", OpKind.CONV2D, [Tensor("x", shape)], [Tensor("y", out_shape)], [], attrs)
    assert macs(op) == count


@st.composite
def pool_cases(draw):
    kernel = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    pads = tuple(draw(st.integers(0, min(kernel[i % 2] - 1, 2))) for i in range(4))
    h = draw(st.integers(kernel[0], 12))
    w = draw(st.integers(kernel[1], 12))
    return (1, 2, h, w), PoolAttrs(kernel, stride, pads, draw(st.booleans()))


def direct_pool_windows(size, kernel, stride, pad_before, pad_after, ceil_mode):
    """Count window starts over the padded axis. Floor mode keeps whole windows; ceil mode
    also keeps a window that overhangs the end, if it starts before the last whole window's
    successor would and inside the input or its leading pad (PyTorch's rule)."""
    padded = size + pad_before + pad_after
    count = 0
    for start in range(0, padded, stride):
        whole = start + kernel <= padded
        overhang = ceil_mode and start < padded - kernel + stride and start < size + pad_before
        count += whole or overhang
    return count


@settings(max_examples=150, deadline=None)
@given(pool_cases())
def test_pool_shape_matches_enumerated_windows(case):
    shape, attrs = case
    (out_shape,), _ = infer(OpKind.MAX_POOL, attrs, [shape])
    expected = tuple(
        direct_pool_windows(
            shape[2 + a],
            attrs.kernel[a],
            attrs.stride[a],
            attrs.pads[a],
            attrs.pads[a + 2],
            attrs.ceil_mode,
        )
        for a in (0, 1)
    )
    assert out_shape[2:] == expected


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 3), st.integers(1, 40), st.integers(1, 40))
def test_fc_macs_match_a_matrix_product(n, features_in, features_out):
    attrs = FcAttrs(features_out)
    (out_shape,), params = infer(OpKind.FC, attrs, [(n, features_in)])
    x = np.ones((n, features_in))
    w = np.ones(params[0][1])
    y = x @ w.T  # every output element sums features_in products of ones
    assert out_shape == y.shape
    op = Op("fc", OpKind.FC, [Tensor("x", (n, features_in))], [Tensor("y", out_shape)], [], attrs)
    assert macs(op) == int(y.sum())


def test_concat_split_and_mismatches():
    (out,), _ = infer(OpKind.CONCAT, AxisAttrs(1), [(1, 3, 4, 4), (1, 5, 4, 4)])
    assert out == (1, 8, 4, 4)
    with pytest.raises(ValueError, match="equal off axis"):
        infer(OpKind.CONCAT, AxisAttrs(1), [(1, 3, 4, 4), (1, 5, 2, 4)])
    with pytest.raises(ValueError, match="sum to 8"):
        infer(OpKind.SPLIT, SplitAttrs((3, 4)), [(1, 8, 2, 2)])
    with pytest.raises(ValueError, match=r"\(M, K\) x \(K, N\)"):
        infer(OpKind.MATMUL, None, [(3, 4), (5, 6)])
