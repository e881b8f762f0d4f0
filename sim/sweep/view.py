"""What a sweep varied, and its metric as a table: one row per combination of the swept keys
but the last, one column per value of the last (as written in the spec), DRAM-bound points
marked. The plot (sim/sweep/plot.py) orders values the same way."""

from typing import Any

from sim.report.tables import Column, Report, percent, scaled_bytes, scaled_seconds
from sim.sweep.rows import DRAM_BOUND
from sim.units import parse_bytes, parse_bytes_per_s, parse_hz, parse_seconds

RUN_KEYS = ("workload", "hw", "schedule", "cores", "precision")
DRAM_MARK = "*"


def varying(rows: list[dict[str, Any]], hardware_keys: tuple[str, ...]) -> list[str]:
    """The keys whose value differs between rows: the hardware keys, then the run options."""
    return [
        key for key in (*hardware_keys, *RUN_KEYS) if len({repr(row.get(key)) for row in rows}) > 1
    ]


def numeric(value: Any) -> float | None:
    """A value as a number (`1MiB` -> 1048576.0, `7.2GB/s` -> 7.2e9), or None if it is not."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    for parse in (parse_bytes, parse_bytes_per_s, parse_hz, parse_seconds):
        try:
            return float(parse(value))
        except ValueError:
            continue
    return None


def ordered(values: list[Any]) -> list[Any]:
    """Distinct values, by size when every one is a quantity, else as they came."""
    distinct = list({repr(v): v for v in values}.values())
    numbers = [numeric(v) for v in distinct]
    if all(n is not None for n in numbers):
        return [v for _, v in sorted(zip(numbers, distinct), key=lambda item: item[0])]
    return distinct


def metric_text(metric: str):
    """How a metric reads in a table: times and bytes scaled, rates and shares in percent."""
    if metric == "seconds":
        return scaled_seconds
    if metric.endswith("_bytes"):
        return scaled_bytes
    if metric.endswith(("_rate", "_share")):
        return percent
    return lambda value: f"{value:,.4g}" if isinstance(value, (int, float)) else str(value)


def pivot_report(rows: list[dict[str, Any]], hardware_keys: tuple[str, ...], metric: str) -> Report:
    """The metric of every row, the last swept key across; `*` marks a DRAM-bound run."""
    keys = varying(rows, hardware_keys)
    across = keys[-1] if keys else None
    down = keys[:-1]
    text = metric_text(metric)
    columns_values = ordered([row.get(across) for row in rows]) if across else [None]
    table: dict[tuple, dict[str, Any]] = {}
    for row in rows:
        where = tuple(repr(row.get(k)) for k in down)
        line = table.setdefault(where, {k: row.get(k) for k in down})
        cell = "failed" if row.get("error") else _cell(row, metric, text)
        line[f"v{columns_values.index(row.get(across))}" if across else "v0"] = cell
    lines = list(table.values())
    for key in reversed(down):
        order = [repr(v) for v in ordered([line[key] for line in lines])]
        lines.sort(key=lambda line, k=key, o=order: o.index(repr(line[k])))
    columns = [Column(k, k, str, numeric=False) for k in down]
    columns += [
        Column(f"{across}={v}" if across else metric, f"v{i}", str)
        for i, v in enumerate(columns_values)
    ]
    title = f"{metric} per point ({DRAM_MARK}: DRAM-bound)"
    return Report(title, tuple(columns), tuple(lines))


def _cell(row: dict[str, Any], metric: str, text) -> str:
    value = row.get(metric)
    shown = "-" if value is None else text(value)
    return shown + (DRAM_MARK if row.get("bound") == DRAM_BOUND else "")
