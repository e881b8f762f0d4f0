"""Tile chains of convolutions spatially, keeping the intermediate tensor on chip.

A chain is two adjacent kernels whose main ops are convs (direct, im2col or pointwise; no
Winograd; the first may have a prologue, the second not) where the second reads the first's
output and nothing else does. `tile_chains` merges each chain it is given into one kernel
with a tile size (sim/schedule/tiles.py): the intermediate lives in a per-tile scratch and
never reaches memory; the producer's halo rows and columns are recomputed per tile.

`choose_tiles` is the `tiled` preset's cost estimate, in bytes of DRAM traffic:
- the tile: a band of whole rows (ceil(H/g) x W, g = 1, 2, ...: no column halo, and every
  row the tile reads or writes is contiguous, whole cache lines), the tallest whose working
  set fits in the device's cache share: every stage's input region (the intermediate with
  its halo included) and the last stage's output region;
- kept: the intermediate's round trip avoided, 2 x its bytes (one store, one load);
- paid: the weights of both convs re-read once per extra tile unless they fit in the share
  next to the working set, and the halo FLOPs at the device's DRAM bytes per peak FLOP (the
  traffic that takes as long as the recompute), and one cache line per plane of every
  region read from or written to memory, per tile: a band starts and ends mid-line, and the
  line it shares with the next band is moved again. The input rows a band shares with the
  band before it were just read by it, inside a working set that fits: not counted;
- a chain is tiled if kept > paid, the chains with the largest kept - paid first.
"""

import math
from collections.abc import Mapping

from attrs import define

from sim.graph.model import CONV_KINDS
from sim.hw.model import Hardware, Precision
from sim.schedule.model import Kernel, Schedule
from sim.schedule.passes.common import only_reader, with_kernels
from sim.schedule.tiles import StageTile, chain_tiles, halo_flops

TILED_ALGORITHMS = ("auto", "direct", "im2col")


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


def tile_chains(schedule: Schedule, tiles: Mapping[str, tuple[int, int]] | None = None):
    """Merge the chain starting at each kernel named in `tiles` into one tiled kernel."""
    tiles = tiles or {}
    kernels = list(schedule.kernels)
    index = 0
    while index < len(kernels) - 1:
        first = kernels[index]
        if first.name not in tiles or not is_chain(schedule, tuple(kernels), index):
            index += 1
            continue
        kernels[index : index + 2] = [chained(first, kernels[index + 1], tiles[first.name])]
        index += 1
    return with_kernels(schedule, kernels)


def chained(first: Kernel, second: Kernel, tile: tuple[int, int]) -> Kernel:
    return Kernel(
        f"{first.name}+{second.name}",
        (*first.ops, *second.ops),
        second.algorithm,
        len(first.ops) + second.main,
        (*first.absorbed, *second.absorbed),
        tile,
    )


def is_chain(schedule: Schedule, kernels: tuple[Kernel, ...], index: int) -> bool:
    """Whether kernels[index] and the next one can be tiled together."""
    if index + 1 >= len(kernels):
        return False
    first, second = kernels[index], kernels[index + 1]
    if second.prologue:
        return False
    for k in (first, second):
        if k.tile is not None or k.main_op.kind not in CONV_KINDS or len(k.outputs) != 1:
            return False
        if {k.algorithm, k.main_op.attrs.algorithm} - set(TILED_ALGORITHMS):
            return False
    link = first.outputs[0].name
    return second.main_op.inputs[0].name == link and only_reader(schedule, kernels, link) == (
        index + 1
    )


def estimate(first: Kernel, second: Kernel, budget: Budget, es: int) -> ChainEstimate | None:
    """The estimate for tiling the chain, or None if no tile fits the budget."""
    height, width = second.outputs[0].shape[2:]
    for g in range(1, height + 1):
        tile = (math.ceil(height / g), width)
        kernel = chained(first, second, tile)
        parts = list(chain_tiles(kernel))
        working = max(_working_elements(p) for p in parts) * es
        if working > budget.share_bytes:
            continue
        weights = sum(t.elements for op in kernel.ops for t in op.params) * es
        extra = halo_flops(kernel)
        boundary = len(parts) * _memory_planes(parts[0]) * budget.line_bytes
        reread = (len(parts) - 1) * weights if working + weights > budget.share_bytes else 0
        return ChainEstimate(
            tile,
            len(parts),
            2 * first.outputs[0].elements * es,
            reread,
            boundary,
            extra,
            reread + boundary + extra * budget.bytes_per_flop,
        )
    return None


def _working_elements(tile: tuple[StageTile, ...]) -> int:
    """Elements one tile touches: the regions every stage reads (its input, the intermediate
    with its halo, a residual) and the last output region."""
    elements = tile[-1].ops[-1].outputs[0].elements
    for part in tile:
        made = {t.name for op in part.ops for t in op.outputs}
        read = {t.name: t for op in part.ops for t in op.inputs if t.name not in made}
        elements += sum(t.elements for t in read.values())
    return elements


def _memory_planes(tile: tuple[StageTile, ...]) -> int:
    """Planes of the regions a tile reads from or writes to memory (not the intermediate)."""
    links = {part.ops[-1].outputs[0].name for part in tile[:-1]}
    planes = math.prod(tile[-1].ops[-1].outputs[0].shape[:2])
    for part in tile:
        made = {t.name for op in part.ops for t in op.outputs}
        read = {t.name: t for op in part.ops for t in op.inputs if t.name not in made | links}
        planes += sum(math.prod(t.shape[:2]) for t in read.values() if len(t.shape) == 4)
    return planes


def choose_tiles(schedule: Schedule, budget: Budget) -> dict[str, tuple[int, int]]:
    """First kernel name -> tile size of every chain the estimate predicts a saving for."""
    kernels = schedule.kernels
    es = schedule.precision.bytes
    found = []
    for index in range(len(kernels) - 1):
        if is_chain(schedule, kernels, index):
            guess = estimate(kernels[index], kernels[index + 1], budget, es)
            if guess is not None and guess.saving_bytes > 0:
                found.append((guess.saving_bytes, index, guess.tile))
    taken: set[int] = set()
    chosen = {}
    for _, index, tile in sorted(found, key=lambda f: (-f[0], f[1])):
        if {index, index + 1} & taken:
            continue
        taken |= {index, index + 1}
        chosen[kernels[index].name] = tile
    return chosen
