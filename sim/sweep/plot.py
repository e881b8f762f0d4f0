"""A sweep's metric as a figure (Agg canvas; nothing shown or saved).

One swept key, or `x` chosen: the metric against it, one line per combination of the other
swept keys. A quantity axis (sizes, bandwidths) is numeric, logarithmic when it spans a
factor of 8 or more, labelled with the values as written. Where a run is DRAM-bound (most of
its time in kernels held by the DRAM channel), its line is overdrawn thick and pale
(gid `dram-bound`); where a line crosses the ridge (its operational intensity, FLOPs over
DRAM bytes, equals peak FLOP/s over DRAM bandwidth: left of it the roofline says memory), a
diamond marks the crossing (gid `ridge`).

Exactly two swept keys and no `x`: a heatmap of the metric, the first key down, the second
across, the value in each cell; DRAM-bound cells hatched (gid `dram-bound`) and the ridge
drawn as a contour between cells (gid `ridge`).
"""

import math
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from sim.errors import ConfigError
from sim.sweep.rows import DRAM_BOUND
from sim.sweep.view import RUN_KEYS, metric_text, numeric, ordered, varying

DPI = 150
LOG_SPAN = 8  # a quantity axis whose largest value is this many times its smallest is log
HEATMAP_TEXT_CELLS = 144  # cells get their value written when there are at most this many


def sweep_figure(
    rows: list[dict[str, Any]],
    hardware_keys: tuple[str, ...],
    metric: str = "seconds",
    x: str | None = None,
) -> Figure:
    """The figure of `metric` over the rows that ran (failed ones have no value)."""
    ran = [row for row in rows if not row.get("error")]
    if not ran:
        raise ConfigError("--plot: no point ran, nothing to plot")
    if any(not isinstance(row.get(metric), (int, float)) for row in ran):
        known = [k for k, v in ran[0].items() if isinstance(v, (int, float))]
        raise ConfigError(
            f"--metric {metric}: not a number of every row (numbers: {', '.join(known)})"
        )
    keys = varying(ran, hardware_keys)
    if x is not None and x not in (*hardware_keys, *RUN_KEYS):
        raise ConfigError(f"--x {x}: not a swept key (swept: {', '.join(keys) or 'none'})")
    fig = Figure(figsize=(7.5, 5.2), dpi=DPI)
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    if x is None and len(keys) == 2:
        _heatmap(ax, ran, keys[0], keys[1], metric)
        fig.colorbar(ax.images[0], ax=ax, label=metric)
    else:
        x = x or (keys[0] if keys else "workload")
        _lines(ax, ran, x, [k for k in keys if k != x], metric)
    ax.set_title(_title(ran, keys, metric), fontsize=10)
    fig.tight_layout()
    return fig


def _title(rows: list[dict[str, Any]], keys: list[str], metric: str) -> str:
    fixed = [f"{k} {rows[0].get(k)}" for k in RUN_KEYS if k not in keys and rows[0].get(k)]
    return f"{metric}: " + ", ".join(fixed)


def _positions(values: list[Any]) -> tuple[dict[str, float], bool]:
    """Where each value sits on the axis, and whether the axis is logarithmic."""
    numbers = [numeric(v) for v in values]
    if all(n is not None and n > 0 for n in numbers):
        log = max(numbers) / min(numbers) >= LOG_SPAN
        return {repr(v): n for v, n in zip(values, numbers)}, log
    return {repr(v): float(i) for i, v in enumerate(values)}, False


