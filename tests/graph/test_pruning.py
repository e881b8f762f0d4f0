"""Channel pruning: the network shrinks by the rules of a pruning tool, shapes inferred again,
and its MACs are those of the smaller dense network written out by hand."""

import re

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.analytic.counts import effective_macs, macs
from sim.graph.dump import graph_to_data
from sim.graph.load import load_workload, parse_workload
from sim.graph.model import OpKind
from sim.graph.pruning import apply_sparsity
from sim.graph.sparsity import kept, parse_sparsity
from tests.conftest import ROOT

HALF = parse_sparsity("channel:0.5")


def total_macs(graph) -> int:
    return sum(macs(op) for op in graph.ops)


def test_mobilenet_at_half_the_channels_is_mobilenet_at_half_width_written_by_hand():
    dense = load_workload("mobilenet")
    pruned = load_workload("mobilenet", sparsity=HALF)
    text = (ROOT / "workloads" / "mobilenet.yaml").read_text()
    by_hand = parse_workload(
        yaml.safe_load(re.sub(r"\bc: (\d+)", lambda m: f"c: {int(m.group(1)) // 2}", text))
    )
    assert total_macs(pruned) == total_macs(by_hand)
    assert 0.2 <= total_macs(pruned) / total_macs(dense) <= 0.6
    assert [o.outputs[0].shape for o in pruned.ops] == [o.outputs[0].shape for o in by_hand.ops]
    assert pruned.op("sep2.dw").attrs.groups == 16  # the depthwise conv follows conv1
    assert pruned.op("fc").outputs[0].shape == (1, 1000)  # the classes stay
    assert all(effective_macs(op) == macs(op) for op in pruned.ops)  # a dense network
    assert all(op.sparsity is None for op in pruned.ops)


def test_a_pruned_network_writes_out_as_the_smaller_dense_workload():
    pruned = load_workload("mobilenet", sparsity=HALF)
    assert parse_workload(graph_to_data(pruned)) == pruned


def test_a_residual_stream_shrinks_together_or_not_at_all():
    graph = load_workload("resnet18", sparsity=HALF)
    for op in graph.ops:
        if op.kind is OpKind.ADD:
            assert len({t.shape for t in op.inputs}) == 1
    assert graph.op("conv1").outputs[0].shape[1] == 32  # the stem feeds the first stage's adds
    assert 0.2 <= total_macs(graph) / total_macs(load_workload("resnet18")) <= 0.6


RESIDUAL = """
name: r
inputs: {x: [1, 8, 6, 6]}
graph:
  - {op: conv2d, name: a, channels: 16, kernel: 1}
  - {op: conv2d, name: b, channels: 16, kernel: 3, pad: 1, sparsity: %s}
  - {op: add, name: sum, in: [a, b]}
  - {op: conv2d, name: c, channels: 10, kernel: 1}
  - {op: global_avg_pool, name: pool}
"""


@pytest.mark.parametrize("b_spec, kept_channels", [("'channel:0.5'", 8), ("dense", 16)])
def test_an_add_ties_its_inputs_and_an_opt_out_keeps_the_group_whole(b_spec, kept_channels):
    data = yaml.safe_load(RESIDUAL % b_spec)
    graph = apply_sparsity(parse_workload(data), HALF)
    assert graph.op("a").outputs[0].shape[1] == kept_channels
    assert graph.op("b").outputs[0].shape[1] == kept_channels
    assert graph.op("c").outputs[0].shape[1] == 10  # reaches the output: stays


def test_grouped_convs_and_shuffles_keep_the_channels_they_read():
    graph = load_workload("shufflenet_v1_0.5x_g3", sparsity=HALF)
    dense = load_workload("shufflenet_v1_0.5x_g3")
    for op, before in zip(graph.ops, dense.ops):
        if op.kind is OpKind.CONV2D and op.attrs.groups > 1:
            assert op.inputs[0].shape == before.inputs[0].shape


@st.composite
def chains(draw):
    """A chain of conv2d (1x1 or 3x3), depthwise convs, batch-norms and ReLUs."""
    entries = []
    for index in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["conv2d", "conv2d", "depthwise_conv2d", "relu", "batch_norm"]))
        entry = {"op": kind, "name": f"op{index}"}
        if kind in ("conv2d", "depthwise_conv2d"):
            entry.update(kernel=draw(st.sampled_from([1, 3])), pad="same")
        if kind == "conv2d":
            entry["channels"] = draw(st.integers(1, 24))
        entries.append(entry)
    channels = draw(st.integers(1, 8))
    return {"name": "chain", "inputs": {"x": [1, channels, 7, 7]}, "graph": entries}


def _by_hand(data, fraction):
    """The chain with every conv2d's channels cut as a pruning tool would, except the last
    conv2d whose channels reach the output through depthwise convs, norms and ReLUs."""
    convs = [e for e in data["graph"] if e["op"] == "conv2d"]
    last = convs[-1]["name"] if convs else None
    entries = []
    for entry in data["graph"]:
        entry = dict(entry)
        if entry["op"] == "conv2d" and entry["name"] != last:
            entry["channels"] = kept(entry["channels"], fraction)
        entries.append(entry)
    return {**data, "graph": entries}


@settings(max_examples=60, deadline=None)
@given(chains(), st.sampled_from(["0", "0.25", "0.5", "0.75", "0.9"]))
def test_pruning_makes_the_network_written_out_by_hand(data, fraction):
    spec = parse_sparsity(f"channel:{fraction}")
    pruned = apply_sparsity(parse_workload(data), spec)
    by_hand = parse_workload(_by_hand(data, spec.fraction))
    assert total_macs(pruned) == total_macs(by_hand)
    assert [op.outputs[0].shape for op in pruned.ops] == [op.outputs[0].shape for op in by_hand.ops]
    assert total_macs(pruned) <= total_macs(parse_workload(data))
