import pytest
import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sim.errors import WorkloadError
from sim.graph.dump import graph_to_data
from sim.graph.load import load_workload, parse_workload, workload_names
from sim.graph.model import OpKind
from sim.yamlio import dump_yaml

RESIDUAL = """\
version: 1
name: residual
inputs: {x: [1, 16, 8, 8]}
blocks:
  basic:
    args: {c: null, stride: 1, project: false}
    ops:
      - {op: conv2d, name: conv1, channels: $c, kernel: 3, stride: $stride, pad: 1}
      - {op: relu, name: relu1}
      - {op: conv2d, name: conv2, channels: $c, kernel: 3, pad: 1}
      - {op: conv2d, name: proj, in: $input, channels: $c, kernel: 1, stride: $stride, if: $project}
      - {op: add, name: add, in: [conv2, proj|$input]}
      - {op: relu, name: out}
graph:
  - {block: basic, name: layer1, c: 16, repeat: 2}
  - {block: basic, name: layer2, c: 32, repeat: 2, first: {stride: 2, project: true}}
  - {op: global_avg_pool, name: pool}
  - {op: flatten, name: flat}
  - {op: fc, name: fc, features: "${10 * 1}"}
"""


def build(text: str):
    return parse_workload(yaml.safe_load(text), "test.yaml")


def test_blocks_expand_with_scoped_names_and_repeats():
    graph = build(RESIDUAL)
    names = [op.name for op in graph.ops]
    assert names[:6] == [
        "layer1_1.conv1",
        "layer1_1.relu1",
        "layer1_1.conv2",
        "layer1_1.add",
        "layer1_1.out",
        "layer1_2.conv1",
    ]
    assert "layer1_1.proj" not in names  # `if: false` skipped it
    assert "layer2_1.proj" in names and "layer2_2.proj" not in names  # `first` applies once
    add = graph.op("layer1_1.add")
    assert [t.name for t in add.inputs] == ["layer1_1.conv2", "x"]  # proj|$input fell back
    add2 = graph.op("layer2_1.add")
    assert [t.name for t in add2.inputs] == ["layer2_1.conv2", "layer2_1.proj"]
    assert add2.outputs[0].shape == (1, 32, 4, 4)
    assert graph.op("layer2_2.conv1").inputs[0].name == "layer2_1.out"  # block output chains
    assert graph.outputs[0].shape == (1, 10)
    assert graph.op("fc").kind is OpKind.FC


def test_depthwise_has_one_group_per_channel_and_same_padding():
    graph = build(
        """
name: dw
inputs: {x: [1, 8, 15, 15]}
graph:
  - {op: depthwise_conv2d, name: dw, kernel: 3, stride: 2, pad: same}
  - {op: split, name: halves, sizes: [3, 5]}
  - {op: channel_shuffle, name: shuf, in: halves.1, groups: 5}
"""
    )
    dw = graph.op("dw")
    assert dw.attrs.groups == 8 and dw.params[0].shape == (8, 1, 3, 3)
    assert dw.outputs[0].shape == (1, 8, 8, 8)  # TensorFlow SAME: ceil(15 / 2)
    assert dw.attrs.pads == (1, 1, 1, 1)
    assert graph.op("shuf").inputs[0].shape == (1, 5, 8, 8)


@pytest.mark.parametrize("name", sorted(workload_names()))
def test_shipped_workloads_round_trip_through_flat_yaml(name):
    graph = load_workload(name)
    again = parse_workload(yaml.safe_load(dump_yaml(graph_to_data(graph))), "dumped.yaml")
    assert again == graph


BASE = """\
name: bad
inputs: {x: [1, 4, 8, 8]}
graph:
  - {op: conv2d, name: c1, channels: 8, kernel: 3, pad: 1}
  - {op: relu, name: r1}
"""


@pytest.mark.parametrize(
    "change, place, reason",
    [
        (("op: relu", "op: gelu"), "graph[1].op", "unknown op 'gelu'"),
        (("channels: 8, ", ""), "graph[0]", "missing required field 'channels'"),
        (("channels: 8", "channels: -8"), "graph[0].channels", ">= 1"),
        (("kernel: 3, pad: 1", "kernel: 11"), "graph[0] (c1)", "does not fit"),
        (("kernel: 3,", "kernel: 3, groups: 3,"), "graph[0] (c1)", "groups 3 must divide"),
        (("name: r1", "name: r1, in: nope"), "graph[1].in", "unknown tensor 'nope'"),
        (("x: [1, 4, 8, 8]", "x: [1, 4, 0, 8]"), "inputs.x", ">= 1"),
        (("name: r1", "name: r1, colour: red"), "graph[1].colour", "unknown field 'colour'"),
        (("name: r1", "name: c1"), "graph[1] (c1)", "tensor 'c1' is defined twice"),
        (
            ("- {op: relu, name: r1}", "- {op: add, name: a, in: [c1, x]}"),
            "graph[1] (a)",
            "one shape",
        ),
        (("name: bad", "name: bad\nversion: 3"), "", "unsupported version 3"),
    ],
)
def test_bad_workload_names_file_place_and_reason(write_file, change, place, reason):
    assert change[0] in BASE
    path = write_file("bad.yaml", BASE.replace(*change))
    with pytest.raises(WorkloadError) as err:
        load_workload(path)
    message = str(err.value)
    assert message.startswith(path) and place in message and reason in message, message


