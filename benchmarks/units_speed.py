"""What simulating many units costs: wall time of a run on N units against the same run on one.

For each (workload, device, precision): `python -m sim run W --hw HW --cores 1` and
`--cores N` (the device's count), end to end in a fresh process each, best of --repeat, and
their ratio, measured in the same run. Targets (issue 11): MobileNet-v1 on pi3 with 4 cores
at most 2x the 1-core wall time; ResNet-50 fp16 on all 80 V100 SMs under 30 s.

    python benchmarks/units_speed.py [--repeat 3]
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run_speed import best_of, measure  # noqa: E402

CASES = [
    ("mobilenet", "pi3", "fp32", 4),
    ("resnet18", "pi3", "fp32", 4),
    ("mobilenet", "xavier", "fp16", 8),
    ("resnet50", "v100", "fp16", 80),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    measure(["run", "matvec_1000", "--hw", "pi3", "--json", "/dev/null"])  # warm the JIT cache
    print(f"best of {args.repeat} (wall, process start included)\n")
    print("| workload | hw | precision | 1 unit s | N units | N units s | N / 1 |")
    print("|---|---|---|---:|---:|---:|---:|")
    for workload, hw, precision, units in CASES:
        base = ["run", workload, "--hw", hw, "--precision", precision, "--json", "/dev/null"]
        one, _ = best_of([*base, "--cores", "1"], args.repeat)
        many, _ = best_of([*base, "--cores", str(units)], args.repeat)
        print(
            f"| {workload} | {hw} | {precision} | {one:.2f} | {units} | {many:.2f} "
            f"| {many / one:.2f} |"
        )


if __name__ == "__main__":
    main()
