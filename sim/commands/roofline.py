"""`python -m sim roofline --hw HW ... [--workloads W ...] --plot PATH`: roofs and kernels.

Without workloads: the devices' roofs on one log-log plot. With workloads: every workload is
simulated on every device under every schedule asked for, and each device's panel shows each
kernel's cache-ignoring estimate and its simulation, joined by an arrow coloured by schedule
(sim/report/roofline_plot.py).
"""

import argparse

from sim.commands.common import (
    ListFlag,
    add_device,
    add_format,
    add_json,
    add_precision,
    add_verbosity,
    announce,
    device_of,
    input_files,
    precision_of,
)
from sim.commands.present import figure_path, print_reports
from sim.commands.progress import progress
from sim.engine.simulate import simulate
from sim.graph.load import load_workload
from sim.outputs import check_outputs, commit, figure_bytes, json_bytes
from sim.report.roofline import LABEL_TOP, RooflineData, roofline_data
from sim.report.tables import Column, Report, fixed, ratio
from sim.schedule.presets import PRESETS, preset_schedule

EXAMPLES = """examples:
  python -m sim roofline --hw pi3 xavier v100 --plot roofs.png
  python -m sim roofline --hw pi3 --workloads mobilenet --plot mobilenet_pi3.svg
  python -m sim roofline --hw pi3 xavier --workloads matmul_1000 matvec_1000 --plot mm.png
  python -m sim roofline --hw pi3 --workloads mobilenet --schedules naive fused --plot nf.png"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_device(parser, several=True)
    parser.add_argument(
        "--workloads",
        action=ListFlag,
        default=[],
        metavar="WORKLOAD",
        help="workloads to simulate on every device and plot kernel by kernel",
    )
    parser.add_argument(
        "--schedules",
        action=ListFlag,
        known=PRESETS,
        default=["naive"],
        metavar="SCHEDULE",
        help=f"schedules to simulate and overlay, of {', '.join(PRESETS)} (default: naive)",
    )
    add_precision(parser)
    parser.add_argument(
        "--plot", metavar="PATH", type=figure_path, help="write the plot (.png, .svg or .pdf)"
    )
    parser.add_argument(
        "--labels",
        type=int,
        default=LABEL_TOP,
        metavar="N",
        help=f"name at most N kernels per device panel, slowest first (default {LABEL_TOP})",
    )
    add_json(parser)
    add_format(parser)
    add_verbosity(parser)


def run(args: argparse.Namespace) -> int:
    outputs = {"--plot": args.plot, "--json": args.json}
    check_outputs(outputs, input_files(args.workloads, args.hw))
    precision = precision_of(args)
    hws = [device_of(args, spec) for spec in args.hw]
    graphs = [load_workload(spec) for spec in args.workloads]
    runs = [(hw, g, n) for hw in hws for g in graphs for n in args.schedules]
    results = []
    with progress(f"simulating {len(runs)} runs", shown=not args.quiet) as update:
        for hw, graph, name in runs:
            results.append(simulate(preset_schedule(name, graph, precision, hw), hw, spans=False))
            if update:
                update(len(results), len(runs))
    data = roofline_data(hws, results, precision)
    files = []
    if args.plot:
        from sim.report.roofline_plot import roofline_figure  # matplotlib only when plotting

        figure = roofline_figure(data, label_top=max(args.labels, 0))
        files.append((args.plot, figure_bytes(args.plot, figure)))
    if args.json:
        files.append((args.json, json_bytes(data.as_dict())))
    announce(args, commit(files))
    if not args.quiet and args.json != "-":
        print_reports(args.format, [roofs_report(data)], _run_lines(data))
    return 0


def roofs_report(data: RooflineData) -> Report:
    """One row per roof; a roof's ridge is where it meets the other kind of roof (a peak
    meets DRAM; a memory roof meets the chosen precision's peak)."""
    rows = []
    for device in data.devices:
        peak = device.peak_flops_per_s(data.precision)
        for roof in device.compute:
            rows.append(
                {
                    "device": device.device,
                    "roof": f"{'/'.join(roof.precisions)} peak",
                    "flops_per_s": roof.flops_per_s,
                    "ridge_flops_per_byte": roof.flops_per_s / device.dram_bytes_per_s,
                }
            )
        for roof in device.memory:
            rows.append(
                {
                    "device": device.device,
                    "roof": roof.name,
                    "bytes_per_s": roof.bytes_per_s,
                    "ridge_flops_per_byte": peak / roof.bytes_per_s,
                }
            )
    columns = (
        Column("device", "device", numeric=False),
        Column("roof", "roof", numeric=False),
        Column("GFLOP/s", "flops_per_s", fixed(1, 1e9)),
        Column("GB/s", "bytes_per_s", fixed(1, 1e9)),
        Column("ridge FLOP/B", "ridge_flops_per_byte", fixed(2)),
    )
    devices = ", ".join(d.label or d.device for d in data.devices)
    title = f"roofs of {devices} ({data.precision} peak for memory roofs' ridges)"
    return Report(title, columns, tuple(rows))


def _run_lines(data: RooflineData) -> list[str]:
    """Per simulated run: intensity estimated and simulated, achieved FLOP/s."""
    runs: dict[tuple[str, str, str], list] = {}
    for p in data.points:
        runs.setdefault((p.workload, p.device, p.schedule), []).append(p)
    lines = []
    for (workload, device, schedule), points in runs.items():
        flops = sum(p.flops for p in points)
        analytic = ratio(
            sum(p.analytic_flops for p in points), sum(p.analytic_bytes for p in points)
        )
        simulated = ratio(flops, sum(p.dram_bytes for p in points))
        achieved = ratio(flops, sum(p.seconds for p in points))
        lines.append(
            f"{workload} on {device} ({schedule}): {_num(analytic)} FLOP/B estimated, "
            f"{_num(simulated)} FLOP/B simulated, {_num(achieved, 1e9)} GFLOP/s"
        )
    return lines


def _num(value: float | None, scale: float = 1.0) -> str:
    return "-" if value is None else f"{value / scale:,.2f}"
