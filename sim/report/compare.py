"""Schedules side by side: per group of layers and in total, the cache-ignoring estimate next
to each schedule's simulated DRAM traffic and time, and what each schedule keeps on chip.

A *group* is the smallest set of graph ops that every compared schedule runs as whole
kernels (a fused kernel of one schedule is a group; the single-op kernels of naive fall
into it). A tensor kept on chip saves its round trip: one store and one load, 2 x its bytes;
a tiled chain pays for it with `halo_flops`, the producer rows its tiles recompute.
"""

from typing import Any

from sim.analytic.estimate import estimate_op
from sim.engine.simulate import WRITE_BACK_KERNEL, RunResult, graph_ops
from sim.graph.model import ACTIVATION_KINDS, PER_CHANNEL_KINDS, OpKind
from sim.report.tables import Column, Report, scaled_bytes, scaled_seconds
from sim.schedule.model import Kernel, Schedule
from sim.schedule.tiles import halo_flops


def _groups(schedules: list[Schedule]) -> list[list[str]]:
    """Graph op names in groups, in graph order (union-find over each schedule's kernels)."""
    graph = schedules[0].graph
    parent = {op.name: op.name for op in graph.ops}

    def find(name: str) -> str:
        while parent[name] != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name

    for schedule in schedules:
        for kernel in schedule.kernels:
            names = [op.name for op in graph_ops(kernel, graph)]
            for name in names[1:]:
                parent[find(name)] = find(names[0])
    groups: dict[str, list[str]] = {}
    for op in graph.ops:
        groups.setdefault(find(op.name), []).append(op.name)
    return list(groups.values())


def kept_on_chip(kernel: Kernel, schedule: Schedule) -> list[dict[str, Any]]:
    """The tensors `kernel` never stores or loads that one kernel per op would: how, and the
    bytes of the round trip avoided."""
    es = schedule.precision.bytes
    graph = schedule.graph
    links = {stage.outputs[0].name for stage in kernel.stages[:-1]}
    tiled = f"tiled {kernel.tile[0]}x{kernel.tile[1]}" if kernel.tile else "per channel"
    kept = [
        {
            "tensor": t.name,
            "how": tiled if t.name in links else "fused",
            "round_trip_bytes": 2 * t.elements * es,
        }
        for t in kernel.on_chip
        if not t.name.endswith(".gate")
    ]
    for name in kernel.absorbed:
        op = graph.op(name)
        if op.kind in ACTIVATION_KINDS:  # run on the parts, kept on chip in their producers
            continue
        if op.kind in PER_CHANNEL_KINDS:
            tensor, how = op.inputs[0], f"{name} folded into {kernel.main_op.name}"
        elif op.kind is OpKind.CONCAT:
            tensor, how = op.outputs[0], f"{name}: parts stored in place"
        else:
            tensor, how = op.inputs[0], f"{name}: parts read in place"
        kept.append(
            {"tensor": tensor.name, "how": how, "round_trip_bytes": 2 * tensor.elements * es}
        )
    return kept


def _totals(result: RunResult) -> dict[str, Any]:
    return {
        "dram_read_bytes": result.total("dram_read_bytes"),
        "dram_write_bytes": result.total("dram_write_bytes"),
        "dram_bytes": result.total("dram_read_bytes") + result.total("dram_write_bytes"),
        "flops": result.total("flops"),
        "cycles": result.cycles,
        "seconds": result.seconds,
        "kernels": len(result.kernels) - (result.kernels[-1].name == WRITE_BACK_KERNEL),
    }


def compare_json(schedules: list[Schedule], results: list[RunResult]) -> dict[str, Any]:
    """Every figure `compare` prints; `schedules[0]` is the baseline of the headline."""
    graph, precision = schedules[0].graph, schedules[0].precision
    clock = results[0].hw.core.clock_hz
    ops = {op.name: op for op in graph.ops}
    groups = []
    for names in _groups(schedules):
        row: dict[str, Any] = {
            "ops": names,
            "analytic_bytes": sum(estimate_op(ops[n], precision).analytic_bytes for n in names),
            "schedules": {},
            "kept_on_chip": {},
        }
        for schedule, result in zip(schedules, results):
            kernels = {k.name: k for k in schedule.kernels}
            mine = [
                k
                for k in result.kernels
                if k.name in kernels and k.ops and set(k.ops) <= set(names)
            ]
            row["schedules"][schedule.name] = {
                "kernels": [k.name for k in mine],
                "dram_read_bytes": sum(k.dram_read_bytes for k in mine),
                "dram_write_bytes": sum(k.dram_write_bytes for k in mine),
                "dram_bytes": sum(k.dram_bytes for k in mine),
                "flops": sum(k.flops for k in mine),
                "halo_flops": sum(
                    halo_flops(kernels[k.name]) for k in mine if kernels[k.name].tile
                ),
                "cycles": sum(k.cycles for k in mine),
                "seconds": sum(k.cycles for k in mine) / clock,
            }
            row["kept_on_chip"][schedule.name] = [
                item for k in mine for item in kept_on_chip(kernels[k.name], schedule)
            ]
        groups.append(row)
    totals = {s.name: _totals(r) for s, r in zip(schedules, results)}
    write_back = {
        s.name: next((k.dram_bytes for k in r.kernels if k.name == WRITE_BACK_KERNEL), 0)
        for s, r in zip(schedules, results)
    }
    data = {
        "workload": graph.name,
        "hw": results[0].hw.name,
        "device": results[0].hw.label,
        "overrides": dict(results[0].hw.overrides),
        "precision": precision.value,
        "schedules": [s.name for s in schedules],
        "analytic_bytes": sum(g["analytic_bytes"] for g in groups),
        "totals": totals,
        "write_back_bytes": write_back,
        "groups": groups,
    }
    data["headline"] = headline(data)
    return data


