"""Arguments several commands share, and turning them into values.

List flags take their items either way, `--schedules naive,fused` or `--schedules naive fused`
(or both, and repeated); a mistyped item of a known set gets the same `did you mean` as any
choice.
"""

import argparse
import sys
from pathlib import Path

from sim.errors import ConfigError, WorkloadError
from sim.graph.sparsity import Sparsity, parse_sparsity
from sim.hw.model import Hardware, Precision
from sim.hw.overrides import load_hardware_with, parse_override
from sim.paths import resolve
from sim.report.tables import FORMATS
from sim.units import parse_bytes


def add_precision(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--precision",
        choices=[p.value for p in Precision],
        default=Precision.FP32.value,
        help="element type of activations and weights (default: fp32)",
    )


def add_allow_unknown(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--allow-unknown",
        action="store_true",
        help="ONNX: model op types sim does not know as memory-only ops instead of failing",
    )


def add_sparsity(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--sparsity",
        metavar="SPEC",
        help="weight sparsity of every conv2d, fc and matmul without its own `sparsity:`: "
        "unstructured:F, N:M, blockRxC:F or channel:F (docs/workloads.md)",
    )


def sparsity_of(args: argparse.Namespace) -> Sparsity | None:
    """The --sparsity spec, or None; ConfigError (one line) if it is malformed."""
    if args.sparsity is None:
        return None
    try:
        return parse_sparsity(args.sparsity)
    except ValueError as exc:
        raise ConfigError(f"--sparsity: {exc}") from None


def add_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", metavar="PATH", help="write the results as JSON ('-' = stdout)")


def precision_of(args: argparse.Namespace) -> Precision:
    try:
        return Precision(args.precision)
    except ValueError:
        raise ConfigError(f"unknown precision '{args.precision}'") from None


def add_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="table",
        help="terminal output: a table (default) or a GitHub Markdown table",
    )


def add_verbosity(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "-q", "--quiet", action="store_true", help="print nothing but errors; only write files"
    )
    group.add_argument(
        "-v", "--verbose", action="store_true", help="print more detail under the table"
    )


def add_objective(parser: argparse.ArgumentParser) -> None:
    from sim.plan.auto import OBJECTIVES  # only commands that plan: not analyze's start-up

    parser.add_argument(
        "--objective",
        choices=OBJECTIVES,
        default="time",
        help="what the auto schedule's search minimises: simulated time, DRAM traffic or "
        "dynamic energy (default: time; other schedules ignore it)",
    )


def add_device(parser: argparse.ArgumentParser, *, several: bool = False) -> None:
    """--hw, and how much of the device a run uses: --cores and --share."""
    if several:
        parser.add_argument(
            "--hw",
            action=ListFlag,
            required=True,
            metavar="HW",
            help="hardware: shipped names or YAML paths, `pi3 xavier` or `pi3,xavier`",
        )
    else:
        parser.add_argument(
            "--hw", required=True, help="hardware: a name in hw_configs/ or a YAML path"
        )
    parser.add_argument(
        "--cores",
        type=int,
        metavar="N",
        help="how many of the device's compute units (CPU cores, GPU SMs) run, from 1 to the "
        "device's count (default: all of them, as a runtime's thread pool or a GPU launch "
        "uses them); --cores 1 is a one-thread run that owns the whole shared cache",
    )
    parser.add_argument(
        "--share",
        metavar="SIZE",
        help="give each running unit only SIZE of the outermost shared cache (a way "
        "partition, e.g. --cores 1 --share 128KiB: one core's view of a busy chip)",
    )
    add_overrides(parser)


def add_overrides(parser: argparse.ArgumentParser) -> None:
    """--set KEY=VALUE, repeated: a hardware field changed as if the file said so."""
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        type=parse_override_flag,
        metavar="KEY=VALUE",
        help="change a field of the hardware file, as the file writes it: a memory level by "
        "name (--set L2.size=1MiB --set DRAM.bandwidth=7.2GB/s) or a top-level field "
        "(--set clock=1.5GHz, --set cores=2); repeatable (docs/hardware.md)",
    )


def parse_override_flag(text: str):
    """`KEY=VALUE` for argparse: a malformed one is a usage error, before any work."""
    try:
        return parse_override(text)
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def device_of(args: argparse.Namespace, spec: str | None = None) -> Hardware:
    """The device of `--hw` (or `spec`) as this run uses it: --cores units, --share."""
    hw = load_hardware_with(spec if spec is not None else args.hw, args.overrides)
    if args.cores is not None:
        if not 1 <= args.cores <= hw.device_units:
            raise ConfigError(
                f"--cores {args.cores}: {hw.name} has {hw.device_units} {hw.unit_name}s "
                f"(use 1 to {hw.device_units})"
            )
        hw = hw.with_units(args.cores)
    if args.share is not None:
        try:
            share = parse_bytes(args.share)
            hw = hw.with_share(share)
        except ValueError as exc:
            raise ConfigError(f"--share {args.share}: {exc}") from None
    return hw


def input_files(workloads=(), hardware=(), others=()) -> list[Path]:
    """The files a command reads: workload and hardware names resolved, other paths as given."""
    files = [resolve(spec, "workloads", "workload", WorkloadError) for spec in workloads]
    files += [resolve(spec, "hw_configs", "hardware", ConfigError) for spec in hardware]
    return files + [Path(p) for p in others if p]


def announce(args: argparse.Namespace, written: list[str]) -> None:
    """One `wrote PATH` line per file on stderr, unless --quiet."""
    if not getattr(args, "quiet", False):
        for path in written:
            print(f"wrote {path}", file=sys.stderr)


class ListFlag(argparse.Action):
    """A list: items after the flag, split at commas too; repeating the flag adds to it.
    `known` (optional) is the set every item must belong to."""

    def __init__(self, *args, known=None, **kwargs):
        self.known = known
        super().__init__(*args, nargs="+", **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        items = [item.strip() for value in values for item in value.split(",") if item.strip()]
        if not items:
            parser.error(f"argument {option_string}: expected at least one value")
        for item in items:
            if self.known is not None and item not in self.known:
                choices = ", ".join(repr(k) for k in self.known)
                parser.error(
                    f"argument {option_string}: invalid choice: '{item}' (choose from {choices})"
                )
        current = getattr(namespace, self.dest)
        previous = [] if current is self.default or current is None else current
        setattr(namespace, self.dest, [*previous, *items])
