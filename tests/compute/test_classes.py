import pytest

from sim.compute.classes import ComputeClass, compute_class
from sim.graph.model import CONV_ALGORITHMS, OpKind


def test_every_op_kind_has_a_class():
    for kind in OpKind:
        assert isinstance(compute_class(kind.value), ComputeClass)


def test_a_conv_runs_the_class_of_its_algorithm():
    assert compute_class("conv2d") is ComputeClass.GEMM
    assert compute_class("conv2d", "im2col") is ComputeClass.GEMM
    assert compute_class("conv2d", "direct") is ComputeClass.DIRECT
    for algorithm in CONV_ALGORITHMS:
        if algorithm.startswith("winograd"):
            assert compute_class("conv2d", algorithm) is ComputeClass.WINOGRAD
    assert compute_class("depthwise_conv2d", "direct") is ComputeClass.DEPTHWISE


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("fc", ComputeClass.GEMM),
        ("matmul", ComputeClass.GEMM),
        ("max_pool", ComputeClass.POOL),
        ("global_avg_pool", ComputeClass.POOL),
        ("relu", ComputeClass.ELEMENTWISE),
        ("add", ComputeClass.ELEMENTWISE),
        ("softmax", ComputeClass.ELEMENTWISE),
        ("concat", ComputeClass.DATA),
        ("channel_shuffle", ComputeClass.DATA),
    ],
)
def test_op_kinds_map_to_their_inner_loops(kind, expected):
    assert compute_class(kind) is expected


def test_a_kind_without_an_entry_is_an_error():
    with pytest.raises(ValueError, match="no compute class for op kind 'write-back'"):
        compute_class("write-back")
