"""The analytic estimate as a JSON document and as a terminal table.

Every figure the table prints is a field of the JSON, so it can be recomputed from it.
"""

from typing import Any

from rich.table import Table

from sim.analytic.estimate import NetworkEstimate, OpEstimate


def op_json(op: OpEstimate) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": op.name,
        "kind": op.kind,
        "macs": op.macs,
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
            "peak_flops_per_s": hw.peak_flops_per_s(est.precision),
            "dram_bytes_per_s": hw.dram.bandwidth_bytes_per_s,
            "ridge_flops_per_byte": hw.ridge_flops_per_byte(est.precision),
        }
    data["totals"] = totals
    data["ops"] = [op_json(op) for op in est.ops]
    return data


def _num(value: float, scale: float, digits: int = 2) -> str:
    return f"{value / scale:,.{digits}f}"


def _intensity(value: float | None) -> str:
    return "-" if value is None else f"{value:,.2f}"


def estimate_table(est: NetworkEstimate) -> Table:
    with_hw = est.hw is not None
    title = f"{est.workload}: cache-ignoring estimate, {est.precision.value}"
    if with_hw:
        title += f", roofline on {est.hw.name}"
    table = Table(title=title, show_footer=True, header_style="bold")
    table.add_column("op", footer="total")
    table.add_column("kind")
    table.add_column("MMACs", justify="right", footer=_num(est.macs, 1e6))
    table.add_column("MFLOPs", justify="right", footer=_num(est.flops, 1e6))
    table.add_column("params", justify="right", footer=f"{est.params:,}")
    table.add_column("MB", justify="right", footer=_num(est.analytic_bytes, 1e6, 3))
    table.add_column("FLOP/B", justify="right", footer=_intensity(est.intensity))
    if with_hw:
        table.add_column("roofline us", justify="right", footer=_num(est.roofline_seconds, 1e-6, 1))
        table.add_column("bound")
    for op in est.ops:
        row = [
            op.name,
            op.kind,
            _num(op.macs, 1e6),
            _num(op.flops, 1e6),
            f"{op.params:,}",
            _num(op.analytic_bytes, 1e6, 3),
            _intensity(op.intensity),
        ]
        if with_hw:
            row += [_num(op.roofline.seconds, 1e-6, 1), op.roofline.bound]
        table.add_row(*row)
    return table
