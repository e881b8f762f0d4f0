"""Implicit im2col packing against the input elements each B panel reads, one by one."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.trace.im2col import fill_im2col_packing, span_rows


def _reference(geometry, col: int, pixels: int, k: int) -> dict[int, tuple[int, int]]:
    """{output row: (first byte, end byte)} of the elements row k of B reads for the output
    pixels col.. + pixels - 1, padding skipped."""
    address, h, w, wo, kh, kw, sh, sw, dh, dw, pt, pl, lanes, es = geometry
    channel, ky, kx = k // (kh * kw) * lanes, k // kw % kh, k % kw
    spans: dict[int, tuple[int, int]] = {}
    for j in range(col, col + pixels):
        oy, ox = divmod(j, wo)
        iy, ix = oy * sh + ky * dh - pt, ox * sw + kx * dw - pl
        if 0 <= iy < h and 0 <= ix < w:
            at = address + (channel * h * w + (iy * w + ix) * lanes) * es
            lo, hi = spans.get(oy, (at, at))
            spans[oy] = (min(lo, at), max(hi, at + lanes * es))
    return spans


@given(
    size=st.tuples(st.integers(1, 7), st.integers(1, 7)),
    kernel=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    stride=st.tuples(st.integers(1, 2), st.integers(1, 2)),
    dilation=st.tuples(st.integers(1, 2), st.integers(1, 2)),
    pads=st.tuples(st.integers(0, 2), st.integers(0, 2)),
    lanes=st.sampled_from([1, 4]),
    es=st.sampled_from([1, 2, 4]),
    data=st.data(),
)
@settings(max_examples=200, deadline=None)  # the first example loads the numba loop
def test_each_span_covers_the_elements_its_output_row_reads(
    size, kernel, stride, dilation, pads, lanes, es, data
):
    (h, w), (kh, kw), (sh, sw), (dh, dw), (pt, pl) = size, kernel, stride, dilation, pads
    wo = max(1, (w + 2 * pl - dw * (kw - 1) - 1) // sw + 1)
    ho = max(1, (h + 2 * pt - dh * (kh - 1) - 1) // sh + 1)
    geometry = (1000, h, w, wo, kh, kw, sh, sw, dh, dw, pt, pl, lanes, es)
    groups = data.draw(st.integers(1, 2))
    k_lo = data.draw(st.integers(0, groups * kh * kw - 1)) * lanes
    k_hi = data.draw(st.integers(k_lo + 1, groups * kh * kw * lanes))
    width = data.draw(st.integers(1, ho * wo))
    first = data.draw(st.integers(0, ho * wo - 1))
    count = -(-(ho * wo - first) // width)
    rows = span_rows(min(width, ho * wo - first), wo)
    stride_slots = len(range(k_lo, k_hi, lanes)) * (rows + 1)
    columns = (
        np.full(count * stride_slots, -1),
        np.full(count * stride_slots, -1),
        np.zeros(count * stride_slots, bool),
    )
    dst = 99_000
    fill_im2col_packing(
        columns, 0, stride_slots, (first, count, width, ho * wo), (k_lo, k_hi), rows, geometry, dst
    )
    starts, lengths, writes = (c.reshape(count, -1, rows + 1) for c in columns)
    for p in range(count):
        col = first + p * width
        pixels = min(width, ho * wo - col)
        for i, kk in enumerate(range(k_lo, k_hi, lanes)):
            expected = _reference(geometry, col, pixels, kk // lanes)
            read = {
                col // wo + r: (starts[p, i, r], starts[p, i, r] + lengths[p, i, r])
                for r in range(rows)
                if lengths[p, i, r] > 0
            }
            assert read == expected
            assert not writes[p, i, :rows].any() and writes[p, i, rows]
            assert starts[p, i, rows] == dst + (kk - k_lo) * pixels * es
            assert lengths[p, i, rows] == lanes * pixels * es
