"""The per-unit compute model of a device, and what a tile costs the engine that runs it.

A device is identical units (cores, SMs); `unit` says how one of them issues
(sim/compute/inorder.py, sim/compute/volta.py). A tile runs on one unit and is charged by its
FLOPs and its register-wide loads and stores (line accesses, the collapsed ones, spills).
"""

from typing import TYPE_CHECKING

from attrs import define

from sim.compute.classes import ComputeClass, compute_class
from sim.compute.inorder import InOrderCore, in_order_cycles
from sim.compute.volta import StreamingMultiprocessor, sm_cycles
from sim.graph.sparsity import block_of
from sim.hw.model import Hardware, Precision

if TYPE_CHECKING:  # annotation only: the hardware loader need not load every trace generator
    from sim.trace.model import Tile

Unit = InOrderCore | StreamingMultiprocessor


@define(frozen=True)
class ComputeModel:
    unit: Unit

    def peak_flops_per_cycle(self, precision: Precision) -> float:
        """One unit's peak, the bound no tile's rate exceeds."""
        if isinstance(self.unit, InOrderCore):
            return self.unit.peak_flops_per_cycle[precision]
        return self.unit.peak(precision)


def unit_cycles(
    flops: float, accesses: float, model: ComputeModel, cls: ComputeClass, precision: Precision
) -> float:
    """Cycles one unit takes for `flops` and `accesses` of a kernel of class `cls`."""
    if isinstance(model.unit, InOrderCore):
        return in_order_cycles(flops, accesses, model.unit, cls, precision)
    return sm_cycles(flops, accesses, model.unit, cls, precision)


def tile_accesses(tile: "Tile") -> int:
    """Register-wide loads and stores of a tile: line accesses, collapsed ones and spills."""
    return tile.line_accesses + tile.collapsed_accesses + tile.spill_accesses


def compute_cycles(
    tile: "Tile", hw: Hardware, precision: Precision, kind: str, algorithm: str = "auto"
) -> float:
    """One unit's compute cycles for `tile` of a kernel whose main op is `kind`.

    Without a compute model, FLOPs at the unit's peak times the op kind's efficiency."""
    model = hw.compute
    if model is None:
        peak = hw.core.flops_per_cycle.of(precision) * hw.core.efficiency_of(kind)
        return tile.flops / peak
    block = block_of(algorithm)
    if block is not None:  # a sparse kernel (sim/compute/sparse.py)
        from sim.compute.sparse import sparse_cycles

        return sparse_cycles(tile.flops, tile_accesses(tile), model, precision, block[0])
    cls = compute_class(kind, algorithm)
    return unit_cycles(tile.flops, tile_accesses(tile), model, cls, precision)
