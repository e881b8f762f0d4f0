"""The tiles of a tiled conv chain: what each stage computes for one tile of the output.

Going back from a tile of the last stage's output, each stage's conv needs a region of its
input: output rows [y0, y1) of a conv (kernel k, stride s, dilation d, top pad p) read input
rows [y0*s - p, (y1-1)*s - p + (k-1)*d + 1), clipped to the tensor; what lies outside is
padding. That region is the previous stage's output for this tile: neighbouring tiles'
regions overlap (the halo), and the overlap is computed once per tile that needs it.
A stage's tile is its ops on the regions: its prologue and conv on the input region (the
conv with the pads the clipping left), its epilogue on the output region; every tensor with
the planes of a region (not an SE gate) is renamed `name@tile`.
"""

from collections.abc import Iterable, Iterator

import attrs
from attrs import define

from sim.analytic.counts import flops
from sim.graph.model import ConvAttrs, Op, Tensor
from sim.schedule.model import Kernel

TILE_SUFFIX = "@tile"


@define(frozen=True)
class Region:
    """Rows [start, end) and columns [start, end) of a tensor's planes."""

    rows: tuple[int, int]
    cols: tuple[int, int]

    @property
    def shape(self) -> tuple[int, int]:
        return self.rows[1] - self.rows[0], self.cols[1] - self.cols[0]


@define(frozen=True)
class StageTile:
    """One stage on one tile: its ops on the regions, the input region it reads, the output
    region it writes."""

    ops: tuple[Op, ...]
    input: Region
    output: Region


def chain_tiles(
    kernel: Kernel, regions: Iterable[Region] | None = None
) -> Iterator[tuple[StageTile, ...]]:
    """For each tile of the output (of `regions`, or every one row-major), every stage's part
    of it, first stage first: `stage_tiles`. A stage's ops depend on the shapes of its
    regions and on its conv's pads alone (`_stage_ops`): the tiles that agree in those
    share the ops, made once."""
    stages = kernel.stages[::-1]
    made: dict[tuple, tuple[Op, ...]] = {}
    for out in tile_regions(kernel) if regions is None else regions:
        parts = []
        for index, stage in enumerate(stages):
            region, pads = _input_region(stage.main_op, out)
            key = (index, region.shape, out.shape, pads)
            ops = made.get(key)
            if ops is None:
                ops = made[key] = _stage_ops(stage, region, out, pads)
            parts.append(StageTile(ops, region, out))
            out = region
        yield tuple(reversed(parts))


def tile_regions(kernel: Kernel) -> list[Region]:
    """The tiles of the last stage's output, row-major."""
    _, _, height, width = kernel.stages[-1].outputs[0].shape
    th, tw = kernel.tile
    return [
        Region((y0, min(y0 + th, height)), (x0, min(x0 + tw, width)))
        for y0 in range(0, height, th)
        for x0 in range(0, width, tw)
    ]


def stage_tiles(kernel: Kernel, out: Region) -> tuple[StageTile, ...]:
    """Every stage's part of the output tile `out`, first stage first."""
    parts = []
    for stage in reversed(kernel.stages):
        parts.append(_stage_tile(stage, out))
        out = parts[-1].input
    return tuple(reversed(parts))


def tile_classes(kernel: Kernel) -> list[tuple[StageTile, ...]]:
    """For each class of output tiles whose stages read and write regions of the same
    shapes, its first tile's stages as `chain_tiles` gives them. The stages' ops of the
    tiles of a class differ in the convs' pads alone: their tensors have the same names and
    shapes (`_part`), so what is computed from the tensors is the same for each tile."""
    stages = kernel.stages[::-1]
    classes: dict[tuple, tuple[StageTile, ...]] = {}
    for out in tile_regions(kernel):
        shapes = []
        region = out
        for stage in stages:
            below, _ = _input_region(stage.main_op, region)
            shapes.append((below.shape, region.shape))
            region = below
        if (key := tuple(shapes)) not in classes:
            classes[key] = stage_tiles(kernel, out)
    return list(classes.values())


def halo_flops(kernel: Kernel) -> int:
    """FLOPs the tiles compute beyond the ops themselves: the recomputed halo. Negative
    where a strided conv never reads its producer's last rows or columns, which no tile
    then computes."""
    tiled = sum(flops(op) for tile in chain_tiles(kernel) for part in tile for op in part.ops)
    return tiled - sum(flops(op) for op in kernel.ops)


def _span(attrs_: ConvAttrs, out: tuple[int, int], size: int, axis: int):
    """The clipped input span output span `out` reads along `axis`, and the pads around it."""
    k, s, d, p = attrs_.kernel[axis], attrs_.stride[axis], attrs_.dilation[axis], attrs_.pads[axis]
    lo = out[0] * s - p
    hi = (out[1] - 1) * s - p + (k - 1) * d + 1
    return (max(lo, 0), min(hi, size)), max(0, -lo), max(0, hi - size)


def _input_region(conv: Op, out: Region) -> tuple[Region, tuple[int, int, int, int]]:
    """The clipped input region output region `out` of `conv` reads, and the pads around it
    (top, left, bottom, right)."""
    h, w = conv.inputs[0].shape[2:]
    rows, top, bottom = _span(conv.attrs, out.rows, h, 0)
    cols, left, right = _span(conv.attrs, out.cols, w, 1)
    return Region(rows, cols), (top, left, bottom, right)


def _stage_tile(stage: Kernel, out: Region) -> StageTile:
    region, pads = _input_region(stage.main_op, out)
    return StageTile(_stage_ops(stage, region, out, pads), region, out)


def _stage_ops(
    stage: Kernel, region: Region, out: Region, pads: tuple[int, int, int, int]
) -> tuple[Op, ...]:
    """The stage's ops on input region `region` and output region `out`, the conv with
    `pads`: each tensor with the planes of a region renamed and sized to its shape."""
    conv = stage.main_op
    ops = []
    for index, op in enumerate(stage.ops):
        side = (conv.outputs[0], out) if index >= stage.main else (conv.inputs[0], region)
        changed = {
            "inputs": tuple(_part(t, *side) for t in op.inputs),
            "outputs": tuple(_part(t, *side) for t in op.outputs),
        }
        if op is conv:
            changed["inputs"] = (_part(op.inputs[0], conv.inputs[0], region),)
            changed["attrs"] = attrs.evolve(op.attrs, pads=pads)
        ops.append(attrs.evolve(op, **changed))
    return tuple(ops)


def _part(tensor: Tensor, like: Tensor, region: Region) -> Tensor:
    """`tensor`'s part in `region` if it has the planes of `like`; else the whole (a gate)."""
    if len(tensor.shape) != 4 or tensor.shape[2:] != like.shape[2:]:
        return tensor
    return Tensor(tensor.name + TILE_SUFFIX, (*tensor.shape[:2], *region.shape))
