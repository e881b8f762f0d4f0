"""Register tile and cache blocking of the GEMM micro-kernel, from the hardware alone.

Register tile: C += A x B in an mr x nr block of accumulators. A micro-kernel step (one k)
loads mr elements of A as mr/lanes vectors and nr elements of B as ceil(nr/lanes) vectors
and multiplies by lane (fmla by element), so it needs

    mr/lanes * nr  (accumulators) + mr/lanes  (A) + ceil(nr/lanes)  (B)   registers.

mr is a multiple of the lanes; nr is a multiple of the lanes or smaller than one vector.
Among the tiles that fit, the one with the largest mr*nr/(mr+nr) (multiply-adds per element
loaded) wins; ties go to the larger tile, then to the smaller mr. Cortex-A53 fp32 (32 x 16 B,
4 lanes): 8 x 12, 29 registers. A file too small for (lanes x 1) uses that tile anyway and
spills: each k step stores and reloads every register beyond the file (2 accesses each).

Cache blocking after Low et al. 2016 ("Analytical modeling is enough for high-performance
BLIS", TOMS 43(2)):
- kc: the A micro-panel (mr x kc) takes C_Ar = floor((W - 1) / (1 + nr/mr)) of the W ways
  of this core's L1 share, the B micro-panel (kc x nr) proportionally more, one way is left
  for C: kc = C_Ar * sets * line / (mr * element bytes) (Low et al., eq. for kc).
- mc: the packed A block (mc x kc) lives in the second level (the L1 if there is one level),
  nc: the packed B panel (kc x nc) in the outermost. One way of each share is left for the
  streams passing through (C, the B micro-panels). When both blocks share one level, as on
  every shipped device, its other ways are split: floor((W - 1) / 2) for the A block, the
  rest for the B panel (pi3: L2 share of 4 ways of 32 KiB: A block 32 KiB, mc = 32; B panel
  64 KiB, nc = 60). Otherwise the A block takes W - 1 ways of its level, the B panel W - 1
  of the outermost.
mc and nc are rounded down to multiples of mr and nr (at least one). Without caches nothing
is blocked.
"""

import functools
import math

from attrs import define

from sim.hw.model import Hardware, Precision

UNBLOCKED = 1 << 40


def tile_registers(mr: int, nr: int, lanes: int) -> int:
    """Registers an mr x nr micro-tile needs: accumulators, one A and one B operand."""
    return (mr // lanes) * nr + mr // lanes + -(-nr // lanes)


def _lanes(hw: Hardware, precision: Precision) -> int:
    return max(1, hw.core.registers.width_bytes // precision.bytes)


def register_tile(hw: Hardware, precision: Precision) -> tuple[int, int]:
    """(mr, nr): the GEMM micro-tile that fits the register file best (module docstring)."""
    return _register_tile(hw.core.registers.count, _lanes(hw, precision))


@functools.lru_cache(maxsize=64)
def _register_tile(count: int, lanes: int) -> tuple[int, int]:
    best = None
    for a in range(1, math.isqrt(count) + 2):
        mr = a * lanes
        # widest nr for this mr: a * nr + a + ceil(nr / lanes) <= count
        if lanes > 1:
            widths = [b * lanes for b in range(1, (count - a) // (a * lanes + 1) + 1)]
            widths += [n for n in range(1, lanes) if a * n + a + 1 <= count]
        else:
            widths = [(count - a) // (a + 1)] if count - a >= a + 1 else []
        for nr in widths:
            key = (mr * nr / (mr + nr), mr * nr, -mr)
            if best is None or key > best[0]:
                best = (key, (mr, nr))
    return best[1] if best else (lanes, 1)


def spill_accesses_per_step(hw: Hardware, precision: Precision) -> int:
    """Stack loads and stores each k step of the micro-kernel makes (0 when the tile fits)."""
    mr, nr = register_tile(hw, precision)
    over = tile_registers(mr, nr, _lanes(hw, precision)) - hw.core.registers.count
    return 2 * max(0, over)


def _way_bytes(level) -> int:
    return level.sets * level.line_bytes


@define(frozen=True)
class Blocking:
    mr: int
    nr: int
    mc: int
    kc: int
    nc: int
    spills_per_step: int


def gemm_blocking(hw: Hardware, precision: Precision) -> Blocking:
    mr, nr = register_tile(hw, precision)
    spills = spill_accesses_per_step(hw, precision)
    if not hw.caches:
        return Blocking(mr, nr, UNBLOCKED, UNBLOCKED, UNBLOCKED, spills)
    es = precision.bytes
    l1 = hw.caches[0]
    micro_ways = max(1, math.floor((l1.share_ways - 1) / (1 + nr / mr)))
    kc = max(1, micro_ways * _way_bytes(l1) // (mr * es))
    middle, outer = hw.caches[1] if len(hw.caches) > 1 else l1, hw.caches[-1]
    if middle is outer:  # the A block and the B panel share the level: split its ways
        a_ways = max(1, (middle.share_ways - 1) // 2)
        b_ways = max(1, outer.share_ways - 1 - a_ways)
    else:
        a_ways, b_ways = max(1, middle.share_ways - 1), max(1, outer.share_ways - 1)
    mc = max(mr, a_ways * _way_bytes(middle) // (kc * es) // mr * mr)
    nc = max(nr, b_ways * _way_bytes(outer) // (kc * es) // nr * nr)
    return Blocking(mr, nr, mc, kc, nc, spills)
