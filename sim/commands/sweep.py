"""`python -m sim sweep SPEC.yaml -o RESULTS`: many runs, one row each, resumable.

The spec (docs/sweeps.md) is read and checked whole before any point runs. Points already in
RESULTS are skipped; the others run on local worker processes (`--workers`, default every
core) or on a Dask cluster (`--scheduler`), each row appended as its point finishes. The exit
code is the number of failed points (at most 100; 0: every point ran), each failure's
one-line reason in its row; a mistake in the spec or a flag is exit 2 before any point runs.
"""

import argparse
import sys

from sim.commands.common import add_format, announce
from sim.commands.present import figure_path, print_reports
from sim.commands.progress import progress
from sim.errors import ConfigError
from sim.outputs import check_outputs, commit, figure_bytes
from sim.sweep.drive import Outcome, run_sweep
from sim.sweep.executors import default_workers
from sim.sweep.spec import read_spec
from sim.sweep.store import open_store
from sim.sweep.view import pivot_report

MAX_EXIT_FAILURES = 100  # exit codes above are the shell's (130: Ctrl-C, 143: SIGTERM)

EXAMPLES = """examples:
  python -m sim sweep l2_vs_bandwidth.yaml -o results.csv
  python -m sim sweep l2_vs_bandwidth.yaml -o results.parquet --workers 2 --plot l2.png
  python -m sim sweep l2_vs_bandwidth.yaml -o results.jsonl --metric dram_bytes
  python -m sim sweep big.yaml -o results.csv --scheduler tcp://10.0.0.5:8786"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", help="the sweep spec, a YAML file (docs/sweeps.md)")
    parser.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="RESULTS",
        help="the results file, .csv, .jsonl or .parquet: rows are appended as points finish, "
        "and the points already in it are skipped",
    )
    parser.add_argument(
        "--workers",
        type=_positive_int,
        default=None,
        metavar="N",
        help="local worker processes (default: every core of this machine; 1: in this process)",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run the points on the Dask cluster whose scheduler is at ADDRESS "
        "(tcp://host:8786), instead of local processes; needs pip install -e '.[cluster]'",
    )
    parser.add_argument(
        "--retry-failed", action="store_true", help="run again the points whose row failed"
    )
    parser.add_argument(
        "--plot",
        metavar="PATH",
        type=figure_path,
        help="draw the metric against the swept keys (.png, .svg or .pdf): a line per "
        "combination of the others, or a heatmap of two",
    )
    parser.add_argument(
        "--metric",
        default="seconds",
        help="the column the table and the plot show (default: seconds; e.g. dram_bytes, "
        "L2_hit_rate, dram_bound_share)",
    )
    parser.add_argument("--x", metavar="KEY", help="plot against KEY as lines, even with two keys")
    add_format(parser)
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="no progress, table or summary; files only"
    )


def run(args: argparse.Namespace) -> int:
    if args.output == "-":
        raise ConfigError("-o -: the results are appended to a file; give its path")
    if args.workers is not None and args.scheduler is not None:
        raise ConfigError("--workers is for local processes; a cluster has its own workers")
    check_outputs({"-o": args.output, "--plot": args.plot}, [args.spec])
    spec = read_spec(args.spec)
    store = open_store(args.output)
    store.rows()  # a results file that cannot be read stops the sweep before any point runs
    workers = args.workers or default_workers()
    with progress("sweep", shown=not args.quiet) as update:
        outcome = run_sweep(spec, store, workers, args.scheduler, args.retry_failed, update)
    rows = list(outcome.rows)
    files = [args.output] if outcome.changed else []
    if args.plot:
        from sim.sweep.plot import sweep_figure  # matplotlib only when plotting

        figure = sweep_figure(rows, spec.keys, args.metric, args.x)
        files += commit([(args.plot, figure_bytes(args.plot, figure))])
    announce(args, files)
    if not args.quiet:
        _check_metric(rows, args.metric)
        print_reports(args.format, [pivot_report(rows, spec.keys, args.metric)], [_line(outcome)])
    if outcome.failed:
        print(
            f"{outcome.failed} of {outcome.points} points failed (their rows say why)",
            file=sys.stderr,
        )
    return min(outcome.failed, MAX_EXIT_FAILURES)


def _line(outcome: Outcome) -> str:
    ran = outcome.points - outcome.resumed
    return (
        f"{outcome.points} points: {ran} run now, {outcome.resumed} already in the results; "
        f"{outcome.failed} failed"
    )


def _check_metric(rows, metric: str) -> None:
    ran = [row for row in rows if not row.get("error")]
    if ran and metric not in ran[0]:
        numbers = [k for k, v in ran[0].items() if isinstance(v, (int, float))]
        raise ConfigError(f"--metric {metric}: no such column (numbers: {', '.join(numbers)})")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value
