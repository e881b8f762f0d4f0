"""`python -m sim analyze WORKLOAD [--hw HW]`: the cache-ignoring estimate and roofline per op."""

import argparse


from sim.analytic.estimate import estimate
from sim.commands.common import add_json, add_precision, precision_of
from sim.graph.load import load_workload
from sim.hw.load import load_hardware
from sim.outputs import write_json
from sim.report.console import make_console
from sim.report.analytic import estimate_json, estimate_table

NAME = "analyze"
HELP = "per-op FLOPs, parameters, cache-ignoring bytes and roofline bound of a workload"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("workload", help="a workload YAML file or the name of a shipped one")
    parser.add_argument("--hw", help="hardware: a name in hw_configs/ or a YAML path")
    add_precision(parser)
    add_json(parser)


def run(args: argparse.Namespace) -> int:
    precision = precision_of(args)
    hw = load_hardware(args.hw) if args.hw else None
    graph = load_workload(args.workload)
    result = estimate(graph, precision, hw)
    if args.json:
        write_json(args.json, estimate_json(result))
    if args.json != "-":
        make_console().print(estimate_table(result))
    return 0
