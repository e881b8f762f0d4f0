"""Compute model per unit (docs/compute.md): a tile's cycles from its FLOPs, its loads and
stores and its kernel's compute class, on an in-order core (Cortex-A53) or a Volta SM."""

from sim.compute.classes import ComputeClass
from sim.compute.model import ComputeModel, compute_cycles, kernel_overhead_cycles, unit_cycles

__all__ = [
    "ComputeClass",
    "ComputeModel",
    "compute_cycles",
    "kernel_overhead_cycles",
    "unit_cycles",
]
