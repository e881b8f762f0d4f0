"""ONNX op types map to our op kinds with the right settings: one small model per family."""

import numpy as np
import pytest
import yaml

pytest.importorskip("onnx")

from onnx import helper  # noqa: E402

from sim.analytic.counts import flops, params  # noqa: E402
from sim.errors import WorkloadError  # noqa: E402
from sim.graph.dump import graph_to_data  # noqa: E402
from sim.graph.load import load_workload, parse_workload  # noqa: E402
from sim.graph.model import OpKind  # noqa: E402
from sim.yamlio import dump_yaml  # noqa: E402
from tests.onnx_models import ints, model, save, zeros  # noqa: E402

X = {"x": [1, 8, 8, 8]}


def imported(tmp_path, nodes, inputs=None, outputs=("y",), inits=None, opset=13):
    proto = model(nodes, inputs or X, list(outputs), inits, opset)
    graph = load_workload(save(proto, tmp_path / "m.onnx"))
    again = parse_workload(yaml.safe_load(dump_yaml(graph_to_data(graph))), "converted.yaml")
    assert again == graph  # every imported graph converts to YAML and back
    return graph


def error(tmp_path, nodes, inputs=None, inits=None, opset=13) -> str:
    proto = model(nodes, inputs or X, ["y"], inits, opset)
    with pytest.raises(WorkloadError) as info:
        load_workload(save(proto, tmp_path / "m.onnx"))
    return info.value.reason


def kinds(graph) -> list[str]:
    return [op.kind.value for op in graph.ops]


def node(op_type, inputs, outputs=("y",), **attrs):
    return helper.make_node(op_type, list(inputs), list(outputs), **attrs)


@pytest.mark.parametrize(
    "auto_pad, pads", [("SAME_UPPER", (0, 0, 1, 1)), ("SAME_LOWER", (1, 1, 0, 0))]
)
def test_conv_auto_pad(tmp_path, auto_pad, pads):
    conv = node("Conv", ["x", "w"], kernel_shape=[3, 3], strides=[2, 2], auto_pad=auto_pad)
    graph = imported(tmp_path, [conv], inits={"w": zeros(4, 8, 3, 3)})
    assert graph.ops[0].attrs.pads == pads and graph.ops[0].outputs[0].shape == (1, 4, 4, 4)


def test_conv_groups_dilation_bias_and_depthwise_multiplier(tmp_path):
    nodes = [
        node("Conv", ["x", "w1", "b1"], ["g"], group=2, pads=[2] * 4, dilations=[2, 2]),
        node("Conv", ["g", "w2"], group=4, kernel_shape=[3, 3], pads=[1] * 4),
    ]
    inits = {"w1": zeros(4, 4, 3, 3), "b1": zeros(4), "w2": zeros(8, 1, 3, 3)}
    grouped, depthwise = imported(tmp_path, nodes, inits=inits).ops
    assert grouped.kind is OpKind.CONV2D and grouped.attrs.groups == 2 and grouped.attrs.bias
    assert grouped.attrs.dilation == (2, 2) and grouped.outputs[0].shape == (1, 4, 8, 8)
    assert depthwise.kind is OpKind.DEPTHWISE_CONV2D and depthwise.attrs.out_channels == 8


def test_gemm_matmul_and_bias(tmp_path):
    nodes = [
        node("Gemm", ["v", "w1"], ["a"]),  # transB = 0: w1 is (K, N)
        node("MatMul", ["a", "w2"], ["b"]),
        node("Add", ["b", "bias"], ["c"]),
        node("MatMul", ["c", "m"], ["y"]),
    ]
    inits = {"w1": zeros(16, 10), "w2": zeros(10, 6), "bias": zeros(6)}
    graph = imported(tmp_path, nodes, {"v": [2, 16], "m": [6, 3]}, inits=inits)
    assert kinds(graph) == ["fc", "fc", "bias", "matmul"]
    assert [op.attrs.bias for op in graph.ops[:2]] == [False, False]
    assert [params(op) for op in graph.ops] == [160, 60, 6, 0]


