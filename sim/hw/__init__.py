"""Hardware descriptions: the simulated engine, its caches and its DRAM."""

from sim.hw.model import (
    CacheLevel,
    Core,
    Dram,
    FlopsPerCycle,
    Hardware,
    Precision,
    RegisterFile,
    Replacement,
    WritePolicy,
)

__all__ = [
    "CacheLevel",
    "Core",
    "Dram",
    "FlopsPerCycle",
    "Hardware",
    "Precision",
    "RegisterFile",
    "Replacement",
    "WritePolicy",
]
