"""The discrete-event engine: the units of a device and its DRAM channel in time (SimPy).

Kernels run one after another; a kernel boundary is a barrier (every unit waits for the
slowest, as an OpenMP loop or a CUDA kernel launch does). Within a kernel each unit runs two
processes over its own tiles:

- a fetch process takes a free tile buffer (there are prefetch_tiles + 1 per unit), replays
  the tile's accesses through the caches *now* (so the shared levels see the units' tiles in
  the order simulated time gives them) and moves the tile's DRAM bytes: the latency once,
  then the bytes on the shared channel;
- a core process takes the fetched tiles in order and stays busy for each tile's core
  cycles, then frees its buffer.

With prefetch 1, a unit fetches its next tile while it computes the current one (double
buffering). The DRAM channel is a fluid server: the transfers in flight share its bandwidth
max-min fairly, each capped by what its unit's outstanding misses sustain (Little's law).
Events are per tile and per transfer, never per line. This is the only module that imports
simpy.
"""

from collections.abc import Callable, Iterator, Sequence

import simpy
from attrs import define

from sim.engine.costs import Channel, TileCost


@define(frozen=True)
class Span:
    """One busy interval of a unit, in cycles, and the cost of the tile it served."""

    unit: str  # "core 0", "SM 3", ... or "dram 0" (that unit's DRAM transfers)
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
    unit_end_cycles: tuple[float, ...] = ()  # when each unit finished its part
    unit_busy_cycles: tuple[float, ...] = ()  # each unit's core busy time in the kernel

    @property
    def cycles(self) -> float:
        return self.end_cycles - self.start_cycles

    @property
    def barrier_wait_cycles(self) -> float:
        """Mean time a unit waits at the kernel's end for the slowest."""
        if not self.unit_end_cycles:
            return 0.0
        waits = [self.end_cycles - end for end in self.unit_end_cycles]
        return sum(waits) / len(waits)


@define(frozen=True)
class Timing:
    kernels: tuple[KernelTiming, ...]
    spans: tuple[Span, ...]

    @property
    def cycles(self) -> float:
        return self.kernels[-1].end_cycles if self.kernels else 0.0


# A unit's tiles of one kernel: for each, a function that replays it (at the moment it is
# called) and returns its cost.
UnitWork = Iterator[Callable[[], TileCost]]


@define(frozen=True)
class KernelWork:
    name: str
    units: Sequence[UnitWork]  # one per unit


class _FluidChannel:
    """Transfers sharing one channel max-min fairly, each under its own rate cap."""

    def __init__(self, env: simpy.Environment, capacity: float):
        self.env = env
        self.capacity = capacity
        self.flows: list[list] = []  # [remaining bytes, cap, done event]
        self.changed = env.event()
        env.process(self._serve())

    def transfer(self, n_bytes: float, cap: float) -> simpy.Event:
        done = self.env.event()
        self.flows.append([float(n_bytes), cap, done])
        if not self.changed.triggered:
            self.changed.succeed()
        return done

    def _serve(self):
        env = self.env
        while True:
            if not self.flows:
                yield self.changed
                self.changed = env.event()
                continue
            flows = list(self.flows)
            rates = share_max_min(self.capacity, [flow[1] for flow in flows])
            times = [flow[0] / rate for flow, rate in zip(flows, rates)]
            step = min(times)
            start = env.now
            yield env.timeout(step) | self.changed
            if self.changed.triggered:
                self.changed = env.event()
            stepped = env.now >= start + step  # the earliest transfer is done
            elapsed = env.now - start
            still = []
            for flow, rate, time in zip(flows, rates, times):
                if stepped and time <= step * (1 + 1e-12):
                    flow[2].succeed()
                else:
                    flow[0] = max(0.0, flow[0] - rate * elapsed)
                    still.append(flow)
            self.flows = still + self.flows[len(flows) :]  # and those that arrived meanwhile


def share_max_min(capacity: float, caps: Sequence[float]) -> list[float]:
    """Rates for flows with `caps` sharing `capacity`: max-min fair (water-filling)."""
    rates = [0.0] * len(caps)
    left, n_left = capacity, len(caps)
    for index in sorted(range(len(caps)), key=lambda i: caps[i]):
        fair = left / n_left
        rates[index] = min(caps[index], fair)
        left -= rates[index]
        n_left -= 1
    return rates


def run_timing(
    kernels: Iterator[KernelWork],
    channel: Channel,
    prefetch_tiles: int,
    unit_names: Sequence[str],
    progress: Callable[[], None] | None = None,
) -> Timing:
    """Run `kernels` one after another on the units; return when each kernel and tile ran."""
    if prefetch_tiles < 0:
        raise ValueError(f"prefetch_tiles must be >= 0, got {prefetch_tiles}")
    env = simpy.Environment()
    dram = _FluidChannel(env, channel.capacity_bytes_per_cycle)
    spans: list[Span] = []
    timings: list[KernelTiming] = []

    def fetch(kernel: str, unit: int, work: UnitWork, buffers, ready):
        for index, replay in enumerate(work):
            yield buffers.get(1)
            cost = replay()
            if cost.dram_bytes:
                start = env.now
                yield env.timeout(channel.latency_cycles)
                yield dram.transfer(cost.dram_bytes, channel.unit_cap_bytes_per_cycle)
                spans.append(Span(f"dram {unit}", kernel, index, start, env.now, cost))
            yield ready.put((index, cost))
        yield ready.put(None)

    def core(kernel: str, unit: int, buffers, ready, ends: list, busy: list):
        while True:
            item = yield ready.get()
            if item is None:
                ends[unit] = env.now
                return
            index, cost = item
            if cost.core_cycles > 0:
                start = env.now
                yield env.timeout(cost.core_cycles)
                busy[unit] += env.now - start
                spans.append(Span(unit_names[unit], kernel, index, start, env.now, cost))
            yield buffers.put(1)

    def program():
        for work in kernels:
            start = env.now
            n = len(work.units)
            ends, busy = [start] * n, [0.0] * n
            cores = []
            for unit, unit_work in enumerate(work.units):
                buffers = simpy.Container(env, capacity=prefetch_tiles + 1, init=prefetch_tiles + 1)
                ready = simpy.Store(env)
                env.process(fetch(work.name, unit, unit_work, buffers, ready))
                cores.append(env.process(core(work.name, unit, buffers, ready, ends, busy)))
            yield env.all_of(cores)
            relative = tuple(end - start for end in ends)
            timings.append(KernelTiming(work.name, start, env.now, relative, tuple(busy)))
            if progress is not None:
                progress()

    finished = env.process(program())
    env.run()
    if not finished.triggered:
        raise RuntimeError(f"the engine stalled after {len(timings)} kernels")  # a bug, not input
    ordered = sorted(spans, key=lambda s: (s.start_cycles, not s.unit.startswith("dram")))
    return Timing(tuple(timings), tuple(ordered))