def test_clip_is_relu6_with_two_bounds_relu_with_one_and_gone_with_none(tmp_path):
    nodes = [
        node("Clip", ["x", "zero", "six"], ["a"]),
        node("Clip", ["a", "zero"], ["b"]),
        node("Clip", ["b"], ["y"]),
    ]
    inits = {"zero": np.float32(0), "six": np.float32(6)}
    graph = imported(tmp_path, nodes, inits=inits)
    assert kinds(graph) == ["relu6", "relu"] and graph.outputs == graph.ops[1].outputs
    old = imported(tmp_path, [node("Clip", ["x"], min=0.0, max=6.0)], opset=9)
    assert kinds(old) == ["relu6"]


@pytest.mark.parametrize(
    "op_type, kind, per_element",
    [("HardSwish", "hardswish", 5), ("HardSigmoid", "hard_sigmoid", 4)]
    + [("LeakyRelu", "leaky_relu", 2), ("Sigmoid", "sigmoid", 3), ("Softmax", "softmax", 4)],
)
def test_activations(tmp_path, op_type, kind, per_element):
    graph = imported(tmp_path, [node(op_type, ["x"])], opset=14)
    assert kinds(graph) == [kind] and flops(graph.ops[0]) == per_element * 512


def test_squeeze_excitation_scale_is_a_broadcast_mul(tmp_path):
    nodes = [
        node("GlobalAveragePool", ["x"], ["p"]),
        node("Conv", ["p", "w1", "b1"], ["h"], kernel_shape=[1, 1]),
        node("Relu", ["h"], ["r"]),
        node("Conv", ["r", "w2", "b2"], ["e"], kernel_shape=[1, 1]),
        node("HardSigmoid", ["e"], ["s"]),
        node("Mul", ["s", "x"], ["y"]),  # the scale first: our mul takes it second
    ]
    inits = {"w1": zeros(2, 8, 1, 1), "b1": zeros(2), "w2": zeros(8, 2, 1, 1), "b2": zeros(8)}
    graph = imported(tmp_path, nodes, inits=inits, opset=14)
    mul = graph.ops[-1]
    assert mul.kind is OpKind.MUL and [t.shape for t in mul.inputs] == [(1, 8, 8, 8), (1, 8, 1, 1)]


def test_constant_operands_are_biases_per_channel(tmp_path):
    nodes = [
        node("Mul", ["x", "scale"], ["a"]),
        node("Add", ["a", "shift"], ["b"]),
        node("Sub", ["b", "one"], ["c"]),
        node("Div", ["c", "two"]),
    ]
    inits = {"scale": zeros(8, 1, 1), "shift": zeros(1, 8, 1, 1), "one": zeros(1), "two": zeros()}
    graph = imported(tmp_path, nodes, inits=inits)
    assert kinds(graph) == ["bias"] * 4 and [params(op) for op in graph.ops] == [8] * 4
    reason = error(tmp_path, [node("Add", ["x", "plane"])], inits={"plane": zeros(1, 1, 8, 8)})
    assert "one value per channel" in reason


def test_reduce_mean_over_h_and_w_is_a_global_pool(tmp_path):
    kept = imported(tmp_path, [node("ReduceMean", ["x"], axes=[2, 3])])
    assert kinds(kept) == ["global_avg_pool"]
    dropped = node("ReduceMean", ["x", "axes"], keepdims=0)
    graph = imported(tmp_path, [dropped], inits={"axes": ints(-1, -2)}, opset=18)
    assert kinds(graph) == ["global_avg_pool", "flatten"] and graph.outputs[0].shape == (1, 8)
    assert "axes [2, 3]" in error(tmp_path, [node("ReduceMean", ["x"], axes=[1])])


