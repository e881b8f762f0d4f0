"""Import an ONNX model as a `Graph`: ops and shapes, never the values of weights.

`onnx_read` parses and checks the file and runs onnx's shape inference; here each node is
turned into ops by its handler in `onnx_ops`, and every op's output shape is checked against
onnx's. Constants (initializers, Constant, ConstantOfShape and whatever is computed from
constants alone) are weights, not ops. docs/onnx.md has the op table and the limits.
"""

import math
from pathlib import Path

from sim.errors import WorkloadError
from sim.graph.model import Graph, Op, OpaqueAttrs, OpKind, Tensor
from sim.graph.onnx_ops import HANDLERS
from sim.graph.onnx_read import DEFAULT_DOMAINS, describe, read_model
from sim.graph.onnx_values import Constants
from sim.graph.shapes import check_elements, infer

try:
    import onnx
except ImportError:  # read_model reports it
    onnx = None


def load_onnx(path: str, *, allow_unknown: bool = False) -> Graph:
    """The graph of the ONNX model at `path`; an op type we do not know is an error unless
    `allow_unknown`, which models it as an opaque (memory-only) op."""
    model, opset, notes = read_model(path)
    inputs, ops, outputs = Importer(path, model, opset, allow_unknown).run()
    producer = " ".join(p for p in (model.producer_name, model.producer_version) if p)
    about = f"imported from {Path(path).name} (opset {opset}{', ' + producer if producer else ''})"
    return Graph(
        name=Path(path).stem,
        inputs=inputs,
        ops=ops,
        outputs=outputs,
        description="; ".join([about, *notes]),
        source=str(path),
    )


def _shape_of(value) -> tuple[int | None, ...] | None:
    """The shape in a ValueInfo: None if unknown, with None for each unknown size."""
    tensor_type = value.type.tensor_type
    if not value.type.HasField("tensor_type") or not tensor_type.HasField("shape"):
        return None
    return tuple(d.dim_value if d.HasField("dim_value") else None for d in tensor_type.shape.dim)


def _safe_name(name: str) -> str:
    """A name the workload YAML can refer to: no `|` (alternatives), no leading `$`."""
    name = name.replace("|", "_")
    return "_" + name[1:] if name.startswith("$") else name


