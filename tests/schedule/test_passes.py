"""Each pass: kernels counted, the tensors that no longer reach memory named."""

from sim.graph.model import OpKind
from sim.schedule.passes import (
    fold_batch_norm,
    fuse_epilogues,
    fuse_se,
    fuse_shuffle,
    place_concat,
    push_through_concat,
    reuse_buffers,
)
from tests.schedule.util import kernel_ops, naive, on_chip, run_passes

X = {"x": [1, 8, 8, 8]}
CONV_BN_RELU = [
    {"op": "conv2d", "name": "conv", "channels": 8, "kernel": 3, "pad": 1},
    {"op": "batch_norm", "name": "bn"},
    {"op": "relu", "name": "relu"},
]


def test_fold_batch_norm_gives_the_conv_a_bias_and_removes_the_op():
    s = run_passes(naive(X, CONV_BN_RELU), [fold_batch_norm])
    assert kernel_ops(s) == [["conv"], ["relu"]]
    conv = s.kernels[0]
    assert conv.absorbed == ("bn",) and conv.main_op.attrs.bias
    assert [t.name for t in conv.params] == ["conv.weight", "conv.bias"]
    assert conv.outputs[0].name == "bn" and "conv" not in s.buffers  # the conv's output is gone


def test_a_batch_norm_is_not_folded_into_a_conv_whose_output_has_another_reader():
    ops = [*CONV_BN_RELU[:2], {"op": "add", "name": "add", "in": ["bn", "conv"]}]
    s = run_passes(naive(X, ops), [fold_batch_norm])
    assert len(s.kernels) == 3


def test_epilogue_fusion_keeps_the_activation_input_on_chip():
    s = run_passes(naive(X, CONV_BN_RELU), [fold_batch_norm, fuse_epilogues])
    assert kernel_ops(s) == [["conv", "relu"]] and on_chip(s) == ["bn"]


def test_a_residual_add_joins_the_producer_that_runs_last():
    ops = [
        {"op": "conv2d", "name": "a", "channels": 8, "kernel": 1},
        {"op": "conv2d", "name": "b", "channels": 8, "kernel": 3, "pad": 1},
        {"op": "conv2d", "name": "proj", "in": "x", "channels": 8, "kernel": 1},
        {"op": "add", "name": "add", "in": ["b", "proj"]},
        {"op": "relu", "name": "relu"},
    ]
    s = run_passes(naive(X, ops))
    assert kernel_ops(s) == [["a"], ["b"], ["proj", "add", "relu"]]
    assert on_chip(s) == ["proj", "add"]
    assert "b" in s.buffers  # the residual is read from memory by proj's epilogue


def test_shuffle_becomes_the_read_map_of_the_following_depthwise_conv():
    ops = [
        {"op": "conv2d", "name": "g", "channels": 12, "kernel": 1, "groups": 2},
        {"op": "channel_shuffle", "name": "shuffle", "groups": 3},
        {"op": "depthwise_conv2d", "name": "dw", "kernel": 3, "pad": 1},
    ]
    s = run_passes(naive(X, ops), [fuse_shuffle])
    assert kernel_ops(s) == [["g"], ["shuffle", "dw"]] and s.kernels[1].main == 1
    assert on_chip(s) == ["shuffle"] and "shuffle" not in s.buffers


SE_BLOCK = [
    {"op": "depthwise_conv2d", "name": "dw", "kernel": 3, "pad": 1},
    {"op": "se", "name": "se", "reduction": 4},
    {"op": "conv2d", "name": "pw", "channels": 16, "kernel": 1},
]


def test_se_splits_into_a_gate_and_a_scale_on_the_consumers_read():
    s = run_passes(naive(X, SE_BLOCK), [fuse_se])
    assert kernel_ops(s) == [["dw"], ["se"], ["se.scale", "pw"]]
    assert s.kernels[1].outputs[0].shape == (1, 8, 1, 1)  # the gate
    assert s.kernels[2].prologue[0].kind is OpKind.MUL
    assert on_chip(s) == ["se"] and "se" not in s.buffers


