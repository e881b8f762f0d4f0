"""Packing the B micro-panels of an implicit im2col from the input, compiled by numba.

For each panel of output pixels and each row of B (a channel group and kernel offset): where
the input span of each output row the panel covers starts, and its bytes (0 when it is all
padding), then the packed run it is written to. One pass writing straight into the piece's
arrays instead of two dozen numpy operations over the whole (panel, k, row) array, which
dominated packing B for 3x3 convs.
"""

from sim.native.kernels import Signature, kernel
from sim.trace.microkernel import COLUMN_TYPES

_I8 = "int64"
_PACKING = Signature((COLUMN_TYPES, _I8, _I8, (_I8,) * 4, (_I8,) * 2, _I8, (_I8,) * 14, _I8))


def span_rows(widest: int, wo: int) -> int:
    """Output rows (slots) read per row of B: enough for the widest panel at any offset."""
    return (widest - 1) // wo + 2


@kernel(signatures=[_PACKING])
def fill_im2col_packing(columns, at, stride, panels, k_rows, rows, geometry, dst):
    """Write the packing of each panel of output pixels (row-major, wo per row; `panels`
    as in microkernel.py) into `columns` (starts, lengths, writes), panel p's from at + p *
    stride: for each row kk of B in range(*k_rows) (step lanes, k = kk // lanes counting
    channel groups x kernel offsets) `rows` input spans (span_rows), then the run of lanes x
    width elements at `dst`;
    `geometry` = (address, h, w, wo, kh, kw, sh, sw, dh, dw, pt, pl, lanes, es)."""
    starts, lengths, writes = columns
    address, h, w, wo, kh, kw, sh, sw, dh, dw, pt, pl, lanes, es = geometry
    first, count, width, end = panels
    k_lo, k_hi = k_rows
    for p in range(count):
        at_p = at + p * stride
        col = first + p * width
        pixels = min(width, end - col)
        first_row = col // wo
        for kk in range(k_lo, k_hi, lanes):
            k = kk // lanes
            channel, ky, kx = k // (kh * kw) * lanes, k // kw % kh, k % kw
            plane = address + channel * h * w * es
            # the output columns whose input column, kx * dw - pl + ox * sw, is inside
            inside_lo, inside_hi = -(-(pl - kx * dw) // sw), (w - 1 + pl - kx * dw) // sw
            for r in range(rows):
                oy = first_row + r
                lo = max(col, oy * wo) - oy * wo
                hi = min(col + pixels, (oy + 1) * wo) - oy * wo - 1
                iy = oy * sh + ky * dh - pt
                ox_lo, ox_hi = max(lo, inside_lo), min(hi, inside_hi)
                pixel = iy * w + ox_lo * sw + kx * dw - pl
                starts[at_p] = plane + pixel * lanes * es
                valid = iy >= 0 and iy < h and ox_hi >= ox_lo
                lengths[at_p] = ((ox_hi - ox_lo) * sw + 1) * lanes * es if valid else 0
                writes[at_p] = False
                at_p += 1
            starts[at_p] = dst + (kk - k_lo) * pixels * es
            lengths[at_p] = lanes * pixels * es
            writes[at_p] = True
            at_p += 1
