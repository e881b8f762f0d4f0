"""Read an ONNX file for import: parse, check opset and external data, fix the batch size,
sort the nodes (a cycle or a missing input is an error), bring an opset older than 9 up to
9 with onnx's version converter, and run onnx's shape inference.

Weights are never loaded: external data files are only checked to exist and to be long enough.
"""

import heapq
import math
from pathlib import Path

from sim.errors import WorkloadError
from sim.graph.onnx_values import SMALL_CONSTANT

try:
    import onnx
    from google.protobuf.message import DecodeError
except ImportError:  # the optional extra: pip install 'sim[onnx]'
    onnx = None

MIN_OPSET = 9
DEFAULT_DOMAINS = ("", "ai.onnx")
_PACKED_4BIT = (21, 22, 23)  # UINT4, INT4, FLOAT4E2M1: two elements per byte
_DATA_FIELDS = ("raw_data", "float_data", "int32_data", "int64_data", "double_data")
_DATA_FIELDS += ("uint64_data", "string_data")


def read_model(path: str):
    """(model with inferred shapes and sorted nodes, ai.onnx opset, notes for the description)."""
    if onnx is None:
        raise WorkloadError(
            "reading ONNX needs the onnx package: pip install 'sim[onnx]'", file=path
        )
    model = _read(path)
    opset = _default_opset(model, path)
    _check_external_data(model.graph, path)
    notes = _fix_input_shapes(model.graph, path)
    nodes = _sorted_nodes(model.graph, path)
    model.graph.ClearField("node")
    model.graph.node.extend(nodes)
    for tensor in model.graph.initializer:
        if math.prod(tensor.dims) > SMALL_CONSTANT:  # a weight: its shape is all we need
            for field in _DATA_FIELDS:
                tensor.ClearField(field)
    if opset < MIN_OPSET:
        model = _upgrade(model, opset, path)
        notes.append(f"converted from opset {opset} to {MIN_OPSET} by onnx's version converter")
        opset = MIN_OPSET
    try:
        model = onnx.shape_inference.infer_shapes(model, strict_mode=False, data_prop=True)
    except (onnx.shape_inference.InferenceError, ValueError, RuntimeError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise WorkloadError(f"onnx shape inference failed: {reason}", file=path) from None
    return model, opset, notes


def _read(path: str):
    try:
        model = onnx.load(path, load_external_data=False)
    except DecodeError as exc:
        raise WorkloadError(
            f"not a valid ONNX file: truncated or corrupt ({exc})", file=path
        ) from None
    except OSError as exc:
        raise WorkloadError(f"cannot read file ({exc.strerror or exc})", file=path) from None
    if not model.graph.node:
        raise WorkloadError("not an ONNX model: it has no graph nodes", file=path)
    return model


def _default_opset(model, path: str) -> int:
    versions = [o.version for o in model.opset_import if o.domain in DEFAULT_DOMAINS]
    newest = onnx.defs.onnx_opset_version()
    if not versions:
        raise WorkloadError("the model imports no ai.onnx opset", file=path)
    if versions[0] > newest:
        raise WorkloadError(
            f"opset {versions[0]} is newer than this onnx package knows ({newest}): upgrade onnx",
            file=path,
        )
    return versions[0]


def _upgrade(model, opset: int, path: str):
    try:
        return onnx.version_converter.convert_version(model, MIN_OPSET)
    except Exception as exc:  # the converter raises bare RuntimeErrors and ValueErrors
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        reason = text.split("failed: ", 1)[-1]  # drop "file.cc:66: function: Assertion ..."
        raise WorkloadError(
            f"opset {opset} is older than {MIN_OPSET}, the oldest sim reads, and onnx's version "
            f"converter could not convert it ({reason}); convert it to opset 9 or newer",
            file=path,
        ) from None


def _check_external_data(graph, path: str) -> None:
    """Every external weight file exists, lies beside the model and is long enough; none is read."""
    base = Path(path).resolve().parent
    for tensor in graph.initializer:
        if tensor.data_location != onnx.TensorProto.EXTERNAL:
            continue
        info = {entry.key: entry.value for entry in tensor.external_data}
        place = f"initializer '{tensor.name}'"
        location = (base / info.get("location", "")).resolve()
        if not info.get("location") or not location.is_relative_to(base):
            raise WorkloadError(
                "external data must be a file beside the model", file=path, place=place
            )
        if not location.is_file():
            raise WorkloadError(
                f"external data file '{info['location']}' is missing", file=path, place=place
            )
        needed = int(info.get("offset", 0)) + int(info.get("length") or _stored_bytes(tensor))
        size = location.stat().st_size
        if size < needed:
            raise WorkloadError(
                f"external data file '{info['location']}' has {size} bytes, needs {needed}",
                file=path,
                place=place,
            )


def _stored_bytes(tensor) -> int:
    elements = math.prod(tensor.dims)
    if tensor.data_type in _PACKED_4BIT:
        return -(-elements // 2)
    return elements * onnx.helper.tensor_dtype_to_np_dtype(tensor.data_type).itemsize


def _fix_input_shapes(graph, path: str) -> list[str]:
    """Give a symbolic batch size the value 1; any other unknown size is an error."""
    notes = []
    weights = {t.name for t in graph.initializer}
    for value in graph.input:
        if value.name in weights:
            continue
        place = f"input '{value.name}'"
        if not value.type.HasField("tensor_type") or not value.type.tensor_type.HasField("shape"):
            raise WorkloadError("sim needs a tensor input of known shape", file=path, place=place)
        for axis, dim in enumerate(value.type.tensor_type.shape.dim):
            if dim.HasField("dim_value") and dim.dim_value > 0:
                continue
            if axis == 0:
                notes.append(f"batch size '{dim.dim_param or '?'}' of {place} set to 1")
                dim.dim_value = 1
                continue
            raise WorkloadError(
                f"size '{dim.dim_param or '?'}' of axis {axis} is not fixed; sim needs fixed sizes "
                "(fix them in the model, e.g. with onnxruntime.tools.make_dynamic_shape_fixed)",
                file=path,
                place=place,
            )
    return notes


def describe(node, index: int) -> str:
    """A node as error messages name it: `node 'conv5' (Conv)`."""
    if node.name:
        return f"node '{node.name}' ({node.op_type})"
    return f"node {index} ({node.op_type}, output '{node.output[0] if node.output else ''}')"


def _sorted_nodes(graph, path: str) -> list:
    """The nodes in topological order (stable); a missing input or a cycle is an error."""
    nodes = list(graph.node)
    available = {v.name for v in graph.input} | {t.name for t in graph.initializer} | {""}
    producer: dict[str, int] = {}
    for index, node in enumerate(nodes):
        for name in node.output:
            if name and (name in producer or name in available):
                raise WorkloadError(
                    f"tensor '{name}' is defined twice", file=path, place=describe(node, index)
                )
            if name:
                producer[name] = index
    for index, node in enumerate(nodes):
        for name in node.input:
            if name not in available and name not in producer:
                raise WorkloadError(
                    f"input '{name}' is not a graph input, an initializer or any node's output",
                    file=path,
                    place=describe(node, index),
                )
    for value in graph.output:
        if value.name not in available and value.name not in producer:
            raise WorkloadError(
                f"graph output '{value.name}' is not produced by any node", file=path
            )
    needs = [{producer[n] for n in node.input if n in producer} for node in nodes]
    users: list[list[int]] = [[] for _ in nodes]
    for index, deps in enumerate(needs):
        for dep in deps:
            users[dep].append(index)
    waiting = [len(deps) for deps in needs]
    ready = [i for i, count in enumerate(waiting) if count == 0]
    order = []
    while ready:
        index = heapq.heappop(ready)
        order.append(index)
        for user in users[index]:
            waiting[user] -= 1
            if waiting[user] == 0:
                heapq.heappush(ready, user)
    if len(order) < len(nodes):
        cycle = _a_cycle(needs, set(range(len(nodes))) - set(order))
        names = " -> ".join(describe(nodes[i], i) for i in cycle)
        raise WorkloadError(f"the graph has a cycle: {names}", file=path)
    return [nodes[i] for i in order]


def _a_cycle(needs: list[set[int]], left: set[int]) -> list[int]:
    """One cycle among the nodes left unsorted, in data-flow order, first node repeated."""
    path: list[int] = []
    seen: dict[int, int] = {}
    index = min(left)
    while index not in seen:
        seen[index] = len(path)
        path.append(index)
        index = min(dep for dep in needs[index] if dep in left)
    cycle = path[seen[index] :] + [index]
    return cycle[::-1]
