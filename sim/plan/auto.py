"""`auto`: the schedule with the least simulated time (or DRAM traffic, or dynamic energy), from
a bounded search.

1. Simulate `naive`, `fused` and `tiled` whole; the best by the objective is the incumbent.
   If it is `naive`, no pass helps and nothing is tiled: stop.
2. At most MAX_TRIALS moves, each judged locally: the kernels that run the move's ops, with
   one kernel before them (which leaves its output in the caches) and one after (which
   reads theirs), simulated under the incumbent and under the move from cold caches; the
   move is kept if its window is better by the objective. The moves, in order:
   - tile sizes: each chain of the incumbent in bands of twice and of half its rows, then
     in tiles of half its columns (a smaller working set, but partial lines), never more
     than MAX_TILES tiles;
   - each chain of the incumbent left untiled;
   - chains: each chain the incumbent does not touch (2 to MAX_CHAIN_KERNELS kernels, from
     every kernel), with the estimate's band, the estimate's best first; moves that overlap
     a chain kept meanwhile are skipped without a simulation.
   A kept tile size is tried again in the same direction (rows doubled again, ...), and a
   kept chain's other tile sizes come next.
3. Simulate the result whole; if it is not better than the best preset (moves judged apart
   can add up differently), the best preset is the answer.
The objective `time` compares cycles, then DRAM bytes; `traffic` DRAM bytes, then cycles;
`energy` the dynamic energy (sim/energy; the device needs an `energy:` section), then cycles.
Ties keep the incumbent and the simulator is deterministic: the same inputs give the same
choice.

Cost: 3 or 4 whole simulations and at most 2 x MAX_TRIALS windows; two shortcuts make the
windows cheaper and cannot change a decision (tests/plan/test_auto.py checks each verdict
against a fresh simulation, and the choice against the search without them):
- a window is simulated once: its cost is kept under the window's value (its kernels,
  buffers and workspace address: all `simulate` reads of a schedule but the name, graph and
  precision, which one search never changes), so an incumbent's window that a kept move
  left as it was, or a kept move's own window, is not simulated again;
- for `time`, a move's window is traced before it is replayed: its cycles are at least the
  floor of sim/plan/bound.py (each unit's compute cycles, kernel after kernel), and once the
  floor exceeds the incumbent window's cycles the move is worse (cycles are compared first)
  and is judged so without a replay; else its window is simulated on the tiles traced.
Every simulation of the search, whole or of a window, takes its tiled chains' tiles from one
memo (sim/plan/memo.py): a chain kept there is traced once per layout of the buffers, not
once per window or whole run it is in. No simulation of the search keeps spans, which only
a timeline reads. The chosen schedule's whole simulation is returned with it: `run` does
not simulate it again unless it draws a timeline.
"""

import math
from collections import deque
from collections.abc import Callable

import attrs
from attrs import define

from sim.energy.account import run_energy
from sim.engine.simulate import RunResult, TileSource, simulate
from sim.errors import ScheduleError
from sim.graph.model import Graph
from sim.hw.model import Hardware, Precision
from sim.plan.bound import traces_within
from sim.plan.memo import TraceMemo
from sim.schedule.model import Schedule
from sim.schedule.naive import naive_schedule
from sim.schedule.passes.tiling import Budget, Chain, chain_estimates, disjoint, pick_chains
from sim.schedule.presets import untiled, with_tiles

MAX_TRIALS = 24
OBJECTIVES = ("time", "traffic", "energy")  # what auto minimises: time, DRAM traffic or energy
MAX_TILES = 256  # per chain: finer tiles cost the trace far more time than they save


@define(frozen=True)
class Search:
    """The chosen schedule, its simulated cycles and DRAM bytes, and what the search cost."""

    schedule: Schedule
    objective: str
    simulations: int  # of the whole network
    trials: int  # moves judged on a window of kernels
    cycles: float
    dram_bytes: int
    chains: tuple[Chain, ...]  # the tiled chains of the chosen schedule
    result: RunResult  # the chosen schedule simulated whole on the searched device


