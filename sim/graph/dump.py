"""Write a `Graph` back as workload YAML data: flat, every op with explicit inputs and outputs.

`parse_workload(graph_to_data(g)) == g` for any graph the loader builds, so a converted or
generated network can be read, edited and re-analysed as YAML.
"""

from typing import Any

from sim.graph.model import (
    AxisAttrs,
    ConvAttrs,
    FcAttrs,
    Graph,
    GroupsAttrs,
    LrnAttrs,
    Op,
    OpaqueAttrs,
    OpKind,
    PadAttrs,
    PermAttrs,
    PoolAttrs,
    SEAttrs,
    ShapeAttrs,
    SplitAttrs,
)


def _pads(pads: tuple[int, int, int, int]) -> Any:
    top, left, bottom, right = pads
    if top == left == bottom == right:
        return top
    return [top, left, bottom, right]


def _pair(values: tuple[int, int]) -> Any:
    return values[0] if values[0] == values[1] else list(values)


def _attrs(op: Op) -> dict[str, Any]:
    a = op.attrs
    if isinstance(a, ConvAttrs):
        data: dict[str, Any] = {}
        if op.kind is OpKind.CONV2D:
            data["channels"] = a.out_channels
        data["kernel"] = _pair(a.kernel)
        data["stride"] = _pair(a.stride)
        data["pad"] = _pads(a.pads)
        if a.dilation != (1, 1):
            data["dilation"] = _pair(a.dilation)
        if op.kind is OpKind.CONV2D and a.groups != 1:
            data["groups"] = a.groups
        if op.kind is OpKind.DEPTHWISE_CONV2D and a.out_channels != a.groups:
            data["multiplier"] = a.out_channels // a.groups
        if a.bias:
            data["bias"] = True
        if a.algorithm != "auto":
            data["algorithm"] = a.algorithm
        return data
    if isinstance(a, PoolAttrs):
        data = {"kernel": _pair(a.kernel), "stride": _pair(a.stride), "pad": _pads(a.pads)}
        if a.ceil_mode:
            data["ceil_mode"] = True
        return data
    if isinstance(a, FcAttrs):
        return {"features": a.out_features, "bias": a.bias}
    if isinstance(a, SEAttrs):
        return {"hidden": a.hidden}
    if isinstance(a, GroupsAttrs):
        return {"groups": a.groups}
    if isinstance(a, AxisAttrs):
        return {"axis": a.axis}
    if isinstance(a, SplitAttrs):
        return {"sizes": list(a.sizes), "axis": a.axis}
    if isinstance(a, ShapeAttrs):
        return {"shape": list(a.shape)}
    if isinstance(a, PermAttrs):
        return {"perm": list(a.perm)}
    if isinstance(a, PadAttrs):
        return {"pad": _pads(a.pads)}
    if isinstance(a, LrnAttrs):
        return {"size": a.size}
    if isinstance(a, OpaqueAttrs):
        data = {"type": a.op_type, "shapes": [list(s) for s in a.out_shapes]}
        if a.param_shapes:
            data["params"] = [list(s) for s in a.param_shapes]
        return data
    return {}


def op_to_data(op: Op) -> dict[str, Any]:
    entry: dict[str, Any] = {"op": op.kind.value, "name": op.name}
    entry["in"] = [t.name for t in op.inputs]
    default_out = (
        [op.name] if len(op.outputs) == 1 else [f"{op.name}.{i}" for i in range(len(op.outputs))]
    )
    outs = [t.name for t in op.outputs]
    if outs != default_out:
        entry["out"] = outs
    entry.update(_attrs(op))
    if op.sparsity is not None:
        entry["sparsity"] = str(op.sparsity)
    return entry


def graph_to_data(graph: Graph) -> dict[str, Any]:
    data: dict[str, Any] = {"version": 1, "name": graph.name}
    if graph.description:
        data["description"] = graph.description
    if graph.source:
        data["source"] = graph.source
    data["inputs"] = {t.name: list(t.shape) for t in graph.inputs}
    data["graph"] = [op_to_data(op) for op in graph.ops]
    data["outputs"] = [t.name for t in graph.outputs]
    return data
