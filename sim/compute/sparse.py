"""Cycles of a tile of a sparse kernel (sim/trace/sparse.py): what the unit can do with it.

On an in-order core the SpMM inner loop (XNNPACK's f32 32x1 kernel, the one Elsen et al.
measured) issues, per kept weight and strip of 32 pixels: 8 FMLAs by vector into 8
accumulators, 8 128-bit loads of the gathered input, one 32-bit load of the weight
(broadcast) and one 32-bit load of the next input offset. Its FMLAs and vector loads issue
like the depthwise kernel's (FMLA by vector, 128-bit ld1, 8 accumulators, loads that do not
fill the FMA bubbles: the core's `depthwise` mix); each other access (index, weight and
count loads, stores) takes the issue cycle of a load of at most 64 bits (the `gemm` mix's).
A block of R output rows loads each input vector once for its R rows, so a tile has
FMLAs / R vector loads; its other accesses are the rest:

    cycles = depthwise rules (FLOPs, FMLAs / R loads) + (accesses - FMLAs / R) x gemm load

This is the per-nonzero overhead of a sparse kernel: 2 scalar loads and, without blocks,
one 128-bit load per FMLA, where a dense GEMM's register tile reuses each load for many
FMLAs. A 50% sparse layer is therefore slower than dense, a 90% one faster (Elsen et al.
report 1.3-2.4x for whole networks at 70-95% on a Snapdragon 835, docs/levers.md).

A GPU SM runs a sparse kernel on its CUDA cores at the `direct` class's rates: Volta has no
sparse tensor-core mode. N:M sparsity needs hardware support (2:4 sparse tensor cores, from
Ampere) that no modelled device has: it runs the dense kernel (sim/graph/sparsity.py).
"""

from sim.compute.classes import ComputeClass
from sim.compute.inorder import InOrderCore, in_order_cycles
from sim.compute.model import ComputeModel, unit_cycles
from sim.hw.model import Precision


def sparse_cycles(
    flops: float, accesses: float, model: ComputeModel, precision: Precision, rows: int
) -> float:
    """One unit's cycles for a sparse tile of `flops` and `accesses` loads and stores, its
    blocks `rows` outputs tall."""
    core = model.unit
    if not isinstance(core, InOrderCore):
        return unit_cycles(flops, accesses, model, ComputeClass.DIRECT, precision)
    vector = core.mix(ComputeClass.DEPTHWISE, precision)
    vector_loads = min(accesses, flops / vector.flops_per_op / rows)
    scalar_cycles = core.mix(ComputeClass.GEMM, precision).access_cycles
    inner = in_order_cycles(flops, vector_loads, core, ComputeClass.DEPTHWISE, precision)
    return inner + (accesses - vector_loads) * scalar_cycles
