"""The discrete-event engine: the units of a device and its DRAM channel in time (SimPy).

Kernels run one after another; a kernel boundary is a barrier (every unit waits for the
slowest, as an OpenMP loop or a CUDA kernel launch does). Within a kernel each unit runs two
processes over its own tiles:

- a fetch process takes a free tile buffer (there are prefetch_tiles + 1 per unit), replays
  the tile's accesses through the caches *now* (so the shared levels see the units' tiles in
  the order simulated time gives them) and moves the tile's DRAM bytes on the shared channel;
- a core process starts each tile as soon as its fetch has started, stays busy for the
  tile's core cycles, waits for the tile's bytes to have arrived, then frees its buffer.

So a tile's DRAM reads overlap its own compute (the prefetchers stream a loop's lines while
the core works on those that arrived) and a tile takes the longer of the two; with
prefetch_tiles = p the fetch also runs up to p tiles ahead of the core. The dirty lines a
tile evicts are posted writes: they leave through the write queue on the bandwidth the reads
leave free and delay no tile, and the run ends once the last of them has drained.

Latency belongs to a unit's stream, not to a tile (sim/engine/costs.py): in each kernel, a
unit's first reads wait for the DRAM latency and its first tile for each cache level's
(`TileCost.first_core_cycles`); after that the stream is pipelined and a tile costs its
transfers only. A kernel's barrier ends every stream, so the next kernel pays again.

The DRAM channel is a fluid server: the reads in flight share its bandwidth max-min fairly,
each capped by what its unit's outstanding misses sustain (Little's law); posted writes
share what the reads leave, under the same caps. Events are per tile and per transfer, never
per line. This is the only module that imports simpy.
"""

import functools
import math
import operator
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
    level_fill_cycles: tuple[float, ...] = ()  # per cache level, the latency its streams paid
    dram_fill_cycles: float = 0.0  # the DRAM latency the units' streams paid

    @property
    def cycles(self) -> float:
        return self.end_cycles - self.start_cycles

    @property
    def barrier_wait_cycles(self) -> float:
        """Mean time a unit waits at the kernel's end for the slowest."""
        if not self.unit_end_cycles:
            return 0.0
        waits = [self.cycles - end for end in self.unit_end_cycles]  # ends are relative
        return sum(waits) / len(waits)


@define(frozen=True)
class Timing:
    """When each kernel ran; `spans`, every unit's busy intervals in order of start, are
    built only when asked for (a timeline), from the records the run kept."""

    kernels: tuple[KernelTiming, ...]
    # (start, is a core's, unit, kernel, tile, end, cost) per span, as the run met them
    span_records: tuple[tuple, ...] = ()
    drained_cycles: float = 0.0  # when the last posted write left the channel

    @property
    def spans(self) -> tuple[Span, ...]:
        """The spans by start, DRAM before a core's at one time, else as the run met them."""
        records = sorted(self.span_records, key=operator.itemgetter(0, 1))
        return tuple(Span(*record[2:5], record[0], *record[5:]) for record in records)

    @property
    def cycles(self) -> float:
        """The run's end: its last kernel done and every write it posted drained."""
        return max(self.kernels[-1].end_cycles if self.kernels else 0.0, self.drained_cycles)


# A unit's tiles of one kernel: for each, a function that replays it (at the moment it is
# called) and returns its cost.
UnitWork = Iterator[Callable[[], TileCost]]


@define(frozen=True)
class KernelWork:
    name: str
    units: Sequence[UnitWork]  # one per unit
    overhead_cycles: float = 0.0  # before any unit starts: a GPU's launch (compute model)


