"""`python -m sim analyze WORKLOAD [--hw HW]`: the cache-ignoring estimate and roofline per op."""

import argparse

from sim.analytic.estimate import estimate
from sim.commands.common import add_allow_unknown, add_json, add_precision, precision_of
from sim.graph.load import load_workload
from sim.hw.load import load_hardware
from sim.outputs import write_json
from sim.report.analytic import estimate_json, estimate_table
from sim.report.console import make_console
from sim.report.notes import workload_notes

NAME = "analyze"
HELP = "per-op FLOPs, parameters, cache-ignoring bytes and roofline bound of a workload"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("workload", help="a workload YAML or ONNX file, or a shipped name")
    parser.add_argument("--hw", help="hardware: a name in hw_configs/ or a YAML path")
    add_precision(parser)
    add_json(parser)
    add_allow_unknown(parser)


def run(args: argparse.Namespace) -> int:
    precision = precision_of(args)
    hw = load_hardware(args.hw) if args.hw else None
    graph = load_workload(args.workload, allow_unknown=args.allow_unknown)
    result = estimate(graph, precision, hw)
    notes = workload_notes(graph)
    if args.json:
        data = estimate_json(result)
        if notes:
            data["notes"] = notes
        write_json(args.json, data)
    if args.json != "-":
        console = make_console()
        console.print(estimate_table(result))
        for note in notes:
            console.print(f"note: {note}")
    return 0
