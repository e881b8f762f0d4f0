"""Print, for every shipped workload on one device, simulated time next to the roofline.

The table in docs/validation.md is this script's output:

    python benchmarks/validation_table.py --hw pi3 [--cores N]
"""

import argparse

from sim.analytic.estimate import estimate
from sim.engine.simulate import simulate
from sim.graph.load import load_workload, workload_names
from sim.hw.load import load_hardware
from sim.hw.model import Precision
from sim.schedule.naive import naive_schedule


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hw", default="pi3")
    parser.add_argument("--cores", type=int, help="units that run (default: all the device has)")
    parser.add_argument("workloads", nargs="*")
    args = parser.parse_args()
    hw = load_hardware(args.hw)
    if args.cores is not None:
        hw = hw.with_units(args.cores)
    precision = Precision.FP32
    peak = hw.peak_flops_per_s(precision)
    names = args.workloads or [n for n in workload_names() if n != "vgg16"]
    print(
        "| workload | GFLOPs | roofline ms | simulated ms | sim / roofline | GFLOP/s | % of peak "
        "| analytic MB | DRAM MB | DRAM / analytic | bound (most time) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for name in names:
        graph = load_workload(name)
        est = estimate(graph, precision, hw)
        result = simulate(naive_schedule(graph, precision), hw)
        seconds = result.seconds
        dram = result.total("dram_read_bytes") + result.total("dram_write_bytes")
        by_bound: dict[str, float] = {}
        for kernel in result.kernels:
            by_bound[kernel.bound] = by_bound.get(kernel.bound, 0.0) + kernel.cycles
        bound = max(by_bound, key=by_bound.get)
        share = by_bound[bound] / result.cycles
        achieved = result.total("flops") / seconds
        print(
            f"| {name} | {est.flops / 1e9:.3f} | {est.roofline_seconds * 1e3:.2f} "
            f"| {seconds * 1e3:.2f} | {seconds / est.roofline_seconds:.2f} "
            f"| {achieved / 1e9:.2f} | {100 * achieved / peak:.1f}% "
            f"| {est.analytic_bytes / 1e6:.2f} | {dram / 1e6:.2f} "
            f"| {dram / est.analytic_bytes:.2f} "
            f"| {bound} ({100 * share:.0f}% of time) |"
        )


if __name__ == "__main__":
    main()
