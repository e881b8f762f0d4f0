"""How `run` and `analyze` hand over their results: files first, then the terminal.

Files (--json, --csv, --plot, --timeline, --save-schedule) are written together, whole or
not at all (sim/outputs.py), each announced by a `wrote PATH` line on stderr. The terminal
gets a table (`--format table` or `markdown`) and the summary, unless `--quiet` or a file
goes to standard output ('-'); `--verbose` adds a table of per-unit totals (run) or the
hardware's roofline figures (analyze).
"""

import argparse
from collections.abc import Callable
from typing import Any

from sim.analytic.estimate import NetworkEstimate
from sim.commands.common import announce
from sim.engine.simulate import RunResult
from sim.errors import SimError
from sim.hw.model import Precision
from sim.outputs import check_figure_path, commit, figure_bytes, json_bytes, text_bytes
from sim.report.analytic import estimate_json, estimate_report
from sim.report.console import make_console
from sim.report.run import run_csv, run_json, run_report, summary_lines, units_report
from sim.report.run_summary import kinds_report, slowest_report, verdict_lines
from sim.report.sparsity import sparse_lines
from sim.report.tables import Report, markdown_table, rich_table


def add_run_files(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--csv", metavar="PATH", help="write one row per kernel and a total as CSV ('-' = stdout)"
    )
    parser.add_argument(
        "--plot",
        metavar="PATH",
        type=figure_path,
        help="write the roofline plot of the run's kernels (.png, .svg or .pdf)",
    )
    parser.add_argument(
        "--energy-plot",
        metavar="PATH",
        type=figure_path,
        help="write the run's dynamic energy per kind of kernel, stacked by memory level "
        "(.png, .svg or .pdf; the device needs an energy: section)",
    )
    parser.add_argument(
        "--timeline",
        metavar="PATH",
        help="write a Chrome trace-event JSON of every unit's busy time, per tile "
        "(open it in ui.perfetto.dev or chrome://tracing)",
    )


def figure_path(path: str) -> str:
    """Refuse a plot path argparse-style, before any simulation runs."""
    try:
        check_figure_path(path)
    except SimError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return path


def run_outputs(args: argparse.Namespace) -> dict[str, str | None]:
    """The run's output flags and their paths, as `check_outputs` takes them."""
    flags = ("--json", "--csv", "--plot", "--energy-plot", "--timeline")
    return {flag: getattr(args, flag[2:].replace("-", "_"), None) for flag in flags}


def present_run(
    args: argparse.Namespace,
    result: RunResult,
    notes: list[str],
    files: list[tuple[str, bytes]] = (),
    next_step: Callable[[], str] | None = None,
    executed: dict[str, int] | None = None,
) -> None:
    """Write the run's files (and `files`, made before it) together, then print its report:
    the slowest kernels and the time per kind (every kernel with --all), the summary, the
    verdict and, from `next_step` (called only if the report is printed), what to try next.
    `executed`: the MACs of kernels with sparse weights (sim/report/sparsity.py)."""
    files = list(files)
    executed = executed or {}
    if args.json:
        data = run_json(result, executed)
        if notes:
            data["notes"] = notes
        files.append((args.json, json_bytes(data)))
    if args.csv:
        files.append((args.csv, text_bytes(run_csv(result, executed))))
    if args.plot:
        from sim.report.roofline import roofline_data  # matplotlib only when plotting
        from sim.report.roofline_plot import roofline_figure

        data = roofline_data([result.hw], [result], Precision(result.precision))
        files.append((args.plot, figure_bytes(args.plot, roofline_figure(data))))
    if getattr(args, "energy_plot", None):
        from sim.report.energy_plot import energy_figure  # matplotlib only when plotting

        files.append((args.energy_plot, figure_bytes(args.energy_plot, energy_figure(result))))
    if args.timeline:
        from sim.report.timeline import timeline_json

        files.append((args.timeline, json_bytes(timeline_json(result), compact=True)))
    announce(args, commit(files))
    if _terminal(args, *(path for path, _ in files)):
        if getattr(args, "all", False):
            reports = [run_report(result, executed)]
        else:
            reports = [slowest_report(result), kinds_report(result)]
        reports += [units_report(result)] if args.verbose else []
        lines = [*summary_lines(result), *sparse_lines(result, executed), *_notes(notes)]
        lines += verdict_lines(result)
        print_reports(args.format, reports, lines + ([next_step()] if next_step else []))


def present_estimate(args: argparse.Namespace, est: NetworkEstimate, notes: list[str]) -> None:
    if args.json:
        data = estimate_json(est)
        if notes:
            data["notes"] = notes
        announce(args, commit([(args.json, json_bytes(data))]))
    if _terminal(args, args.json):
        lines = _estimate_lines(est) if args.verbose else []
        print_reports(args.format, [estimate_report(est)], [*lines, *_notes(notes)])


def print_reports(fmt: str, reports: list[Report], lines: list[str]) -> None:
    """Tables then lines, on standard output, as rich tables or Markdown."""
    console = make_console()
    for report in reports:
        if fmt == "markdown":
            console.print(markdown_table(report), markup=False, soft_wrap=True)
        else:
            console.print(rich_table(report))
    for line in lines:
        console.print(line, markup=False, soft_wrap=not console.fits_terminal)


def _terminal(args: argparse.Namespace, *paths: Any) -> bool:
    return not args.quiet and "-" not in paths


def _notes(notes: list[str]) -> list[str]:
    return [f"note: {note}" for note in notes]


def _estimate_lines(est: NetworkEstimate) -> list[str]:
    bound = [op.roofline.bound for op in est.ops if op.roofline is not None and op.flops]
    lines = [
        f"{len(est.ops)} ops, {sum(1 for op in est.ops if not op.flops)} of them without "
        f"FLOPs; intensity {est.intensity or 0:.2f} FLOP/B over the network"
    ]
    if est.hw is not None:
        hw, precision = est.hw, est.precision
        lines.append(
            f"{hw.label}: {hw.peak_flops_per_s(precision) / 1e9:,.1f} GFLOP/s {precision.value} "
            f"peak, DRAM {hw.dram.bandwidth_bytes_per_s / 1e9:,.1f} GB/s, ridge "
            f"{hw.ridge_flops_per_byte(precision):.2f} FLOP/B: {bound.count('memory')} ops "
            f"memory-bound, {bound.count('compute')} compute-bound"
        )
    return lines
