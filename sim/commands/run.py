"""`python -m sim run WORKLOAD --hw HW`: simulate a network, traffic next to the estimate."""

import argparse

from sim.analytic.estimate import estimate
from sim.commands.common import (
    add_allow_unknown,
    add_device,
    add_format,
    add_json,
    add_objective,
    add_precision,
    add_sparsity,
    add_verbosity,
    device_of,
    input_files,
    precision_of,
    sparsity_of,
)
from sim.commands.present_run import add_run_files, present_run, run_outputs
from sim.commands.progress import progress
from sim.errors import ConfigError
from sim.graph.load import load_workload
from sim.graph.model import Graph
from sim.hw.model import Hardware, Precision
from sim.outputs import check_outputs, text_bytes
from sim.plan import SCHEDULES, is_saved, plan, simulated
from sim.report.compare import kept_on_chip
from sim.report.notes import workload_notes
from sim.report.run_summary import next_step_line
from sim.report.sparsity import kernel_effective_macs
from sim.report.tables import percent, scaled_bytes
from sim.schedule.presets import preset_schedule
from sim.yamlio import dump_yaml

EXAMPLES = """examples:
  python -m sim run mobilenet --hw pi3
  python -m sim run resnet18 --hw pi3 --cores 1 --schedule fused
  python -m sim run mobilenet --hw pi3 --cores 1 --share 128KiB
  python -m sim run workloads/bottleneck_256.yaml --hw xavier --precision fp16 --format markdown
  python -m sim run mobilenet --hw pi3 --quiet --json run.json --csv run.csv
  python -m sim run mobilenet --hw pi3 --plot roofline.png --timeline trace.json
  python -m sim run mobilenet --hw pi3 --schedule fused --save-schedule plan.yaml
  python -m sim run mobilenet --hw pi3 --schedule plan.yaml
  python -m sim run conv_chain_16x16 --hw pi3 --schedule auto --objective traffic"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("workload", help="a workload YAML file or the name of a shipped one")
    add_device(parser)
    add_precision(parser)
    add_allow_unknown(parser)
    add_sparsity(parser)
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
    parser.add_argument(
        "--all",
        "--wide",
        dest="all",
        action="store_true",
        help="every kernel with every column (default: the slowest kernels and a summary "
        "per kind, to fit 80 columns)",
    )
    add_format(parser)
    add_verbosity(parser)
    parser.add_argument(
        "--no-caches",
        action="store_true",
        help="disable every cache: each line access goes to DRAM",
    )


def run(args: argparse.Namespace) -> int:
    saved = [args.schedule] if is_saved(args.schedule) else []
    inputs = input_files([args.workload], [args.hw], saved)
    check_outputs({**run_outputs(args), "--save-schedule": args.save_schedule}, inputs)
    precision = precision_of(args)
    hw = device_of(args)
    if args.energy_plot and hw.energy is None:
        raise ConfigError(
            f"--energy-plot: hardware {hw.name} has no energy costs (no energy: section)"
        )
    graph = load_workload(
        args.workload, allow_unknown=args.allow_unknown, sparsity=sparsity_of(args)
    )
    notes = workload_notes(graph)
    with progress("searching schedules", shown=not args.quiet) as update:
        chosen = plan(graph, hw, args.schedule, precision, args.objective, update)
    schedule = chosen.schedule
    notes += list(chosen.notes)
    files = []
    if args.save_schedule:
        from sim.schedule.saved import schedule_data  # only here: not at start-up

        files.append((args.save_schedule, text_bytes(dump_yaml(schedule_data(schedule)))))
    with progress("simulating kernels", shown=not args.quiet) as update:
        result = simulated(
            chosen, hw, caches=not args.no_caches, progress=update, spans=bool(args.timeline)
        )
    next_step = lambda: _next_step(args, graph, precision, hw)  # noqa: E731
    present_run(args, result, notes, files, next_step, kernel_effective_macs(schedule))
    return 0


def _next_step(args: argparse.Namespace, graph: Graph, precision: Precision, hw: Hardware) -> str:
    """The command that would save the most, with the round trips it keeps on chip by the
    estimate (no simulation): fusing after naive, tiling after fused; else the roofline plot."""
    spec = [args.workload, "--hw", args.hw]
    if args.cores is not None:
        spec += ["--cores", str(args.cores)]
    if args.share is not None:
        spec += ["--share", args.share]
    for override in args.overrides:
        spec += ["--set", str(override)]
    if args.precision != "fp32":
        spec += ["--precision", args.precision]
    steps = {"naive": ("fused", "fusing"), "fused": ("tiled", "tiling conv chains")}
    if args.schedule in steps and not args.no_caches:
        better, verb = steps[args.schedule]
        kept = _kept_bytes(better, graph, precision, hw)
        kept -= _kept_bytes(args.schedule, graph, precision, hw)
        if kept > 0:
            analytic = estimate(graph, precision).analytic_bytes
            saving = (
                f"by the estimate, {verb} keeps {scaled_bytes(kept)} of round trips to DRAM "
                f"on chip ({percent(kept / analytic)} of the {scaled_bytes(analytic)} estimate)"
            )
            schedules = f"{args.schedule},{better}"
            return next_step_line(["compare", *spec, "--schedules", schedules], saving)
    plot = ["run", *spec, "--schedule", args.schedule, "--plot", "roofline.png"]
    return next_step_line(plot, "every kernel on the device's roofline")


def _kept_bytes(name: str, graph: Graph, precision: Precision, hw: Hardware) -> int:
    """Bytes of the round trips to DRAM a preset's kernels keep on chip (sim/report/compare)."""
    schedule = preset_schedule(name, graph, precision, hw)
    return sum(
        item["round_trip_bytes"] for k in schedule.kernels for item in kept_on_chip(k, schedule)
    )


def _schedule_spec(value: str) -> str:
    """A preset's name or a saved schedule's path, checked before any work."""
    if value in SCHEDULES or is_saved(value):
        return value
    choices = ", ".join(repr(p) for p in SCHEDULES)
    raise argparse.ArgumentTypeError(
        f"invalid choice: '{value}' (choose from {choices}) or a schedule .yaml file"
    )
