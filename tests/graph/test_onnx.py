"""ONNX import: whole networks count exactly what their ONNX graphs imply, and bad files fail
with one located line."""

import math
from pathlib import Path

import pytest
import yaml

pytest.importorskip("onnx")

import onnx  # noqa: E402
from onnx import helper  # noqa: E402

from sim.analytic.counts import macs, params  # noqa: E402
from sim.analytic.estimate import estimate  # noqa: E402
from sim.errors import WorkloadError  # noqa: E402
from sim.graph.dump import graph_to_data  # noqa: E402
from sim.graph.load import load_workload, parse_workload  # noqa: E402
from sim.graph.model import OpKind  # noqa: E402
from sim.graph.onnx_ops import HANDLERS  # noqa: E402
from sim.hw.model import Precision  # noqa: E402
from sim.yamlio import dump_yaml  # noqa: E402
from tests.onnx_models import LIGHT_MODELS, mobilenet_v1, model, save, zeros  # noqa: E402

WEIGHTED = (OpKind.CONV2D, OpKind.DEPTHWISE_CONV2D, OpKind.FC)


def onnx_conv_gemm_counts(path: Path) -> tuple[int, int]:
    """(MACs, parameters) of every Conv and Gemm, straight from onnx's own shape inference."""
    graph = onnx.shape_inference.infer_shapes(onnx.load(path, load_external_data=False)).graph
    shapes = {t.name: tuple(t.dims) for t in graph.initializer}
    for value in (*graph.value_info, *graph.input, *graph.output):
        shapes.setdefault(value.name, tuple(d.dim_value for d in value.type.tensor_type.shape.dim))
    total_macs = total_params = 0
    for node in graph.node:
        if node.op_type not in ("Conv", "Gemm"):
            continue
        weight, out = shapes[node.input[1]], shapes[node.output[0]]
        per_output = math.prod(weight[1:]) if node.op_type == "Conv" else shapes[node.input[0]][1]
        total_macs += math.prod(out) * per_output
        total_params += sum(math.prod(shapes[name]) for name in node.input[1:] if name)
    return total_macs, total_params


@pytest.mark.parametrize("path", LIGHT_MODELS, ids=lambda p: p.stem)
def test_light_models_count_what_their_onnx_graph_implies(path):
    graph = load_workload(str(path))
    weighted = [op for op in graph.ops if op.kind in WEIGHTED]
    assert (sum(map(macs, graph.ops)), sum(map(params, weighted))) == onnx_conv_gemm_counts(path)
    assert sum(map(macs, weighted)) == sum(map(macs, graph.ops))  # only conv and fc multiply


def test_light_models_include_the_four_of_the_issue():
    names = {path.stem for path in LIGHT_MODELS}
    assert {"light_resnet50", "light_shufflenet", "light_squeezenet", "light_inception_v1"} <= names


def test_resnet50_has_the_torchvision_count():
    graph = load_workload(str(next(p for p in LIGHT_MODELS if p.stem == "light_resnet50")))
    assert sum(map(macs, graph.ops)) == 4_089_184_256
    assert sum(map(params, graph.ops)) == 25_503_912 + 53_120  # conv + fc, and 2 per BN channel


def test_shufflenet_reshape_transpose_reshape_is_a_channel_shuffle():
    graph = load_workload(str(next(p for p in LIGHT_MODELS if p.stem == "light_shufflenet")))
    kinds = [op.kind for op in graph.ops]
    assert kinds.count(OpKind.CHANNEL_SHUFFLE) == 16
    assert OpKind.TRANSPOSE not in kinds and OpKind.RESHAPE not in kinds
    shuffle = next(op for op in graph.ops if op.kind is OpKind.CHANNEL_SHUFFLE)
    assert shuffle.attrs.groups == 4 and shuffle.inputs[0].shape == (1, 112, 56, 56)
    assert kinds.count(OpKind.DEPTHWISE_CONV2D) == 16


@pytest.mark.parametrize("path", LIGHT_MODELS, ids=lambda p: p.stem)
def test_light_models_round_trip_through_flat_yaml(path):
    graph = load_workload(str(path))
    again = parse_workload(yaml.safe_load(dump_yaml(graph_to_data(graph))), "converted.yaml")
    assert again == graph


def test_mobilenet_built_with_onnx_helper_equals_the_shipped_yaml(tmp_path):
    imported = estimate(load_workload(mobilenet_v1(tmp_path)), Precision.FP32)
    shipped = estimate(load_workload("mobilenet"), Precision.FP32)
    assert (imported.macs, imported.params) == (shipped.macs, shipped.params)
    assert (imported.macs, imported.params) == (568_740_352, 4_231_976)
    assert (imported.flops, imported.analytic_bytes) == (shipped.flops, shipped.analytic_bytes)
    assert [op.kind for op in imported.ops] == [op.kind for op in shipped.ops]


