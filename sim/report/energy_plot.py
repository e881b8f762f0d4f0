"""The energy breakdown plot: per kind of kernel, one bar of its dynamic joules stacked by level
(compute, the register file, each cache, DRAM), the most costly kind first; a matplotlib Figure
on an Agg canvas, nothing shown or saved. The run's total and each level's share are in the
title. Bars carry gids `energy:LEVEL` so tests can read them."""

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import EngFormatter

from sim.energy.account import kernel_energy
from sim.engine.simulate import RunResult
from sim.hw.model import Precision
from sim.report.tables import percent, scaled_joules

DPI = 150
LEVEL_COLOURS = ("tab:gray", "tab:purple", "tab:blue", "tab:green", "tab:olive", "tab:cyan")
DRAM_COLOUR = "tab:red"  # the last level, whatever the device names it


def energy_by_kind(result: RunResult) -> list[tuple[str, dict[str, float]]]:
    """(kind, joules per level) summed over the kernels of each kind, most joules first."""
    hw, precision = result.hw, Precision(result.precision)
    if hw.energy is None:
        raise ValueError(f"hardware {hw.name} has no energy costs")
    kinds: dict[str, dict[str, float]] = {}
    for kernel in result.kernels:
        entry = kinds.setdefault(kernel.kind, dict.fromkeys(hw.energy.level_names, 0.0))
        for level, joules in kernel_energy(kernel, hw, precision).items():
            entry[level] += joules
    return sorted(kinds.items(), key=lambda item: (-sum(item[1].values()), item[0]))


def energy_figure(result: RunResult) -> Figure:
    groups = energy_by_kind(result)
    levels = result.hw.energy.level_names
    fig = Figure(figsize=(max(6.0, 1.1 * len(groups) + 2.5), 4.8), dpi=DPI)
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    positions = range(len(groups))
    bottoms = [0.0] * len(groups)
    for index, level in enumerate(levels):
        heights = [by_level[level] for _, by_level in groups]
        bars = ax.bar(
            positions,
            heights,
            bottom=bottoms,
            label=level,
            color=DRAM_COLOUR if level == levels[-1] else LEVEL_COLOURS[index % len(LEVEL_COLOURS)],
        )
        for patch in bars:
            patch.set_gid(f"energy:{level}")
        bottoms = [b + h for b, h in zip(bottoms, heights)]
    ax.set_xticks(list(positions), [kind for kind, _ in groups], rotation=30, ha="right")
    ax.yaxis.set_major_formatter(EngFormatter(unit="J"))
    ax.set_ylabel("dynamic energy")
    total = sum(bottoms)
    shares = ", ".join(
        f"{level} {percent(sum(g[level] for _, g in groups) / total if total else 0.0)}"
        for level in levels
    )
    ax.set_title(
        f"{result.workload} on {result.hw.name} ({result.schedule}, {result.precision}): "
        f"{scaled_joules(total)} dynamic\n{shares}",
        fontsize=9,
    )
    ax.legend(title="level", fontsize=8, reverse=True)
    fig.tight_layout()
    return fig
