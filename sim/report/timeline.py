"""A simulated run as a Chrome trace-event file, for Perfetto (ui.perfetto.dev) and chrome://tracing.

The JSON object format: `{"traceEvents": [...]}` with "M" metadata events naming the process
(the run) and its threads (one track per unit) and "X" complete events, one per busy interval,
`ts` and `dur` in microseconds of simulated time. Tracks, top to bottom:

- kernels: one slice per kernel, from its first fetch to its last tile's end (a barrier);
- core compute: one slice per tile, while the core executes it (arithmetic and cache ports);
- one track per cache level: the tile's busy time on that level's port, starting with the
  core's slice of the tile (a level's time is part of the core's, sim/engine/costs.py);
- DRAM channel: one slice per tile fetch (its reads and the write-backs it caused).

Slices are named after their kernel, so each kernel keeps one colour on every track.
"""

from typing import Any

from sim.cache.stats import LevelStats
from sim.engine.simulate import RunResult
from sim.engine.timing import Span

PID = 1
KERNELS_TID = 1
CORE_TID = 2
DECIMALS_US = 6  # picosecond resolution: well below a cycle of any clock we model


def track_names(result: RunResult) -> dict[int, str]:
    """Thread id -> track name, in display order."""
    levels = result.hw.caches if result.caches_enabled else ()
    names = {KERNELS_TID: "kernels", CORE_TID: "core compute"}
    for depth, level in enumerate(levels):
        names[CORE_TID + 1 + depth] = f"cache {level.name}"
    names[CORE_TID + 1 + len(levels)] = "DRAM channel"
    return names


def timeline_json(result: RunResult) -> dict[str, Any]:
    """The trace-event document of `result`: metadata, then the slices of each track."""
    clock_hz = result.hw.core.clock_hz
    tracks = track_names(result)
    dram_tid = max(tracks)
    events: list[dict[str, Any]] = [_metadata("process_name", {"name": _title(result)})]
    for tid, name in tracks.items():
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
            **_hit_rates(kernel.levels),
        }
        events.append(
            _slice(kernel.name, "kernel", KERNELS_TID, timing.start_cycles, timing.cycles, clock_hz)
            | {"args": args}
        )
    for span in result.timing.spans:
        if span.unit == "dram":
            events.append(_dram_slice(span, dram_tid, clock_hz))
        else:
            events.append(_core_slice(span, clock_hz))
            events += _level_slices(span, clock_hz)
    return {
        "traceEvents": events,
        "otherData": {
            "workload": result.workload,
            "hw": result.hw.name,
            "schedule": result.schedule,
            "precision": result.precision,
            "clock_hz": clock_hz,
            "time_unit": "microseconds of simulated time",
        },
    }


def _title(result: RunResult) -> str:
    caches = "" if result.caches_enabled else ", caches disabled"
    return (
        f"{result.workload} on {result.hw.name} ({result.schedule} schedule, "
        f"{result.precision}{caches})"
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


def _core_slice(span: Span, clock_hz: float) -> dict[str, Any]:
    cost = span.cost
    event = _slice(
        span.kernel,
        "core",
        CORE_TID,
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


def _level_slices(span: Span, clock_hz: float) -> list[dict[str, Any]]:
    cost = span.cost
    if cost is None:
        return []
    events = []
    for depth, (cycles, stats) in enumerate(zip(cost.level_cycles, cost.levels)):
        if cycles <= 0:
            continue
        event = _slice(
            span.kernel, "cache", CORE_TID + 1 + depth, span.start_cycles, cycles, clock_hz
        )
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
