"""The per-unit compute model of a device, and what a tile and a kernel cost the engine.

A device is identical units (cores, SMs); `unit` says how one of them issues
(sim/compute/inorder.py, sim/compute/volta.py). A tile runs on one unit and is charged by its
FLOPs and its register-wide loads and stores (line accesses, the collapsed ones, spills) at
the rate of its kernel's compute class (sim/trace/registry.py gives the class). A kernel
costs, beyond its tiles, the gap a GPU leaves between two dependent kernels (its launch).
"""

from collections.abc import Callable
from typing import TYPE_CHECKING

from attrs import define

from sim.compute.classes import ComputeClass
from sim.compute.inorder import InOrderCore, in_order_cycles
from sim.compute.volta import StreamingMultiprocessor, launch_cycles, sm_cycles
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
    tile: "Tile",
    hw: Hardware,
    precision: Precision,
    kind: str,
    cls: ComputeClass,
    algorithm: str = "auto",
) -> float:
    """One unit's compute cycles for `tile` of a kernel of class `cls` whose main op is `kind`
    and runs `algorithm` (a sparse kernel's name carries its block: sim/compute/sparse.py).

    Without a compute model, FLOPs at the unit's peak times the op kind's efficiency."""
    cycles = cycles_of(hw, precision, kind, cls, algorithm)
    return cycles(tile.flops, tile_accesses(tile))


def cycles_of(
    hw: Hardware, precision: Precision, kind: str, cls: ComputeClass, algorithm: str = "auto"
) -> Callable[[int, int], float]:
    """`compute_cycles` of one kernel as a function of (FLOPs, register accesses), of a tile
    or of a unit's whole part so far (sim/engine/costs.py, CoreStream): what depends on the
    kernel alone is looked up once, not per tile. Non-decreasing in both counts."""
    model = hw.compute
    if model is None:
        peak = hw.core.flops_per_cycle.of(precision) * hw.core.efficiency_of(kind)
        return lambda flops, _accesses: flops / peak
    block = block_of(algorithm)
    if block is not None:  # a sparse kernel (sim/compute/sparse.py)
        from sim.compute.sparse import sparse_cycles

        rows = block[0]
        return lambda flops, accesses: sparse_cycles(flops, accesses, model, precision, rows)
    unit = model.unit
    if isinstance(unit, InOrderCore):
        return lambda flops, accesses: in_order_cycles(flops, accesses, unit, cls, precision)
    return lambda flops, accesses: sm_cycles(flops, accesses, unit, cls, precision)


def kernel_overhead_cycles(hw: Hardware) -> float:
    """Cycles every unit waits at a kernel's start, beyond its tiles: a GPU's launch gap
    between two dependent kernels of a stream (no SM computes in it). A CPU runtime's thread
    pool pays its barrier, which the engine times (every unit waits for the slowest), and
    nothing more here.

    Waves are not charged here: the engine gives each SM its part of the kernel's parallel
    loop in whole register tiles (sim/trace/context.py), so an SM without a part idles, which
    is the partial wave of the kernel's grid (docs/compute.md)."""
    model = hw.compute
    if model is None or not isinstance(model.unit, StreamingMultiprocessor):
        return 0.0
    return launch_cycles(model.unit, hw.core.clock_hz)