def auto_schedule(
    graph: Graph,
    precision: Precision,
    hw: Hardware,
    objective: str = "time",
    progress: Callable[[int, int], None] | None = None,
) -> Search:
    """The search above; `progress(done, at_most)` after each simulation, if given."""
    tick = _Ticker(progress, 4 + 2 * MAX_TRIALS)
    if objective not in OBJECTIVES:
        raise ScheduleError(f"unknown objective {objective!r} (known: {', '.join(OBJECTIVES)})")
    if objective == "energy" and hw.energy is None:
        raise ScheduleError(
            f"--objective energy: hardware {hw.name} has no energy costs (no energy: section)"
        )
    budget = Budget.of(hw, precision)
    memo = TraceMemo(hw)
    base = untiled(graph, precision)
    estimates = chain_estimates(base, budget)
    tiled = pick_chains(base, estimates)
    presets = [
        (naive_schedule(graph, precision), ()),
        (with_tiles(base, (), "fused"), ()),
        (with_tiles(base, tiled, "tiled"), tiled),
    ]
    best, cost, result = 0, None, None
    for i, (preset, _) in enumerate(presets):
        run = tick(simulate(preset, hw, tiles=memo, spans=False))
        run_cost = _cost(run, objective)
        if cost is None or run_cost < cost:  # ties keep the earlier preset
            best, cost, result = i, run_cost, run
    schedule, chains = presets[best]
    simulations, trials = 3, 0
    if best > 0:
        found, trials = _improve(
            base, tuple(chains), estimates, _Windows(hw, objective, tick, memo)
        )
        if found != tuple(chains):
            trial = with_tiles(base, found, "auto")
            trial_result = tick(simulate(trial, hw, tiles=memo, spans=False))
            trial_cost = _cost(trial_result, objective)
            simulations += 1
            if trial_cost < cost:
                schedule, chains, cost, result = trial, found, trial_cost, trial_result
    cycles, dram = _cycles_and_dram(cost, objective)
    return Search(
        attrs.evolve(schedule, name="auto"),
        objective,
        simulations,
        trials,
        cycles,
        dram,
        tuple(chains),
        attrs.evolve(result, schedule="auto"),
    )


def _improve(
    base: Schedule, chains: tuple[Chain, ...], estimates, windows: "_Windows"
) -> tuple[tuple[Chain, ...], int]:
    """The chains after the local moves (step 2), and how many moves were judged."""
    index_of = {k.name: i for i, k in enumerate(base.kernels)}
    ranked = sorted(estimates, key=lambda f: (-f[2].saving_bytes, f[0]))
    moves = deque(
        [
            *(move for c in chains for move in _retiles(base, c, index_of)),
            *(_Drop(c.first) for c in chains),
            *(_Add(index, chain) for index, chain, _ in ranked),
        ]
    )
    current = with_tiles(base, chains, "auto")
    trials = 0
    while moves and trials < MAX_TRIALS:
        move = moves.popleft()
        trial_chains = move.apply(base, chains)
        if trial_chains is None:
            continue
        trial = with_tiles(base, trial_chains, "auto")
        ops = _ops_of(base, move.first, (chains, trial_chains), index_of)
        trials += 1
        if windows.beats(trial, ops, windows.incumbent(current, ops)):
            chains, current = trial_chains, trial
            moves.extendleft(reversed(move.follow_ups(base, chains, index_of)))
    return chains, trials


def _ops_of(base: Schedule, first: str, chain_sets, index_of) -> frozenset[str]:
    """The graph ops of the chain starting at `first` in any of `chain_sets`."""
    length = max(c.length for chains in chain_sets for c in chains if c.first == first)
    start = index_of[first]
    return frozenset(
        name
        for k in base.kernels[start : start + length]
        for name in (*(op.name for op in k.ops), *k.absorbed)
    )


class _Windows:
    """The objective over windows of kernels, each simulated at most once (module
    docstring); `tick` after each window simulated or judged by its floor."""

    def __init__(self, hw: Hardware, objective: str, tick: "_Ticker", memo: TraceMemo):
        self.hw, self.objective, self.tick, self.memo = hw, objective, tick, memo
        self.costs: dict[tuple, tuple] = {}  # _window_key -> cost

    def incumbent(self, schedule: Schedule, ops: frozenset[str]) -> tuple:
        """The objective over `schedule`'s kernels running `ops`, one before, one after."""
        window = _window(schedule, ops)
        key = _window_key(window)
        if key not in self.costs:
            result = simulate(window, self.hw, tiles=self.memo, spans=False)
            self.costs[key] = self.tick(_cost(result, self.objective))
        return self.costs[key]

    def beats(self, schedule: Schedule, ops: frozenset[str], bar: tuple) -> bool:
        """Whether the objective over `schedule`'s window of `ops` is below `bar`; for
        `time`, without simulating it if its floor of cycles is above the bar's."""
        window = _window(schedule, ops)
        key = _window_key(window)
        if key not in self.costs:
            tiles: TileSource | None = self.memo
            if self.objective == "time":
                tiles = traces_within(window, self.hw, bar[0], self.memo)
            if tiles is None:
                self.tick(None)
                return False
            result = simulate(window, self.hw, tiles=tiles, spans=False)
            self.costs[key] = self.tick(_cost(result, self.objective))
        return self.costs[key] < bar


def _window(schedule: Schedule, ops: frozenset[str]) -> Schedule:
    """`schedule` cut to the kernels running `ops`, one kernel before and one after."""
    kernels = schedule.kernels
    hits = [i for i, k in enumerate(kernels) if ops & {*(op.name for op in k.ops), *k.absorbed}]
    return attrs.evolve(schedule, kernels=kernels[max(hits[0] - 1, 0) : hits[-1] + 2])


