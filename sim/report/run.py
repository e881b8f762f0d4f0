"""A simulated run as JSON, CSV and a terminal table, simulated traffic next to analytic.

Every figure the table shows is a field of the JSON (and a column of the CSV), in base units
(bytes, seconds, cycles as integers); the table scales them for reading (`4.60 MB`, `96.33 µs`).
The CSV's columns are the same on every device: cache levels are numbered from the core out
(`cache1_name`, `cache1_hit_rate`, ...) and the total is a row of type `total`.
"""

import csv
import io
from collections.abc import Mapping
from typing import Any

from sim.energy.account import kernel_energy, run_energy
from sim.engine.simulate import KernelResult, RunResult, UnitResult
from sim.hw.model import Precision
from sim.report.tables import (
    Column,
    Report,
    fixed,
    percent,
    ratio,
    scaled_bytes,
    scaled_joules,
    scaled_seconds,
)


def whole_cycles(cycles: float) -> int:
    """Cycles as a whole number, rounded half up (the engine's costs have fractions)."""
    return int(cycles + 0.5)


def kernel_json(
    kernel: KernelResult, clock_hz: float, effective_macs: int | None = None
) -> dict[str, Any]:
    """`effective_macs`: the MACs the kernel executes (sparse weights), if not `macs`."""
    return {
        "name": kernel.name,
        "ops": list(kernel.ops),
        "kind": kernel.kind,
        "macs": kernel.macs,
        "effective_macs": kernel.macs if effective_macs is None else effective_macs,
        "analytic_flops": kernel.analytic_flops,
        "flops": kernel.flops,
        "analytic_bytes": kernel.analytic_bytes,
        "dram_read_bytes": kernel.dram_read_bytes,
        "dram_write_bytes": kernel.dram_write_bytes,
        "dram_to_analytic": ratio(kernel.dram_bytes, kernel.analytic_bytes),
        "cycles": whole_cycles(kernel.cycles),
        "seconds": kernel.cycles / clock_hz,
        "achieved_flops_per_s": kernel.flops / (kernel.cycles / clock_hz)
        if kernel.cycles
        else None,
        "bound": kernel.bound,
        "busy_cycles": {
            "compute": kernel.compute_cycles,
            **{level.name: c for level, c in zip(kernel.levels, kernel.level_cycles)},
            "dram": kernel.dram_cycles,
            "dram_at_peak_bandwidth": kernel.dram_bandwidth_cycles,
        },
        "tiles": kernel.tiles,
        "units": kernel.units,
        "unit_busy_cycles": list(kernel.unit_busy_cycles),
        "load_imbalance": kernel.load_imbalance,
        "barrier_wait_cycles": kernel.barrier_wait_cycles,
        "line_accesses": kernel.line_accesses,
        "collapsed_accesses": kernel.collapsed_accesses,
        "spill_accesses": kernel.spill_accesses,
        "levels": {
            level.name: {**level.as_dict(), "hit_rate": level.hit_rate} for level in kernel.levels
        },
    }


def run_json(result: RunResult, effective: Mapping[str, int] | None = None) -> dict[str, Any]:
    """The run as JSON; `effective` maps kernels whose sparse weights execute fewer MACs
    than `macs` to the MACs they execute (sim/report/sparsity.py)."""
    hw = result.hw
    precision = Precision(result.precision)
    effective = effective or {}
    kernels = [kernel_json(k, hw.core.clock_hz, effective.get(k.name)) for k in result.kernels]
    return {
        "workload": result.workload,
        "hw": hw.name,
        "overrides": dict(hw.overrides),
        "engine": hw.engine,
        "cores": result.cores,
        "device_units": hw.device_units,
        "unit_name": hw.unit_name,
        "schedule": result.schedule,
        "precision": result.precision,
        "caches_enabled": result.caches_enabled,
        "clock_hz": hw.core.clock_hz,
        "peak_flops_per_s": hw.peak_flops_per_s(precision),
        "dram_bytes_per_s": hw.dram.bandwidth_bytes_per_s,
        "totals": {
            "macs": result.total("macs"),
            "effective_macs": sum(k["effective_macs"] for k in kernels),
            "analytic_flops": result.total("analytic_flops"),
            "flops": result.total("flops"),
            "analytic_bytes": result.total("analytic_bytes"),
            "dram_read_bytes": result.total("dram_read_bytes"),
            "dram_write_bytes": result.total("dram_write_bytes"),
            "cycles": whole_cycles(result.cycles),
            "seconds": result.seconds,
            **energy_json(run_energy(result)),
        },
        "kernels": [
            {**k, **energy_json(kernel_energy(kernel, hw, precision))}
            for k, kernel in zip(kernels, result.kernels)
        ],
        "units": [_unit_json(unit, result.cycles) for unit in result.units],
    }


def energy_json(by_level: dict[str, float] | None) -> dict[str, Any]:
    """`energy_j` and `energy_by_level_j` (compute, registers, each cache, DRAM): dynamic
    energy only; both null on a device whose file has no `energy:` section."""
    total = None if by_level is None else sum(by_level.values())
    return {"energy_j": total, "energy_by_level_j": by_level}


