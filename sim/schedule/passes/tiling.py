"""Tile chains of convolutions spatially, keeping the intermediate tensors on chip.

A chain is a run of two or more adjacent kernels whose main ops are convs (direct, im2col
or pointwise; no Winograd; any may have a prologue of read maps, such as a fused shuffle)
where each reads the previous one's output and nothing else does. `tile_chains` merges
each chain it is given into one kernel with a tile size (sim/schedule/tiles.py): the
intermediates live in a per-tile scratch and never reach memory; each producer's halo rows
and columns are recomputed per tile.

On several units the tiles are dealt to them, each unit running whole tiles, stage after
stage, with no barrier inside the kernel: the parallel loop over tiles of Halide's fused
schedules (`parallel` over the tiles, the producers `compute_at` the tile, halos recomputed;
docs/references.md), and on a GPU a fused kernel's thread blocks, one tile each. So every
unit holds its own tile's working set at once, and the tile count bounds the units kept
busy: a chain cut into fewer tiles than units idles the rest.

`choose_tiles` is the `tiled` preset's cost estimate, in bytes of DRAM traffic, for every
chain of 2 to MAX_CHAIN_KERNELS kernels:
- the unit's cache: the largest of what one unit holds of each level (a private level
  whole; a shared level's share, split evenly among the units running where no partition
  splits it, as the GEMM blocking's outer_budget_bytes does; sim/trace/blocking.py);
- the tile: a band of whole rows (ceil(H/g) x W, g = 1, 2, ...: no column halo, and every
  row the tile reads or writes is contiguous, whole cache lines), the tallest whose working
  set fits in the unit's cache: every stage's input region (the intermediates with their
  halos included) and the last stage's output region; then, if that makes fewer tiles than
  units, the tallest band that makes as many, or where the output has fewer rows than
  units, one-row bands cut into the widest columns (ceil(W/g)) that do (smaller tiles fit
  too). An output with fewer positions than units is not tiled;
- kept: the intermediates' round trips avoided, 2 x their bytes (one store, one load);
- paid: the weights of the chain's convs re-read once per extra round of tiles unless they
  fit in the unit's cache next to the working set (the units running a round read them
  together through the shared level: one DRAM read; one unit runs a tile a round); at the
  device's DRAM bytes per peak FLOP (the traffic that takes as long as the arithmetic),
  the halo FLOPs and the FLOPs the units could run while they idle in the last round (T
  tiles on N units take ceil(T/N) rounds: N x ceil(T/N) - T empty slots, each a mean
  tile's FLOPs); and one cache line per contiguous run of every region read from or
  written to memory, per tile (a plane of a band, a row of a plane otherwise): a run
  starts and ends mid-line, and the line it shares with its neighbour is moved again. The
  input rows a band shares with the band before it were just read by it, inside a working
  set that fits: not counted;
- chains are tiled if kept > paid, the largest kept - paid first, each kernel in one chain.
"""

import itertools
import math
from collections.abc import Iterable, Sequence

from attrs import define, field

from sim.analytic.counts import flops
from sim.graph.model import CONV_KINDS, Tensor
from sim.graph.sparsity import sparse_algorithm
from sim.hw.model import Hardware, Precision
from sim.schedule.model import Algorithm, Kernel, Schedule
from sim.schedule.passes.common import only_reader, with_kernels
from sim.schedule.tiles import StageTile, chain_tiles, tile_classes

MAX_CHAIN_KERNELS = 4  # the longest chain the estimate weighs


@define(frozen=True)
class Chain:
    """The run of `length` kernels starting at kernel `first`, tiled with `tile` (rows,
    columns of the last kernel's output)."""

    first: str
    length: int
    tile: tuple[int, int] = field(converter=tuple)


@define(frozen=True)
class Budget:
    """What the estimate knows of the device."""

    share_bytes: int  # what one unit holds of a cache level, the largest (unit_cache_bytes)
    bytes_per_flop: float  # DRAM bytes moved in the time of one FLOP at peak
    line_bytes: int  # the largest cache line
    units: int  # the units the tiles are dealt to

    @classmethod
    def of(cls, hw: Hardware, precision: Precision) -> "Budget":
        line = max((c.line_bytes for c in hw.caches), default=0)
        return cls(
            unit_cache_bytes(hw),
            hw.dram.bandwidth_bytes_per_s / hw.peak_flops_per_s(precision),
            line,
            hw.units,
        )


