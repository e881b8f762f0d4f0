"""`auto`: the schedule with the least simulated time, from a bounded search.

1. Simulate `naive`, `fused` and `tiled`; the fastest is the incumbent. If it is `naive`,
   no pass helps and nothing is tiled: stop.
2. At most MAX_TRIALS moves, each simulated on the whole network and kept only if the
   network's time falls, in this order:
   - tile sizes: each chain of the incumbent in bands of twice and of half its rows;
   - each chain of the incumbent left untiled, unless it is the last one (that is `fused`,
     simulated already);
   - chains: each chain the incumbent does not touch (2 to MAX_CHAIN_KERNELS kernels, from
     every kernel), with the estimate's band, the estimate's best first; once a chain is
     kept, moves that overlap it are skipped without being simulated.
Ties keep the incumbent and the simulator is deterministic, so the same inputs give the
same choice. Cost: at most 3 + MAX_TRIALS whole-network simulations (`Search.simulations`).
"""

import math

import attrs
from attrs import define

from sim.engine.simulate import simulate
from sim.graph.model import Graph
from sim.hw.model import Hardware, Precision
from sim.schedule.model import Schedule
from sim.schedule.naive import naive_schedule
from sim.schedule.passes.tiling import Budget, Chain, chain_estimates, choose_tiles, disjoint
from sim.schedule.presets import untiled, with_tiles

MAX_TRIALS = 8


@define(frozen=True)
class Search:
    """The chosen schedule, its simulated cycles, and what the search cost."""

    schedule: Schedule
    simulations: int
    cycles: float
    chains: tuple[Chain, ...]  # the tiled chains of the chosen schedule


def auto_schedule(graph: Graph, precision: Precision, hw: Hardware) -> Search:
    budget = Budget.of(hw, precision)
    base = untiled(graph, precision)
    tiled = choose_tiles(base, budget)
    presets = [
        (naive_schedule(graph, precision), ()),
        (with_tiles(base, (), "fused"), ()),
        (with_tiles(base, tiled, "tiled"), tiled),
    ]
    results = [simulate(s, hw) for s, _ in presets]
    best = min(range(3), key=lambda i: (results[i].cycles, i))
    (schedule, chains), result = presets[best], results[best]
    simulations = 3
    if best > 0:
        ranked = sorted(chain_estimates(base, budget), key=lambda f: (-f[2].saving_bytes, f[0]))
        moves = [
            *(_Retile(c.first, rows) for c in chains for rows in _other_rows(base, c)),
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
            trial_result = simulate(trial, hw)
            simulations += 1
            if trial_result.cycles < result.cycles:
                schedule, chains, result = trial, trial_chains, trial_result
    return Search(attrs.evolve(schedule, name="auto"), simulations, result.cycles, tuple(chains))


@define(frozen=True)
class _Retile:
    """Tile the chain starting at `first` in bands of `rows` rows."""

    first: str
    rows: int

    def apply(self, base: Schedule, chains: tuple[Chain, ...]) -> tuple[Chain, ...] | None:
        if not any(c.first == self.first and c.tile[0] != self.rows for c in chains):
            return None
        return tuple(
            attrs.evolve(c, tile=(self.rows, c.tile[1])) if c.first == self.first else c
            for c in chains
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


def _other_rows(base: Schedule, chain: Chain) -> list[int]:
    """Band heights other than the chain's own: twice and half its rows, within the image."""
    first = next(i for i, k in enumerate(base.kernels) if k.name == chain.first)
    height = base.kernels[first + chain.length - 1].outputs[0].shape[2]
    rows = chain.tile[0]
    return [r for r in (min(2 * rows, height), math.ceil(rows / 2)) if r != rows]


def search_note(search: Search) -> str:
    """What the search did and chose, in one line (no time: the same inputs, the same words)."""
    chains = "; ".join(
        f"{c.length} kernels from {c.first} in {c.tile[0]}x{c.tile[1]} tiles" for c in search.chains
    )
    return (
        f"auto: {search.simulations} whole-network simulations searched (at most "
        f"{3 + MAX_TRIALS}); tiled chains: {chains or 'none'}"
    )