def _unit_json(unit: UnitResult, run_cycles: float) -> dict[str, Any]:
    return {
        "name": unit.name,
        "busy_cycles": unit.busy_cycles,
        "busy_fraction": ratio(unit.busy_cycles, run_cycles),
        "tiles": unit.tiles,
        "levels": {
            level.name: {**level.as_dict(), "hit_rate": level.hit_rate} for level in unit.levels
        },
        "shared_read_bytes": unit.shared_read_bytes,
        "shared_write_bytes": unit.shared_write_bytes,
    }


_mb = fixed(3, 1e6)


def summary_lines(result: RunResult) -> list[str]:
    """The plain-words headline: time, share of peak, and traffic against the estimate."""
    data = run_json(result)
    totals = data["totals"]
    dram = totals["dram_read_bytes"] + totals["dram_write_bytes"]
    achieved = totals["flops"] / totals["seconds"] if totals["seconds"] else 0.0
    caches = "" if result.caches_enabled else ", caches disabled"
    hw = result.hw
    return [
        f"{result.workload} on {hw.label}{overrides_text(hw)}, {_units_text(hw)} "
        f"({result.schedule} schedule, "
        f"{result.precision}{caches}): {totals['seconds'] * 1e3:,.3f} ms, "
        f"{totals['cycles']:,} cycles, "
        f"{achieved / 1e9:,.2f} GFLOP/s = {percent(achieved / data['peak_flops_per_s'])} of peak",
        f"DRAM traffic: {_mb(dram)} MB simulated ({_mb(totals['dram_read_bytes'])} read, "
        f"{_mb(totals['dram_write_bytes'])} written) vs {_mb(totals['analytic_bytes'])} MB "
        f"cache-ignoring estimate ({ratio(dram, totals['analytic_bytes']) or 0:.2f}x)",
        _energy_line(result, totals),
        *_busy_lines(result, data),
    ]


def _energy_line(result: RunResult, totals: dict[str, Any]) -> str:
    """The run's dynamic energy and the share of each level, largest first."""
    by_level = totals["energy_by_level_j"]
    if by_level is None:
        return f"energy: not modelled ({result.hw.name} has no energy: section in its file)"
    total = totals["energy_j"]
    shares = sorted(by_level.items(), key=lambda item: -item[1])
    parts = ", ".join(f"{name} {percent(ratio(j, total) or 0.0)}" for name, j in shares)
    return f"energy: {scaled_joules(total)} dynamic ({parts})"


def overrides_text(hw) -> str:
    """` with L2.size=1MiB, clock=1.5GHz`: the `--set` flags the device was read with."""
    if not hw.overrides:
        return ""
    return " with " + ", ".join(f"{key}={value}" for key, value in hw.overrides)


def _units_text(hw) -> str:
    """`4 of 4 cores`, `1 of 4 cores, 128 KiB L2 share`: what of the device the run used."""
    text = f"{hw.units} of {hw.device_units} {hw.unit_name}s"
    shares = [c for c in hw.shared_caches if c.is_shared]
    if shares:
        text += ", " + ", ".join(f"{c.share_bytes // 1024:,} KiB {c.name} share" for c in shares)
    return text


def _busy_lines(result: RunResult, data: dict[str, Any]) -> list[str]:
    """With several units: how busy each was, and what the kernels' barriers cost."""
    if result.cores < 2:
        return []
    units = data["units"]
    fractions = [u["busy_fraction"] or 0.0 for u in units]
    shown = ", ".join(percent(f) for f in fractions[:8]) + (", ..." if len(units) > 8 else "")
    waits = sum(k.barrier_wait_cycles for k in result.kernels)
    return [
        f"{result.cores} {result.hw.unit_name}s busy {shown} of the run (mean "
        f"{percent(sum(fractions) / len(fractions))}); waiting at kernel barriers "
        f"{percent(ratio(waits, result.cycles) or 0.0)} of the run"
    ]


def _level_names(result: RunResult) -> list[str]:
    return [level.name for level in result.hw.caches] if result.caches_enabled else []


def _hit_rates(levels: dict[str, dict[str, Any]], names: list[str]) -> dict[str, float | None]:
    rates = {}
    for name in names:
        level = levels.get(name, {})
        rates[f"{name}_hit_rate"] = ratio(level.get("hits", 0), level.get("accesses", 0))
    return rates


def _total_levels(result: RunResult) -> dict[str, dict[str, int]]:
    totals: dict[str, dict[str, int]] = {}
    for kernel in result.kernels:
        for level in kernel.levels:
            entry = totals.setdefault(level.name, {"hits": 0, "accesses": 0})
            entry["hits"] += level.hits
            entry["accesses"] += level.accesses
    return totals


