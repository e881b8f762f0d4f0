"""`python -m sim run WORKLOAD --hw HW`: simulate a network, traffic next to the estimate."""

import argparse
import sys
import time

from rich.progress import Progress

from sim.commands.common import (
    add_allow_unknown,
    add_format,
    add_json,
    add_objective,
    add_precision,
    add_verbosity,
    input_files,
    precision_of,
    preset_with_notes,
)
from sim.commands.present import add_run_files, present_run, run_outputs
from sim.engine.simulate import simulate
from sim.graph.load import load_workload
from sim.graph.model import Graph
from sim.hw.load import load_hardware
from sim.hw.model import Hardware, Precision
from sim.outputs import check_outputs, text_bytes
from sim.report.console import make_console
from sim.report.notes import workload_notes
from sim.schedule.presets import PRESETS
from sim.schedule.saved import load_schedule, schedule_data
from sim.yamlio import dump_yaml

EXAMPLES = """examples:
  python -m sim run mobilenet --hw pi3
  python -m sim run workloads/bottleneck_256.yaml --hw xavier --precision fp16 --format markdown
  python -m sim run mobilenet --hw pi3 --quiet --json run.json --csv run.csv
  python -m sim run mobilenet --hw pi3 --plot roofline.png --timeline trace.json
  python -m sim run mobilenet --hw pi3 --schedule fused --save-schedule plan.yaml
  python -m sim run mobilenet --hw pi3 --schedule plan.yaml
  python -m sim run conv_chain_16x16 --hw pi3 --schedule auto --objective traffic"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("workload", help="a workload YAML file or the name of a shipped one")
    parser.add_argument(
        "--hw", required=True, help="hardware: a name in hw_configs/ or a YAML path"
    )
    add_precision(parser)
    add_allow_unknown(parser)
    add_json(parser)
    parser.add_argument(
        "--schedule",
        default="naive",
        type=_schedule_spec,
        metavar="NAME|PATH",
        help="naive: one kernel per op; fused: every fusion pass; tiled: fused, and conv chains "
        "tiled where the estimate predicts a saving; auto: the best of those and of a bounded "
        "simulated search of tilings (least time, or traffic with --objective); or a "
        "schedule YAML saved "
        "by --save-schedule, replayed without running any pass (docs/schedules.md)",
    )
    add_objective(parser)
    parser.add_argument(
        "--save-schedule", metavar="PATH", help="write the schedule that runs as YAML"
    )
    add_run_files(parser)
    add_format(parser)
    add_verbosity(parser)
    parser.add_argument(
        "--no-caches",
        action="store_true",
        help="disable every cache: each line access goes to DRAM",
    )


def run(args: argparse.Namespace) -> int:
    plan = [args.schedule] if _is_saved(args.schedule) else []
    inputs = input_files([args.workload], [args.hw], plan)
    check_outputs({**run_outputs(args), "--save-schedule": args.save_schedule}, inputs)
    precision = precision_of(args)
    hw = load_hardware(args.hw)
    graph = load_workload(args.workload, allow_unknown=args.allow_unknown)
    notes = workload_notes(graph)
    schedule, search = _schedule(args.schedule, graph, precision, hw, args.objective)
    notes += search
    files = []
    if args.save_schedule:
        files.append((args.save_schedule, text_bytes(dump_yaml(schedule_data(schedule)))))
    with _progress(len(schedule.kernels), shown=not args.quiet) as update:
        result = simulate(schedule, hw, caches=not args.no_caches, progress=update)
    present_run(args, result, notes, files)
    return 0


def _schedule_spec(value: str) -> str:
    """A preset's name or a saved schedule's path, checked before any work."""
    if value in PRESETS or _is_saved(value):
        return value
    choices = ", ".join(repr(p) for p in PRESETS)
    raise argparse.ArgumentTypeError(
        f"invalid choice: '{value}' (choose from {choices}) or a schedule .yaml file"
    )


def _is_saved(spec: str) -> bool:
    return spec not in PRESETS and spec.endswith((".yaml", ".yml"))


def _schedule(spec: str, graph: Graph, precision: Precision, hw: Hardware, objective: str):
    """A preset by name (with the notes of auto's search), or a saved schedule by path."""
    if not _is_saved(spec):
        return preset_with_notes(spec, graph, precision, hw, objective)
    return load_schedule(spec, graph, precision), []


class _progress:
    """A progress bar on stderr, only on a terminal and only once a run has taken a second."""

    DELAY_S = 1.0

    def __init__(self, total: int, shown: bool = True):
        self.total = total
        self.shown = shown
        self.bar = None
        self.task = None
        self.started = time.monotonic()

    def __enter__(self):
        return self.update if self.shown and sys.stderr.isatty() else None

    def update(self, done: int, total: int) -> None:
        if self.bar is None:
            if time.monotonic() - self.started < self.DELAY_S:
                return
            self.bar = Progress(console=make_console(stderr=True), transient=True)
            self.bar.start()
            self.task = self.bar.add_task("simulating kernels", total=total)
        self.bar.update(self.task, completed=done)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()
        return False
