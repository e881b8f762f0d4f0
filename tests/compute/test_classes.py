"""Compute classes: every op kind has one under each of its algorithms, and the class of a
kernel is the registry's (sim/trace/registry.py), the one place that maps kinds to classes."""

from sim.compute.classes import ComputeClass
from sim.graph.model import OpKind
from sim.hw.load import load_hardware
from sim.trace.registry import REGISTRY


def test_every_algorithm_of_every_op_kind_has_a_class_the_hardware_files_rate():
    pi3 = load_hardware("pi3").compute.unit
    for kind in OpKind:
        for method in REGISTRY[kind].methods.values():
            cls = method.compute_class
            assert isinstance(cls, ComputeClass) or callable(cls), kind
    assert set(pi3.kernels) == set(ComputeClass)  # an in-order core rates every class


def test_a_conv_runs_the_class_of_its_algorithm():
    conv = REGISTRY[OpKind.CONV2D].methods
    assert conv["im2col"].compute_class is ComputeClass.GEMM
    assert conv["direct"].compute_class is ComputeClass.DIRECT
    for name, method in conv.items():
        if name.startswith("winograd"):
            assert method.compute_class is ComputeClass.WINOGRAD
    (depthwise,) = REGISTRY[OpKind.DEPTHWISE_CONV2D].methods.values()
    assert depthwise.compute_class is ComputeClass.DEPTHWISE
