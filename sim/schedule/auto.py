"""`auto`: the schedule with the least simulated time, from a bounded search.

1. Simulate `naive`, `fused` and `tiled`; the best is the incumbent.
2. Greedy over the chains `tiled` left out, most promising first by the estimate's
   kept - paid (at most MAX_TRIALS of them): add the chain, with the estimate's tile, to
   the incumbent's tiles; keep it if the whole network's simulated time falls.
Ties keep the earlier candidate and the simulator is deterministic, so the same inputs give
the same choice. Cost: 3 + trials whole-network simulations (`Search.simulations`).
"""

import attrs
from attrs import define

from sim.engine.simulate import simulate
from sim.graph.model import Graph
from sim.hw.model import Hardware, Precision
from sim.schedule.model import Schedule
from sim.schedule.naive import naive_schedule
from sim.schedule.passes.tiling import Budget, choose_tiles, estimate, is_chain
from sim.schedule.presets import untiled, with_tiles

MAX_TRIALS = 4


@define(frozen=True)
class Search:
    schedule: Schedule
    simulations: int
    cycles: float


def auto_schedule(graph: Graph, precision: Precision, hw: Hardware) -> Search:
    budget = Budget.of(hw, precision)
    base = untiled(graph, precision)
    tiles = choose_tiles(base, budget)
    candidates = [
        naive_schedule(graph, precision),
        with_tiles(base, {}, "fused"),
        with_tiles(base, tiles, "tiled"),
    ]
    costs = [simulate(s, hw).cycles for s in candidates]
    best = min(range(3), key=lambda i: (costs[i], i))
    schedule, cycles, simulations = candidates[best], costs[best], 3
    if best > 0:  # naive wins only where no pass helps: nothing to tile then
        incumbent = tiles if best == 2 else {}
        for first, tile in _left_out(base, tiles, budget)[:MAX_TRIALS]:
            trial_tiles = {**incumbent, first: tile}
            trial = with_tiles(base, trial_tiles, "auto")
            trial_cycles = simulate(trial, hw).cycles
            simulations += 1
            if trial_cycles < cycles:
                schedule, cycles, incumbent = trial, trial_cycles, trial_tiles
    return Search(attrs.evolve(schedule, name="auto"), simulations, cycles)


def _left_out(base: Schedule, tiles: dict, budget: Budget) -> list[tuple[str, tuple[int, int]]]:
    """Chains `tiled` did not take and that touch none it took, best estimate first."""
    kernels = base.kernels
    taken = {i for i, k in enumerate(kernels) if k.name in tiles}
    taken |= {i + 1 for i in taken}
    found = []
    for index in range(len(kernels) - 1):
        if {index, index + 1} & taken or not is_chain(base, kernels, index):
            continue
        guess = estimate(kernels[index], kernels[index + 1], budget, base.precision.bytes)
        if guess is not None:
            found.append((-guess.saving_bytes, index, kernels[index].name, guess.tile))
    return [(name, tile) for _, _, name, tile in sorted(found)]