def _window_key(window: Schedule) -> tuple:
    """What `simulate` reads of a window but its name, graph and precision (one search's)."""
    return (window.kernels, frozenset(window.buffers.items()), window.workspace_address)


class _Ticker:
    """Counts simulations for a progress callback; passes each value through."""

    def __init__(self, progress: Callable[[int, int], None] | None, at_most: int):
        self.progress, self.at_most, self.done = progress, at_most, 0

    def __call__(self, value):
        self.done += 1
        if self.progress is not None:
            self.progress(min(self.done, self.at_most), self.at_most)
        return value


def _cost(result: RunResult, objective: str) -> tuple:
    """What `objective` compares, in order: the first figure, then the tie-breakers."""
    dram = result.total("dram_read_bytes") + result.total("dram_write_bytes")
    if objective == "time":
        return (result.cycles, dram)
    if objective == "traffic":
        return (dram, result.cycles)
    return (sum(run_energy(result).values()), result.cycles, dram)


def _cycles_and_dram(cost: tuple, objective: str) -> tuple[float, int]:
    """The cycles and DRAM bytes inside a `_cost` tuple."""
    if objective == "time":
        return cost[0], cost[1]
    if objective == "traffic":
        return cost[1], cost[0]
    return cost[1], cost[2]


@define(frozen=True)
class _Retile:
    """Tile the chain starting at `first` with `tile`, one step `direction` from its own."""

    first: str
    tile: tuple[int, int]
    direction: str  # taller, shorter or narrower

    def apply(self, base: Schedule, chains: tuple[Chain, ...]) -> tuple[Chain, ...] | None:
        if not any(c.first == self.first and c.tile != self.tile for c in chains):
            return None
        return tuple(
            attrs.evolve(c, tile=self.tile) if c.first == self.first else c for c in chains
        )

    def follow_ups(self, base: Schedule, chains: tuple[Chain, ...], index_of) -> list:
        """The same step again: rows doubled or halved again, columns halved again."""
        chain = next(c for c in chains if c.first == self.first)
        return [m for m in _retiles(base, chain, index_of) if m.direction == self.direction]


@define(frozen=True)
class _Drop:
    """Run the chain starting at `first` untiled again (a chain the estimate misjudged)."""

    first: str

    def apply(self, base: Schedule, chains: tuple[Chain, ...]) -> tuple[Chain, ...] | None:
        kept = tuple(c for c in chains if c.first != self.first)
        return kept if len(kept) < len(chains) else None

    def follow_ups(self, base: Schedule, chains: tuple[Chain, ...], index_of) -> list:
        return []


@define(frozen=True)
class _Add:
    """Tile one more chain (kernel `index` first), unless it overlaps one already tiled."""

    index: int
    chain: Chain

    @property
    def first(self) -> str:
        return self.chain.first

    def apply(self, base: Schedule, chains: tuple[Chain, ...]) -> tuple[Chain, ...] | None:
        if not disjoint(base, [(self.index, self.chain)], chains):
            return None
        return (*chains, self.chain)

    def follow_ups(self, base: Schedule, chains: tuple[Chain, ...], index_of) -> list:
        return _retiles(base, self.chain, index_of)


DIRECTIONS = ("taller", "shorter", "narrower")


def _step(tile: tuple[int, int], direction: str, height: int) -> tuple[int, int]:
    """`tile` one step `direction`: twice or half its rows (within `height`), half its
    columns."""
    rows, cols = tile
    if direction == "taller":
        return min(2 * rows, height), cols
    if direction == "shorter":
        return math.ceil(rows / 2), cols
    return rows, math.ceil(cols / 2)


def _retiles(base: Schedule, chain: Chain, index_of) -> list[_Retile]:
    """The chain one step taller, shorter and narrower, where that changes its tile."""
    height, width = base.kernels[index_of[chain.first] + chain.length - 1].outputs[0].shape[2:]
    steps = ((_step(chain.tile, d, height), d) for d in DIRECTIONS)
    return [
        _Retile(chain.first, tile, d)
        for tile, d in steps
        if tile != chain.tile
        and math.ceil(height / tile[0]) * math.ceil(width / tile[1]) <= MAX_TILES
    ]


def search_note(search: Search) -> str:
    """What the search did and chose, in one line (no time: the same inputs, the same words)."""
    chains = "; ".join(
        f"{c.length} kernels from {c.first} in {c.tile[0]}x{c.tile[1]} tiles" for c in search.chains
    )
    least = {"traffic": "DRAM traffic", "energy": "dynamic energy"}.get(
        search.objective, search.objective
    )
    return (
        f"auto (least {least}): {search.simulations} whole-network simulations and "
        f"{search.trials} move{'' if search.trials == 1 else 's'} judged on kernel windows "
        f"(at most {MAX_TRIALS}); "
        f"tiled chains: {chains or 'none'}"
    )
