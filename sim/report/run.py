"""A simulated run as JSON, CSV and a terminal table, simulated traffic next to analytic.

Every figure the table shows is a field of the JSON (and a column of the CSV).
"""

import csv
import io
from typing import Any

from rich.table import Table

from sim.engine.simulate import KernelResult, RunResult
from sim.hw.model import Precision


def _ratio(simulated: float, analytic: float) -> float | None:
    return simulated / analytic if analytic else None


def kernel_json(kernel: KernelResult, clock_hz: float) -> dict[str, Any]:
    return {
        "name": kernel.name,
        "ops": list(kernel.ops),
        "kind": kernel.kind,
        "macs": kernel.macs,
        "analytic_flops": kernel.analytic_flops,
        "flops": kernel.flops,
        "analytic_bytes": kernel.analytic_bytes,
        "dram_read_bytes": kernel.dram_read_bytes,
        "dram_write_bytes": kernel.dram_write_bytes,
        "dram_to_analytic": _ratio(kernel.dram_bytes, kernel.analytic_bytes),
        "cycles": kernel.cycles,
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
        "line_accesses": kernel.line_accesses,
        "collapsed_accesses": kernel.collapsed_accesses,
        "spill_accesses": kernel.spill_accesses,
        "levels": {
            level.name: {**level.as_dict(), "hit_rate": level.hit_rate} for level in kernel.levels
        },
    }


def run_json(result: RunResult) -> dict[str, Any]:
    hw = result.hw
    precision = Precision(result.precision)
    return {
        "workload": result.workload,
        "hw": hw.name,
        "schedule": result.schedule,
        "precision": result.precision,
        "caches_enabled": result.caches_enabled,
        "clock_hz": hw.core.clock_hz,
        "peak_flops_per_s": hw.peak_flops_per_s(precision),
        "dram_bytes_per_s": hw.dram.bandwidth_bytes_per_s,
        "totals": {
            "macs": result.total("macs"),
            "analytic_flops": result.total("analytic_flops"),
            "flops": result.total("flops"),
            "analytic_bytes": result.total("analytic_bytes"),
            "dram_read_bytes": result.total("dram_read_bytes"),
            "dram_write_bytes": result.total("dram_write_bytes"),
            "cycles": result.cycles,
            "seconds": result.seconds,
        },
        "kernels": [kernel_json(k, hw.core.clock_hz) for k in result.kernels],
    }


CSV_COLUMNS = (
    ("kernel", "name"),
    ("kind", "kind"),
    ("macs", "macs"),
    ("flops", "flops"),
    ("analytic_bytes", "analytic_bytes"),
    ("dram_read_bytes", "dram_read_bytes"),
    ("dram_write_bytes", "dram_write_bytes"),
    ("cycles", "cycles"),
    ("seconds", "seconds"),
    ("achieved_flops_per_s", "achieved_flops_per_s"),
    ("bound", "bound"),
)


def run_csv(result: RunResult) -> str:
    data = run_json(result)
    level_names = [level.name for level in result.hw.caches] if result.caches_enabled else []
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([c for c, _ in CSV_COLUMNS] + [f"{n}_hit_rate" for n in level_names])
    for kernel in data["kernels"]:
        row = [kernel[key] for _, key in CSV_COLUMNS]
        row += [kernel["levels"].get(n, {}).get("hit_rate") for n in level_names]
        writer.writerow(row)
    return out.getvalue()


def _mb(n_bytes: float) -> str:
    return f"{n_bytes / 1e6:,.3f}"


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def summary_lines(result: RunResult) -> list[str]:
    """The plain-words headline: time, share of peak, and traffic against the estimate."""
    data = run_json(result)
    totals = data["totals"]
    dram = totals["dram_read_bytes"] + totals["dram_write_bytes"]
    achieved = totals["flops"] / totals["seconds"] if totals["seconds"] else 0.0
    caches = "" if result.caches_enabled else ", caches disabled"
    return [
        f"{result.workload} on {result.hw.name} ({result.schedule} schedule, {result.precision}"
        f"{caches}): {totals['seconds'] * 1e3:,.3f} ms, {totals['cycles']:,.0f} cycles, "
        f"{achieved / 1e9:,.2f} GFLOP/s = {_pct(achieved / data['peak_flops_per_s'])} of peak",
        f"DRAM traffic: {_mb(dram)} MB simulated ({_mb(totals['dram_read_bytes'])} read, "
        f"{_mb(totals['dram_write_bytes'])} written) vs {_mb(totals['analytic_bytes'])} MB "
        f"cache-ignoring estimate ({dram / totals['analytic_bytes']:.2f}x)",
    ]


def run_table(result: RunResult) -> Table:
    clock = result.hw.core.clock_hz
    level_names = [level.name for level in result.hw.caches] if result.caches_enabled else []
    table = Table(
        title="per kernel: simulated next to analytic", header_style="bold", show_footer=True
    )
    totals = run_json(result)["totals"]
    dram_total = totals["dram_read_bytes"] + totals["dram_write_bytes"]
    columns = [
        ("kernel", "total"),
        ("kind", ""),
        ("cycles", f"{result.cycles:,.0f}"),
        ("time us", f"{result.seconds * 1e6:,.1f}"),
        ("GFLOP/s", f"{totals['flops'] / result.seconds / 1e9:,.2f}" if result.seconds else "-"),
        ("analytic MB", _mb(totals["analytic_bytes"])),
        ("DRAM rd MB", _mb(totals["dram_read_bytes"])),
        ("DRAM wr MB", _mb(totals["dram_write_bytes"])),
        (
            "sim/analytic",
            f"{dram_total / totals['analytic_bytes']:.2f}" if totals["analytic_bytes"] else "-",
        ),
    ]
    for name, footer in columns:
        table.add_column(
            name, footer=footer, justify="left" if name in ("kernel", "kind") else "right"
        )
    for name in level_names:
        table.add_column(f"{name} hit", justify="right")
    table.add_column("bound")
    for kernel in result.kernels:
        seconds = kernel.cycles / clock
        ratio = _ratio(kernel.dram_bytes, kernel.analytic_bytes)
        row = [
            kernel.name,
            kernel.kind,
            f"{kernel.cycles:,.0f}",
            f"{seconds * 1e6:,.1f}",
            f"{kernel.flops / seconds / 1e9:,.2f}" if seconds else "-",
            _mb(kernel.analytic_bytes),
            _mb(kernel.dram_read_bytes),
            _mb(kernel.dram_write_bytes),
            f"{ratio:.2f}" if ratio is not None else "-",
        ]
        hits = {level.name: level for level in kernel.levels}
        row += [
            _pct(hits[n].hit_rate) if n in hits and hits[n].accesses else "-" for n in level_names
        ]
        row.append(kernel.bound)
        table.add_row(*row)
    return table
