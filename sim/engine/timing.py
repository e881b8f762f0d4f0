"""The discrete-event engine: a core and a DRAM channel, one SimPy process each.

Kernels run one after another (a kernel boundary is a barrier). Within a kernel the DRAM
channel fetches tile i once the core has finished tile i - prefetch_tiles - 1, so with
prefetch 1 the next tile's traffic overlaps the current tile's compute (double buffering).
The core starts a tile when its data has arrived and stays busy for the tile's core cycles.
Events are per tile, never per line. This is the only module that imports simpy.
"""

from collections.abc import Sequence

import simpy
from attrs import define

from sim.engine.costs import TileCost


@define(frozen=True)
class Span:
    """One busy interval of a unit, in cycles, and the cost of the tile it served."""

    unit: str  # "core" or "dram"
    kernel: str
    tile: int
    start_cycles: float
    end_cycles: float
    cost: TileCost | None = None


@define(frozen=True)
class KernelTiming:
    name: str
    start_cycles: float
    end_cycles: float

    @property
    def cycles(self) -> float:
        return self.end_cycles - self.start_cycles


@define(frozen=True)
class Timing:
    kernels: tuple[KernelTiming, ...]
    spans: tuple[Span, ...]

    @property
    def cycles(self) -> float:
        return self.kernels[-1].end_cycles if self.kernels else 0.0


def run_timing(kernels: Sequence[tuple[str, Sequence[TileCost]]], prefetch_tiles: int) -> Timing:
    """Order the tiles of `kernels` (name, tile costs) in time; return when each ran."""
    if prefetch_tiles < 0:
        raise ValueError(f"prefetch_tiles must be >= 0, got {prefetch_tiles}")
    env = simpy.Environment()
    spans: list[Span] = []
    timings: list[KernelTiming] = []

    def dram(name: str, costs: Sequence[TileCost], ready: list, finished: list):
        for i, cost in enumerate(costs):
            gate = i - prefetch_tiles - 1
            if gate >= 0:
                yield finished[gate]
            if cost.dram_cycles > 0:
                start = env.now
                yield env.timeout(cost.dram_cycles)
                spans.append(Span("dram", name, i, start, env.now, cost))
            ready[i].succeed()

    def core(name: str, costs: Sequence[TileCost], ready: list, finished: list):
        for i, cost in enumerate(costs):
            yield ready[i]
            start = env.now
            if cost.core_cycles > 0:
                yield env.timeout(cost.core_cycles)
                spans.append(Span("core", name, i, start, env.now, cost))
            finished[i].succeed()

    def program():
        for name, costs in kernels:
            start = env.now
            ready = [env.event() for _ in costs]
            finished = [env.event() for _ in costs]
            env.process(dram(name, costs, ready, finished))
            yield env.process(core(name, costs, ready, finished))
            timings.append(KernelTiming(name, start, env.now))

    env.process(program())
    env.run()
    ordered = sorted(spans, key=lambda s: (s.start_cycles, s.unit != "dram"))
    return Timing(tuple(timings), tuple(ordered))
