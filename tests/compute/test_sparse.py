"""What a sparse kernel's tile costs: the SpMM inner loop's issue on an in-order core, CUDA-core
rates on a GPU, and, in whole layers, the crossover a sparse kernel has against dense GEMM."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.compute.classes import ComputeClass
from sim.compute.model import compute_cycles, unit_cycles
from sim.compute.sparse import sparse_cycles
from sim.engine.simulate import simulate
from sim.graph.load import parse_workload
from sim.graph.pruning import apply_sparsity
from sim.graph.sparsity import parse_sparsity
from sim.hw.load import load_hardware
from sim.hw.model import Precision
from sim.schedule.naive import naive_schedule
from sim.trace.model import Tile

PI3 = load_hardware("pi3")
FP32 = Precision.FP32


def test_one_kept_weight_on_a_strip_of_32_pixels_costs_the_a53_what_it_issues():
    # 8 FMLAs, 8 ld1 of 128 bits (2 cycles each), a bubble per 3 FMLAs, then the index and
    # the weight loads at one cycle each (pi3's depthwise and gemm mixes)
    cycles = sparse_cycles(64, 10, PI3.compute, FP32, rows=1)
    assert cycles == pytest.approx(8 + 8 / 3 + 8 * 2 + 2 * 1)


def test_a_block_of_rows_loads_each_input_vector_once():
    unstructured = sparse_cycles(256, 14, PI3.compute, FP32, rows=1)
    blocks = sparse_cycles(256, 14, PI3.compute, FP32, rows=4)  # 4 rows share 8 loads
    assert blocks < unstructured


@given(st.floats(0, 1e6), st.floats(0, 1e6), st.floats(0, 1e5), st.integers(1, 8))
def test_more_work_never_costs_less(flops, accesses, more, rows):
    base = sparse_cycles(flops, accesses, PI3.compute, FP32, rows)
    assert sparse_cycles(flops + more, accesses, PI3.compute, FP32, rows) >= base - 1e-6
    assert sparse_cycles(flops, accesses + more, PI3.compute, FP32, rows) >= base - 1e-6


def test_the_algorithm_name_routes_a_tile_to_the_sparse_model():
    tile = Tile(flops=6_400, line_addresses=[0, 64], is_write=[0, 0], collapsed_accesses=998)
    assert compute_cycles(
        tile, PI3, FP32, "conv2d", ComputeClass.DIRECT, "sparse1x1"
    ) == pytest.approx(sparse_cycles(6_400, 1_000, PI3.compute, FP32, 1))
    v100 = load_hardware("v100")  # CUDA cores: Volta has no sparse tensor-core mode
    direct = unit_cycles(6_400, 1_000, v100.compute, ComputeClass.DIRECT, FP32)
    assert compute_cycles(
        tile, v100, FP32, "conv2d", ComputeClass.DIRECT, "sparse4x1"
    ) == pytest.approx(direct)


def _compute_cycles(spec: str) -> float:
    layer = {
        "name": "pw",
        "inputs": {"x": [1, 256, 28, 28]},
        "graph": [{"op": "conv2d", "name": "pw", "channels": 256, "kernel": 1}],
    }
    graph = apply_sparsity(parse_workload(layer), parse_sparsity(spec))
    result = simulate(naive_schedule(graph, FP32), PI3.with_units(1))
    return result.kernels[0].compute_cycles


def test_a_sparse_kernel_beats_dense_gemm_at_90_percent_and_loses_at_50():
    """Elsen et al.: sparse kernels pay off only at high sparsity (their range: 70-95%)."""
    dense = _compute_cycles("dense")
    assert _compute_cycles("unstructured:0.9") < dense < _compute_cycles("unstructured:0.5")