@pytest.mark.parametrize(
    "split, opset, inits",
    [
        (node("Split", ["x", "sizes"], ["a", "b"], axis=1), 13, {"sizes": ints(3, 5)}),
        (node("Split", ["x"], ["a", "b"], axis=1, split=[3, 5]), 11, None),
        (node("Split", ["x"], ["a", "b"], axis=1, num_outputs=2), 18, None),
    ],
)
def test_split(tmp_path, split, opset, inits):
    nodes = [split, node("Concat", ["b", "a"], axis=-3)]
    graph = imported(tmp_path, nodes, inits=inits, opset=opset)
    assert kinds(graph) == ["split", "concat"] and graph.ops[1].attrs.axis == 1
    expected = (3, 5) if split.attribute[-1].name != "num_outputs" else (4, 4)
    assert graph.ops[0].attrs.sizes == expected


def test_slice_is_a_split_of_which_one_piece_is_used(tmp_path):
    nodes = [
        node("Slice", ["x", "s", "e", "ax"], ["a"]),
        node("Slice", ["x", "four", "ten", "ax"], ["b"]),  # clamped to [4, 8)
        node("Add", ["a", "b"]),
    ]
    inits = {"s": ints(2), "e": ints(6), "four": ints(4), "ten": ints(10), "ax": ints(-3)}
    graph = imported(tmp_path, nodes, inits=inits)
    middle, tail, add = graph.ops
    assert middle.attrs.sizes == (2, 4, 2) and tail.attrs.sizes == (4, 4)
    assert add.inputs == (middle.outputs[1], tail.outputs[1])
    reason = error(tmp_path, [node("Slice", ["x", "z", "two", "ax", "two"])], inits={
        "z": ints(0), "two": ints(2), "ax": ints(1)})  # fmt: skip
    assert "step 1" in reason


def test_views_flatten_reshape_and_torch_style_shape_arithmetic(tmp_path):
    nodes = [
        node("GlobalAveragePool", ["x"], ["p"]),
        node("Shape", ["p"], ["shape"]),
        node("Gather", ["shape", "zero"], ["n"], axis=0),
        node("Unsqueeze", ["n", "axis0"], ["n1"]),
        node("Concat", ["n1", "minus1"], ["target"], axis=0),
        node("Reshape", ["p", "target"], ["flat"]),  # (1, 8)
        node("Unsqueeze", ["flat", "axes23"], ["back"]),  # (1, 8, 1, 1)
        node("Squeeze", ["back", "axes23"], ["again"]),  # (1, 8)
        node("Reshape", ["again", "same"], ["y"]),  # no-op
    ]
    inits = {"zero": np.int64(0), "axis0": ints(0), "minus1": ints(-1), "axes23": ints(2, 3)}
    inits["same"] = ints(1, 8)
    graph = imported(tmp_path, nodes, inits=inits)
    assert kinds(graph) == ["global_avg_pool", "flatten", "reshape", "flatten"]
    assert graph.ops[2].attrs.shape == (1, 8, 1, 1) and graph.outputs == graph.ops[3].outputs


def test_transpose_identity_dropout(tmp_path):
    nodes = [
        node("Transpose", ["x"], ["t"], perm=[0, 2, 3, 1]),
        node("Identity", ["t"], ["i"]),
        node("Dropout", ["i"], ["d"]),
        node("Transpose", ["d"], perm=[0, 1, 2, 3]),
    ]
    graph = imported(tmp_path, nodes, {"x": [1, 8, 4, 2]})
    assert kinds(graph) == ["transpose"] and graph.outputs[0].shape == (1, 4, 2, 8)
    used_mask = [node("Dropout", ["x"], ["d", "mask"]), node("Add", ["d", "mask"])]
    assert "output 'mask' is used" in error(tmp_path, used_mask, opset=11)


