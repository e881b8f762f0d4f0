"""Laws of a whole simulated run, on the shipped devices and small networks."""

import json

import pytest

from sim.analytic.estimate import estimate
from sim.engine.simulate import simulate
from sim.graph.load import load_workload
from sim.hw.load import load_hardware
from sim.hw.model import Precision
from sim.report.run import run_json
from sim.schedule.naive import naive_schedule

SMALL = ["bottleneck_256", "matvec_1000", "shufflenet_v1_0.5x_g3"]


def run(workload: str, hw_name: str, **kwargs):
    graph = load_workload(workload)
    return simulate(naive_schedule(graph, Precision.FP32), load_hardware(hw_name), **kwargs)


@pytest.fixture(scope="module")
def runs():
    return {(w, h): run(w, h) for w in SMALL for h in ("pi3", "xavier")}


def test_no_kernel_beats_its_roofline(runs):
    for (_, hw_name), result in runs.items():
        hw = result.hw
        peak = hw.core.flops_per_cycle.fp32
        bytes_per_cycle = hw.dram.bandwidth_bytes_per_s / hw.core.clock_hz
        for kernel in result.kernels:
            floor = max(kernel.flops / peak, kernel.dram_bytes / bytes_per_cycle)
            assert kernel.cycles >= floor * (1 - 1e-9), (hw_name, kernel.name)


def test_dram_reads_cover_the_weights_and_the_input(runs):
    for (workload, _), result in runs.items():
        graph = load_workload(workload)
        must_read = sum(t.elements for t in graph.inputs)
        must_read += sum(t.elements for op in graph.ops for t in op.params)
        assert result.total("dram_read_bytes") >= must_read * 4


def test_without_caches_dram_traffic_is_at_least_the_estimate():
    for workload in SMALL:
        result = run(workload, "pi3", caches=False)
        analytic = estimate(load_workload(workload), Precision.FP32).analytic_bytes
        assert result.total("dram_read_bytes") + result.total("dram_write_bytes") >= analytic
        for kernel in result.kernels:
            assert kernel.dram_bytes >= kernel.analytic_bytes


def test_two_runs_give_the_same_numbers():
    first = json.dumps(run_json(run("shufflenet_v1_0.5x_g3", "pi3")), sort_keys=True)
    second = json.dumps(run_json(run("shufflenet_v1_0.5x_g3", "pi3")), sort_keys=True)
    assert first == second


def test_kernel_times_add_up_to_the_network_time(runs):
    for (workload, _), result in runs.items():
        assert sum(k.cycles for k in result.kernels) == pytest.approx(result.cycles)
        assert result.total("macs") == estimate(load_workload(workload), Precision.FP32).macs
