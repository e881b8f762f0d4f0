"""Check `auto` against the presets on every shipped workload and device, and time its search.

For each (workload, device): simulate `naive`, `fused` and `tiled` on their own, then run
`auto_schedule` (timed, wall clock) and compare its objective (simulated time, or DRAM
traffic with `--objective traffic`) with the best preset's. Prints a Markdown table
(docs/performance.md has it) and exits 1 if `auto` is worse than any preset anywhere. Pairs
run in parallel, one process each:

    python benchmarks/auto_search.py                      # everything: minutes
    python benchmarks/auto_search.py --hw pi3 mobilenet   # one pair
    python benchmarks/auto_search.py --objective traffic
"""

import argparse
import sys
import time
from concurrent.futures import ProcessPoolExecutor

from sim.engine.simulate import simulate
from sim.graph.load import load_workload, workload_names
from sim.hw.load import hardware_names, load_hardware
from sim.hw.model import Precision
from sim.plan.auto import MAX_TRIALS, OBJECTIVES, auto_schedule
from sim.schedule.presets import preset_schedule

PRESETS = ("naive", "fused", "tiled")


def measure(job: tuple[str, str, str]) -> dict:
    workload, hw_name, objective = job
    graph, hw = load_workload(workload), load_hardware(hw_name)
    value = {}
    for name in PRESETS:
        result = simulate(preset_schedule(name, graph, Precision.FP32, hw), hw)
        dram = result.total("dram_read_bytes") + result.total("dram_write_bytes")
        value[name] = result.seconds * 1e3 if objective == "time" else dram / 1e6
    started = time.perf_counter()
    search = auto_schedule(graph, Precision.FP32, hw, objective)
    search_s = time.perf_counter() - started
    if objective == "time":
        value["auto"] = search.cycles / hw.core.clock_hz * 1e3
    else:
        value["auto"] = search.dram_bytes / 1e6
    chains = ", ".join(f"{c.first} x{c.length} {c.tile[0]}x{c.tile[1]}" for c in search.chains)
    return {
        "workload": workload,
        "hw": hw_name,
        "value": value,
        "simulations": search.simulations,
        "trials": search.trials,
        "search_s": search_s,
        "chains": chains or "-",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hw", action="append", help="a device (repeatable; default: all)")
    parser.add_argument("--jobs", type=int, default=2, help="processes (default 2)")
    parser.add_argument("--objective", choices=OBJECTIVES, default="time")
    parser.add_argument("workloads", nargs="*")
    args = parser.parse_args()
    devices = args.hw or sorted(hardware_names())
    names = args.workloads or sorted(workload_names())
    jobs = [(w, h, args.objective) for h in devices for w in names]
    unit = "ms" if args.objective == "time" else "DRAM MB"
    print(
        f"auto, least {args.objective}: 3 or 4 whole-network simulations and at most "
        f"{MAX_TRIALS} moves judged on kernel windows"
    )
    print(
        f"| workload | hw | naive {unit} | fused {unit} | tiled {unit} | auto {unit} "
        "| auto / best preset | whole + moves | search s "
        "| chains auto tiles (first kernel, kernels, tile) |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---|")
    worse = 0
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        for row in pool.map(measure, jobs):
            v = row["value"]
            best = min(v[p] for p in PRESETS)
            worse += v["auto"] > best
            print(
                f"| {row['workload']} | {row['hw']} | {v['naive']:.4g} | {v['fused']:.4g} "
                f"| {v['tiled']:.4g} | {v['auto']:.4g} | {v['auto'] / best:.4f} "
                f"| {row['simulations']} + {row['trials']} | {row['search_s']:.1f} "
                f"| {row['chains']} |",
                flush=True,
            )
    print(f"auto worse than a preset on {worse} of {len(jobs)} pairs")
    return 1 if worse else 0


if __name__ == "__main__":
    sys.exit(main())
