"""Time `python -m sim run WORKLOAD --hw HW` end to end, process start included.

For each workload: wall time and peak resident memory of the whole process, next to the
same numbers for `python -m sim analyze` (the floor: start-up, loading, no simulation),
measured in the same run. Targets (issue 4): MobileNet-v1 on pi3 under 5 s, ResNet-50
under 20 s, peak memory under 1 GB; issue 13's: MobileNet-v1 under 1.5 s, ResNet-50 under 5 s.

The processes run in this environment as it is, so with PYTHONDONTWRITEBYTECODE set they
compile sim's source on every start. `--cache-bytecode` lets them cache it, as Python does by
default, in a scratch PYTHONPYCACHEPREFIX (the checkout is left untouched).

    python benchmarks/run_speed.py [--hw pi3] [--repeat 3] [--cache-bytecode] [workload ...]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_WORKLOADS = [
    "matvec_1000",
    "conv3x3_256",
    "bottleneck_256",
    "shufflenet_v1_0.5x_g3",
    "shufflenet_v1_1x_g3",
    "mobilenet",
    "mobilenet_v2",
    "resnet18",
    "resnet50",
    "matmul_1000",
]


ENV = dict(os.environ)


def measure(argv: list[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of one child process running `python -m sim ...`."""
    script = (
        "import resource, runpy, sys, time; t = time.perf_counter(); sys.argv = ['sim'] + "
        f"{argv!r}; code = 0\n"
        "try:\n    runpy.run_module('sim', run_name='__main__')\n"
        "except SystemExit as e:\n    code = e.code\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
        "sys.exit(code)"
    )
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=ENV,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{proc.stderr}")
    peak_kb = int(proc.stderr.strip().splitlines()[-1])
    return wall, peak_kb / 1024


def best_of(argv: list[str], repeat: int) -> tuple[float, float]:
    runs = [measure(argv) for _ in range(repeat)]
    return min(r[0] for r in runs), max(r[1] for r in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workloads", nargs="*", default=DEFAULT_WORKLOADS)
    parser.add_argument("--hw", default="pi3")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cache-bytecode", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as prefix:
        if args.cache_bytecode:
            ENV.pop("PYTHONDONTWRITEBYTECODE", None)
            ENV["PYTHONPYCACHEPREFIX"] = prefix
        table(args)


def table(args: argparse.Namespace) -> None:
    measure(["run", "matvec_1000", "--hw", args.hw, "--json", "/dev/null"])  # warm the JIT cache
    header = "| workload | GMACs | run s | run MB | analyze s | analyze MB | run / analyze |"
    bytecode = "cached" if "PYTHONDONTWRITEBYTECODE" not in ENV else "compiled at every start"
    print(f"hw: {args.hw}, best of {args.repeat} (wall, process start included)", end=", ")
    print(f"bytecode {bytecode}\n")
    print(header)
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name in args.workloads:
        analysis = subprocess.run(
            [sys.executable, "-m", "sim", "analyze", name, "--json", "-"],
            cwd=ROOT,
            env=ENV,
            capture_output=True,
            text=True,
            check=True,
        )
        gmacs = json.loads(analysis.stdout)["totals"]["macs"] / 1e9
        run_s, run_mb = best_of(["run", name, "--hw", args.hw, "--json", "/dev/null"], args.repeat)
        an_s, an_mb = best_of(
            ["analyze", name, "--hw", args.hw, "--json", "/dev/null"], args.repeat
        )
        print(
            f"| {name} | {gmacs:.3f} | {run_s:.2f} | {run_mb:.0f} | {an_s:.2f} | {an_mb:.0f} "
            f"| {run_s / an_s:.1f}x |"
        )


if __name__ == "__main__":
    main()
