"""The analytic estimate as a JSON document and as a terminal table.

Every figure the table prints is a field of the JSON, so it can be recomputed from it.
"""

from typing import Any

from sim.analytic.estimate import NetworkEstimate, OpEstimate
from sim.report.tables import Column, Report, fixed, scaled_bytes, scaled_seconds


def op_json(op: OpEstimate) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": op.name,
        "kind": op.kind,
        "macs": op.macs,
        "effective_macs": op.effective_macs,
        "flops": op.flops,
        "params": op.params,
        "input_bytes": op.input_bytes,
        "param_bytes": op.param_bytes,
        "output_bytes": op.output_bytes,
        "analytic_bytes": op.analytic_bytes,
        "intensity": op.intensity,
    }
    if op.roofline is not None:
        data["roofline_seconds"] = op.roofline.seconds
        data["compute_seconds"] = op.roofline.compute_seconds
        data["memory_seconds"] = op.roofline.memory_seconds
        data["bound"] = op.roofline.bound
    return data


def estimate_json(est: NetworkEstimate) -> dict[str, Any]:
    totals: dict[str, Any] = {
        "macs": est.macs,
        "effective_macs": est.effective_macs,
        "flops": est.flops,
        "params": est.params,
        "analytic_bytes": est.analytic_bytes,
        "intensity": est.intensity,
    }
    data: dict[str, Any] = {"workload": est.workload, "precision": est.precision.value}
    if est.hw is not None:
        hw = est.hw
        totals["roofline_seconds"] = est.roofline_seconds
        data["hw"] = {
            "name": hw.name,
            "overrides": dict(hw.overrides),
            "peak_flops_per_s": hw.peak_flops_per_s(est.precision),
            "dram_bytes_per_s": hw.dram.bandwidth_bytes_per_s,
            "ridge_flops_per_byte": hw.ridge_flops_per_byte(est.precision),
        }
    data["totals"] = totals
    data["ops"] = [op_json(op) for op in est.ops]
    return data


def estimate_report(est: NetworkEstimate) -> Report:
    """The per-op table with its totals, the same fields as the JSON; the MACs a sparse
    kernel executes (`run MMACs`) only when some op has sparse weights."""
    sparse = est.effective_macs != est.macs
    title = f"{est.workload}: cache-ignoring estimate, {est.precision.value}"
    columns = [
        Column("op", "name", numeric=False),
        Column("kind", "kind", numeric=False),
        Column("MMACs", "macs", fixed(2, 1e6)),
        *([Column("run MMACs", "effective_macs", fixed(2, 1e6))] if sparse else []),
        Column("MFLOPs", "flops", fixed(2, 1e6)),
        Column("params", "params", fixed(0)),
        Column("bytes", "analytic_bytes", scaled_bytes),
        Column("FLOP/B", "intensity", fixed(2)),
    ]
    if est.hw is not None:
        title += f", roofline on {est.hw.label}"
        columns += [
            Column("roofline", "roofline_seconds", scaled_seconds),
            Column("bound", "bound", numeric=False),
        ]
    data = estimate_json(est)
    total = {"name": "total", **data["totals"]}
    return Report(title, tuple(columns), tuple(data["ops"]), total)
