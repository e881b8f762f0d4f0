"""Tile chains of convolutions spatially, keeping the intermediate tensors on chip.

A chain is a run of two or more adjacent kernels whose main ops are convs (direct, im2col
or pointwise; no Winograd; any may have a prologue of read maps, such as a fused shuffle)
where each reads the previous one's output and nothing else does. `tile_chains` merges
each chain it is given into one kernel with a tile size (sim/schedule/tiles.py): the
intermediates live in a per-tile scratch and never reach memory; each producer's halo rows
and columns are recomputed per tile.

`choose_tiles` is the `tiled` preset's cost estimate, in bytes of DRAM traffic, for every
chain of 2 to MAX_CHAIN_KERNELS kernels:
- the tile: a band of whole rows (ceil(H/g) x W, g = 1, 2, ...: no column halo, and every
  row the tile reads or writes is contiguous, whole cache lines), the tallest whose working
  set fits in the device's cache share: every stage's input region (the intermediates with
  their halos included) and the last stage's output region;
- kept: the intermediates' round trips avoided, 2 x their bytes (one store, one load);
- paid: the weights of the chain's convs re-read once per extra tile unless they fit in the
  share next to the working set, and the halo FLOPs at the device's DRAM bytes per peak FLOP
  (the traffic that takes as long as the recompute), and one cache line per plane of every
  region read from or written to memory, per tile: a band starts and ends mid-line, and the
  line it shares with the next band is moved again. The input rows a band shares with the
  band before it were just read by it, inside a working set that fits: not counted;
- chains are tiled if kept > paid, the largest kept - paid first, each kernel in one chain.
"""

import itertools
import math
from collections.abc import Iterable, Sequence

from attrs import define, field

from sim.graph.model import CONV_KINDS, Tensor
from sim.graph.sparsity import sparse_algorithm
from sim.hw.model import Hardware, Precision
from sim.schedule.model import Algorithm, Kernel, Schedule
from sim.schedule.passes.common import only_reader, with_kernels
from sim.schedule.tiles import StageTile, chain_tiles, halo_flops

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

    share_bytes: int  # the largest cache level's share for one core
    bytes_per_flop: float  # DRAM bytes moved in the time of one FLOP at peak
    line_bytes: int  # the largest cache line

    @classmethod
    def of(cls, hw: Hardware, precision: Precision) -> "Budget":
        share = max((c.share_bytes for c in hw.caches), default=0)
        line = max((c.line_bytes for c in hw.caches), default=0)
        return cls(share, hw.dram.bandwidth_bytes_per_s / hw.peak_flops_per_s(precision), line)


@define(frozen=True)
class ChainEstimate:
    tile: tuple[int, int]
    tiles: int
    kept_bytes: int
    weights_reread_bytes: int
    boundary_bytes: int
    halo_flops: int
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
    """The estimate for tiling the chain `run`, or None if no band fits the budget.

    The working set only grows with the band's height, so the tallest band that fits is
    found by bisection over the heights ceil(H/g) takes."""
    height, width = run[-1].outputs[0].shape[2:]
    heights = sorted({math.ceil(height / g) for g in range(1, height + 1)})

    def working_bytes(parts) -> int:
        return max(_working_elements(p) for p in parts) * es

    lo, hi = 0, len(heights)  # heights[:lo] fit, heights[hi:] do not
    while lo < hi:
        mid = (lo + hi) // 2
        if working_bytes(chain_tiles(chained(run, (heights[mid], width)))) <= budget.share_bytes:
            lo = mid + 1
        else:
            hi = mid
    if lo == 0:
        return None
    tile = (heights[lo - 1], width)
    kernel = chained(run, tile)
    parts = list(chain_tiles(kernel))
    working = working_bytes(parts)
    weights = sum(t.elements for op in kernel.ops for t in op.params) * es
    extra = halo_flops(kernel)
    boundary = len(parts) * _memory_planes(parts[0]) * budget.line_bytes
    reread = (len(parts) - 1) * weights if working + weights > budget.share_bytes else 0
    kept = 2 * sum(k.outputs[0].elements for k in run[:-1]) * es
    return ChainEstimate(
        tile,
        len(parts),
        kept,
        reread,
        boundary,
        extra,
        reread + boundary + extra * budget.bytes_per_flop,
    )


def _working_elements(tile: tuple[StageTile, ...]) -> int:
    """Elements one tile touches: the regions every stage reads (its input, the intermediate
    with its halo, a residual) and the last output region."""
    reads = (t.elements for part in tile for t in _loaded(part, set()))
    return tile[-1].ops[-1].outputs[0].elements + sum(reads)


def _memory_planes(tile: tuple[StageTile, ...]) -> int:
    """Planes of the regions a tile reads from or writes to memory (not the intermediate)."""
    links = {part.ops[-1].outputs[0].name for part in tile[:-1]}
    reads = (t for part in tile for t in _loaded(part, links) if len(t.shape) == 4)
    return math.prod(tile[-1].ops[-1].outputs[0].shape[:2]) + sum(
        math.prod(t.shape[:2]) for t in reads
    )


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
