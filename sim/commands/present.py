"""How `run` and `analyze` hand over their results: files first, then the terminal.

Files (--json, --csv, --plot, --timeline, --save-schedule) are written together, whole or
not at all (sim/outputs.py), each announced by a `wrote PATH` line on stderr. The terminal
gets a table (`--format table` or `markdown`) and the summary, unless `--quiet` or a file
goes to standard output ('-'); `--verbose` adds a table of per-unit totals (run) or the
hardware's roofline figures (analyze). This module holds what they share and analyze's
part; run's part, which needs the simulator's results, is in present_run.py, so that
analyze starts without loading the simulator.
"""

import argparse
from typing import Any

from sim.analytic.estimate import NetworkEstimate
from sim.commands.common import announce
from sim.errors import SimError
from sim.outputs import check_figure_path, commit, json_bytes
from sim.report.analytic import estimate_json, estimate_report
from sim.report.console import make_console
from sim.report.tables import Report, markdown_table, rich_table


def figure_path(path: str) -> str:
    """Refuse a plot path argparse-style, before any simulation runs."""
    try:
        check_figure_path(path)
    except SimError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return path


def present_estimate(args: argparse.Namespace, est: NetworkEstimate, notes: list[str]) -> None:
    if args.json:
        data = estimate_json(est)
        if notes:
            data["notes"] = notes
        announce(args, commit([(args.json, json_bytes(data))]))
    if to_terminal(args, args.json):
        lines = _estimate_lines(est) if args.verbose else []
        print_reports(args.format, [estimate_report(est)], [*lines, *note_lines(notes)])


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


def to_terminal(args: argparse.Namespace, *paths: Any) -> bool:
    return not args.quiet and "-" not in paths


def note_lines(notes: list[str]) -> list[str]:
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
