"""The kinds added for ONNX models (hardswish, hard_sigmoid, leaky_relu, lrn, pad, reshape,
transpose, opaque), written by hand in workload YAML: shapes, counts, round trip, errors."""

import pytest
import yaml

from sim.analytic.counts import flops, params
from sim.analytic.estimate import estimate_op
from sim.errors import WorkloadError
from sim.graph.dump import graph_to_data
from sim.graph.load import parse_workload
from sim.hw.model import Precision
from sim.yamlio import dump_yaml

NETWORK = """
name: extra
inputs: {x: [1, 8, 6, 6]}
graph:
  - {op: hardswish, name: hs}
  - {op: hard_sigmoid, name: hsig}
  - {op: leaky_relu, name: lr}
  - {op: lrn, name: lrn, size: 5}
  - {op: pad, name: pad, pad: [1, 2]}
  - {op: transpose, name: t, perm: [0, 2, 3, 1]}
  - {op: reshape, name: r, shape: [1, 80, 8]}
  - {op: opaque, name: copy, type: Resize}
  - {op: opaque, name: o, type: Foo, shapes: [[1, 640], [2]], params: [[4], [2, 2]]}
"""


def test_shapes_and_counts():
    graph = parse_workload(yaml.safe_load(NETWORK), "extra.yaml")
    shapes = {op.name: op.outputs[0].shape for op in graph.ops}
    assert shapes["pad"] == (1, 8, 8, 10) and shapes["t"] == (1, 8, 10, 8)
    assert shapes["r"] == (1, 80, 8) and shapes["copy"] == (1, 80, 8)  # default: elementwise
    assert [t.shape for t in graph.op("o").outputs] == [(1, 640), (2,)]
    per_element = {op.name: flops(op) // op.outputs[0].elements for op in graph.ops}
    assert per_element == {"hs": 5, "hsig": 4, "lr": 2, "lrn": 13} | dict.fromkeys(
        ("pad", "t", "r", "copy", "o"), 0
    )
    assert params(graph.op("o")) == 8
    view = estimate_op(graph.op("r"), Precision.FP32)
    copy = estimate_op(graph.op("copy"), Precision.FP32)
    assert view.analytic_bytes == 0 and copy.analytic_bytes == 2 * 640 * 4
    again = parse_workload(yaml.safe_load(dump_yaml(graph_to_data(graph))), "dumped.yaml")
    assert again == graph


@pytest.mark.parametrize(
    "entry, place, reason",
    [
        ("{op: reshape, shape: [2, 3]}", "graph[0] (reshape_0)", "needs positive sizes with 288"),
        ("{op: transpose, perm: [0, 1, 1, 2]}", "graph[0] (transpose_0)", "does not permute"),
        ("{op: pad, pad: same}", "graph[0].pad", "explicit pads"),
        ("{op: pad, pad: -1}", "graph[0].pad", "expected an integer >= 0"),
        ("{op: opaque}", "graph[0]", "missing required field 'type'"),
        ("{op: opaque, type: X, shapes: [[0, 3]]}", "graph[0].shapes", ">= 1"),
        ("{op: lrn}", "graph[0]", "missing required field 'size'"),
    ],
)
def test_mistakes_are_located(entry, place, reason):
    text = f"name: bad\ninputs: {{x: [1, 8, 6, 6]}}\ngraph:\n  - {entry}\n"
    with pytest.raises(WorkloadError) as info:
        parse_workload(yaml.safe_load(text), "bad.yaml")
    assert info.value.place == place and reason in info.value.reason