class _FluidChannel:
    """Transfers sharing one channel, each under its unit's rate cap: reads max-min fairly
    over the whole capacity, posted writes max-min fairly over what the reads leave (DRAM
    controllers serve reads first and drain writes from a write queue)."""

    READ, WRITE = 0, 1

    def __init__(self, env: simpy.Environment, capacity: float):
        self.env = env
        self.capacity = capacity
        self.flows: list[list] = []  # [remaining bytes, cap, done event, class(, unit)]
        self.caps: set[float] = set()  # every cap a flow has had
        self.shares: dict[tuple[int, ...], list[float]] = {}  # rates by the flows' kinds
        self.changed = env.event()
        self.idle = env.event()
        env.process(self._serve())

    def transfer(self, n_bytes: float, cap: float) -> simpy.Event:
        """Read `n_bytes` under the rate `cap`; the event fires when they have arrived."""
        done = self.env.event()
        self.caps.add(cap)
        self.flows.append([float(n_bytes), cap, done, self.READ])
        self._wake()
        return done

    def post(self, unit: int, n_bytes: float, cap: float) -> None:
        """Queue `n_bytes` of a unit's writes: each unit's write queue drains as one flow."""
        for flow in self.flows:
            if flow[3] == self.WRITE and flow[4] == unit:
                flow[0] += n_bytes
                break
        else:
            self.caps.add(cap)
            self.flows.append([float(n_bytes), cap, self.env.event(), self.WRITE, unit])
        self._wake()

    def _wake(self) -> None:
        if not self.changed.triggered:
            self.changed.succeed()

    def drained(self) -> simpy.Event:
        """An event that fires once no transfer is in flight."""
        if not self.flows:
            event = self.env.event()
            event.succeed()
            return event
        if self.idle.triggered:
            self.idle = self.env.event()
        return self.idle

    def _rates(self, flows) -> list[float]:
        if len(self.caps) != 1:
            return self._rates_by_cap(flows)
        # One cap for every flow: the rates depend only on the order of the reads and writes,
        # so each order is shared once (the list is never changed).
        kinds = tuple([flow[3] for flow in flows])
        rates = self.shares.get(kinds)
        if rates is None:
            (cap,) = self.caps
            n_reads = kinds.count(self.READ)
            reads = share_max_min(self.capacity, [cap] * n_reads)
            left = max(0.0, self.capacity - sum(reads))
            writes = share_max_min(left, [cap] * (len(kinds) - n_reads))
            dealt = iter(reads), iter(writes)
            rates = self.shares[kinds] = [next(dealt[kind]) for kind in kinds]
        return rates

    def _rates_by_cap(self, flows) -> list[float]:
        reads = [i for i, flow in enumerate(flows) if flow[3] == self.READ]
        writes = [i for i, flow in enumerate(flows) if flow[3] == self.WRITE]
        rates = [0.0] * len(flows)
        for i, rate in zip(reads, share_max_min(self.capacity, [flows[i][1] for i in reads])):
            rates[i] = rate
        left = max(0.0, self.capacity - sum(rates))
        for i, rate in zip(writes, share_max_min(left, [flows[i][1] for i in writes])):
            rates[i] = rate
        return rates

    def _serve(self):
        env = self.env
        while True:
            if not self.flows:
                if not self.idle.triggered:
                    self.idle.succeed()
                yield self.changed
                self.changed = env.event()
                continue
            flows = self.flows  # transfers that arrive meanwhile are appended after these
            n = len(flows)
            before = [flow[0] for flow in flows]
            rates = self._rates(flows)
            times = [held / rate if rate > 0 else math.inf for held, rate in zip(before, rates)]
            step = min(times)
            start = env.now
            # Wait for the step or a change, whichever is processed first: what
            # `env.timeout(step) | self.changed` does, scheduled the same, without a Condition.
            woken = env.event()
            wake = functools.partial(_succeed_once, woken)
            env.timeout(step).callbacks.append(wake)
            self.changed.callbacks.append(wake)
            yield woken
            if self.changed.triggered:
                self.changed = env.event()
            else:
                self.changed.callbacks.remove(wake)
            stepped = env.now >= start + step  # the earliest transfer is done
            elapsed = env.now - start
            done_by = step * (1 + 1e-12)
            still = []
            for flow, rate, time, held in zip(flows, rates, times, before):
                added = flow[0] - held  # posted to a write queue meanwhile
                if stepped and time <= done_by:
                    flow[0] = added
                else:
                    flow[0] = max(0.0, flow[0] - rate * elapsed)
                if flow[0] > 0:
                    still.append(flow)
                else:
                    flow[2].succeed()
            self.flows = still + flows[n:]


def _succeed_once(event: simpy.Event, _cause: simpy.Event) -> None:
    if not event.triggered:
        event.succeed()


class _Buffers:
    """A unit's free tile buffers: simpy.Container(capacity=n, init=n) for one fetch taking
    and one core returning a buffer at a time, its events scheduled exactly as the
    Container's (so the run is event for event the same), without its request queues."""

    def __init__(self, env: simpy.Environment, n: int):
        self.env = env
        self.free = n
        self.waiting: simpy.Event | None = None  # the fetch's take, until a buffer frees

    def get(self) -> simpy.Event:
        event = self.env.event()
        if self.free:
            self.free -= 1
            event.succeed()
        else:
            self.waiting = event
        return event

    def put(self) -> simpy.Event:
        """Return a buffer: the waiting take gets it once this event is processed."""
        self.free += 1
        event = self.env.event()
        event.callbacks.append(self._hand_over)
        return event.succeed()

    def _hand_over(self, _event: simpy.Event) -> None:
        if self.waiting is not None and self.free:
            self.free -= 1
            waiting, self.waiting = self.waiting, None
            waiting.succeed()


