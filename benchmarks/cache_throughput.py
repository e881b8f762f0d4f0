"""Throughput of sim's fast cache kernel against pycachesim, on three traces, in one run.

    python benchmarks/cache_throughput.py [--accesses N] [--repeats R]

Traces (4-byte accesses, addresses above 2**33):
  (a) N sequential loads;
  (b) N loads at uniformly random 4-byte words of a 64 MiB buffer;
  (c) a direct 3x3 convolution, stride 1, zero padding 1, over a 64x56x56 fp32 input, for the
      first 4 of its output channels: loop order k, y, x, c, ky, kx, loading the weight then
      the input of every tap inside the image, storing the output once per pixel.
Hierarchy: Cortex-A53-like, L1 32 KiB 4-way and L2 128 KiB 16-way, 64 B lines, LRU,
write-back + write-allocate; store hits do not refresh LRU order, as in pycachesim.

sim is timed from numpy arrays to counts, conversion included, best of R fresh hierarchies.
pycachesim is timed on its fastest interface, the C loop behind `CacheSimulator.load` (and
`loadstore` for (c)), fed a prepared Python list; preparing the list is not timed. Both
must report the same hits and misses per level on the read-only traces, and the same misses
and write-backs per level on (c). Start-up is measured in fresh processes (`starts`).
"""

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numba
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim.cache import make_hierarchy  # noqa: E402
from sim.hw.model import CacheLevel  # noqa: E402

LINE_BYTES = 64
ACCESS_BYTES = 4
BASE_ADDRESS = 1 << 33
TARGETS = {"a": (100e6, 2.0), "b": (20e6, 2.0), "c": (100e6, 2.0)}  # accesses/s, x pycachesim
LEVELS = (
    CacheLevel("L1", 32 * 1024, LINE_BYTES, 4, 32 * 1024, store_hit_refreshes=False),
    CacheLevel("L2", 128 * 1024, LINE_BYTES, 16, 128 * 1024, store_hit_refreshes=False),
)


def sequential(n: int):
    return BASE_ADDRESS + np.arange(n, dtype=np.uint64) * np.uint64(ACCESS_BYTES), None


