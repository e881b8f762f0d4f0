"""Time a 64-point sweep (8 L2 sizes x 8 DRAM bandwidths) of fused MobileNet-v1 on pi3.

Four measurements, each a fresh `python -m sim` process, process start included: one `run`
of a single point (what a point costs alone); the first 4 points swept in one process
(`--workers 1`), whose CPU time per point is what a point costs a worker that keeps its
imports, workload and schedule; the whole sweep into an empty results file on `--workers`
local processes (the issue 13 target: under 60 s on a 2-core machine); and the same sweep
again (resumed: every point already in the file, no work). CPU time is user + system of the
process (local workers start from a fork server, so the parallel sweep's workers are not
its children and only its wall time is measured). The machine's load average is printed,
since other jobs on a shared machine slow every figure.

    python benchmarks/sweep_speed.py [--workers 2] [--cores N]
"""

import argparse
import csv
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
L2_SIZES = ["64KiB", "128KiB", "256KiB", "512KiB", "1MiB", "2MiB", "4MiB", "8MiB"]
BANDWIDTHS = [
    "0.9GB/s",
    "1.8GB/s",
    "2.7GB/s",
    "3.6GB/s",
    "4.8GB/s",
    "6.4GB/s",
    "7.2GB/s",
    "9.6GB/s",
]
TARGET_S = 60.0


def spec_text(cores: int | None, sizes: list[str], bandwidths: list[str]) -> str:
    lines = ["workloads: [mobilenet]", "hw: pi3", "schedules: [fused]"]
    if cores is not None:
        lines.append(f"cores: [{cores}]")
    lines += ["grid:", f"  L2.size: [{', '.join(sizes)}]"]
    lines.append(f"  DRAM.bandwidth: [{', '.join(bandwidths)}]")
    return "\n".join(lines) + "\n"


def timed(argv: list[str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system, its worker processes included) of one
    `python -m sim` process: CPU time is what the machine's other jobs cannot inflate much."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "sim", *argv], cwd=ROOT, capture_output=True, text=True
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {proc.returncode}:\n{proc.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cores", type=int, default=None, help="run option (default: all)")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as scratch:
        spec = Path(scratch) / "spec.yaml"
        spec.write_text(spec_text(args.cores, L2_SIZES, BANDWIDTHS))
        sample = Path(scratch) / "sample.yaml"
        sample.write_text(spec_text(args.cores, L2_SIZES[:2], BANDWIDTHS[:2]))
        results = Path(scratch) / "results.csv"
        one = ["run", "mobilenet", "--hw", "pi3", "--schedule", "fused", "--quiet"]
        one += ["--json", str(Path(scratch) / "one.json")]
        one += ["--cores", str(args.cores)] if args.cores else []
        single = timed(one)
        _, in_one = timed(
            ["sweep", str(sample), "-o", str(Path(scratch) / "s.csv"), "-q", "--workers", "1"]
        )
        sweep = ["sweep", str(spec), "-o", str(results), "--workers", str(args.workers), "-q"]
        first = timed(sweep)
        again = timed(sweep)
        with open(results, newline="") as handle:
            rows = list(csv.DictReader(handle))
    failed = sum(1 for row in rows if row["error"])
    simulated = [float(row["seconds"]) for row in rows if not row["error"]]
    n = len(rows)
    print(f"load average before: {load:.1f} on {os.cpu_count()} CPUs")
    print(f"one point alone (run, fresh process): {single[0]:.1f} s wall, {single[1]:.1f} s CPU")
    print(f"4 points in one process (--workers 1): {in_one:.1f} s CPU = {in_one / 4:.2f} s a point")
    print(
        f"sweep, {n} points ({failed} failed), {args.workers} workers: {first[0]:.1f} s wall "
        f"(target: {TARGET_S:.0f} s, {'met' if first[0] < TARGET_S else 'not met'})"
    )
    print(f"rerun, every point resumed: {again[0]:.1f} s wall")
    print(
        f"simulated MobileNet-v1 time over the grid: {min(simulated) * 1e3:.1f} to "
        f"{max(simulated) * 1e3:.1f} ms"
    )


if __name__ == "__main__":
    main()
