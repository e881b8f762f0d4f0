"""The constants of an ONNX graph: which tensors are constant, their shapes, small values.

A tensor is constant if it is an initializer, or the output of a node whose inputs are all
constant (Constant, ConstantOfShape, a Reshape or DequantizeLinear of a weight), or of
Shape/Size, which depend on shapes only. Weights are never read. Small tensors that say how
to compute (Reshape targets, axes, pads, Clip bounds) are evaluated when an op asks for them,
with onnx's reference implementation: that also folds the shape arithmetic PyTorch exports
for `x.view(x.size(0), -1)` (Shape -> Gather -> Concat -> Reshape), where onnx's shape
inference stops.
"""

import math

import numpy as np

try:
    import onnx
    from onnx import numpy_helper
except ImportError:  # onnx_read reports it
    onnx = None

SMALL_CONSTANT = 4096  # elements: larger constants are weights, never read
SHAPE_ONLY = ("Shape", "Size")
_FOLDABLE = frozenset(
    {"Gather", "Unsqueeze", "Squeeze", "Concat", "Slice", "Cast", "Reshape", "Identity"}
    | {"Add", "Sub", "Mul", "Div", "Neg", "Abs", "Floor", "Ceil", "Min", "Max"}
    | {"Equal", "Less", "Greater", "Not", "Where", "ReduceProd", "Transpose", "Flatten"}
    | {"ConstantOfShape"}
)
_UNKNOWN = object()


class Constants:
    """Decides constness once, in topological order; evaluates small values on demand.

    `shape_of(name)` gives the shape of any tensor (for Shape nodes); `onnx_shape(name)` the
    fully known shape onnx inferred, or None."""

    def __init__(self, graph, opset: int, shape_of, onnx_shape):
        self.opset = opset
        self.shape_of = shape_of
        self.onnx_shape = onnx_shape
        self.initializers = {t.name: t for t in graph.initializer}
        self.names = set(self.initializers)
        self.producer = {}
        for node in graph.node:
            shape_only = node.op_type in SHAPE_ONLY and node.domain in ("", "ai.onnx")
            if shape_only or all(name in self.names for name in node.input if name):
                self.names.update(name for name in node.output if name)
                self.producer.update((name, node) for name in node.output if name)
        self.values: dict[str, object] = {}

    def __contains__(self, name: str) -> bool:
        return name in self.names

    def shape(self, name: str) -> tuple[int, ...] | None:
        if name in self.initializers:
            return tuple(self.initializers[name].dims)
        shape = self.onnx_shape(name)
        if shape is not None:
            return shape
        node = self.producer.get(name)
        if node is not None and node.op_type == "ConstantOfShape":
            dims = self.value(node.input[0])
            return None if dims is None else tuple(int(d) for d in dims.ravel())
        value = self.value(name)
        return None if value is None else value.shape

    def value(self, name: str) -> np.ndarray | None:
        """The value of a small constant, or None (a weight, or not computable here)."""
        if name not in self.values:
            self.values[name] = _UNKNOWN
            if name in self.initializers:
                self.values[name] = _read(self.initializers[name])
            elif name in self.producer:
                node = self.producer[name]
                results = self._evaluate(node) or []
                for output, result in zip(node.output, results):
                    small = result is not None and np.size(result) <= SMALL_CONSTANT
                    self.values[output] = np.asarray(result) if small else _UNKNOWN
        value = self.values[name]
        return None if value is _UNKNOWN else value

    def _evaluate(self, node) -> list | None:
        if node.op_type in SHAPE_ONLY:
            shape = self.shape_of(node.input[0])
            if shape is None or None in shape:
                return None
            if node.op_type == "Size":
                return [np.array(math.prod(shape), dtype=np.int64)]
            start, end = _attribute(node, "start", 0), _attribute(node, "end", None)
            return [np.array(shape[start:end], dtype=np.int64)]
        if node.op_type == "Constant":
            value = onnx.helper.get_attribute_value(node.attribute[0])
            if isinstance(value, onnx.TensorProto):
                value = _read(value)
            return None if value is _UNKNOWN or value is None else [np.array(value)]
        if node.op_type not in _FOLDABLE:
            return None
        inputs = {name: self.value(name) for name in node.input if name}
        if any(value is None for value in inputs.values()):
            return None
        dims = inputs.get(node.input[0]) if node.op_type == "ConstantOfShape" else None
        if dims is not None and math.prod(int(d) for d in dims.ravel()) > SMALL_CONSTANT:
            return None
        from onnx.reference import ReferenceEvaluator  # slow to import: only when needed

        try:
            return ReferenceEvaluator(node, opsets={"": self.opset}).run(None, inputs)
        except Exception:  # the value stays unknown: an error only if an op needs it
            return None


def _read(tensor):
    if math.prod(tensor.dims) > SMALL_CONSTANT:
        return _UNKNOWN
    if tensor.data_location == onnx.TensorProto.EXTERNAL:
        return _UNKNOWN
    return numpy_helper.to_array(tensor)


def _attribute(node, name: str, default):
    for attribute in node.attribute:
        if attribute.name == name:
            return onnx.helper.get_attribute_value(attribute)
    return default