def random_words(n: int):
    words = np.random.default_rng(0).integers(0, (64 << 20) // ACCESS_BYTES, n, dtype=np.uint64)
    return BASE_ADDRESS + words * np.uint64(ACCESS_BYTES), None


def convolution(channels=64, height=56, width=56, out_channels=4):
    """(addresses, is_write) of the direct convolution described in the module docstring."""
    c, ky, kx = (a.ravel() for a in np.meshgrid(*map(np.arange, (channels, 3, 3)), indexing="ij"))
    k, y, x = (
        a.reshape(-1, 1)
        for a in np.meshgrid(*map(np.arange, (out_channels, height, width)), indexing="ij")
    )
    iy, ix = y + ky - 1, x + kx - 1
    inside = (iy >= 0) & (iy < height) & (ix >= 0) & (ix < width)  # (pixels, taps)
    inputs = BASE_ADDRESS + ACCESS_BYTES * ((c * height + iy) * width + ix)
    weights = BASE_ADDRESS + (64 << 20) + ACCESS_BYTES * (((k * channels + c) * 3 + ky) * 3 + kx)
    outputs = BASE_ADDRESS + (128 << 20) + ACCESS_BYTES * ((k * height + y) * width + x)
    taps = np.stack(np.broadcast_arrays(weights, inputs), axis=-1)  # weight, then input
    keep = np.concatenate([np.repeat(inside, 2, axis=1), np.ones_like(outputs, bool)], axis=1)
    rows = np.concatenate([taps.reshape(len(outputs), -1), outputs], axis=1)
    stores = np.zeros_like(rows, bool)
    stores[:, -1] = True
    return rows[keep].astype(np.uint64), stores[keep]


def time_sim(addresses, is_write, repeats: int):
    writes = np.zeros(len(addresses), bool) if is_write is None else is_write
    best = float("inf")
    for _ in range(repeats):
        hierarchy = make_hierarchy(LEVELS)
        start = time.perf_counter()
        stats = hierarchy.run(addresses, writes, ACCESS_BYTES)
        hierarchy.flush()
        best = min(best, time.perf_counter() - start)
    return best, stats


def time_pycachesim(addresses, is_write, repeats: int):
    from cachesim import Cache, CacheSimulator, MainMemory

    if is_write is None:
        feed = addresses.tolist()
    else:  # loadstore takes (loads, stores) pairs, loads first: one pair per output pixel
        ends = np.flatnonzero(is_write)
        starts = np.concatenate([[0], ends[:-1] + 1])
        listed = addresses.tolist()
        feed = [(listed[s:e], [listed[e]]) for s, e in zip(starts.tolist(), ends.tolist())]
    best, levels = float("inf"), None
    for _ in range(repeats):
        memory = MainMemory()
        l2 = Cache("L2", LEVELS[1].sets, LEVELS[1].ways, LINE_BYTES, "LRU")
        memory.load_to(l2)
        memory.store_from(l2)
        l1 = Cache(
            "L1", LEVELS[0].sets, LEVELS[0].ways, LINE_BYTES, "LRU", load_from=l2, store_to=l2
        )
        simulator = CacheSimulator(l1, memory)
        start = time.perf_counter()
        if is_write is None:
            simulator.load(feed, length=ACCESS_BYTES)
        else:
            simulator.loadstore(feed, length=ACCESS_BYTES)
        best, levels = min(best, time.perf_counter() - start), (l1, l2)
    return best, levels


def same_counts(stats, levels, read_only: bool) -> bool:
    """Hits and misses (read-only traces), or misses and write-backs, level by level."""
    for ours, theirs in zip(stats.levels, levels):
        if ours.misses != theirs.MISS_count:
            return False
        if read_only and ours.hits != theirs.HIT_count:
            return False
        if not read_only and ours.writebacks != theirs.EVICT_count:
            return False
    return True


def starts() -> list[str]:
    """Start-up of the kernel and of `python -m sim replay`, in fresh processes: "cold" builds
    the kernels' library (sim/native) in an empty directory, "warm" loads it; "JIT warm"
    runs the kernels on numba's JIT with its cache already filled, as before the library."""
    lines = []
    probe = (
        "import time, numpy as np; t = time.perf_counter(); import sim.cache as c; "
        "from sim.hw.model import CacheLevel as L; i = time.perf_counter() - t; "
        "t = time.perf_counter(); c.simulate([L('L1', 1024, 64, 2, 1024)], "
        "np.arange(8, dtype=np.uint64), False); "
        "print(f'{i:.2f} {time.perf_counter() - t:.3f}')"
    )
    with tempfile.TemporaryDirectory() as cache_dir, tempfile.TemporaryDirectory() as jit_dir:
        env = {**os.environ, "SIM_CACHE_DIR": cache_dir, "PYTHONPATH": str(ROOT)}
        jit = {**env, "SIM_KERNELS": "jit", "NUMBA_CACHE_DIR": jit_dir}
        for label, run_env in (("cold", env), ("warm", env), ("JIT cold", jit), ("JIT warm", jit)):
            out = subprocess.run(
                [sys.executable, "-c", probe],
                env=run_env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
            if label != "JIT cold":  # only fills numba's cache
                lines.append(f"kernel {label}: import {out[0]} s, first call {out[1]} s")
        trace = Path(cache_dir) / "tiny.din"
        trace.write_text("0 0\n1 40\n0 1000 8\n")
        replay = [sys.executable, "-m", "sim", "replay", str(trace), "--hw", "pi3"]
        for label, run_env in (("warm", env), ("JIT warm", jit)):
            start = time.perf_counter()
            proc = subprocess.run(replay, env=run_env, capture_output=True, text=True)
            seconds = time.perf_counter() - start
            lines.append(f"replay {label}: {seconds:.2f} s wall, exit {proc.returncode}")
    return lines


def cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accesses", type=int, default=10_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    from importlib.metadata import version

    print(
        f"machine: {cpu_model()}, {os.cpu_count()} CPUs; "
        f"Python {platform.python_version()}, numpy {np.__version__}, numba {numba.__version__}, "
        f"pycachesim {version('pycachesim')}"
    )
    # the first kernel call builds or loads the library
    make_hierarchy(LEVELS).run(np.arange(4, dtype=np.uint64), False, ACCESS_BYTES)
    traces = {
        "a": ("sequential 4 B loads", *sequential(args.accesses)),
        "b": ("random 4 B loads in 64 MiB", *random_words(args.accesses)),
        "c": ("direct 3x3 conv, 64x56x56 fp32", *convolution()),
    }
    header = f"{'trace':34} {'accesses':>11} {'sim M/s':>8} {'pycachesim M/s':>14} {'ratio':>6}"
    print(header + "  counts")
    failures = []
    for key, (title, addresses, is_write) in traces.items():
        ours, stats = time_sim(addresses, is_write, args.repeats)
        theirs, levels = time_pycachesim(addresses, is_write, args.repeats)
        n = len(addresses)
        rate, ratio = n / ours, theirs / ours
        same = same_counts(stats, levels, read_only=is_write is None)
        what = "hits+misses" if is_write is None else "misses+write-backs"
        print(
            f"({key}) {title:30} {n:>11,} {rate / 1e6:>8.1f} {n / theirs / 1e6:>14.1f} "
            f"{ratio:>5.2f}x  {what} {'identical' if same else 'DIFFER'}"
        )
        floor, factor = TARGETS[key]
        if rate < floor or ratio < factor or not same:
            failures.append(f"({key}) target {floor / 1e6:.0f} M/s and {factor:.0f}x")
    for line in starts():
        print(line)
    print("targets: " + ("all met" if not failures else "MISSED " + "; ".join(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
