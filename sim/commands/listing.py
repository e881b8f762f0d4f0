"""`python -m sim list`: the shipped hardware and workloads, one line each."""

import argparse

from rich.table import Table

from sim.errors import SimError
from sim.graph.load import load_workload, workload_names
from sim.hw.load import hardware_names, load_hardware
from sim.hw.model import Precision
from sim.report.console import make_console
from sim.units import format_binary_bytes

EXAMPLES = """examples:
  python -m sim list
  python -m sim list hw"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("what", nargs="?", choices=["hw", "workloads", "all"], default="all")


def run(args: argparse.Namespace) -> int:
    console = make_console()
    if args.what in ("hw", "all"):
        table = Table(title="hardware (--hw NAME)", header_style="bold")
        for column in ("name", "units", "peak fp32", "DRAM", "caches (per unit)", "description"):
            table.add_column(column)
        for name, path in hardware_names().items():
            try:
                hw = load_hardware(str(path))
            except SimError as exc:
                table.add_row(name, "", "", "", "", f"[red]invalid: {exc.reason}[/]")
                continue
            caches = ", ".join(
                _cache_text(c, depth < hw.private_levels) for depth, c in enumerate(hw.caches)
            )
            peak = f"{hw.peak_flops_per_s(Precision.FP32) / 1e9:,.1f} GFLOP/s"
            dram = f"{hw.dram.bandwidth_bytes_per_s / 1e9:g} GB/s"
            units = f"{hw.device_units} {hw.unit_name}s"
            table.add_row(name, units, peak, dram, caches, hw.description)
        console.print(table)
    if args.what in ("workloads", "all"):
        table = Table(title="workloads", header_style="bold")
        for column in ("name", "ops", "description"):
            table.add_column(column)
        for name, path in workload_names().items():
            try:
                graph = load_workload(str(path))
            except SimError as exc:
                table.add_row(name, "", f"[red]invalid: {exc.reason}[/]")
                continue
            table.add_row(name, str(len(graph.ops)), graph.description)
        console.print(table)
    return 0


def _cache_text(level, private: bool) -> str:
    text = f"{level.name} {format_binary_bytes(level.share_bytes)}"
    if level.is_shared:
        text += f" of {format_binary_bytes(level.size_bytes)}"
    return text + (" own" if private else " shared")
