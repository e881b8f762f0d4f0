"""`python -m sim analyze WORKLOAD [--hw HW]`: the cache-ignoring estimate and roofline per op."""

import argparse

from sim.analytic.estimate import estimate
from sim.commands.common import (
    add_allow_unknown,
    add_format,
    add_json,
    add_overrides,
    add_precision,
    add_sparsity,
    add_verbosity,
    input_files,
    precision_of,
    sparsity_of,
)
from sim.commands.present import present_estimate
from sim.errors import ConfigError
from sim.graph.load import load_workload
from sim.hw.overrides import load_hardware_with
from sim.outputs import check_outputs
from sim.report.notes import workload_notes

EXAMPLES = """examples:
  python -m sim analyze mobilenet
  python -m sim analyze workloads/bottleneck_256.yaml --hw pi3 --format markdown
  python -m sim analyze model.onnx --hw xavier --precision int8 --json estimate.json"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("workload", help="a workload YAML or ONNX file, or a shipped name")
    parser.add_argument("--hw", help="hardware: a name in hw_configs/ or a YAML path")
    add_overrides(parser)
    add_precision(parser)
    add_json(parser)
    add_allow_unknown(parser)
    add_sparsity(parser)
    add_format(parser)
    add_verbosity(parser)


def run(args: argparse.Namespace) -> int:
    check_outputs({"--json": args.json}, input_files([args.workload], [args.hw] if args.hw else []))
    precision = precision_of(args)
    if args.overrides and not args.hw:
        raise ConfigError("--set changes a hardware field: give --hw too")
    hw = load_hardware_with(args.hw, args.overrides) if args.hw else None
    graph = load_workload(
        args.workload, allow_unknown=args.allow_unknown, sparsity=sparsity_of(args)
    )
    result = estimate(graph, precision, hw)
    notes = workload_notes(graph)
    present_estimate(args, result, notes)
    return 0
