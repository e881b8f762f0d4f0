"""The constants of an ONNX graph: which tensors are constant, and the values of small ones.

Weights are never read. Small tensors that describe shapes (Reshape targets, axes, pads,
Clip bounds) are read from initializers and Constant nodes when an op needs them, and shape
arithmetic on them (Shape -> Gather -> Concat -> Reshape, as PyTorch exports
`x.view(x.size(0), -1)`) is evaluated with onnx's reference implementation, because onnx's
shape inference stops at such a Reshape.
"""

import math

import numpy as np

try:
    import onnx
    from onnx import numpy_helper
except ImportError:  # onnx_read reports it
    onnx = None

SMALL_CONSTANT = 4096  # elements: larger constants are weights, never read
_FOLDABLE = frozenset(
    {"Gather", "Unsqueeze", "Squeeze", "Concat", "Slice", "Cast", "Reshape", "Identity"}
    | {"Add", "Sub", "Mul", "Div", "Neg", "Abs", "Floor", "Ceil", "Min", "Max"}
    | {"Equal", "Less", "Greater", "Not", "Where", "ReduceProd", "Transpose", "Flatten"}
    | {"ConstantOfShape"}
)


class Constants:
    """Names of constant tensors; fills in `shapes` for folded ones."""

    def __init__(self, graph, opset: int, shapes: dict):
        self.opset = opset
        self.shapes = shapes
        self.initializers = {t.name: t for t in graph.initializer}
        self.names = set(self.initializers)
        self.values: dict[str, np.ndarray] = {}

    def __contains__(self, name: str) -> bool:
        return name in self.names

    def add(self, node, shape_of) -> None:
        """Record a node whose inputs are all constant; `shape_of(name)` gives any shape."""
        self.names.update(name for name in node.output if name)
        for name, value in zip(node.output, self._evaluate(node, shape_of) or []):
            value = np.asarray(value)
            known = self.shapes.get(name)
            if known is None or None in known:
                self.shapes[name] = value.shape
            if value.size <= SMALL_CONSTANT:
                self.values[name] = value

    def value(self, name: str) -> np.ndarray | None:
        """The value of a small constant, or None (a weight, or not computable here)."""
        if name in self.values:
            return self.values[name]
        tensor = self.initializers.get(name)
        if tensor is None or math.prod(tensor.dims) > SMALL_CONSTANT:
            return None
        if tensor.data_location == onnx.TensorProto.EXTERNAL:
            return None
        self.values[name] = numpy_helper.to_array(tensor)
        return self.values[name]

    def _evaluate(self, node, shape_of) -> list | None:
        if node.op_type in ("Shape", "Size"):
            shape = shape_of(node.input[0])
            if shape is None or None in shape:
                return None
            if node.op_type == "Size":
                return [np.array(math.prod(shape), dtype=np.int64)]
            start, end = _attribute(node, "start", 0), _attribute(node, "end", None)
            return [np.array(shape[start:end], dtype=np.int64)]
        if node.op_type == "Constant":
            value = onnx.helper.get_attribute_value(node.attribute[0])
            is_tensor = isinstance(value, onnx.TensorProto)
            return [numpy_helper.to_array(value) if is_tensor else np.array(value)]
        if node.op_type not in _FOLDABLE:
            return None
        inputs = {name: self.value(name) for name in node.input if name}
        if any(value is None for value in inputs.values()):
            return None
        if node.op_type == "ConstantOfShape":
            dims = tuple(int(d) for d in inputs[node.input[0]])
            self.shapes[node.output[0]] = dims
            if math.prod(dims) > SMALL_CONSTANT:
                return None
        from onnx.reference import ReferenceEvaluator  # slow to import: only when needed

        try:
            return ReferenceEvaluator(node, opsets={"": self.opset}).run(None, inputs)
        except Exception:  # the value stays unknown: an error only if an op needs it
            return None


def _attribute(node, name: str, default):
    for attribute in node.attribute:
        if attribute.name == name:
            return onnx.helper.get_attribute_value(attribute)
    return default