def run_report(result: RunResult, effective: Mapping[str, int] | None = None) -> Report:
    """The per-kernel table with its totals; CSV keys carry SI units, headers display units."""
    data = run_json(result, effective)
    names = _level_names(result)
    columns = [
        Column("kernel", "kernel", numeric=False),
        Column("kind", "kind", numeric=False),
        Column("cycles", "cycles", fixed(0)),
        Column("time", "seconds", scaled_seconds),
        Column("GFLOP/s", "achieved_flops_per_s", fixed(2, 1e9)),
        Column("estimate", "analytic_bytes", scaled_bytes),
        Column("DRAM read", "dram_read_bytes", scaled_bytes),
        Column("written", "dram_write_bytes", scaled_bytes),
        Column("sim/est", "dram_to_analytic", fixed(2)),
        *(Column(f"{n} hit", f"{n}_hit_rate", percent) for n in names),
        Column("energy", "energy_j", scaled_joules),
        Column("bound", "bound", numeric=False),
    ]
    rows = []
    for kernel in data["kernels"]:
        row = {"kernel": kernel["name"], **kernel}
        rows.append({**row, **_hit_rates(kernel["levels"], names)})
    totals = data["totals"]
    dram = totals["dram_read_bytes"] + totals["dram_write_bytes"]
    total = {
        "kernel": "total",
        **totals,
        "dram_to_analytic": ratio(dram, totals["analytic_bytes"]),
        "achieved_flops_per_s": ratio(totals["flops"], totals["seconds"]),
        **_hit_rates(_total_levels(result), names),
    }
    title = "every kernel: simulated next to the cache-ignoring estimate"
    return Report(title, tuple(columns), tuple(rows), total)


CSV_EXTRA_KEYS = ("macs", "analytic_flops", "flops", "tiles", "energy_j", "effective_macs")
CSV_KEYS = (
    "row", "kernel", "kind", "cycles", "seconds", "achieved_flops_per_s", "analytic_bytes",
    "dram_read_bytes", "dram_write_bytes", "dram_to_analytic",
)  # fmt: skip
CSV_CACHE_LEVELS = 2  # cache columns every device has, innermost first; a deeper one adds more
LEVEL_COUNTS = ("accesses", "hits", "misses", "evictions", "writebacks")


def units_report(result: RunResult) -> Report:
    """Per unit, over the whole run: busy cycles and share of the run, cache and DRAM counts.
    Every figure is a sum of the kernels' JSON fields (busy_cycles, levels, DRAM bytes)."""
    run_cycles = result.cycles
    rows: list[dict[str, Any]] = [
        {"unit": "core compute", "busy_cycles": result.total("compute_cycles")}
    ]
    for depth, level in enumerate(result.hw.caches if result.caches_enabled else ()):
        stats = [k.levels[depth] for k in result.kernels if len(k.levels) > depth]
        counts = {f: sum(getattr(s, f) for s in stats) for f in LEVEL_COUNTS}
        busy = sum(k.level_cycles[depth] for k in result.kernels if len(k.level_cycles) > depth)
        rows.append(
            {
                "unit": f"cache {level.name}",
                "busy_cycles": busy,
                **counts,
                "hit_rate": ratio(counts["hits"], counts["accesses"]),
            }
        )
    dram_bytes = result.total("dram_read_bytes") + result.total("dram_write_bytes")
    rows.append({"unit": "DRAM", "busy_cycles": result.total("dram_cycles"), "bytes": dram_bytes})
    for row in rows:
        row["busy_fraction"] = ratio(row["busy_cycles"], run_cycles)
    columns = (
        Column("unit", "unit", numeric=False),
        Column("busy cycles", "busy_cycles", fixed(0)),
        Column("busy", "busy_fraction", percent),
        *(
            Column(name.replace("writebacks", "write-backs"), name, fixed(0))
            for name in LEVEL_COUNTS
        ),
        Column("hit rate", "hit_rate", percent),
        Column("DRAM MB", "bytes", fixed(3, 1e6)),
    )
    title = f"per unit: busy time and counts over the run ({run_cycles:,.0f} cycles)"
    return Report(title, columns, tuple(rows))


def run_csv(result: RunResult, effective: Mapping[str, int] | None = None) -> str:
    """One `kernel` row per kernel and a last row of type `total` (sums; ratios and rates of
    the sums), under columns that do not depend on the device (module docstring)."""
    report = run_report(result, effective)
    names = _level_names(result)
    levels = max(CSV_CACHE_LEVELS, len(result.hw.caches))
    cache_keys = [
        f"cache{i}_{field}" for i in range(1, levels + 1) for field in ("name", "hit_rate")
    ]
    keys = [*CSV_KEYS, *cache_keys, "bound", *CSV_EXTRA_KEYS]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(keys)
    for kind, row in [*(("kernel", r) for r in report.rows), ("total", report.total)]:
        values = {**row, "row": kind, "kernel": "" if kind == "total" else row["kernel"]}
        for i, name in enumerate(names, 1):
            values[f"cache{i}_name"] = name
            values[f"cache{i}_hit_rate"] = row.get(f"{name}_hit_rate")
        writer.writerow(["" if values.get(k) is None else values.get(k, "") for k in keys])
    return out.getvalue()
