"""Time the trace generators alone, and fingerprint what they produce.

For each case: the schedule `python -m sim run` would simulate, every unit's part of every
kernel traced with the tile size the engine asks for (nothing replayed through caches), best
of --repeat CPU seconds (steadier than wall time on a shared machine), the tile count and a
SHA-256 of every tile's fields in order. Two versions of the generators that print the same
digest produce the same tiles.

    python benchmarks/trace_speed.py [--repeat 3] [--profile OUT.prof] [case ...]

A case is `WORKLOAD:HW[:PRECISION[:CORES]]`, e.g. `resnet50:v100:fp16:8`.
"""

import argparse
import cProfile
import hashlib
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sim.engine.split import tile_lines  # noqa: E402
from sim.graph.load import load_workload  # noqa: E402
from sim.hw.load import load_hardware  # noqa: E402
from sim.hw.model import Precision  # noqa: E402
from sim.plan import plan  # noqa: E402
from sim.trace import kernel_tiles  # noqa: E402

DEFAULT_CASES = [
    "mobilenet:pi3",
    "resnet18:pi3",
    "mobilenet:xavier:fp16",
    "resnet50:v100:fp16:8",
]


def schedule_of(case: str):
    workload, hw_name, *rest = case.split(":")
    precision = Precision(rest[0] if rest else "fp32")
    hw = load_hardware(hw_name)
    if len(rest) > 1:
        hw = hw.with_units(int(rest[1]))
    graph = load_workload(workload)
    return plan(graph, hw, "naive", precision).schedule, hw


def trace_all(schedule, hw) -> tuple[int, str]:
    """(tiles, digest) of every unit's tiles of every kernel."""
    digest = hashlib.sha256()
    count = 0
    for kernel in schedule.kernels:
        lines = tile_lines(kernel, schedule, hw)
        for unit in range(hw.units):
            for tile in kernel_tiles(kernel, schedule, hw, (unit, hw.units), lines):
                count += 1
                digest.update(f"{tile.flops},{tile.collapsed_accesses},".encode())
                digest.update(f"{tile.spill_accesses};".encode())
                digest.update(tile.line_addresses.tobytes())
                digest.update(tile.is_write.tobytes())
                digest.update(tile.sizes_bytes.tobytes())
    return count, digest.hexdigest()[:16]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", default=DEFAULT_CASES)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", metavar="OUT", help="cProfile the first case's last run")
    args = parser.parse_args()
    print("| case | tiles | digest | best CPU s |")
    print("|---|---:|---|---:|")
    for case in args.cases:
        schedule, hw = schedule_of(case)
        times = []
        for _ in range(args.repeat):
            start = time.process_time()
            tiles, digest = trace_all(schedule, hw)
            times.append(time.process_time() - start)
        print(f"| {case} | {tiles} | {digest} | {min(times):.3f} |", flush=True)
        if args.profile and case == args.cases[0]:
            cProfile.runctx("trace_all(schedule, hw)", globals(), locals(), args.profile)


if __name__ == "__main__":
    main()