def _mb(n_bytes: float) -> str:
    return f"{n_bytes / 1e6:,.2f} MB"


def headline(data: dict[str, Any]) -> list[str]:
    """The first lines: the network's biggest avoidable traffic and which schedule avoids it."""
    names = data["schedules"]
    base = names[0]
    lines = []
    if len(names) > 1:
        best = min(names[1:], key=lambda n: data["totals"][n]["dram_bytes"])

        def saved(group):
            return group["schedules"][base]["dram_bytes"] - group["schedules"][best]["dram_bytes"]

        top = max(data["groups"], key=saved)
        also = {k["tensor"] for k in top["kept_on_chip"][base]}
        kept = sorted(
            (k for k in top["kept_on_chip"][best] if k["tensor"] not in also),
            key=lambda k: -k["round_trip_bytes"],
        )
        if kept:
            what = ", ".join(f"{k['tensor']} ({_mb(k['round_trip_bytes'])})" for k in kept[:3])
            how = f" by keeping on chip {what}."
        elif also:
            how = " with the same tensors on chip under both (the difference is in cache hits)."
        else:
            how = "."
        first, n_ops = top["ops"][0], len(top["ops"])
        lines.append(
            f"Biggest avoidable traffic: {first}"
            + (f" and {n_ops - 1} more ops" if n_ops > 1 else "")
            + f" move {_mb(top['schedules'][base]['dram_bytes'])} of DRAM traffic under {base},"
            f" {_mb(top['schedules'][best]['dram_bytes'])} under {best}: {_mb(saved(top))} avoided"
            + how
        )
    for name in names:
        t, b = data["totals"][name], data["totals"][base]
        change = (
            ""
            if name == base
            else (
                f" ({100 * (t['dram_bytes'] / b['dram_bytes'] - 1):+.1f}% traffic,"
                f" {100 * (t['seconds'] / b['seconds'] - 1):+.1f}% time vs {base})"
            )
        )
        lines.append(
            f"{name}: {t['kernels']} kernel{'s' if t['kernels'] != 1 else ''}, "
            f"{_mb(t['dram_bytes'])} DRAM traffic simulated, "
            f"{t['seconds'] * 1e3:,.2f} ms{change}; cache-ignoring estimate "
            f"{_mb(data['analytic_bytes'])}"
        )
    return lines


def compare_report(data: dict[str, Any]) -> Report:
    """Per group of ops: the estimate, then each schedule's simulated DRAM MB and ms, then what
    the last schedule keeps on chip; the write-back row and the totals last."""
    names = data["schedules"]
    columns = [
        Column("ops", "ops", numeric=False),
        Column("estimate", "analytic_bytes", scaled_bytes),
    ]
    for name in names:
        columns.append(Column(f"{name} DRAM", f"{name}.dram_bytes", scaled_bytes))
        columns.append(Column(f"{name} time", f"{name}.seconds", scaled_seconds))
    columns.append(Column(f"kept on chip ({names[-1]}): round trip avoided", "kept", numeric=False))
    rows = []
    for group in data["groups"]:
        ops = group["ops"]
        row = {
            "ops": ops[0] + (f" +{len(ops) - 1}" if len(ops) > 1 else ""),
            "analytic_bytes": group["analytic_bytes"],
        }
        for name in names:
            row[f"{name}.dram_bytes"] = group["schedules"][name]["dram_bytes"]
            row[f"{name}.seconds"] = group["schedules"][name]["seconds"]
        kept = group["kept_on_chip"][names[-1]]
        row["kept"] = ", ".join(
            f"{k['tensor']} {k['round_trip_bytes'] / 1e3:,.0f} KB" for k in kept
        )
        halo = group["schedules"][names[-1]]["halo_flops"]
        if halo > 0:
            row["kept"] += f"; halo recompute +{halo / 1e6:,.2f} MFLOP"
        elif halo < 0:  # a strided conv never reads its producer's last rows: not computed
            row["kept"] += f"; {-halo / 1e6:,.2f} MFLOP of unread producer rows skipped"
        rows.append(row)
    rows.append(
        {"ops": WRITE_BACK_KERNEL}
        | {f"{name}.dram_bytes": data["write_back_bytes"][name] for name in names}
    )
    total = {"ops": "total", "analytic_bytes": data["analytic_bytes"]}
    for name in names:
        total[f"{name}.dram_bytes"] = data["totals"][name]["dram_bytes"]
        total[f"{name}.seconds"] = data["totals"][name]["seconds"]
    title = f"{data['workload']} on {data['device']}: DRAM traffic and time per group of ops"
    return Report(title, tuple(columns), tuple(rows), total)
