"""Laws of a whole simulated run, on the shipped devices and small networks."""

import json

import pytest
import yaml

from sim.analytic.estimate import estimate
from sim.engine.simulate import simulate
from sim.graph.load import load_workload, parse_workload
from sim.hw.load import load_hardware, parse_hardware
from sim.hw.model import Precision
from sim.report.run import run_json
from sim.schedule.naive import naive_schedule
from sim.trace import kernel_tiles

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
        peak = hw.units * hw.core.flops_per_cycle.fp32
        bytes_per_cycle = hw.dram.bandwidth_bytes_per_s / hw.core.clock_hz
        for kernel in result.kernels:
            floor = max(kernel.flops / peak, kernel.dram_read_bytes / bytes_per_cycle)
            assert kernel.cycles >= floor * (1 - 1e-9), (hw_name, kernel.name)
            # (its writes drain in the background); and no unit is busy longer than it lasts
            assert all(b <= kernel.cycles * (1 + 1e-9) for b in kernel.unit_busy_cycles)


def test_no_run_beats_the_channel(runs):
    """Every byte that crosses the bus during the run (all but the last flush) fits in it."""
    for result in runs.values():
        hw = result.hw
        during = sum(k.dram_bytes for k in result.kernels if k.name != "(write-back)")
        bytes_per_cycle = hw.dram.bandwidth_bytes_per_s / hw.core.clock_hz
        assert result.cycles >= during / bytes_per_cycle * (1 - 1e-9)


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


def test_a_run_without_spans_gives_the_same_numbers_and_no_spans():
    with_spans, without = run("bottleneck_256", "pi3"), run("bottleneck_256", "pi3", spans=False)
    assert with_spans.timing.spans and not without.timing.spans
    assert run_json(without) == run_json(with_spans)
    assert without.timing.kernels == with_spans.timing.kernels


def test_kernel_times_add_up_to_the_network_time(runs):
    for (workload, _), result in runs.items():
        assert sum(k.cycles for k in result.kernels) == pytest.approx(result.cycles)
        assert result.total("macs") == estimate(load_workload(workload), Precision.FP32).macs


HUGE_CACHE = """
version: 1
name: huge
engine: one core with a cache larger than any test network  # test hardware
clock: 1GHz
flops_per_cycle: {fp32: 8, fp16: 8, int8: 16}
memory:
  - {kind: dram, bandwidth: 4GB/s, latency: 100ns, max_outstanding: 8}
  - {kind: cache, name: LLC, size: 256MiB, line: 64B, ways: 16, latency_cycles: 10,
     bytes_per_cycle: 32}
  - {kind: registers, count: 32, width: 16B}
"""

STREAMING = """
name: streaming
inputs: {x: [1, 16, 32, 32]}
graph:
  - {op: batch_norm, name: bn}
  - {op: relu, name: relu}
  - {op: depthwise_conv2d, name: dw, kernel: 3, pad: 1}
  - {op: max_pool, name: pool, kernel: 2}
  - {op: add, name: sum, in: [pool, pool]}
"""


def _line_bytes(tensors, line=64):
    return sum(-(-t.elements * 4 // line) * line for t in tensors)


def test_a_cache_holding_everything_moves_each_tensor_once():
    hw = parse_hardware(yaml.safe_load(HUGE_CACHE), "huge.yaml")
    graph = parse_workload(yaml.safe_load(STREAMING), "streaming.yaml")
    schedule = naive_schedule(graph, Precision.FP32)
    result = simulate(schedule, hw)
    params = [t for op in graph.ops for t in op.params]
    outputs = [t for op in graph.ops for t in op.outputs]
    assert result.total("dram_read_bytes") == _line_bytes([*graph.inputs, *params])
    assert result.total("dram_write_bytes") == _line_bytes(outputs)


def test_a_cache_holding_everything_moves_each_line_once_in_each_direction():
    """Where stores cover part of a line first (GEMM micro-tiles), write-allocate fetches it
    once; still no line is read or written twice."""
    hw = parse_hardware(yaml.safe_load(HUGE_CACHE), "huge.yaml")
    schedule = naive_schedule(load_workload("bottleneck_256"), Precision.FP32)
    fetched, written = set(), set()
    for kernel in schedule.kernels:
        for tile in kernel_tiles(kernel, schedule, hw):
            whole = tile.sizes_bytes == 64
            for address, write, full in zip(
                tile.line_addresses.tolist(), tile.is_write.tolist(), whole.tolist()
            ):
                if address not in fetched and address not in written and not (write and full):
                    fetched.add(address)
                if write:
                    written.add(address)
    result = simulate(schedule, hw)
    assert result.total("dram_read_bytes") == 64 * len(fetched)
    assert result.total("dram_write_bytes") == 64 * len(written)