def test_lrn_and_pad(tmp_path):
    nodes = [
        node("LRN", ["x"], ["l"], size=5),
        node("Pad", ["l", "pads"], ["p"]),
        node("Conv", ["p", "w"], kernel_shape=[3, 3]),
    ]
    inits = {"pads": ints(0, 0, 1, 2, 0, 0, 1, 2), "w": zeros(4, 8, 3, 3)}
    lrn, pad, conv = imported(tmp_path, nodes, inits=inits).ops
    assert lrn.kind is OpKind.LRN and flops(lrn) == 512 * 13
    assert pad.kind is OpKind.PAD and pad.attrs.pads == (1, 2, 1, 2) and flops(pad) == 0
    assert conv.outputs[0].shape == (1, 4, 8, 10)
    axes = node("Pad", ["x", "pads", "", "axes"])
    graph = imported(
        tmp_path, [axes], inits={"pads": ints(1, 0, 1, 0), "axes": ints(2, 3)}, opset=18
    )
    assert graph.ops[0].attrs.pads == (1, 0, 1, 0)
    channel = node("Pad", ["x", "pads"])
    reason = error(tmp_path, [channel], inits={"pads": ints(0, 1, 0, 0, 0, 1, 0, 0)})
    assert "batch or channel" in reason


def test_pools_sum_and_global_max(tmp_path):
    nodes = [
        node("MaxPool", ["x"], ["m"], kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1),
        node("AveragePool", ["x"], ["a"], kernel_shape=[2, 2], strides=[2, 2]),
        node("Sum", ["m", "a", "a"], ["s"]),
        node("GlobalMaxPool", ["s"]),
    ]
    graph = imported(tmp_path, nodes)
    assert kinds(graph) == ["max_pool", "avg_pool", "add", "global_avg_pool"]
    assert graph.ops[0].attrs.ceil_mode and graph.ops[0].outputs[0].shape == (1, 8, 4, 4)
    assert len(graph.ops[2].inputs) == 3


def test_batch_norm_needs_constant_statistics(tmp_path):
    stats = {name: zeros(8) for name in ("s", "b", "m")}
    nodes = [node("BatchNormalization", ["x", "s", "b", "m", "v"])]
    assert "constant scale, bias, mean and variance" in error(
        tmp_path, nodes, {**X, "v": [8]}, inits=stats
    )


def test_every_new_kind_converts_and_reloads(tmp_path):
    nodes = [
        node("HardSwish", ["x"], ["a"]),
        node("LeakyRelu", ["a"], ["b"], alpha=0.1),
        node("LRN", ["b"], ["c"], size=3),
        node("Transpose", ["c"], ["d"], perm=[0, 1, 3, 2]),
        node("Pad", ["d", "pads"], ["e"]),
        node("Flatten", ["e"], ["f"], axis=2),  # (8, 100): a reshape, not our flatten
    ]
    pads = {"pads": ints(0, 0, 1, 1, 0, 0, 1, 1)}
    graph = imported(tmp_path, nodes, outputs=["f"], inits=pads, opset=14)
    assert kinds(graph) == ["hardswish", "leaky_relu", "lrn", "transpose", "pad", "reshape"]
    assert graph.outputs[0].shape == (8, 100)


def test_channel_shuffle_with_shapes_computed_at_run_time(tmp_path):
    """PyTorch, dynamic batch: x.view(n, g, c // g, h, w).transpose(1, 2).view(n, -1, h, w)."""
    nodes = [
        node("Shape", ["x"], ["shape"]),
        node("Gather", ["shape", "zero"], ["n"], axis=0),
        node("Unsqueeze", ["n", "axis0"], ["n1"]),
        node("Concat", ["n1", "groups_etc"], ["split_shape"], axis=0),
        node("Reshape", ["x", "split_shape"], ["split"]),
        node("Transpose", ["split"], ["swapped"], perm=[0, 2, 1, 3, 4]),
        node("Concat", ["n1", "minus1_hw"], ["back_shape"], axis=0),
        node("Reshape", ["swapped", "back_shape"]),
    ]
    inits = {"zero": np.int64(0), "axis0": ints(0), "groups_etc": ints(2, 4, 8, 8)}
    inits["minus1_hw"] = ints(-1, 8, 8)
    graph = imported(tmp_path, nodes, {"x": ["batch", 8, 8, 8]}, inits=inits)
    assert kinds(graph) == ["channel_shuffle"] and graph.ops[0].attrs.groups == 2
