"""`auto`: the schedule with the least simulated time (or DRAM traffic), from a bounded search.

1. Simulate `naive`, `fused` and `tiled`; the best by the objective is the incumbent. If it
   is `naive`, no pass helps and nothing is tiled: stop.
2. At most MAX_TRIALS moves, each simulated on the whole network and kept only if it makes
   the network better by the objective, in this order:
   - tile sizes: each chain of the incumbent in bands of twice and of half its rows, then
     in tiles of half its columns (narrower tiles read and write partial lines, but their
     working set is smaller);
   - each chain of the incumbent left untiled, unless it is the last one (that is `fused`,
     simulated already);
   - chains: each chain the incumbent does not touch (2 to MAX_CHAIN_KERNELS kernels, from
     every kernel), with the estimate's band, the estimate's best first; once a chain is
     kept, moves that overlap it are skipped without being simulated.
The objective `time` compares simulated cycles, then DRAM bytes; `traffic` DRAM bytes, then
cycles. Ties keep the incumbent and the simulator is deterministic, so the same inputs give
the same choice. Cost: at most 3 + MAX_TRIALS whole-network simulations.
"""

import math

import attrs
from attrs import define

from sim.engine.simulate import RunResult, simulate
from sim.errors import ScheduleError
from sim.graph.model import Graph
from sim.hw.model import Hardware, Precision
from sim.schedule.model import Schedule
from sim.schedule.naive import naive_schedule
from sim.schedule.passes.tiling import Budget, Chain, chain_estimates, choose_tiles, disjoint
from sim.schedule.presets import untiled, with_tiles

MAX_TRIALS = 8
OBJECTIVES = ("time", "traffic")


@define(frozen=True)
class Search:
    """The chosen schedule, its simulated cycles and DRAM bytes, and what the search cost."""

    schedule: Schedule
    objective: str
    simulations: int
    cycles: float
    dram_bytes: int
    chains: tuple[Chain, ...]  # the tiled chains of the chosen schedule


def auto_schedule(
    graph: Graph, precision: Precision, hw: Hardware, objective: str = "time"
) -> Search:
    if objective not in OBJECTIVES:
        raise ScheduleError(f"unknown objective {objective!r} (known: {', '.join(OBJECTIVES)})")
    budget = Budget.of(hw, precision)
    base = untiled(graph, precision)
    tiled = choose_tiles(base, budget)
    presets = [
        (naive_schedule(graph, precision), ()),
        (with_tiles(base, (), "fused"), ()),
        (with_tiles(base, tiled, "tiled"), tiled),
    ]
    costs = [_cost(simulate(s, hw), objective) for s, _ in presets]
    best = min(range(3), key=lambda i: (costs[i], i))
    (schedule, chains), cost = presets[best], costs[best]
    simulations = 3
    if best > 0:
        ranked = sorted(chain_estimates(base, budget), key=lambda f: (-f[2].saving_bytes, f[0]))
        moves = [
            *(_Retile(c.first, tile) for c in chains for tile in _other_tiles(base, c)),
            *(_Drop(c.first) for c in chains),
            *(_Add(index, chain) for index, chain, _ in ranked),
        ]
        for move in moves:
            trial_chains = move.apply(base, chains)
            if trial_chains is None:
                continue
            if simulations == 3 + MAX_TRIALS:
                break
            trial = with_tiles(base, trial_chains, "auto")
            trial_cost = _cost(simulate(trial, hw), objective)
            simulations += 1
            if trial_cost < cost:
                schedule, chains, cost = trial, trial_chains, trial_cost
    cycles, dram = cost if objective == "time" else cost[::-1]
    return Search(
        attrs.evolve(schedule, name="auto"), objective, simulations, cycles, dram, tuple(chains)
    )


def _cost(result: RunResult, objective: str) -> tuple:
    dram = result.total("dram_read_bytes") + result.total("dram_write_bytes")
    return (result.cycles, dram) if objective == "time" else (dram, result.cycles)


@define(frozen=True)
class _Retile:
    """Tile the chain starting at `first` with `tile`."""

    first: str
    tile: tuple[int, int]

    def apply(self, base: Schedule, chains: tuple[Chain, ...]) -> tuple[Chain, ...] | None:
        if not any(c.first == self.first and c.tile != self.tile for c in chains):
            return None
        return tuple(
            attrs.evolve(c, tile=self.tile) if c.first == self.first else c for c in chains
        )


@define(frozen=True)
class _Drop:
    """Run the chain starting at `first` untiled again (a chain the estimate misjudged)."""

    first: str

    def apply(self, base: Schedule, chains: tuple[Chain, ...]) -> tuple[Chain, ...] | None:
        kept = tuple(c for c in chains if c.first != self.first)
        return kept if kept and len(kept) < len(chains) else None


@define(frozen=True)
class _Add:
    """Tile one more chain (kernel `index` first), unless it overlaps one already tiled."""

    index: int
    chain: Chain

    def apply(self, base: Schedule, chains: tuple[Chain, ...]) -> tuple[Chain, ...] | None:
        if not disjoint(base, [(self.index, self.chain)], chains):
            return None
        return (*chains, self.chain)


def _other_tiles(base: Schedule, chain: Chain) -> list[tuple[int, int]]:
    """Tiles other than the chain's own: twice and half its rows, then half its columns."""
    first = next(i for i, k in enumerate(base.kernels) if k.name == chain.first)
    height = base.kernels[first + chain.length - 1].outputs[0].shape[2]
    rows, cols = chain.tile
    tiles = [
        (min(2 * rows, height), cols),
        (math.ceil(rows / 2), cols),
        (rows, math.ceil(cols / 2)),
    ]
    return [t for t in dict.fromkeys(tiles) if t != chain.tile]


def search_note(search: Search) -> str:
    """What the search did and chose, in one line (no time: the same inputs, the same words)."""
    chains = "; ".join(
        f"{c.length} kernels from {c.first} in {c.tile[0]}x{c.tile[1]} tiles" for c in search.chains
    )
    least = "time" if search.objective == "time" else "DRAM traffic"
    return (
        f"auto (least {least}): {search.simulations} whole-network simulations searched (at "
        f"most {3 + MAX_TRIALS}); tiled chains: {chains or 'none'}"
    )
