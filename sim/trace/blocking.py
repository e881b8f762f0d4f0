"""Register tile and cache blocking of the GEMM micro-kernel, from the hardware and the shape.

Register tile: C += A x B in an mr x nr block of accumulators. A micro-kernel step (one k)
loads mr elements of A as mr/lanes vectors and nr elements of B as ceil(nr/lanes) vectors
and multiplies by lane (fmla by element), so it needs

    mr/lanes * nr  (accumulators) + mr/lanes  (A) + ceil(nr/lanes)  (B)   registers.

mr is a multiple of the lanes; nr is a multiple of the lanes or smaller than one vector.
Among the tiles that fit, the one with the largest mr*nr/(mr+nr) (multiply-adds per element
loaded) wins; ties go to the larger tile, then to the smaller mr. Cortex-A53 fp32 (32 x 16 B,
4 lanes): 8 x 12, 29 registers, BLIS's cortexa53 sgemm kernel. A file too small for
(lanes x 1) uses that tile anyway and spills: each k step stores and reloads every register
beyond the file (2 accesses each).

Cache blocking (gemm.py's loop nest: ic by mc, jc by nc, pc by kc, jr by nr, ir by mr):
- kc: the packed B micro-panel (kc x nr) is reused by every A micro-panel of the block, so it
  lives in the L1: it takes the L1 share but one way (left to the A micro-panel streaming
  through and to C): kc_max = (W1 - 1) x way bytes / (nr x element bytes). pi3: 512 (BLIS's
  cortexa53 configuration uses 640, a micro-panel of 30 of the 32 KiB).
- the A block (mc x kc, reused by every B micro-panel) and, when K is split, the C block
  (mc x nc, partial sums kept across the K blocks, with the B block kc x nc that streams
  through between two visits) live in the unit's part of the outermost cache (its share,
  or an even split among the units running: outer_budget_bytes), one way left spare:
  mc x kc + kc x nr + [K > kc] (mc + kc) x nc <= budget elements. On a two-level machine
  there is no third level for a packed B panel (BLIS's nc = 3072 streams it from memory),
  so B micro-panels are packed one at a time from their source (gemm.py).
- mc, nc and kc are chosen among even splits of M, N and K (mc, nc rounded up to mr, nr,
  kc to the lanes, kc at least about kc_max / 8) for the least cost the blocking implies,
  as ncnn's get_optimal_tile_mnk sizes its tiles from the L2: the DRAM bytes of A's source
  once per nc block of N unless the A row block, a B block and the C block fit the budget
  together, and of B's source once per mc block of M unless all of B fits with the A and C
  blocks (a conv's input with the halo rows a block of output rows needs again); plus, at
  the DRAM-to-L2 bandwidth ratio, the L2 bytes of each extra K block's read and write of C
  and of each M block's packing of B. Ties go to the deeper kc, then the larger mc, nc.
Without caches nothing is blocked.
"""

import functools
import math

from attrs import define

from sim.hw.model import Hardware, Precision

UNBLOCKED = 1 << 40
KC_SPLITS = 4  # kc_max, kc_max / 2, / 4, / 8


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


