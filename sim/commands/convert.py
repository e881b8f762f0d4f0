"""`python -m sim convert MODEL -o FILE`: write a workload (an ONNX model, or YAML) as flat YAML."""

import argparse
import sys

from sim.commands.common import add_allow_unknown, input_files
from sim.graph.dump import graph_to_data
from sim.graph.load import load_workload
from sim.outputs import check_outputs, commit, text_bytes
from sim.report.notes import workload_notes
from sim.yamlio import dump_yaml, dump_yaml_line

EXAMPLES = """examples:
  python -m sim convert model.onnx -o model.yaml
  python -m sim convert workloads/resnet18.yaml -o resnet18_flat.yaml"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("workload", help="an ONNX or workload YAML file, or a shipped name")
    parser.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="PATH",
        help="the YAML file to write ('-' = stdout)",
    )
    add_allow_unknown(parser)


def run(args: argparse.Namespace) -> int:
    check_outputs({"--output": args.output}, input_files([args.workload]))
    graph = load_workload(args.workload, allow_unknown=args.allow_unknown)
    notes = workload_notes(graph)
    header = [
        f"# Converted from {args.workload} by `python -m sim convert`.",
        "# Flat form: every op names its inputs; shapes are inferred again when this file loads.",
        *(f"# Note: {note}." for note in notes),
    ]
    text = "\n".join(header) + "\n" + _flat_yaml(graph_to_data(graph))
    for path in commit([(args.output, text_bytes(text))]):
        print(f"wrote {path}: {len(graph.ops)} ops", file=sys.stderr)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    return 0


def _flat_yaml(data: dict) -> str:
    """The workload data with one op per line, so a 200-op network stays readable."""
    ops, outputs = data.pop("graph"), data.pop("outputs")
    lines = [f"  - {dump_yaml_line(op)}\n" for op in ops]
    return dump_yaml(data) + "graph:\n" + "".join(lines) + dump_yaml({"outputs": outputs})
