"""The op-kind registry and the runtime's algorithm choice (docs/traces.md)."""

import attrs
import pytest

from sim.compute.classes import ComputeClass
from sim.errors import ScheduleError
from sim.graph.load import load_workload
from sim.graph.model import Op, OpKind, Tensor
from sim.hw.model import Precision
from sim.schedule.model import Algorithm, Kernel
from sim.schedule.naive import naive_schedule
from sim.schedule.presets import preset_schedule
from sim.trace import compute_class, kernel_tiles
from sim.trace.registry import REGISTRY, entry
from sim.trace.runtime import Runtime, conv_algorithm, runtime_of
from tests.trace.util import graph, hardware, schedule


def test_every_op_kind_has_an_entry_with_a_known_compute_class():
    assert set(REGISTRY) == set(OpKind)
    for kind, found in REGISTRY.items():
        assert found.methods, kind
        for how in found.methods.values():
            assert isinstance(how.compute_class, ComputeClass) is not callable(how.compute_class)


def test_an_entry_gives_its_kinds_shape_rule_and_count():
    op = _conv(64, 32, kernel=3, stride=2, size=28)
    found = entry(op.kind)
    outputs, params = found.shape(op.attrs, [op.inputs[0].shape])
    assert outputs == [op.outputs[0].shape] and [p for _, p in params] == [
        t.shape for t in op.params
    ]
    assert found.count(op) == 2 * 14 * 14 * 32 * 64 * 9


def test_an_op_kind_without_an_entry_is_an_error_naming_it(monkeypatch):
    s = schedule({"x": [1, 4, 4, 4]}, [{"op": "relu", "name": "r"}])
    monkeypatch.delitem(REGISTRY, OpKind.RELU)
    with pytest.raises(ScheduleError, match="^kernel r: op kind relu has no trace generator"):
        kernel_tiles(s.kernels[0], s, hardware("pi3"))
    with pytest.raises(ScheduleError, match="relu"):
        entry(OpKind.RELU)


def _conv(c_in, c_out, kernel=3, stride=1, size=28, groups=1):
    op = {"op": "conv2d", "channels": c_out, "kernel": kernel, "stride": stride, "pad": kernel // 2}
    op["groups"] = groups
    return graph({"x": [1, c_in, size, size]}, [op]).ops[0]


@pytest.mark.parametrize(
    ("c_in", "c_out", "kernel", "stride", "expected"),
    [
        (64, 64, 3, 1, Algorithm.WINOGRAD_6X6),  # both <= 128: F(6x6,3x3)
        (3, 64, 3, 1, Algorithm.WINOGRAD_6X6),  # VGG conv1_1: C_out >= 8 is enough
        (256, 256, 3, 1, Algorithm.WINOGRAD_4X4),  # conv3x3_256: both > 128 and >= 8
        (4, 256, 3, 1, Algorithm.WINOGRAD_2X2),  # C_out > 128 but C_in < 8
        (4, 4, 3, 1, Algorithm.DIRECT),  # no Winograd below 8 channels; small: direct
        (3, 32, 3, 2, Algorithm.DIRECT),  # MobileNet conv1: pack1to4 3x3 stride 2
        (3, 64, 7, 2, Algorithm.DIRECT),  # ResNet conv1: pack1to4 7x7 stride 2
        (64, 128, 3, 2, Algorithm.IM2COL),  # a downsampling 3x3: GEMM
        (16, 16, 3, 2, Algorithm.DIRECT),  # 3x3 stride 2 with C_out < 32: packed direct
        (512, 512, 1, 1, Algorithm.IM2COL),  # pointwise: always GEMM
        (64, 64, 5, 1, Algorithm.DIRECT),  # 5x5 stride 1, pack4: direct
    ],
)
def test_ncnn_picks_like_convolution_arm(c_in, c_out, kernel, stride, expected):
    op = _conv(c_in, c_out, kernel, stride)
    assert conv_algorithm(op, hardware("pi3"), Precision.FP32) == expected


def test_ncnn_int8_uses_f43_or_gemm_and_groups_never_winograd():
    pi3 = hardware("pi3")
    assert conv_algorithm(_conv(64, 64), pi3, Precision.INT8) == Algorithm.WINOGRAD_4X4
    assert conv_algorithm(_conv(4, 4), pi3, Precision.INT8) == Algorithm.IM2COL
    assert conv_algorithm(_conv(64, 64, groups=2), pi3, Precision.FP32) == Algorithm.IM2COL


def test_gpus_run_implicit_gemm_and_cpus_ncnn():
    assert runtime_of(hardware("pi3")) is Runtime.NCNN
    for name in ("xavier", "v100"):
        assert runtime_of(hardware(name)) is Runtime.CUDNN
        assert conv_algorithm(_conv(64, 64), hardware(name), Precision.FP32) == Algorithm.IM2COL


def test_the_runtime_follows_the_declared_device_kind_not_the_register_width():
    pi3, v100 = hardware("pi3"), hardware("v100")
    assert runtime_of(attrs.evolve(pi3, unit_name="SM")) is Runtime.CUDNN
    assert runtime_of(attrs.evolve(v100, unit_name="core")) is Runtime.NCNN


def test_a_tiled_stage_never_picks_winograd():
    op = _conv(64, 64)
    allowed = Algorithm.TILED
    assert conv_algorithm(op, hardware("pi3"), Precision.FP32, allowed) == Algorithm.IM2COL


def test_compute_classes_of_mobilenet_on_pi3_and_v100():
    s = preset_schedule("fused", load_workload("mobilenet"), Precision.FP32)
    pi3 = [compute_class(k, hardware("pi3")) for k in s.kernels]
    assert pi3[:3] == ["direct", "depthwise", "gemm"]  # conv1, sep2.dw, sep2.pw
    assert pi3[-4:] == ["pool", "data", "gemv", "elementwise"]  # pool, flatten, fc, prob
    v100 = [compute_class(k, hardware("v100")) for k in s.kernels]
    assert v100[0] == "gemm"  # cuDNN: implicit GEMM for conv1 too
    assert all(isinstance(c, ComputeClass) for c in (*pi3, *v100))


def test_compute_class_follows_an_explicit_algorithm_and_the_kernel_of_a_layout_op():
    s = naive_schedule(load_workload("conv3x3_256"), Precision.FP32)
    pi3 = hardware("pi3")
    assert compute_class(s.kernels[0], pi3) == "winograd"
    direct = attrs.evolve(s.kernels[0], algorithm=Algorithm.DIRECT)
    assert compute_class(direct, pi3) == "direct"
    x = Tensor("x", (1, 2, 3, 4))
    transpose = Op("t", OpKind.TRANSPOSE, (x,), (Tensor("y", (1, 3, 2, 4)),), (), None)
    assert compute_class(Kernel("t", (transpose,)), pi3) is ComputeClass.DATA