def kc_max(hw: Hardware, precision: Precision) -> int:
    """The deepest B micro-panel (kc x nr) the L1 share holds with a way to spare."""
    if not hw.caches:
        return UNBLOCKED
    _, nr = CTA_TILES[0] if hw.unit_name == "SM" else register_tile(hw, precision)
    l1 = hw.caches[0]
    return max(1, max(1, l1.share_ways - 1) * _way_bytes(l1) // (nr * precision.bytes))


@define(frozen=True)
class Sources:
    """What loading A and B once reads: their source tensors' bytes (an implicit im2col
    reads the input, smaller than k x n), and for a conv's B the halo: each block of B
    columns (output pixels, `row` to an output row) reads `halo` more input rows per
    output row it covers (kernel extent - stride, over the stride). A packed B is packed
    again for every block of M rows."""

    a_bytes: int
    b_bytes: int
    row: int = 0
    halo: float = 0.0
    packed: bool = True  # B is packed from its source, micro-panel by micro-panel

    def b_cost(self, reads: int, nc: int) -> float:
        if reads == 1 or not self.row:
            return self.b_bytes * reads
        return self.b_bytes * reads * (1 + self.halo / max(1.0, nc / self.row))


def outer_budget_bytes(hw: Hardware) -> int:
    """What one unit's blocks may take of the outermost cache: its ways but one. A shared
    level that no partition splits is split evenly among the units the run uses, each with
    its own A and C blocks in it; a fair share below two ways keeps half of itself."""
    outer = hw.caches[-1]
    ways = outer.share_ways
    if hw.units > 1 and outer in hw.shared_caches and not outer.is_shared:
        ways /= hw.units
    usable = ways - 1 if ways >= 2 else ways / 2
    return int(usable * _way_bytes(outer))


# Thread-block tiles of a GPU GEMM, largest first: CUTLASS's sm70 threadblock shapes
# (128x128, 128x64, 64x64, 64x32, 32x32; docs/references.md).
CTA_TILES = ((128, 128), (128, 64), (64, 64), (64, 32), (32, 32))


def cta_tile(hw: Hardware, m: int, n: int) -> tuple[int, int]:
    """(rows, columns) of C one thread block of a GPU computes: the largest CUTLASS tile
    whose accumulators take at most a quarter of ONE SM's registers (two blocks resident,
    each with as many registers again for operands) and that still gives every SM of the
    run a tile; the smallest when no tile fills them (a wave left part empty)."""
    fitting = [t for t in CTA_TILES if t[0] * t[1] <= hw.core.registers.count // 4]
    fitting = fitting or [CTA_TILES[-1]]
    for mr, nr in fitting:
        if -(-m // mr) * -(-n // nr) >= hw.units:
            return mr, nr
    return fitting[-1]


def gemm_blocking(
    hw: Hardware, precision: Precision, shape: tuple[int, int, int], sources: Sources
) -> Blocking:
    """The blocking of C (m x n) += A (m x k) x B (k x n) (module docstring). A GPU's SM
    computes a thread block's tile of C (cta_tile), not a tile as large as its registers."""
    if hw.unit_name == "SM":
        mr, nr = cta_tile(hw, shape[0], shape[2])
    else:
        mr, nr = register_tile(hw, precision)
    spills = spill_accesses_per_step(hw, precision)
    if not hw.caches:
        return Blocking(mr, nr, UNBLOCKED, UNBLOCKED, UNBLOCKED, spills)
    budget = outer_budget_bytes(hw) // precision.bytes
    l2 = hw.caches[-1].bytes_per_cycle * hw.core.clock_hz
    l2_weight = hw.dram.bandwidth_bytes_per_s / l2
    mc, kc, nc = _plan(
        (
            mr,
            nr,
            _lanes(hw, precision),
            kc_max(hw, precision),
            budget,
            precision.bytes,
            l2_weight,
        ),
        tuple(shape),
        sources,
    )
    return Blocking(mr, nr, mc, kc, nc, spills)


def _splits(count: int, most: int, grain: int) -> list[int]:
    """Block sizes of the even splits of `count` into blocks of at most `most`, rounded up
    to `grain`, largest first."""
    sizes = []
    for parts in range(max(1, -(-count // most)), -(-count // grain) + 1):
        size = min(-(-count // parts), most)
        size = max(grain, -(-size // grain) * grain)
        if not sizes or size < sizes[-1]:
            sizes.append(size)
    return sizes


def _even(count: int, most: int, grain: int) -> int:
    """The block size of the fewest even blocks of about `most` covering `count`, rounded
    up to `grain` unless one block covers all."""
    size = -(-count // -(-count // most))
    return size if size >= count else min(count, -(-size // grain) * grain)


@functools.lru_cache(maxsize=4096)
def _plan(machine, shape, sources: Sources) -> tuple[int, int, int]:
    mr, nr, lanes, deepest, budget, es, l2_weight = machine
    m, k, n = shape
    depths = {_even(k, max(1, deepest >> i), lanes) for i in range(KC_SPLITS)}
    best = None
    for kc in sorted(depths):
        k_blocks = -(-k // kc)
        split = k_blocks > 1
        for mc in _splits(m, m + mr, mr):
            a_blocks = 2 if split else 1  # a C tile's reuse spans this K block's A and the next's
            rest = budget - a_blocks * mc * kc - kc * nr
            if rest < 0 and mc > mr:
                continue
            widest = max(nr, rest // (mc + kc) // nr * nr) if split else n
            nc = _splits(n, widest, nr)[0] if widest < n else n
            if split and mc > mr and rest < (mc + kc) * nc:
                continue  # the C and B blocks kept across K blocks would not fit
            c_block = mc * nc
            a_reads = 1 if nc >= n or mc * k + k * nc + c_block <= budget else -(-n // nc)
            b_reads = 1 if mc >= m or k * n + mc * k + c_block <= budget else -(-m // mc)
            packing = -(-m // mc) * 2 * k * n if sources.packed else 0
            on_chip = (k_blocks - 1) * 2 * m * n + packing
            cost = sources.a_bytes * a_reads + sources.b_cost(b_reads, nc)
            cost += on_chip * es * l2_weight
            key = (cost, -kc, -mc, -nc)
            if best is None or key < best[0]:
                best = (key, (mc, kc, nc))
    return best[1]