class _Queue:
    """The tiles a unit's fetch has started, for its core: simpy.Store() for one producer and
    one consumer, its events scheduled exactly as the Store's, without its request queues."""

    def __init__(self, env: simpy.Environment):
        self.env = env
        self.items: list = []
        self.waiting: simpy.Event | None = None  # the core's take, until an item arrives

    def put(self, item) -> simpy.Event:
        """Add `item`: a waiting take gets it once this event is processed."""
        self.items.append(item)
        event = self.env.event()
        event.callbacks.append(self._hand_over)
        return event.succeed()

    def get(self) -> simpy.Event:
        event = self.env.event()
        if self.items:
            event.succeed(self.items.pop(0))
        else:
            self.waiting = event
        return event

    def _hand_over(self, _event: simpy.Event) -> None:
        if self.waiting is not None and self.items:
            waiting, self.waiting = self.waiting, None
            waiting.succeed(self.items.pop(0))


def share_max_min(capacity: float, caps: Sequence[float]) -> list[float]:
    """Rates for flows with `caps` sharing `capacity`: max-min fair (water-filling)."""
    rates = [0.0] * len(caps)
    left, n_left = capacity, len(caps)
    order = range(len(caps))
    if any(a > b for a, b in zip(caps, caps[1:])):  # an ascending order is the sort's own
        order = sorted(order, key=lambda i: caps[i])
    for index in order:
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
    keep_spans: bool = True,
) -> Timing:
    """Run `kernels` one after another on the units; return when each kernel and tile ran
    (`keep_spans=False`: when each kernel ran, no spans, which only a timeline reads)."""
    if prefetch_tiles < 0:
        raise ValueError(f"prefetch_tiles must be >= 0, got {prefetch_tiles}")
    env = simpy.Environment()
    dram = _FluidChannel(env, channel.capacity_bytes_per_cycle)
    spans: list[tuple] | None = [] if keep_spans else None  # Timing.span_records
    timings: list[KernelTiming] = []
    drain_end = [0.0]

    def fetch(kernel: str, unit: int, work: UnitWork, buffers, ready, dram_fill: list):
        streaming = False  # the unit's reads are in flight: the latency is behind them
        name = f"dram {unit}"
        for index, replay in enumerate(work):
            yield buffers.get()
            cost = replay()
            arrived = env.event()
            yield ready.put((index, cost, arrived))
            if cost.dram_write_bytes:
                dram.post(unit, cost.dram_write_bytes, channel.unit_cap_bytes_per_cycle)
            if cost.dram_read_bytes:
                start = env.now
                if not streaming:
                    yield env.timeout(channel.latency_cycles)
                    dram_fill[0] += channel.latency_cycles
                    streaming = True
                yield dram.transfer(cost.dram_read_bytes, channel.unit_cap_bytes_per_cycle)
                if spans is not None:
                    spans.append((start, False, name, kernel, index, env.now, cost))
            arrived.succeed()
        yield ready.put(None)

    def core(kernel: str, unit: int, buffers, ready, ends: list, busy: list, fills: list):
        """`fills`: per cache level, the latency the kernel's streams paid (grown as needed)."""
        first = True
        while True:
            item = yield ready.get()
            if item is None:
                ends[unit] = env.now
                return
            index, cost, arrived = item
            cycles = cost.core_cycles
            if first:  # the stream's first lines from each level
                cycles = cost.first_core_cycles
                latencies = cost.level_latency_cycles
                fills.extend([0.0] * (len(latencies) - len(fills)))
                for depth, latency in enumerate(latencies):
                    fills[depth] += latency
                first = False
            if cycles > 0:
                start = env.now
                yield env.timeout(cycles)
                busy[unit] += env.now - start
                if spans is not None:
                    spans.append((start, True, unit_names[unit], kernel, index, env.now, cost))
            yield arrived
            yield buffers.put()

    def program():
        for work in kernels:
            start = env.now
            if work.overhead_cycles:  # the kernel's launch: no unit works in it
                yield env.timeout(work.overhead_cycles)
            n = len(work.units)
            ends, busy = [start] * n, [0.0] * n
            dram_fill, fills = [0.0], []  # the latency the units' streams paid
            cores = []
            for unit, unit_work in enumerate(work.units):
                buffers = _Buffers(env, prefetch_tiles + 1)
                ready = _Queue(env)
                env.process(fetch(work.name, unit, unit_work, buffers, ready, dram_fill))
                cores.append(env.process(core(work.name, unit, buffers, ready, ends, busy, fills)))
            yield env.all_of(cores)
            relative = tuple(end - start for end in ends)
            timings.append(
                KernelTiming(
                    work.name, start, env.now, relative, tuple(busy), tuple(fills), dram_fill[0]
                )
            )
            if progress is not None:
                progress()
        yield dram.drained()
        drain_end[0] = env.now

    finished = env.process(program())
    env.run()
    if not finished.triggered:
        raise RuntimeError(f"the engine stalled after {len(timings)} kernels")  # a bug, not input
    return Timing(tuple(timings), tuple(spans or ()), drain_end[0])
