"""How `run` hands over its results: its files first, then the terminal, by the rules of
present.py (files written together and announced, a table unless --quiet or a file goes to
standard output)."""

import argparse
from collections.abc import Callable

from sim.commands.common import announce
from sim.commands.present import figure_path, note_lines, print_reports, to_terminal
from sim.engine.simulate import RunResult
from sim.hw.model import Precision
from sim.outputs import commit, figure_bytes, json_bytes, text_bytes
from sim.report.run import run_csv, run_json, run_report, summary_lines, units_report
from sim.report.run_summary import kinds_report, slowest_report, verdict_lines
from sim.report.sparsity import sparse_lines


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
    if to_terminal(args, *(path for path, _ in files)):
        if getattr(args, "all", False):
            reports = [run_report(result, executed)]
        else:
            reports = [slowest_report(result), kinds_report(result)]
        reports += [units_report(result)] if args.verbose else []
        lines = [*summary_lines(result), *sparse_lines(result, executed), *note_lines(notes)]
        lines += verdict_lines(result)
        print_reports(args.format, reports, lines + ([next_step()] if next_step else []))
