"""ONNX models for tests, built with onnx.helper (no torch), and the light models onnx ships.

Import only after `pytest.importorskip("onnx")`.
"""

import math
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

LIGHT_DIR = Path(onnx.__file__).parent / "backend" / "test" / "data" / "light"
LIGHT_MODELS = sorted(LIGHT_DIR.glob("light_*.onnx"))


def model(nodes, inputs, outputs, initializers=None, opset=13):
    """A model of `nodes`; inputs {name: shape}, outputs [names], initializers {name: array}."""
    graph = helper.make_graph(
        nodes,
        "test",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in inputs.items()],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in outputs],
        [numpy_helper.from_array(np.asarray(v), k) for k, v in (initializers or {}).items()],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def save(proto, path: Path) -> str:
    path.write_bytes(proto.SerializeToString())
    return str(path)


def zeros(*shape) -> np.ndarray:
    return np.zeros(shape, dtype=np.float32)


def ints(*values) -> np.ndarray:
    return np.array(values, dtype=np.int64)


class _External:
    """Initializers whose data lies in one external file, laid out back to back."""

    def __init__(self, location: str):
        self.location = location
        self.tensors: list[TensorProto] = []
        self.bytes = 0

    def add(self, name: str, shape) -> str:
        tensor = TensorProto(name=name, data_type=TensorProto.FLOAT, dims=list(shape))
        tensor.data_location = TensorProto.EXTERNAL
        length = 4 * math.prod(shape)
        for key, value in (("location", self.location), ("offset", self.bytes), ("length", length)):
            entry = tensor.external_data.add()
            entry.key, entry.value = key, str(value)
        self.tensors.append(tensor)
        self.bytes += length
        return name


def mobilenet_v1(directory: Path, data_bytes: int | None = None) -> str:
    """MobileNet-v1 1.0 at 224x224 (as workloads/mobilenet.yaml) in directory/mobilenet.onnx.

    Weights are external, in mobilenet.onnx.data: a sparse file of the right size (or of
    `data_bytes`), never written with values.
    """
    weights = _External("mobilenet.onnx.data")
    nodes = []

    def conv_bn_relu(x: str, name: str, c_in: int, c_out: int, k: int, stride: int, groups=1):
        w = weights.add(f"{name}_w", (c_out, c_in // groups, k, k))
        nodes.append(
            helper.make_node(
                "Conv", [x, w], [f"{name}_conv"], name=name, kernel_shape=[k, k],
                strides=[stride, stride], pads=[k // 2] * 4, group=groups,
            )
        )  # fmt: skip
        stats = [weights.add(f"{name}_bn_{s}", (c_out,)) for s in ("scale", "b", "mean", "var")]
        nodes.append(
            helper.make_node("BatchNormalization", [f"{name}_conv", *stats], [f"{name}_bn"])
        )
        nodes.append(helper.make_node("Relu", [f"{name}_bn"], [f"{name}_relu"]))
        return f"{name}_relu"

    x = conv_bn_relu("image", "conv1", 3, 32, 3, 2)
    channels = 32
    plan = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)]
    plan += [(512, 1)] * 5 + [(1024, 2), (1024, 1)]
    for index, (c_out, stride) in enumerate(plan):
        x = conv_bn_relu(x, f"sep{index}_dw", channels, channels, 3, stride, groups=channels)
        x = conv_bn_relu(x, f"sep{index}_pw", channels, c_out, 1, 1)
        channels = c_out
    fc_w, fc_b = weights.add("fc_w", (1000, 1024)), weights.add("fc_b", (1000,))
    nodes += [
        helper.make_node("GlobalAveragePool", [x], ["pool"]),
        helper.make_node("Flatten", ["pool"], ["flat"]),
        helper.make_node("Gemm", ["flat", fc_w, fc_b], ["fc"], transB=1),
        helper.make_node("Softmax", ["fc"], ["prob"], axis=1),
    ]
    proto = model(nodes, {"image": [1, 3, 224, 224]}, ["prob"])
    proto.graph.initializer.extend(weights.tensors)
    with open(directory / weights.location, "wb") as data:
        data.truncate(weights.bytes if data_bytes is None else data_bytes)
    return save(proto, directory / "mobilenet.onnx")
