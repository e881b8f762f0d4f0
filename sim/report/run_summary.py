"""What a run means at a glance, for an 80-column terminal: the slowest kernels, the time per
kind of op, a verdict (where the time goes by binding unit, and the kernels most to blame)
and the command to try next. Pure functions of a RunResult; the next step's saving comes
from the caller, which knows the schedules (sim/commands/run.py)."""

import shlex

from sim.energy.account import kernel_energy
from sim.engine.simulate import RunResult
from sim.hw.model import Precision
from sim.report.tables import (
    Column,
    Report,
    percent,
    scaled_bytes,
    scaled_joules,
    scaled_seconds,
)

SLOWEST = 10
# A kernel's binding unit (KernelResult.bound) as the verdict names it.
_CLASSES = {
    "compute": "compute-bound",
    "DRAM bandwidth": "DRAM-bound",
    "DRAM latency": "latency-bound",
}


def _class(bound: str) -> str | None:
    if bound == "none":
        return None
    return _CLASSES.get(bound, "cache-bound" if bound.startswith("cache ") else bound)


def _energy_j(result: RunResult, kernel) -> float | None:
    by_level = kernel_energy(kernel, result.hw, Precision(result.precision))
    return None if by_level is None else sum(by_level.values())


def _rows(result: RunResult) -> list[dict]:
    total = result.cycles or 1
    return [
        {
            "kernel": k.name,
            "kind": k.kind,
            "seconds": k.cycles / result.hw.core.clock_hz,
            "share": k.cycles / total,
            "dram_bytes": k.dram_bytes,
            "bound": k.bound,
            "cycles": k.cycles,
            "energy_j": _energy_j(result, k),
        }
        for k in result.kernels
    ]


_COLUMNS = (
    Column("time", "seconds", scaled_seconds),
    Column("share", "share", percent),
    Column("DRAM", "dram_bytes", scaled_bytes),
)


def slowest_report(result: RunResult, count: int = SLOWEST) -> Report:
    """The `count` kernels that take the most time, slowest first."""
    rows = sorted(_rows(result), key=lambda r: -r["cycles"])[:count]
    columns = (
        Column("kernel", "kernel", numeric=False),
        Column("kind", "kind", numeric=False),
        *_COLUMNS,
        Column("energy", "energy_j", scaled_joules),
        Column("bound", "bound", numeric=False),
    )
    title = f"the {len(rows)} slowest of {len(result.kernels)} kernels (--all: every kernel)"
    return Report(title, columns, tuple(rows))


def kinds_report(result: RunResult) -> Report:
    """Per kind of kernel: how many, their time and DRAM traffic, and the binding unit that
    holds most of their time; the run's total last."""
    kinds: dict[str, dict] = {}
    for row in _rows(result):
        entry = kinds.setdefault(row["kind"], {"kind": row["kind"], "kernels": 0, "by": {}})
        entry["kernels"] += 1
        for key in ("seconds", "share", "dram_bytes", "cycles"):
            entry[key] = entry.get(key, 0) + row[key]
        entry["by"][row["bound"]] = entry["by"].get(row["bound"], 0) + row["cycles"]
    rows = sorted(kinds.values(), key=lambda r: -r["cycles"])
    for row in rows:
        row["bound"] = max(row.pop("by").items(), key=lambda item: item[1])[0]
    total = {
        "kind": "total",
        "kernels": len(result.kernels),
        "seconds": result.seconds,
        "share": 1.0,
        "dram_bytes": sum(r["dram_bytes"] for r in rows),
    }
    columns = (
        Column("kind", "kind", numeric=False),
        Column("kernels", "kernels"),
        *_COLUMNS,
        Column("bound", "bound", numeric=False),
    )
    title = "time per kind of kernel (bound: of most of its time)"
    return Report(title, columns, tuple(rows), total)


def verdict_lines(result: RunResult, top: int = 3) -> list[str]:
    """Where the time goes by binding unit, and the slowest kernels of the biggest share."""
    total = result.cycles
    if not total:
        return ["verdict: the run takes no time"]
    by_class: dict[str, list] = {}
    for kernel in result.kernels:
        name = _class(kernel.bound)
        if name is not None:
            by_class.setdefault(name, []).append(kernel)
    ranked = sorted(by_class.items(), key=lambda item: -sum(k.cycles for k in item[1]))
    ranked = [(n, ks) for n, ks in ranked if sum(k.cycles for k in ks) >= total / 2000]
    shares = ", ".join(
        f"{percent(sum(k.cycles for k in kernels) / total)} {name} ({len(kernels)} "
        f"kernel{'s' if len(kernels) != 1 else ''})"
        for name, kernels in ranked
    )
    name, kernels = ranked[0]
    culprits = sorted(kernels, key=lambda k: -k.cycles)[:top]
    clock = result.hw.core.clock_hz
    blame = ", ".join(f"{k.name} {scaled_seconds(k.cycles / clock)}" for k in culprits)
    return [f"verdict: {shares} of the time", f"most {name} time: {blame}"]


def next_step_line(argv: list[str], why: str) -> str:
    """`next, WHY:` then the command on a line of its own, to copy."""
    return f"next, {why}:\n  {shlex.join(['python', '-m', 'sim', *argv])}"