def test_external_weights_are_never_opened(tmp_path, monkeypatch):
    path = mobilenet_v1(tmp_path)
    real_open = open

    def guarded_open(file, *args, **kwargs):
        assert not str(file).endswith(".data"), "the importer opened the weight file"
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", guarded_open)
    assert load_workload(path).ops


def fails(proto_or_path, tmp_path, match, **kwargs):
    path = proto_or_path
    if not isinstance(proto_or_path, str):
        path = save(proto_or_path, tmp_path / "bad.onnx")
    with pytest.raises(WorkloadError, match=match) as info:
        load_workload(path, **kwargs)
    assert info.value.file == path
    return info.value


def test_a_truncated_file_is_reported(tmp_path):
    data = next(p for p in LIGHT_MODELS if p.stem == "light_squeezenet").read_bytes()
    for cut in (len(data) // 2, 7, 1):
        (tmp_path / "cut.onnx").write_bytes(data[:cut])
        fails(str(tmp_path / "cut.onnx"), tmp_path, "not a valid ONNX file|no graph nodes")


def test_an_empty_file_is_not_a_model(tmp_path):
    (tmp_path / "empty.onnx").write_bytes(b"")
    fails(str(tmp_path / "empty.onnx"), tmp_path, "not an ONNX model")


def test_a_cycle_names_its_nodes(tmp_path):
    nodes = [
        helper.make_node("Add", ["x", "b_out"], ["a_out"], name="a"),
        helper.make_node("Relu", ["a_out"], ["b_out"], name="b"),
    ]
    error = fails(model(nodes, {"x": [1, 4]}, ["b_out"]), tmp_path, "the graph has a cycle")
    assert "node 'a' (Add) -> node 'b' (Relu) -> node 'a' (Add)" in error.reason


def test_a_missing_initializer_names_the_node_and_the_tensor(tmp_path):
    nodes = [helper.make_node("Conv", ["x", "w"], ["y"], name="conv5", kernel_shape=[3, 3])]
    error = fails(model(nodes, {"x": [1, 3, 8, 8]}, ["y"]), tmp_path, "input 'w' is not")
    assert error.place == "node 'conv5' (Conv)"


def test_an_unknown_op_is_an_error_unless_allowed(tmp_path):
    nodes = [
        helper.make_node("Relu", ["x"], ["r"], name="relu"),
        helper.make_node("Resize", ["r", "", "scales"], ["up"], name="up", mode="nearest"),
        helper.make_node("Relu", ["up"], ["y"], name="out"),
    ]
    scales = [1.0, 1.0, 2.0, 2.0]
    proto = model(nodes, {"x": [1, 8, 4, 4]}, ["y"], {"scales": onnx_floats(scales)})
    error = fails(proto, tmp_path, "unsupported op type 'Resize'")
    assert error.place == "node 'up' (Resize)" and "--allow-unknown" in error.reason
    graph = load_workload(str(tmp_path / "bad.onnx"), allow_unknown=True)
    opaque = graph.op("up")
    assert opaque.kind is OpKind.OPAQUE and opaque.attrs.op_type == "Resize"
    assert opaque.outputs[0].shape == (1, 8, 8, 8) and [p.shape for p in opaque.params] == [(4,)]
    assert graph.op("out").inputs[0].shape == (1, 8, 8, 8)
    again = parse_workload(yaml.safe_load(dump_yaml(graph_to_data(graph))), "converted.yaml")
    assert again == graph


def onnx_floats(values):
    import numpy as np

    return np.array(values, dtype=np.float32)


def test_a_custom_domain_op_without_shapes_is_elementwise_when_allowed(tmp_path):
    nodes = [helper.make_node("Swoosh", ["x"], ["y"], name="s", domain="com.example")]
    proto = model(nodes, {"x": [1, 8, 4, 4]}, ["y"])
    proto.opset_import.append(helper.make_opsetid("com.example", 1))
    fails(proto, tmp_path, "unsupported op type 'com.example.Swoosh'")
    graph = load_workload(str(tmp_path / "bad.onnx"), allow_unknown=True)
    assert graph.ops[0].outputs[0].shape == (1, 8, 4, 4)


def test_external_data_that_is_missing_or_short_is_reported(tmp_path):
    path = mobilenet_v1(tmp_path, data_bytes=1000)
    error = fails(path, tmp_path, r"has 1000 bytes, needs \d+")
    assert error.place.startswith("initializer '")
    (tmp_path / "mobilenet.onnx.data").unlink()
    fails(path, tmp_path, "external data file 'mobilenet.onnx.data' is missing")


def test_a_symbolic_batch_becomes_1_and_other_symbols_are_errors(tmp_path):
    nodes = [helper.make_node("Relu", ["x"], ["y"])]
    graph = load_workload(save(model(nodes, {"x": ["N", 8, 4, 4]}, ["y"]), tmp_path / "a.onnx"))
    assert graph.inputs[0].shape == (1, 8, 4, 4)
    assert "batch size 'N' of input 'x' set to 1" in graph.description
    error = fails(model(nodes, {"x": [1, 8, "H", 4]}, ["y"]), tmp_path, "size 'H' of axis 2")
    assert error.place == "input 'x'"


def test_opsets_older_than_9_are_converted_newer_than_onnx_knows_are_errors(tmp_path):
    nodes = [helper.make_node("Relu", ["x"], ["y"])]
    graph = load_workload(save(model(nodes, {"x": [1, 4]}, ["y"], opset=7), tmp_path / "a.onnx"))
    assert "converted from opset 7 to 9 by onnx's version converter" in graph.description
    fails(model(nodes, {"x": [1, 4]}, ["y"], opset=99), tmp_path, "newer than this onnx")
    stats = {name: zeros(2) for name in "abcd"}
    bn = [helper.make_node("BatchNormalization", ["x", *stats], ["y"], spatial=0)]
    error = fails(model(bn, {"x": [1, 2, 4, 4]}, ["y"], stats, opset=7), tmp_path, "opset 7 is")
    assert "converter could not convert it (Attribute spatial must have value 1)" in error.reason


def test_a_weight_of_the_wrong_shape_is_reported(tmp_path):
    nodes = [helper.make_node("Gemm", ["x", "w"], ["y"], name="fc", transB=1)]
    proto = model(nodes, {"x": [1, 16]}, ["y"], {"w": zeros(10, 15)})
    fails(proto, tmp_path, "weight 'w' has shape|does not|onnx infers")


def test_names_that_yaml_would_misread_are_made_safe(tmp_path):
    nodes = [
        helper.make_node("Relu", ["x|1"], ["$y"], name="$relu"),
        helper.make_node("Relu", ["$y"], ["z"], name="z.0"),
    ]
    graph = load_workload(save(model(nodes, {"x|1": [1, 4]}, ["z"]), tmp_path / "n.onnx"))
    assert [t.name for t in graph.inputs] == ["x_1"] and graph.ops[0].name == "_relu"
    again = parse_workload(yaml.safe_load(dump_yaml(graph_to_data(graph))), "converted.yaml")
    assert again == graph


DOC = (Path(__file__).resolve().parents[2] / "docs" / "onnx.md").read_text()


def test_the_doc_lists_every_supported_op_type():
    table = DOC.split("## Operators", 1)[1].split("Any other op type", 1)[0]
    assert [op for op in HANDLERS if f"`{op}`" not in table] == []


@pytest.mark.parametrize("path", LIGHT_MODELS, ids=lambda p: p.stem)
def test_the_doc_table_of_light_models_is_what_the_import_gives(path):
    row = next(line for line in DOC.splitlines() if line.startswith(f"| `{path.stem}` |"))
    numbers = [int(cell.replace(",", "")) for cell in row.strip("|").split("|")[1:]]
    graph = load_workload(str(path))
    weighted = [op for op in graph.ops if op.kind in WEIGHTED]
    ours = [sum(map(macs, graph.ops)), sum(map(params, weighted)), sum(map(params, graph.ops))]
    assert numbers == ours and numbers[:2] == list(onnx_conv_gemm_counts(path))


def test_pytorch_exports_in_the_wheel_import_with_their_reference_shapes_or_fail_cleanly():
    """onnx ships PyTorch exports (mostly opset 6) with reference outputs: each one imports
    with the output shapes of its reference outputs, or stops with one WorkloadError."""
    exports = sorted(LIGHT_MODELS[0].parent.parent.glob("pytorch-*/*/model.onnx"))
    imported = set()
    for path in exports:
        try:
            graph = load_workload(str(path))
        except WorkloadError as exc:
            assert exc.file == str(path) and exc.reason
            continue
        outputs = sorted(path.parent.glob("test_data_set_0/output_*.pb"))
        expected = [tuple(onnx.load_tensor(str(p)).dims) for p in outputs]
        assert [t.shape for t in graph.outputs] == expected, path.parent.name
        imported.add(path.parent.name)
    assert len(exports) > 100 and len(imported) >= 45
    some = {"test_Conv2d_depthwise_with_multiplier", "test_GLU", "test_PixelShuffle"}
    assert some | {"test_ReflectionPad2d", "test_operator_chunk", "test_Linear"} <= imported