def _lines(ax, rows: list[dict[str, Any]], x: str, others: list[str], metric: str) -> None:
    values = ordered([row.get(x) for row in rows])
    where, log = _positions(values)
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(repr(row.get(k)) for k in others), []).append(row)
    labelled = set()
    for members in groups.values():
        members.sort(key=lambda row: where[repr(row.get(x))])
        xs = [where[repr(row.get(x))] for row in members]
        ys = [row[metric] for row in members]
        label = ", ".join(f"{k}={members[0].get(k)}" for k in others) or metric
        (line,) = ax.plot(xs, ys, marker="o", label=label, gid="metric")
        bound = [y if row.get("bound") == DRAM_BOUND else math.nan for row, y in zip(members, ys)]
        if any(not math.isnan(b) for b in bound):
            ax.plot(
                xs,
                bound,
                color=line.get_color(),
                linewidth=9,
                alpha=0.25,
                marker="o",
                markersize=11,
                gid="dram-bound",
                label=None if "dram" in labelled else "DRAM-bound",
            )
            labelled.add("dram")
        for cx, cy in _ridge_crossings(members, xs, ys, log):
            ax.plot(
                [cx],
                [cy],
                marker="D",
                color="black",
                linestyle="none",
                gid="ridge",
                label=None if "ridge" in labelled else "ridge: intensity = peak / bandwidth",
            )
            labelled.add("ridge")
    if log:
        ax.set_xscale("log")
    ax.set_xticks([where[repr(v)] for v in values], [str(v) for v in values])
    ax.minorticks_off()
    ax.set_xlabel(x)
    ax.set_ylabel(metric)
    ax.legend(fontsize=8)


def _ridge_crossings(members, xs, ys, log: bool) -> list[tuple[float, float]]:
    """Where the line's intensity / ridge passes 1, interpolated between its points."""
    crossings = []
    for i in range(len(members) - 1):
        a, b = (_ridge_ratio(members[i]), _ridge_ratio(members[i + 1]))
        if a is None or b is None or (a < 0) == (b < 0):
            continue
        share = a / (a - b)
        x0, x1 = (math.log(xs[i]), math.log(xs[i + 1])) if log else (xs[i], xs[i + 1])
        cx = x0 + share * (x1 - x0)
        crossings.append((math.exp(cx) if log else cx, ys[i] + share * (ys[i + 1] - ys[i])))
    return crossings


def _ridge_ratio(row: dict[str, Any]) -> float | None:
    """log(intensity / ridge): below zero the run sits left of the ridge (memory side)."""
    intensity, ridge = row.get("intensity_flops_per_byte"), row.get("ridge_flops_per_byte")
    if not intensity or not ridge:
        return None
    return math.log(intensity / ridge)


def _heatmap(ax, rows: list[dict[str, Any]], down: str, across: str, metric: str) -> None:
    ys, xs = ordered([r.get(down) for r in rows]), ordered([r.get(across) for r in rows])
    grid = np.full((len(ys), len(xs)), np.nan)
    ridge = np.full_like(grid, np.nan)
    cells = {}
    for row in rows:
        i, j = _index(ys, row.get(down)), _index(xs, row.get(across))
        grid[i, j] = row[metric]
        ratio = _ridge_ratio(row)
        ridge[i, j] = np.nan if ratio is None else ratio
        cells[(i, j)] = row
    ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis", gid="metric")
    text = metric_text(metric)
    hatched = False
    for (i, j), row in cells.items():
        if row.get("bound") == DRAM_BOUND:
            ax.add_patch(
                Rectangle(
                    (j - 0.5, i - 0.5),
                    1,
                    1,
                    fill=False,
                    hatch="//",
                    edgecolor="0.3",
                    linewidth=0,
                    gid="dram-bound",
                    label=None if hatched else "DRAM-bound",
                )
            )
            hatched = True
        if grid.size <= HEATMAP_TEXT_CELLS:
            ax.text(
                j,
                i,
                text(row[metric]),
                ha="center",
                va="center",
                fontsize=7,
                gid="value",
                bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.7, "pad": 1},
            )
    if len(ys) > 1 and len(xs) > 1 and np.nanmin(ridge) < 0 < np.nanmax(ridge):
        contour = ax.contour(
            np.arange(len(xs)), np.arange(len(ys)), ridge, levels=[0.0], colors="red", linewidths=2
        )
        contour.set_gid("ridge")
        ax.plot([], [], color="red", linewidth=2, label="ridge: intensity = peak / bandwidth")
    if hatched or ax.lines:
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncols=2)
    ax.set_xticks(range(len(xs)), [str(v) for v in xs])
    ax.set_yticks(range(len(ys)), [str(v) for v in ys])
    ax.set_xlabel(across)
    ax.set_ylabel(down)


def _index(values: list[Any], value: Any) -> int:
    return [repr(v) for v in values].index(repr(value))
