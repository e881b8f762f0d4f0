"""Replay speed of a user-written replacement policy (reference engine) against the fast kernel.

    python benchmarks/policy_speed.py [--accesses N] [--repeats R]

Trace: N accesses of 4 bytes at random words of a 1 MiB buffer, one in four a store (seeded).
Hierarchy: pi3 as one core sees it (L1D 32 KiB 4-way, the 128 KiB share of the L2).
Rows: the fast kernel with the built-in LRU; the reference engine with the built-in LRU; the
reference engine with a policy class, which runs inside the checks of a user's policy (the
Python twin of LRU, and docs/testing-caches.md's MRU). Time from arrays to counts, final
flush included, best of R fresh hierarchies, the kernel's JIT already warm.
"""

import argparse
import os
import sys
import time
from pathlib import Path

import attrs
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sim.cache import ReplacementPolicy, make_hierarchy  # noqa: E402
from sim.cache.policies import LRU  # noqa: E402
from sim.hw.load import load_hardware  # noqa: E402


class MRU(ReplacementPolicy):
    def __init__(self, sets, ways):
        self.last = [0] * sets

    def on_access(self, set_index, way, hit):
        self.last[set_index] = way

    def victim(self, set_index):
        return self.last[set_index]


def best_seconds(levels, engine, trace, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        hierarchy = make_hierarchy(levels, engine)
        start = time.perf_counter()
        hierarchy.run(*trace)
        hierarchy.flush()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accesses", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    n = args.accesses
    trace = (rng.integers(0, 1 << 18, n, dtype=np.uint64) * np.uint64(4), rng.random(n) < 0.25, 4)
    levels = load_hardware("pi3").caches
    make_hierarchy(levels).run(*(a[:10] if np.ndim(a) else a for a in trace))  # JIT
    rows = [
        ("fast", "lru (built-in)", levels),
        ("reference", "lru (built-in)", levels),
        ("reference", "LRU class (user path)", [attrs.evolve(c, replacement=LRU) for c in levels]),
        ("reference", "MRU class (user path)", [attrs.evolve(c, replacement=MRU) for c in levels]),
    ]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"{n:,} accesses through pi3's L1D and L2 share, best of {args.repeats}; "
        f"load average {load:.1f} on {os.cpu_count()} CPUs"
    )
    print(f"{'engine':10} {'policy':22} {'accesses/s':>12} {'vs fast':>8}")
    fast = None
    for engine, policy, chosen in rows:
        rate = n / best_seconds(chosen, engine, trace, args.repeats)
        fast = fast or rate
        print(f"{engine:10} {policy:22} {rate:>12,.0f} {fast / rate:>7.0f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