def test_block_argument_errors(write_file):
    text = RESIDUAL.replace("c: 16, repeat: 2}", "c: 16, repeat: 2, colour: 3}")
    with pytest.raises(WorkloadError, match=r"graph\[0\].colour: block 'basic' has no argument"):
        build(text)
    text = RESIDUAL.replace("name: layer1, c: 16,", "name: layer1,")
    with pytest.raises(WorkloadError, match="needs argument 'c'"):
        build(text)
    text = RESIDUAL.replace("${10 * 1}", "${10 * q}")
    with pytest.raises(WorkloadError, match="unknown block argument 'q'"):
        build(text)


def test_a_workload_that_is_not_a_mapping():
    with pytest.raises(WorkloadError, match="expected a mapping"):
        parse_workload([1, 2], "list.yaml")


KINDS = ["conv2d", "depthwise_conv2d", "max_pool", "avg_pool", "relu", "batch_norm"]
KINDS += ["add", "concat", "channel_shuffle", "se", "split"]


@st.composite
def random_networks(draw):
    """A chain of random ops over a small feature map, written as workload YAML data."""
    channels = draw(st.integers(1, 8))
    size = draw(st.integers(4, 12))
    data = {"name": "random", "inputs": {"x": [1, channels, size, size]}, "graph": []}
    previous = "x"
    for index in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(KINDS))
        entry = {"op": kind, "name": f"op{index}"}
        if kind == "conv2d":
            groups = draw(st.sampled_from([g for g in (1, 2, 4) if channels % g == 0]))
            kernel = draw(st.integers(1, 3))
            channels = groups * draw(st.integers(1, 3))
            entry.update(channels=channels, kernel=kernel, pad=kernel // 2, groups=groups)
            entry["bias"] = draw(st.booleans())
        elif kind == "depthwise_conv2d":
            entry.update(kernel=3, pad="same", stride=draw(st.integers(1, 2)))
        elif kind in ("max_pool", "avg_pool"):
            entry.update(kernel=2, stride=1, ceil_mode=draw(st.booleans()))
        elif kind in ("add", "concat"):
            entry["in"] = [previous, previous]
            channels *= 2 if kind == "concat" else 1
        elif kind == "channel_shuffle":
            entry["groups"] = draw(st.sampled_from([g for g in (1, 2) if channels % g == 0]))
        elif kind == "se":
            entry["hidden"] = draw(st.integers(1, 4))
        elif kind == "split":
            if channels < 2:
                continue
            first = draw(st.integers(1, channels - 1))
            entry["sizes"] = [first, channels - first]
            data["graph"].append(entry)
            entry = {"op": "relu", "name": f"after{index}", "in": f"op{index}.1"}
            channels -= first
        data["graph"].append(entry)
        previous = entry["name"]
    return data


@settings(max_examples=80, deadline=None)
@given(random_networks())
def test_random_graphs_round_trip_through_flat_yaml(data):
    assume(data["graph"])
    try:
        graph = parse_workload(data, "random.yaml")
    except WorkloadError as exc:
        assume("does not fit" not in exc.reason)  # pools shrank the map below a window
        raise
    again = parse_workload(yaml.safe_load(dump_yaml(graph_to_data(graph))), "dumped.yaml")
    assert again == graph


def test_a_conv_names_its_algorithm_and_the_naive_schedule_keeps_it():
    from sim.hw.model import Precision
    from sim.schedule.naive import naive_schedule

    text = BASE.replace("kernel: 3, pad: 1}", "kernel: 3, pad: 1, algorithm: winograd4x4}")
    graph = build(text)
    assert graph.op("c1").attrs.algorithm == "winograd4x4"
    kernels = naive_schedule(graph, Precision.FP32).kernels
    assert [k.algorithm for k in kernels] == ["winograd4x4", "auto"]
    again = parse_workload(yaml.safe_load(dump_yaml(graph_to_data(graph))), "dumped.yaml")
    assert again == graph
    with pytest.raises(WorkloadError, match=r"graph\[0\].algorithm: expected one of auto"):
        build(BASE.replace("pad: 1}", "pad: 1, algorithm: fft}"))
