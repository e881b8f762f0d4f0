"""The roofline plot: `RooflineData` -> a matplotlib Figure (Agg canvas; nothing shown or saved).

Without kernel points, one log-log panel overlays every device's roofs (one colour per device).
With points, each device gets its own panel: its roofs in grey, and per kernel a hollow marker
at the cache-ignoring estimate and a filled one at the simulation, joined by an arrow; colour
is the schedule, marker shape the workload. Labels name the slowest kernels, at most
`label_top` per panel; kernels whose simulated points coincide share a label ("a, b +3 more"),
and each label goes where it overlaps no other label, roof label or marker if it can.
Kernels without FLOPs (memory-only ops, the write-back) have no place on log axes; they are
counted in the panel's title, as are kernels whose simulation moved no DRAM byte.
"""

import math
from collections.abc import Sequence

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, Patch
from matplotlib.ticker import EngFormatter
from matplotlib.transforms import Bbox

from sim.report.roofline import LABEL_TOP, DeviceRoofs, KernelPoint, RooflineData

DPI = 150
SCHEDULE_COLOURS = {"naive": "tab:red", "fused": "tab:blue", "tiled": "tab:green"}
OTHER_COLOURS = ("tab:purple", "tab:orange", "tab:brown", "tab:pink", "tab:olive", "tab:cyan")
DEVICE_COLOURS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown")
WORKLOAD_MARKERS = ("o", "s", "^", "D", "v", "P", "X")
PANEL_INCHES = (7.0, 5.6)
MARGINS_INCHES = {"left": 1.0, "right": 0.2, "bottom": 0.6, "top": 0.8, "between": 1.1}
LABEL_RADII_PT = (5, 12, 22, 34, 50)  # tried nearest first; beyond the first, a leader line
CLUSTER_PX = 12  # labelled points closer than this share one label
TEXT_OVERLAP_WEIGHT = 20  # a label covering text is this much worse than covering a marker
LABEL_BOX = {"facecolor": "white", "edgecolor": "none", "alpha": 0.75, "pad": 0.6}
PREFIXES = ((1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"))


def roofline_figure(data: RooflineData, *, label_top: int = LABEL_TOP) -> Figure:
    """The figure for `data`; `label_top` kernels per panel are named (0: none)."""
    panels = [d for d in data.devices if any(p.device == d.device for p in data.points)]
    count = max(len(panels), 1)
    fig = Figure(figsize=(PANEL_INCHES[0] * count, PANEL_INCHES[1]), dpi=DPI)
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, count, squeeze=False)[0]
    width, height = fig.get_size_inches()
    fig.subplots_adjust(
        left=MARGINS_INCHES["left"] / width,
        right=1 - MARGINS_INCHES["right"] / width,
        bottom=MARGINS_INCHES["bottom"] / height,
        top=1 - MARGINS_INCHES["top"] / height,
        wspace=MARGINS_INCHES["between"] / (width / count),
    )
    if not panels:
        _roofs_panel(axes[0], data)
        return fig
    schedules = list(dict.fromkeys(p.schedule for p in data.points))
    workloads = list(dict.fromkeys(p.workload for p in data.points))
    for ax, roofs in zip(axes, panels):
        points = [p for p in data.points if p.device == roofs.device]
        _points_panel(ax, roofs, points, data.precision, schedules, workloads, label_top)
    return fig


def schedule_colour(schedule: str, schedules: Sequence[str]) -> str:
    if schedule in SCHEDULE_COLOURS:
        return SCHEDULE_COLOURS[schedule]
    others = [s for s in schedules if s not in SCHEDULE_COLOURS]
    return OTHER_COLOURS[others.index(schedule) % len(OTHER_COLOURS)]


def _roofs_panel(ax: Axes, data: RooflineData) -> None:
    knees = [c.flops_per_s / d.dram_bytes_per_s for d in data.devices for c in d.compute]
    x_lo, x_hi = _decade_below(min(knees) / 30), _decade_above(max(knees) * 10)
    y_hi = max(d.compute[-1].flops_per_s for d in data.devices) * 3
    y_lo = min(d.dram_bytes_per_s for d in data.devices) * x_lo
    _frame(ax, (x_lo, x_hi), (y_lo, y_hi))
    ax.set_title(f"roofs of {', '.join(d.device for d in data.devices)}")
    for index, roofs in enumerate(data.devices):
        colour = DEVICE_COLOURS[index % len(DEVICE_COLOURS)]
        _draw_roofs(ax, roofs, data.precision, colour, f"{roofs.device} ", label_all=False)
    handles = [
        Line2D([], [], color="0.3", linewidth=1.8, label=f"{data.precision} peak, DRAM"),
        Line2D([], [], color="0.3", linestyle="--", linewidth=0.9, label="other precisions"),
        Line2D([], [], color="0.3", linestyle=":", linewidth=1.1, label="cache port bandwidth"),
    ]
    ax.legend(handles=handles, loc="lower right", fontsize=8, framealpha=0.9)


def _points_panel(
    ax: Axes,
    roofs: DeviceRoofs,
    points: list[KernelPoint],
    precision: str,
    schedules: list[str],
    workloads: list[str],
    label_top: int,
) -> None:
    shown = [p for p in points if p.analytic_intensity or p.simulated_intensity]
    xs = [x for p in shown for x in (p.analytic_intensity, p.simulated_intensity) if x]
    ys = [y for p in shown for y in _ys(p) if y]
    xs += _ridges(roofs)
    x_lo, x_hi = min(xs) / 3, max(xs) * 4
    y_hi = roofs.compute[-1].flops_per_s * 3
    y_lo = min([*ys, y_hi / 100]) / 3
    _frame(ax, (x_lo, x_hi), (y_lo, y_hi))
    roof_labels = _draw_roofs(ax, roofs, precision, "0.3", "", label_all=True)
    for schedule in schedules:
        colour = schedule_colour(schedule, schedules)
        for workload in workloads:
            group = [p for p in shown if p.schedule == schedule and p.workload == workload]
            marker = WORKLOAD_MARKERS[workloads.index(workload) % len(WORKLOAD_MARKERS)]
            _draw_group(ax, group, colour, marker)
    renderer = ax.figure.canvas.get_renderer()
    legend = _legend(ax, schedules, workloads)
    texts = [*roof_labels, legend.get_window_extent(renderer)]
    ranked = sorted((p for p in shown if p.seconds > 0), key=lambda p: -p.seconds)
    groups: list[tuple[list[str], tuple[float, float]]] = []  # names of points that coincide
    for p in ranked:
        text = p.kernel
        if len(workloads) > 1:
            text = f"{p.workload}:{text}"
        if len(schedules) > 1:
            text += f" ({p.schedule})"
        xy = (p.simulated_intensity, p.flops_per_s) if p.simulated_intensity else _estimate_xy(p)
        here = ax.transData.transform(xy)
        near = (g for g in groups if math.dist(ax.transData.transform(g[1]), here) < CLUSTER_PX)
        group = next(near, None)
        if group is not None:
            group[0].append(text)
        elif len(groups) < label_top:
            groups.append(([text], xy))
    labels = [(_group_text(names), xy) for names, xy in groups]
    _place_labels(ax, renderer, labels, _marker_boxes(ax, shown), texts)
    ax.set_title(_panel_title(roofs.device, precision, workloads, points), fontsize=10)


def _ys(p: KernelPoint) -> tuple[float | None, float | None]:
    return (
        p.analytic_flops_per_s if p.analytic_intensity else None,
        p.flops_per_s if p.simulated_intensity else None,
    )


def _group_text(names: list[str]) -> str:
    if len(names) <= 2:
        return ", ".join(names)
    return f"{names[0]}, {names[1]} +{len(names) - 2} more"


def _estimate_xy(p: KernelPoint) -> tuple[float, float]:
    return p.analytic_intensity, p.analytic_flops_per_s


def _panel_title(device: str, precision: str, workloads: list[str], points: list[KernelPoint]):
    no_flops = sum(1 for p in points if not p.analytic_intensity and not p.simulated_intensity)
    no_dram = sum(1 for p in points if p.analytic_intensity and not p.simulated_intensity)
    lines = [
        f"{device}, {precision}: {', '.join(workloads)}",
        f"{len(points) - no_flops} kernels, the slowest labelled",
    ]
    if no_flops:
        lines[1] += f"; {no_flops} without FLOPs not plotted"
    if no_dram:
        lines.append(f"{no_dram} without simulated DRAM traffic: estimate point only")
    return "\n".join(lines)


def _si(value: float) -> str:
    """Three significant digits and an SI prefix: 3.6 G, 137 G, 15.7 T."""
    scale, prefix = next(((s, p) for s, p in PREFIXES if value >= s), (1.0, ""))
    return f"{value / scale:.3g} {prefix}"


def _ridges(roofs: DeviceRoofs) -> list[float]:
    return [c.flops_per_s / m.bytes_per_s for c in roofs.compute for m in roofs.memory]


def _decade_below(value: float) -> float:
    return 10 ** math.floor(math.log10(value))


def _decade_above(value: float) -> float:
    return 10 ** math.ceil(math.log10(value))


def _frame(ax: Axes, xlim: tuple[float, float], ylim: tuple[float, float]) -> None:
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_xlabel("operational intensity (FLOP / byte)")
    ax.set_ylabel("performance")
    ax.yaxis.set_major_formatter(EngFormatter(unit="FLOP/s"))
    ax.grid(True, which="major", color="0.9", linewidth=0.6)


def _draw_roofs(
    ax: Axes, roofs: DeviceRoofs, precision: str, colour: str, prefix: str, label_all: bool
) -> list[Bbox]:
    """Draw the roofs, naming all or only the solid ones (`precision`'s peak, DRAM); return
    the boxes of the names (obstacles for kernel labels)."""
    renderer = ax.figure.canvas.get_renderer()
    (x_lo, x_hi), (y_lo, y_hi) = ax.get_xlim(), ax.get_ylim()
    fastest = max(m.bytes_per_s for m in roofs.memory)
    top = roofs.compute[-1].flops_per_s
    texts = []
    for roof in roofs.compute:
        chosen = precision in roof.precisions
        name = "/".join(roof.precisions)
        ax.plot(
            [roof.flops_per_s / fastest, x_hi],
            [roof.flops_per_s] * 2,
            color=colour,
            linestyle="-" if chosen else "--",
            linewidth=1.8 if chosen else 0.9,
            gid=f"roof:compute:{roofs.device}:{name}",
        )
        if not (chosen or label_all):
            continue
        label = f"{prefix}{name} peak {_si(roof.flops_per_s)}FLOP/s"
        texts.append(ax.text(x_hi / 1.15, roof.flops_per_s * 1.08, label, ha="right", va="bottom"))
    for roof in roofs.memory:
        dram = roof.name == "DRAM"
        x_end = top / roof.bytes_per_s
        ax.plot(
            [x_lo, x_end],
            [x_lo * roof.bytes_per_s, top],
            color=colour,
            linestyle="-" if dram else ":",
            linewidth=1.8 if dram else 1.1,
            gid=f"roof:memory:{roofs.device}:{roof.name}",
        )
        x_text = max(x_lo * 1.6, y_lo * 2.5 / roof.bytes_per_s)
        if x_text * 3 > x_end or x_text * roof.bytes_per_s > y_hi or not (dram or label_all):
            continue
        p0 = ax.transData.transform((x_text, x_text * roof.bytes_per_s))
        p1 = ax.transData.transform((x_text * 10, x_text * 10 * roof.bytes_per_s))
        angle = math.degrees(math.atan2(p1[1] - p0[1], p1[0] - p0[0]))
        label = f"{prefix}{roof.name} {_si(roof.bytes_per_s)}B/s"
        texts.append(
            ax.text(
                x_text,
                x_text * roof.bytes_per_s * 1.12,
                label,
                rotation=angle,
                rotation_mode="anchor",
                ha="left",
                va="bottom",
            )
        )
    for text in texts:
        text.set(color=colour, fontsize=8, bbox=LABEL_BOX)
    return [t.get_window_extent(renderer) for t in texts]


def _draw_group(ax: Axes, points: list[KernelPoint], colour: str, marker: str) -> None:
    estimate = [
        (p.analytic_intensity, p.analytic_flops_per_s) for p in points if p.analytic_intensity
    ]
    simulated = [(p.simulated_intensity, p.flops_per_s) for p in points if p.simulated_intensity]
    if estimate:
        ax.scatter(
            *zip(*estimate), s=22, marker=marker, facecolors="none", edgecolors=colour,
            linewidths=1.0, zorder=3, gid="points:estimate",
        )  # fmt: skip
    if simulated:
        ax.scatter(
            *zip(*simulated), s=22, marker=marker, color=colour, zorder=4, gid="points:simulated"
        )
    for p in points:
        if p.analytic_intensity and p.simulated_intensity:
            arrow = FancyArrowPatch(
                (p.analytic_intensity, p.analytic_flops_per_s),
                (p.simulated_intensity, p.flops_per_s),
                arrowstyle="-|>",
                mutation_scale=7,
                shrinkA=3,
                shrinkB=3,
                color=colour,
                alpha=0.45,
                linewidth=0.8,
                zorder=2,
                gid="arrow",
            )
            ax.add_patch(arrow)


def _marker_boxes(ax: Axes, points: list[KernelPoint]) -> list[Bbox]:
    half = 4.0 * ax.figure.dpi / 72  # a marker's half width, points -> pixels
    boxes = []
    for p in points:
        for xy in (
            (p.analytic_intensity, p.analytic_flops_per_s),
            (p.simulated_intensity, p.flops_per_s),
        ):
            if xy[0]:
                x, y = ax.transData.transform(xy)
                boxes.append(Bbox.from_extents(x - half, y - half, x + half, y + half))
    return boxes


def _overlap(a: Bbox, b: Bbox) -> float:
    width = min(a.x1, b.x1) - max(a.x0, b.x0)
    height = min(a.y1, b.y1) - max(a.y0, b.y0)
    return width * height if width > 0 and height > 0 else 0.0


def _place_labels(
    ax: Axes,
    renderer,
    labels: list[tuple[str, tuple[float, float]]],
    markers: list[Bbox],
    texts: list[Bbox],
) -> None:
    """Greedy: each label (most important first) takes the nearest free spot around its point;
    if there is none, the spot that covers least, covering markers rather than other text; a
    label that would cover another label or leave the panel is left out."""
    frame = ax.get_window_extent(renderer)
    directions = [(1, 1), (1, -1), (-1, 1), (-1, -1), (1, 0), (-1, 0), (0, 1), (0, -1)]
    taken = list(texts)
    for text, xy in labels:
        best = None
        for radius in LABEL_RADII_PT:
            for dx, dy in directions:
                offset = (dx * radius, dy * radius * 0.8)
                note = _annotate(ax, text, xy, offset, leader=False)
                box = note.get_window_extent(renderer)
                note.remove()
                outside = box.width * box.height - _overlap(box, frame)
                score = sum(_overlap(box, m) for m in markers) + TEXT_OVERLAP_WEIGHT * (
                    sum(_overlap(box, t) for t in taken) + outside
                )
                clash = sum(_overlap(box, t) for t in taken) + outside
                if best is None or score < best[0]:
                    best = (score, offset, box, radius, clash)
                if score == 0:
                    break
            if best[0] == 0:
                break
        _, offset, box, radius, clash = best
        if clash > 0:
            continue
        _annotate(ax, text, xy, offset, leader=radius > LABEL_RADII_PT[0])
        taken.append(box)


def _annotate(ax: Axes, text: str, xy, offset: tuple[float, float], leader: bool):
    dx, dy = offset
    arrow = {"arrowstyle": "-", "color": "0.5", "linewidth": 0.5, "shrinkB": 3} if leader else None
    return ax.annotate(
        text,
        xy,
        xytext=offset,
        textcoords="offset points",
        ha="left" if dx > 0 else "right" if dx < 0 else "center",
        va="bottom" if dy > 0 else "top" if dy < 0 else "center",
        fontsize=7,
        bbox=LABEL_BOX,
        arrowprops=arrow,
        gid="label",
    )


def _legend(ax: Axes, schedules: list[str], workloads: list[str]):
    handles = [
        Line2D([], [], linestyle="", marker="o", markerfacecolor="none", color="0.3",
               label="cache-ignoring estimate (on the DRAM roofline)"),
        Line2D([], [], linestyle="", marker="o", color="0.3", label="simulated (DRAM bytes, time)"),
    ]  # fmt: skip
    handles += [
        Patch(color=schedule_colour(s, schedules), label=f"schedule {s}") for s in schedules
    ]
    if len(workloads) > 1:
        handles += [
            Line2D([], [], linestyle="", color="0.3", label=w,
                   marker=WORKLOAD_MARKERS[i % len(WORKLOAD_MARKERS)])
            for i, w in enumerate(workloads)
        ]  # fmt: skip
    return ax.legend(handles=handles, loc="lower right", fontsize=7, framealpha=0.9)
