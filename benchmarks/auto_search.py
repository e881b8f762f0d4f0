"""Check `auto` against the presets on every shipped workload and device, and time its search.

For each (workload, device): simulate `naive`, `fused` and `tiled` on their own, then run
`auto_schedule` (timed, wall clock) and compare its simulated time with the best preset's.
Prints a Markdown table (docs/performance.md has it) and exits 1 if `auto` is slower than
any preset anywhere. Pairs run in parallel, one process each:

    python benchmarks/auto_search.py                      # everything: tens of minutes
    python benchmarks/auto_search.py --hw pi3 mobilenet   # one pair
"""

import argparse
import sys
import time
from concurrent.futures import ProcessPoolExecutor

from sim.engine.simulate import simulate
from sim.graph.load import load_workload, workload_names
from sim.hw.load import hardware_names, load_hardware
from sim.hw.model import Precision
from sim.schedule.auto import MAX_TRIALS, auto_schedule
from sim.schedule.presets import preset_schedule

PRESETS = ("naive", "fused", "tiled")


def measure(pair: tuple[str, str]) -> dict:
    workload, hw_name = pair
    graph, hw = load_workload(workload), load_hardware(hw_name)
    ms = {}
    for name in PRESETS:
        result = simulate(preset_schedule(name, graph, Precision.FP32, hw), hw)
        ms[name] = result.seconds * 1e3
    started = time.perf_counter()
    search = auto_schedule(graph, Precision.FP32, hw)
    search_s = time.perf_counter() - started
    ms["auto"] = search.cycles / hw.core.clock_hz * 1e3
    chains = ", ".join(f"{c.first} x{c.length} {c.tile[0]}x{c.tile[1]}" for c in search.chains)
    return {
        "workload": workload,
        "hw": hw_name,
        "ms": ms,
        "simulations": search.simulations,
        "search_s": search_s,
        "chains": chains or "-",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hw", action="append", help="a device (repeatable; default: all)")
    parser.add_argument("--jobs", type=int, default=2, help="processes (default 2)")
    parser.add_argument("workloads", nargs="*")
    args = parser.parse_args()
    devices = args.hw or sorted(hardware_names())
    names = args.workloads or sorted(workload_names())
    pairs = [(w, h) for h in devices for w in names]
    print(f"auto: at most 3 + {MAX_TRIALS} whole-network simulations")
    print(
        "| workload | hw | naive ms | fused ms | tiled ms | auto ms | auto / best preset "
        "| simulations | search s | chains auto tiles (first kernel, kernels, tile) |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---|")
    slower = 0
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        for row in pool.map(measure, pairs):
            ms = row["ms"]
            best = min(ms[p] for p in PRESETS)
            slower += ms["auto"] > best
            print(
                f"| {row['workload']} | {row['hw']} | {ms['naive']:.4g} | {ms['fused']:.4g} "
                f"| {ms['tiled']:.4g} | {ms['auto']:.4g} | {ms['auto'] / best:.4f} "
                f"| {row['simulations']} | {row['search_s']:.1f} | {row['chains']} |",
                flush=True,
            )
    print(f"auto slower than a preset on {slower} of {len(pairs)} pairs")
    return 1 if slower else 0


if __name__ == "__main__":
    sys.exit(main())