class Importer:
    """Walks the sorted nodes once; handlers in onnx_ops call back to emit ops or alias outputs."""

    def __init__(self, path: str, model, opset: int, allow_unknown: bool):
        graph = model.graph
        self.file = path
        self.opset = opset
        self.allow_unknown = allow_unknown
        self.nodes = list(graph.node)
        self.shapes = {t.name: tuple(t.dims) for t in graph.initializer}
        for value in (*graph.value_info, *graph.input, *graph.output):
            if value.name not in self.shapes and _shape_of(value) is not None:
                self.shapes[value.name] = _shape_of(value)
        self.constants = Constants(graph, opset, self._any_shape, self.known_shape)
        self.consumers: dict[str, list[int]] = {}
        for index, node in enumerate(self.nodes):
            for name in dict.fromkeys(node.input):
                self.consumers.setdefault(name, []).append(index)
        self.graph_outputs = {v.name for v in graph.output}
        self.tensors: dict[str, Tensor] = {}
        self.names: set[str] = set()
        self.ops: list[Op] = []
        self.skipped: set[int] = set()
        self.inputs = []
        for value in graph.input:
            if value.name not in self.constants:
                try:
                    shape = check_elements(self.shapes[value.name])
                except ValueError as exc:
                    place = f"input '{value.name}'"
                    raise WorkloadError(str(exc), file=path, place=place) from None
                tensor = Tensor(self.unique(value.name, 1), shape)
                self.tensors[value.name] = tensor
                self.inputs.append(tensor)
        self.outputs = [v.name for v in graph.output]

    def run(self) -> tuple[list[Tensor], list[Op], list[Tensor]]:
        """(inputs, ops, outputs) of the graph."""
        for index, node in enumerate(self.nodes):
            if index in self.skipped:
                continue
            if any(name in self.constants for name in node.output):
                continue  # a weight, or shape arithmetic: evaluated when an op needs it
            handler = HANDLERS.get(node.op_type) if node.domain in DEFAULT_DOMAINS else None
            if handler is None:
                self._unknown(node)
                continue
            self._check_arity(node)
            handler(self, node)
        if not self.ops:
            raise WorkloadError("the model computes nothing from its inputs", file=self.file)
        outputs = [self.tensors[name] for name in self.outputs if name in self.tensors]
        return self.inputs, self.ops, outputs

    def _check_arity(self, node) -> None:
        try:
            schema = onnx.defs.get_schema(node.op_type, self.opset, "")
        except onnx.defs.SchemaError:
            raise self.fail(
                node, f"op type '{node.op_type}' is not in opset {self.opset}"
            ) from None
        if not schema.min_input <= len(node.input) <= schema.max_input:
            raise self.fail(
                node,
                f"has {len(node.input)} inputs, the schema allows "
                f"{schema.min_input} to {schema.max_input}",
            )
        if not node.output or not node.output[0]:
            raise self.fail(node, "has no output")

    def _any_shape(self, name: str):
        return self.tensors[name].shape if name in self.tensors else self.shapes.get(name)

    def _unknown(self, node) -> None:
        kind = node.op_type if node.domain in DEFAULT_DOMAINS else f"{node.domain}.{node.op_type}"
        if not self.allow_unknown:
            raise self.fail(
                node,
                f"unsupported op type '{kind}' (docs/onnx.md lists the supported ones; "
                "--allow-unknown models it as a memory-only op)",
            )
        inputs = self.activations(node)
        params = [self.constants.shape(n) for n in node.input if n in self.constants]
        params = [shape or (1,) for shape in params if shape is not None and math.prod(shape)]
        outputs = [name for name in node.output if name]
        shapes = [self.known_shape(name) for name in outputs]
        shapes = [inputs[0].shape if shape is None else shape for shape in shapes]
        self.emit(
            node,
            OpKind.OPAQUE,
            OpaqueAttrs(kind, [s or (1,) for s in shapes], params),
            inputs,
            outputs,
        )

    # The API handlers use.

    def fail(self, node, reason: str) -> WorkloadError:
        return WorkloadError(reason, file=self.file, place=describe(node, self.nodes.index(node)))

    def attr(self, node, name: str, default=None):
        for attribute in node.attribute:
            if attribute.name == name:
                value = onnx.helper.get_attribute_value(attribute)
                if isinstance(value, bytes):
                    return value.decode()
                return tuple(value) if isinstance(value, list) else value
        return default

    def is_constant(self, name: str) -> bool:
        return name in self.constants

    def activation(self, node, name: str) -> Tensor:
        if name in self.constants:
            raise self.fail(node, f"input '{name}' is a constant where sim needs an activation")
        return self.tensors[name]

    def activations(self, node) -> list[Tensor]:
        return [self.tensors[n] for n in node.input if n and n not in self.constants]

    def known_shape(self, name: str) -> tuple[int, ...] | None:
        """ONNX's inferred shape of `name` when every size is known."""
        shape = self.shapes.get(name)
        return None if shape is None or None in shape else shape

    def constant_shape(self, node, name: str) -> tuple[int, ...]:
        shape = self.constants.shape(name)
        if shape is None or None in shape:
            raise self.fail(node, f"the shape of constant '{name}' is unknown")
        return shape

    def values(self, node, position: int) -> list | None:
        """The values of a small constant input (shapes, axes, bounds), or None if absent."""
        if position >= len(node.input) or not node.input[position]:
            return None
        name = node.input[position]
        if name not in self.constants:
            raise self.fail(node, f"input '{name}' is computed at run time; sim needs a constant")
        array = self.constants.value(name)
        if array is None:
            raise self.fail(node, f"cannot read the values of constant '{name}'")
        return array.ravel().tolist()

    def sole_consumer(self, name: str):
        """The one node that reads `name` (not a graph output), or None."""
        users = self.consumers.get(name, [])
        if len(users) != 1 or name in self.graph_outputs:
            return None
        return self.nodes[users[0]]

    def skip(self, *nodes) -> None:
        """Nodes a handler has taken into its op (a pattern such as the channel shuffle)."""
        self.skipped.update(self.nodes.index(node) for node in nodes)

    def only_first_output(self, node) -> None:
        for name in node.output[1:]:
            if name and (name in self.consumers or name in self.graph_outputs):
                raise self.fail(node, f"output '{name}' is used; sim models only the first output")

    def base_name(self, node) -> str:
        return node.name or node.output[0] or f"{node.op_type.lower()}_{self.nodes.index(node)}"

    def unique(self, base: str, outputs: int) -> str:
        """A fresh op or tensor name, with room for `name.0`, `name.1`, ... outputs."""
        base = _safe_name(base) or "op"
        name, count = base, 1
        while True:
            taken = [name] + ([f"{name}.{i}" for i in range(outputs)] if outputs > 1 else [])
            if not any(t in self.names for t in taken):
                self.names.update(taken)
                return name
            count += 1
            name = f"{base}_{count}"

    def emit(self, node, kind, attrs, inputs, outputs=None, weights=(), name=None):
        """Add one op and bind its outputs to the ONNX names in `outputs` (default: the node's
        first output; '' or missing: unbound). `inputs` are tensors or ONNX names; `weights`
        are pairs (constant's name, the shape ONNX must store it in). Returns the outputs."""
        outputs = node.output[:1] if outputs is None else outputs
        tensors = [t if isinstance(t, Tensor) else self.activation(node, t) for t in inputs]
        try:
            out_shapes, param_shapes = infer(kind, attrs, [t.shape for t in tensors])
        except ValueError as exc:
            raise self.fail(node, str(exc)) from None
        for constant, expected in weights:
            self._check_weight(node, constant, tuple(expected))
        op_name = self.unique(name or self.base_name(node), len(out_shapes))
        count = len(out_shapes)
        out_names = [op_name] if count == 1 else [f"{op_name}.{i}" for i in range(count)]
        results = [Tensor(n, s) for n, s in zip(out_names, out_shapes)]
        params = [Tensor(f"{op_name}.{suffix}", shape) for suffix, shape in param_shapes]
        self.ops.append(Op(op_name, kind, tensors, results, params, attrs))
        for onnx_name, tensor in zip(outputs, results):
            if onnx_name:
                self.bind(node, onnx_name, tensor)
        return results

    def bind(self, node, onnx_name: str, tensor: Tensor) -> None:
        onnx_shape = self.known_shape(onnx_name)
        if onnx_shape is not None and onnx_shape != tensor.shape:
            raise self.fail(
                node,
                f"output '{onnx_name}' comes out {list(tensor.shape)} here, "
                f"but onnx infers {list(onnx_shape)}",
            )
        self.tensors[onnx_name] = tensor

    def alias(self, node, onnx_name: str, source: str) -> None:
        """The op computes nothing at inference: its output is its input."""
        self.tensors[onnx_name] = self.activation(node, source)

    def _check_weight(self, node, name: str, expected: tuple[int, ...]) -> None:
        if name not in self.constants:
            raise self.fail(node, f"weight '{name}' is computed at run time; sim needs a constant")
        shape = self.constant_shape(node, name)
        one_axis = all(size == 1 for size in sorted(shape)[:-1])  # (C,), (C, 1, 1), (1, C, 1, 1)
        vector = len(expected) == 1 and one_axis and math.prod(shape) in (1, expected[0])
        if shape != expected and not vector:
            raise self.fail(
                node, f"weight '{name}' has shape {list(shape)}, expected {list(expected)}"
            )
