"""A sweep's row: the point's coordinates and `run --json`'s figures, flat.

`row_of` is a pure function of the point and the JSON `run` prints for it (sim/report/run.py
`run_json`), so a row can be checked against `run ... --set ... --json -`. It takes every
scalar field of that JSON and every field of its `totals` as they come (a mapping, as
`energy_by_level_j`, one column per entry: `energy_by_level_j.DRAM`), so a total added to
`run_json` becomes a column without a change here; then a few figures derived from the same
JSON: the binding unit of most of the run's time, the DRAM-bound share, the operational
intensity next to the ridge, and each cache level's hit rate.
"""

from typing import Any

from sim.sweep.points import Point

PROSE = ("engine",)  # a description, not a figure: left out of rows
DRAM_BOUND = "DRAM bandwidth"  # KernelResult.bound of a kernel held by the DRAM channel


def row_of(point: Point, data: dict[str, Any]) -> dict[str, Any]:
    """The row of `point` from its run JSON `data`; `error` is None."""
    row: dict[str, Any] = {"key": point.key, **point.identity()}
    row.update(
        (key, value)
        for key, value in data.items()
        if key not in PROSE and not isinstance(value, (dict, list))
    )
    for key, value in data["totals"].items():
        if isinstance(value, dict):  # energy_by_level_j: one column a level
            row.update((f"{key}.{name}", part) for name, part in value.items())
        else:
            row[key] = value
    row.update(_derived(data))
    row["error"] = None
    return row


def failure_row(point: Point, error: str) -> dict[str, Any]:
    """The row of a point that did not run: who it is, and the one-line reason."""
    return {"key": point.key, **point.identity(), "error": error}


def _derived(data: dict[str, Any]) -> dict[str, Any]:
    totals = data["totals"]
    kernels = data["kernels"]
    dram_bytes = totals["dram_read_bytes"] + totals["dram_write_bytes"]
    by_bound: dict[str, int] = {}
    for kernel in kernels:
        by_bound[kernel["bound"]] = by_bound.get(kernel["bound"], 0) + kernel["cycles"]
    cycles = sum(by_bound.values())
    bound = max(by_bound.items(), key=lambda item: item[1])[0] if cycles else "none"
    derived = {
        "dram_bytes": dram_bytes,
        "bound": bound,
        "bound_share": by_bound.get(bound, 0) / cycles if cycles else None,
        "dram_bound_share": by_bound.get(DRAM_BOUND, 0) / cycles if cycles else None,
        "intensity_flops_per_byte": totals["flops"] / dram_bytes if dram_bytes else None,
        "ridge_flops_per_byte": data["peak_flops_per_s"] / data["dram_bytes_per_s"],
    }
    hits: dict[str, list[int]] = {}
    for kernel in kernels:
        for name, level in kernel["levels"].items():
            entry = hits.setdefault(name, [0, 0])
            entry[0] += level["hits"]
            entry[1] += level["accesses"]
    for name, (hit, accesses) in hits.items():
        derived[f"{name}_hit_rate"] = hit / accesses if accesses else None
    return derived
