"""`python -m sim compare WORKLOAD --hw HW`: schedules side by side, and what fusion avoids."""

import argparse

import attrs

from sim.commands.common import (
    ListFlag,
    add_allow_unknown,
    add_device,
    add_format,
    add_objective,
    add_precision,
    add_sparsity,
    add_verbosity,
    announce,
    device_of,
    input_files,
    precision_of,
    sparsity_of,
)
from sim.commands.present import print_reports
from sim.commands.progress import progress
from sim.graph.load import load_workload
from sim.outputs import check_outputs, commit, json_bytes
from sim.plan import SCHEDULES, plan, simulated
from sim.report.compare import compare_json, compare_report
from sim.report.run import units_report

DEFAULT_SCHEDULES = ["naive", "fused"]
EXAMPLES = """examples:
  python -m sim compare mobilenet --hw pi3
  python -m sim compare mobilenet --hw pi3 --schedules naive,fused,tiled
  python -m sim compare shufflenet_v1_0.5x_g3 --hw xavier --format markdown
  python -m sim compare se_block --hw pi3 --schedules fused,naive --verbose
  python -m sim compare mobilenet --hw pi3 --quiet --json compare.json
  python -m sim compare conv_chain_16x16 --hw pi3 --schedules fused,auto --objective traffic"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("workload", help="a workload YAML file or the name of a shipped one")
    add_device(parser)
    parser.add_argument(
        "--schedules",
        action=ListFlag,
        known=SCHEDULES,
        default=DEFAULT_SCHEDULES,
        metavar="SCHEDULE",
        help="presets to compare, the first is the baseline: `naive,fused` or `naive fused` "
        f"(known: {', '.join(SCHEDULES)}; default: {','.join(DEFAULT_SCHEDULES)})",
    )
    add_objective(parser)
    add_precision(parser)
    add_allow_unknown(parser)
    add_sparsity(parser)
    parser.add_argument(
        "--json", metavar="PATH", help="write the comparison as JSON ('-' = stdout)"
    )
    add_format(parser)
    add_verbosity(parser)


def run(args: argparse.Namespace) -> int:
    names = list(dict.fromkeys(args.schedules))
    check_outputs({"--json": args.json}, input_files([args.workload], [args.hw]))
    precision = precision_of(args)
    hw = device_of(args)
    graph = load_workload(
        args.workload, allow_unknown=args.allow_unknown, sparsity=sparsity_of(args)
    )
    chosen = []
    for name in names:
        with progress(f"planning {name}", shown=not args.quiet) as update:
            chosen.append(plan(graph, hw, name, precision, args.objective, update))
    schedules = [p.schedule for p in chosen]
    notes = [note for p in chosen for note in p.notes]
    results = []
    for each in chosen:
        with progress(f"simulating {each.schedule.name}", shown=not args.quiet) as update:
            results.append(simulated(each, hw, progress=update, spans=False))
    data = compare_json(schedules, results)
    if notes:
        data["notes"] = notes
    if args.json:
        announce(args, commit([(args.json, json_bytes(data))]))
    if not args.quiet and args.json != "-":
        reports = [compare_report(data)]
        if args.verbose:
            reports += [
                attrs.evolve(report, title=f"{name}: {report.title}")
                for name, report in zip(names, map(units_report, results))
            ]
        print_reports(args.format, [], data["headline"])  # the plain-words headline first
        print_reports(args.format, reports, [f"note: {note}" for note in notes])
    return 0
