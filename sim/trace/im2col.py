"""The input spans of an implicit im2col's B micro-panels, compiled by numba.

For each panel of output pixels, each row of B (a channel group and kernel offset) and each
output row the panel covers: where the input span those pixels read starts, and its bytes
(0 when it is all padding). One pass instead of two dozen numpy operations over the whole
(panel, k, row) array, which dominated packing B for 3x3 convs.
"""

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def im2col_spans(cols, widths, k, geometry):
    """(starts, lengths) of shape (panel, k, row): panel p covers output pixels cols[p]..
    cols[p] + widths[p] - 1 (row-major, wo per row), k counts channel groups x kernel
    offsets; `geometry` = (address, h, w, wo, kh, kw, sh, sw, dh, dw, pt, pl, lanes, es)."""
    address, h, w, wo, kh, kw, sh, sw, dh, dw, pt, pl, lanes, es = geometry
    rows = (widths.max() - 1) // wo + 2
    starts = np.empty((cols.size, k.size, rows), np.int64)
    lengths = np.empty((cols.size, k.size, rows), np.int64)
    for p in range(cols.size):
        for r in range(rows):
            oy = cols[p] // wo + r
            lo = max(cols[p], oy * wo) - oy * wo
            hi = min(cols[p] + widths[p], (oy + 1) * wo) - oy * wo - 1
            for i in range(k.size):
                channel, ky, kx = k[i] // (kh * kw) * lanes, k[i] // kw % kh, k[i] % kw
                iy = oy * sh + ky * dh - pt
                ox_lo = max(lo, -(-(pl - kx * dw) // sw))
                ox_hi = min(hi, (w - 1 + pl - kx * dw) // sw)
                pixel = iy * w + ox_lo * sw + kx * dw - pl
                starts[p, i, r] = address + (channel * h * w + pixel * lanes) * es
                valid = iy >= 0 and iy < h and ox_hi >= ox_lo
                lengths[p, i, r] = ((ox_hi - ox_lo) * sw + 1) * lanes * es if valid else 0
    return starts, lengths
