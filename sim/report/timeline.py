"""A simulated run as a Chrome trace-event file, for Perfetto (ui.perfetto.dev) and chrome://tracing.

The JSON object format: `{"traceEvents": [...]}` with "M" metadata events naming the process
(the run) and its threads (one track per resource) and "X" complete events, one per busy
interval, `ts` and `dur` in microseconds of simulated time. Tracks, top to bottom:

- kernels: one slice per kernel, from its first fetch to its slowest unit's end (a barrier);
- then for each unit that ran (`core 0`, `core 1`, ... or `SM 0`, ...):
  - `core 0 compute`: one slice per tile, while the unit executes it (arithmetic and ports);
  - one track per cache level: the tile's busy time on that level's port, starting with the
    unit's slice of the tile (a level's time is part of the unit's, sim/engine/costs.py);
  - `core 0 DRAM reads`: one slice per tile fetch, from its request to its last byte (the
    writes it posted are in the slice's arguments; they drain on spare bandwidth).

Slices are named after their kernel, so each kernel keeps one colour on every track.
"""

from typing import Any

from sim.cache.stats import LevelStats
from sim.engine.simulate import RunResult
from sim.engine.timing import Span

PID = 1
KERNELS_TID = 1
DECIMALS_US = 6  # picosecond resolution: well below a cycle of any clock we model


def _unit_tracks(result: RunResult) -> list[str]:
    """The track names of one unit, without the unit's name: compute, levels, DRAM reads."""
    levels = result.hw.caches if result.caches_enabled else ()
    return ["compute", *(f"cache {level.name}" for level in levels), "DRAM reads"]


def track_names(result: RunResult) -> dict[int, str]:
    """Thread id -> track name, in display order."""
    names = {KERNELS_TID: "kernels"}
    per_unit = _unit_tracks(result)
    for unit in range(result.cores):
        for offset, track in enumerate(per_unit):
            names[_tid(result, unit, offset)] = f"{result.hw.unit_name} {unit} {track}"
    return names


def _tid(result: RunResult, unit: int, offset: int) -> int:
    return KERNELS_TID + 1 + unit * len(_unit_tracks(result)) + offset


def _unit_of(span: Span) -> int:
    return int(span.unit.rsplit(" ", 1)[1])


def timeline_json(result: RunResult) -> dict[str, Any]:
    """The trace-event document of `result`: metadata, then the slices of each track."""
    clock_hz = result.hw.core.clock_hz
    events: list[dict[str, Any]] = [_metadata("process_name", {"name": _title(result)})]
    for tid, name in track_names(result).items():
        events.append(_metadata("thread_name", {"name": name}, tid))
        events.append(_metadata("thread_sort_index", {"sort_index": tid}, tid))
    for kernel, timing in zip(result.kernels, result.timing.kernels):
        args = {
            "ops": list(kernel.ops),
            "kind": kernel.kind,
            "tiles": kernel.tiles,
            "flops": kernel.flops,
            "analytic_bytes": kernel.analytic_bytes,
            "dram_read_bytes": kernel.dram_read_bytes,
            "dram_write_bytes": kernel.dram_write_bytes,
            "cycles": kernel.cycles,
            "bound": kernel.bound,
            "load_imbalance": kernel.load_imbalance,
            "barrier_wait_cycles": kernel.barrier_wait_cycles,
            **_hit_rates(kernel.levels),
        }
        events.append(
            _slice(kernel.name, "kernel", KERNELS_TID, timing.start_cycles, timing.cycles, clock_hz)
            | {"args": args}
        )
    dram_offset = len(_unit_tracks(result)) - 1
    for span in result.timing.spans:
        unit = _unit_of(span)
        if span.unit.startswith("dram"):
            events.append(_dram_slice(span, _tid(result, unit, dram_offset), clock_hz))
        else:
            events.append(_core_slice(span, _tid(result, unit, 0), clock_hz))
            events += _level_slices(span, _tid(result, unit, 1), clock_hz)
    return {
        "traceEvents": events,
        "otherData": {
            "workload": result.workload,
            "hw": result.hw.name,
            "cores": result.cores,
            "schedule": result.schedule,
            "precision": result.precision,
            "clock_hz": clock_hz,
            "time_unit": "microseconds of simulated time",
        },
    }


def _title(result: RunResult) -> str:
    caches = "" if result.caches_enabled else ", caches disabled"
    hw = result.hw
    return (
        f"{result.workload} on {hw.label}, {hw.units} of {hw.device_units} {hw.unit_name}s "
        f"({result.schedule} schedule, {result.precision}{caches})"
    )


def _hit_rates(levels: tuple[LevelStats, ...]) -> dict[str, float | None]:
    """Hit rate per level; none for a level the tile or kernel did not reach."""
    return {f"{s.name}_hit_rate": s.hit_rate if s.accesses else None for s in levels}


def _metadata(name: str, args: dict[str, Any], tid: int = 0) -> dict[str, Any]:
    return {"name": name, "ph": "M", "pid": PID, "tid": tid, "args": args}


def _slice(
    name: str, category: str, tid: int, start_cycles: float, cycles: float, clock_hz: float
) -> dict[str, Any]:
    start_us = round(start_cycles / clock_hz * 1e6, DECIMALS_US)
    end_us = round((start_cycles + cycles) / clock_hz * 1e6, DECIMALS_US)
    return {
        "name": name,
        "cat": category,
        "ph": "X",
        "pid": PID,
        "tid": tid,
        "ts": start_us,
        "dur": round(end_us - start_us, DECIMALS_US),
    }


def _core_slice(span: Span, tid: int, clock_hz: float) -> dict[str, Any]:
    cost = span.cost
    event = _slice(
        span.kernel,
        "core",
        tid,
        span.start_cycles,
        span.end_cycles - span.start_cycles,
        clock_hz,
    )
    args: dict[str, Any] = {"tile": span.tile}
    if cost is not None:
        args |= {
            "flops": cost.flops,
            "compute_cycles": cost.compute_cycles,
            **_hit_rates(cost.levels),
        }
    return event | {"args": args}


def _level_slices(span: Span, first_tid: int, clock_hz: float) -> list[dict[str, Any]]:
    cost = span.cost
    if cost is None:
        return []
    events = []
    for depth, (cycles, stats) in enumerate(zip(cost.level_cycles, cost.levels)):
        if span.tile == 0 and cost.level_latency_cycles:  # a stream's first tile waits too
            cycles += cost.level_latency_cycles[depth]
        if cycles <= 0:
            continue
        event = _slice(span.kernel, "cache", first_tid + depth, span.start_cycles, cycles, clock_hz)
        args = {
            "tile": span.tile,
            "accesses": stats.accesses,
            "hits": stats.hits,
            "misses": stats.misses,
            "writebacks": stats.writebacks,
            "hit_rate": stats.hit_rate if stats.accesses else None,
            "cycles": cycles,
        }
        events.append(event | {"args": args})
    return events


def _dram_slice(span: Span, tid: int, clock_hz: float) -> dict[str, Any]:
    cycles = span.end_cycles - span.start_cycles
    event = _slice(span.kernel, "dram", tid, span.start_cycles, cycles, clock_hz)
    args: dict[str, Any] = {"tile": span.tile}
    if span.cost is not None:
        args |= {
            "read_bytes": span.cost.dram_read_bytes,
            "write_bytes": span.cost.dram_write_bytes,
            "bandwidth_cycles": span.cost.dram_bandwidth_cycles,
        }
    return event | {"args": args}