def test_se_stays_whole_when_its_consumer_cannot_scale_its_read():
    ops = [*SE_BLOCK[:2], {"op": "max_pool", "name": "pool", "kernel": 2}]
    s = run_passes(naive(X, ops), [fuse_se])
    assert kernel_ops(s) == [["dw"], ["se"], ["pool"]]


CONCAT_RELU = [
    {"op": "conv2d", "name": "a", "in": "x", "channels": 4, "kernel": 1},
    {"op": "conv2d", "name": "b", "in": "x", "channels": 12, "kernel": 1},
    {"op": "concat", "name": "cat", "in": ["a", "b"]},
    {"op": "relu", "name": "relu"},
]


def test_concat_is_eliminated_by_writing_each_part_into_its_slice():
    s = run_passes(naive(X, CONCAT_RELU), [place_concat])
    assert kernel_ops(s) == [["a"], ["b"], ["relu"]] and s.kernels[1].absorbed == ("cat",)
    cat, a, b = (s.buffer(n) for n in ("cat", "a", "b"))
    assert (a.address, b.address) == (cat.address, cat.address + 4 * 64 * 4)
    assert b.end == cat.end


def test_a_relu_after_a_placed_concat_runs_on_each_part_in_its_producer():
    s = run_passes(naive(X, CONCAT_RELU), [place_concat, push_through_concat])
    assert kernel_ops(s) == [["a", "relu@0"], ["b", "relu@1"]]
    assert s.kernels[1].absorbed == ("cat", "relu")
    assert on_chip(s) == ["a", "b"] and "cat" not in s.buffers  # the concat never exists
    relu, part0, part1 = (s.buffer(n) for n in ("relu", "relu@0", "relu@1"))
    assert (part0.address, part1.address) == (relu.address, relu.address + 4 * 64 * 4)
    assert part1.end == relu.end


def test_a_relu_stays_after_a_concat_that_something_else_reads():
    ops = [*CONCAT_RELU, {"op": "add", "name": "add", "in": ["relu", "cat"]}]
    s = run_passes(naive(X, ops), [place_concat, push_through_concat])
    assert kernel_ops(s) == [["a"], ["b"], ["relu"], ["add"]]


def test_split_is_eliminated_by_reading_each_part_in_place():
    ops = [
        {"op": "split", "name": "split", "sizes": [2, 6]},
        {"op": "relu", "name": "r0", "in": "split.0"},
        {"op": "relu", "name": "r1", "in": "split.1"},
    ]
    s = naive(X, ops)
    parts = [t.name for t in s.kernels[0].outputs]
    s = run_passes(s, [place_concat])
    assert kernel_ops(s) == [["r0"], ["r1"]]
    assert s.buffer(parts[1]).address == s.buffer("x").address + 2 * 64 * 4


def test_buffer_reuse_recycles_dead_tensors():
    ops = [{"op": "relu", "name": f"r{i}"} for i in range(6)]
    plain = run_passes(naive(X, ops), [])
    reused = run_passes(plain, [reuse_buffers])
    # two ranges alternate: the input of each relu and its output
    assert len({reused.buffer(f"r{i}").address for i in range(6)}) == 2
    span = [max(b.end for b in s.buffers.values()) for s in (plain, reused)]
    assert span[1] < span[0] and reused.workspace_address == plain.workspace_address


def test_fused_preset_on_a_mobilenet_block():
    ops = [
        {"op": "depthwise_conv2d", "name": "dw", "kernel": 3, "pad": 1},
        {"op": "batch_norm", "name": "dw_bn"},
        {"op": "relu", "name": "dw_relu"},
        {"op": "conv2d", "name": "pw", "channels": 16, "kernel": 1},
        {"op": "batch_norm", "name": "pw_bn"},
        {"op": "relu", "name": "pw_relu"},
    ]
    s = run_passes(naive(X, ops))
    assert kernel_ops(s) == [["dw", "dw_relu"], ["pw", "pw_relu"]]
    assert on_chip(s) == ["dw_bn", "pw_bn"]