def unit_cache_bytes(hw: Hardware) -> int:
    """The most one unit holds of any cache level while every unit of the run holds its own
    tile: a private level whole, a shared one's share, split evenly among the units where
    no partition splits it (as outer_budget_bytes does for GEMM blocks)."""
    held = []
    for level in hw.caches:
        split = hw.units > 1 and level in hw.shared_caches and not level.is_shared
        held.append(level.share_bytes // hw.units if split else level.share_bytes)
    return max(held, default=0)


@define(frozen=True)
class ChainEstimate:
    tile: tuple[int, int]
    tiles: int
    kept_bytes: int
    weights_reread_bytes: int
    boundary_bytes: int
    halo_flops: int
    idle_flops: float  # what the units idle in the last round of tiles could compute
    paid_bytes: float

    @property
    def saving_bytes(self) -> float:
        return self.kept_bytes - self.paid_bytes


def tile_chains(schedule: Schedule, chains: Iterable[Chain] = ()) -> Schedule:
    """Merge each chain given (that is still a chain here) into one tiled kernel."""
    wanted = {c.first: c for c in chains}
    kernels = list(schedule.kernels)
    index = 0
    while index < len(kernels):
        chain = wanted.get(kernels[index].name)
        if chain is not None and is_chain(schedule, tuple(kernels), index, chain.length):
            run = kernels[index : index + chain.length]
            kernels[index : index + chain.length] = [chained(run, chain.tile)]
        index += 1
    return with_kernels(schedule, kernels)


def chained(run: Sequence[Kernel], tile: tuple[int, int]) -> Kernel:
    """The kernels of `run` as the stages of one kernel tiled with `tile`."""
    starts = list(itertools.accumulate((len(k.ops) for k in run[:-1]), initial=0))
    last = run[-1]
    return Kernel(
        "+".join(k.name for k in run),
        tuple(op for k in run for op in k.ops),
        last.algorithm,
        starts[-1] + last.main,
        tuple(name for k in run for name in k.absorbed),
        tile,
        stage_starts=starts,
    )


def is_chain(schedule: Schedule, kernels: tuple[Kernel, ...], index: int, length: int) -> bool:
    """Whether kernels[index : index + length] can be tiled together."""
    if length < 2 or index + length > len(kernels):
        return False
    run = kernels[index : index + length]
    for k in run:
        if k.tile is not None or k.per_channel or k.main_op.kind not in CONV_KINDS:
            return False
        if sparse_algorithm(k.main_op) is not None:  # its kernel walks the strips, not tiles
            return False
        if len(k.outputs) != 1 or {k.algorithm, k.main_op.attrs.algorithm} - set(Algorithm.TILED):
            return False
    for offset, (producer, consumer) in enumerate(itertools.pairwise(run)):
        link = producer.outputs[0].name
        if consumer.ops[0].inputs[0].name != link:
            return False
        if only_reader(schedule, kernels, link) != index + offset + 1:
            return False
    return True


def estimate(run: Sequence[Kernel], budget: Budget, es: int) -> ChainEstimate | None:
    """The estimate for tiling the chain `run`, or None if no band fits the budget or the
    output has fewer positions than there are units.

    The working set only grows with the band's height, so the tallest band that fits is
    found by bisection over the heights ceil(H/g) takes; `dealt` then cuts it until every
    unit has a tile (a smaller tile's working set fits too)."""
    height, width = run[-1].outputs[0].shape[2:]
    if height * width < budget.units:
        return None

    def fits(rows: int) -> bool:
        return working_bytes(tile_classes(chained(run, (rows, width))), es) <= budget.share_bytes

    heights = _sizes(height)
    lo, hi = 0, len(heights)  # heights[:lo] fit, heights[hi:] do not
    while lo < hi:
        mid = (lo + hi) // 2
        if fits(heights[mid]):
            lo = mid + 1
        else:
            hi = mid
    if lo == 0:
        return None
    tile = dealt((heights[lo - 1], width), (height, width), budget.units)
    kernel = chained(run, tile)
    tiles = list(chain_tiles(kernel))
    count = len(tiles)
    working = working_bytes(tiles, es)
    weights = sum(t.elements for op in kernel.ops for t in op.params) * es
    computed = sum(flops(op) for parts in tiles for part in parts for op in part.ops)
    halo = computed - sum(flops(op) for op in kernel.ops)
    rounds = -(-count // budget.units)
    idle = computed * (budget.units * rounds - count) / count
    boundary = count * _memory_runs(tiles[0], banded=tile[1] == width) * budget.line_bytes
    reread = (rounds - 1) * weights if working + weights > budget.share_bytes else 0
    kept = 2 * sum(k.outputs[0].elements for k in run[:-1]) * es
    return ChainEstimate(
        tile,
        count,
        kept,
        reread,
        boundary,
        halo,
        idle,
        reread + boundary + (halo + idle) * budget.bytes_per_flop,
    )


def dealt(tile: tuple[int, int], shape: tuple[int, int], units: int) -> tuple[int, int]:
    """`tile`, a band of `shape` (rows, columns of the output), or a smaller tile that makes
    at least one tile per unit when it does not: the tallest band that does, or where the
    output has fewer rows than units, one-row bands cut into the widest columns that do."""
    (rows, cols), (height, width) = tile, shape
    if -(-height // rows) * -(-width // cols) >= units:
        return tile
    if height >= units:
        return max(h for h in _sizes(height) if -(-height // h) >= units), width
    return 1, max(w for w in _sizes(width) if height * -(-width // w) >= units)


def _sizes(length: int) -> list[int]:
    """The sizes ceil(length/g) of g = 1, 2, ... even pieces, ascending."""
    return sorted({math.ceil(length / g) for g in range(1, length + 1)})


def working_bytes(tiles: Iterable[tuple[StageTile, ...]], element_bytes: int) -> int:
    """The largest working set of the tiles (each tile's stages, as chain_tiles gives them;
    one per class of `tile_classes` is enough: a working set is of the tensors' shapes)."""
    return max(_working_elements(t) for t in tiles) * element_bytes


def _working_elements(tile: tuple[StageTile, ...]) -> int:
    """Elements one tile touches: the regions every stage reads (its input, the intermediate
    with its halo, a residual) and the last output region."""
    reads = (t.elements for part in tile for t in _loaded(part, set()))
    return tile[-1].ops[-1].outputs[0].elements + sum(reads)


def _memory_runs(tile: tuple[StageTile, ...], banded: bool) -> int:
    """Contiguous runs of the regions a tile reads from or writes to memory (not the
    intermediates): a plane of each region of a band, a row of each plane otherwise."""
    links = {part.ops[-1].outputs[0].name for part in tile[:-1]}
    reads = [t for part in tile for t in _loaded(part, links) if len(t.shape) == 4]
    regions = [tile[-1].ops[-1].outputs[0], *reads]
    return sum(math.prod(t.shape[:2]) * (1 if banded else t.shape[2]) for t in regions)


def _loaded(part: StageTile, excluded: set[str]) -> list[Tensor]:
    """The tensors a stage's tile reads that it does not make, but those `excluded`."""
    made = {t.name for op in part.ops for t in op.outputs} | excluded
    read = {t.name: t for op in part.ops for t in op.inputs if t.name not in made}
    return list(read.values())


def chain_estimates(schedule: Schedule, budget: Budget) -> list[tuple[int, Chain, ChainEstimate]]:
    """Every chain of the schedule with the estimate's tile: (first kernel index, chain,
    estimate), in kernel order, shorter chains first."""
    kernels = schedule.kernels
    found = []
    for index in range(len(kernels) - 1):
        for length in range(2, MAX_CHAIN_KERNELS + 1):
            if not is_chain(schedule, kernels, index, length):
                break
            guess = estimate(kernels[index : index + length], budget, schedule.precision.bytes)
            if guess is not None:
                found.append((index, Chain(kernels[index].name, length, guess.tile), guess))
    return found


def disjoint(
    schedule: Schedule, ranked: Iterable[tuple[int, Chain]], taken: Iterable[Chain] = ()
) -> list[Chain]:
    """The chains of `ranked` (first kernel index, chain), in order, that share no kernel
    with `taken` nor with one kept before them."""
    names = [k.name for k in schedule.kernels]
    used = set()
    for chain in taken:
        start = names.index(chain.first)
        used |= set(range(start, start + chain.length))
    kept = []
    for index, chain in ranked:
        span = set(range(index, index + chain.length))
        if not span & used:
            used |= span
            kept.append(chain)
    return kept


def choose_tiles(schedule: Schedule, budget: Budget) -> tuple[Chain, ...]:
    """The chains the estimate predicts a saving for, largest saving first, disjoint."""
    return pick_chains(schedule, chain_estimates(schedule, budget))


def pick_chains(schedule: Schedule, estimates) -> tuple[Chain, ...]:
    """Of `chain_estimates`, those with a saving, largest first, that share no kernel."""
    found = [
        (-guess.saving_bytes, index, chain.length, chain)
        for index, chain, guess in estimates
        if guess.saving_bytes > 0
    ]
    ranked = [(index, chain) for _, index, _, chain in sorted(found, key=lambda f: f[:3])]
    return tuple(disjoint(schedule, ranked))
