"""Laws every generator obeys: what it touches, its arithmetic, and the form of its tiles."""

import numpy as np
import pytest

from sim.analytic.counts import flops
from sim.hw.model import Precision
from sim.trace.blocking import kc_max
from sim.trace.stream import MAX_TILE_LINES
from tests.trace.util import hardware, line_bytes, lines_of, schedule, touched, trace

FMAP = {"x": [1, 8, 12, 12]}
# (case name, inputs, ops, algorithm); the law is checked on the last op's kernel
CASES = [
    ("pointwise", FMAP, [{"op": "conv2d", "channels": 24, "kernel": 1, "bias": True}], "auto"),
    (
        "pointwise_groups",
        FMAP,
        [{"op": "conv2d", "channels": 12, "kernel": 1, "groups": 2}],
        "auto",
    ),
    (
        "conv3x3_im2col",
        {"x": [1, 3, 16, 16]},
        [{"op": "conv2d", "channels": 8, "kernel": 3, "stride": 2, "pad": 1}],
        "auto",
    ),
    (
        "conv3x3_groups",
        FMAP,
        [{"op": "conv2d", "channels": 16, "kernel": 3, "pad": 1, "groups": 4}],
        "im2col",
    ),
    (
        "conv5x5_dilated",
        FMAP,
        [{"op": "conv2d", "channels": 8, "kernel": 3, "pad": 2, "dilation": 2}],
        "im2col",
    ),
    (
        "conv3x3_direct",
        FMAP,
        [{"op": "conv2d", "channels": 20, "kernel": 3, "pad": 1, "bias": True}],
        "direct",
    ),
    (
        "conv_direct_s2",
        FMAP,
        [{"op": "conv2d", "channels": 9, "kernel": 3, "stride": 2, "pad": 1, "groups": 1}],
        "direct",
    ),
    ("depthwise", FMAP, [{"op": "depthwise_conv2d", "kernel": 3, "pad": 1}], "auto"),
    (
        "depthwise_s2_m2",
        FMAP,
        [
            {
                "op": "depthwise_conv2d",
                "kernel": 3,
                "stride": 2,
                "pad": 1,
                "multiplier": 2,
                "bias": True,
            }
        ],
        "direct",
    ),
    ("max_pool", FMAP, [{"op": "max_pool", "kernel": 3, "stride": 2, "pad": 1}], "auto"),
    ("avg_pool", FMAP, [{"op": "avg_pool", "kernel": 2}], "auto"),
    ("global_pool", {"x": [2, 7, 5, 5]}, [{"op": "global_avg_pool"}], "auto"),
    ("batch_norm", FMAP, [{"op": "batch_norm"}], "auto"),
    ("scale", {"x": [2, 5, 7, 7]}, [{"op": "scale"}], "auto"),
    ("bias", {"x": [2, 30]}, [{"op": "bias"}], "auto"),
    ("bn_2d", {"x": [3, 40]}, [{"op": "batch_norm"}], "auto"),
    ("relu", FMAP, [{"op": "relu"}], "auto"),
    ("relu6", {"x": [1, 1000]}, [{"op": "relu6"}], "auto"),
    ("sigmoid", {"x": [1, 3, 5, 7]}, [{"op": "sigmoid"}], "auto"),
    (
        "add3",
        {"a": [1, 4, 6, 6], "b": [1, 4, 6, 6], "c": [1, 4, 6, 6]},
        [{"op": "add", "in": ["a", "b", "c"]}],
        "auto",
    ),
    ("mul", {"a": [1, 4, 6, 6], "b": [1, 4, 6, 6]}, [{"op": "mul", "in": ["a", "b"]}], "auto"),
    ("mul_se", {"a": [2, 6, 5, 5], "s": [2, 6, 1, 1]}, [{"op": "mul", "in": ["a", "s"]}], "auto"),
    ("softmax", {"x": [2, 1000]}, [{"op": "softmax"}], "auto"),
    (
        "concat",
        {"a": [1, 3, 5, 5], "b": [1, 5, 5, 5]},
        [{"op": "concat", "in": ["a", "b"]}],
        "auto",
    ),
    (
        "concat_batch",
        {"a": [2, 3, 5, 5], "b": [2, 5, 5, 5]},
        [{"op": "concat", "in": ["a", "b"]}],
        "auto",
    ),
    ("split", {"x": [2, 8, 5, 5]}, [{"op": "split", "sizes": [3, 5]}], "auto"),
    ("shuffle", {"x": [1, 12, 5, 5]}, [{"op": "channel_shuffle", "groups": 3}], "auto"),
    ("fc", {"x": [1, 300]}, [{"op": "fc", "features": 37}], "auto"),
    ("fc_batch", {"x": [3, 80]}, [{"op": "fc", "features": 37}], "auto"),
    ("matmul", {"a": [20, 30], "b": [30, 50]}, [{"op": "matmul", "in": ["a", "b"]}], "auto"),
    ("se", {"x": [2, 16, 6, 6]}, [{"op": "se", "hidden": 4}], "auto"),
    ("hardswish", FMAP, [{"op": "hardswish"}], "auto"),
    ("leaky_relu", FMAP, [{"op": "leaky_relu"}], "auto"),
    # kinds without a generator of their own: read inputs and parameters, write outputs
    ("pad", FMAP, [{"op": "pad", "pad": [1, 2, 1, 2]}], "auto"),
    ("transpose", FMAP, [{"op": "transpose", "perm": [0, 2, 3, 1]}], "auto"),
    ("lrn", FMAP, [{"op": "lrn", "size": 5}], "auto"),
    (
        "opaque",
        FMAP,
        [{"op": "opaque", "type": "Foo", "shapes": [[1, 3]], "params": [[7, 9]]}],
        "auto",
    ),
]
# generators that read their own output back: C read-modify-write, softmax's last pass
READS_OUTPUT = {"softmax"}


def _run(case, hw_name="pi3"):
    _, inputs, ops, algorithm = case
    s = schedule(inputs, ops, algorithm)
    hw = hardware(hw_name)
    return s, hw, trace(s, hw)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("hw_name", ["pi3", "xavier"])
def test_touches_exactly_its_buffers_and_the_workspace(case, hw_name):
    s, hw, tiles = _run(case, hw_name)
    op = s.kernels[-1].ops[0]
    line = line_bytes(hw)
    reads, writes = touched(tiles)
    workspace = {a for a in reads | writes if a >= s.workspace_address}
    sources = lines_of(s, (*op.inputs, *op.params), line)
    outputs = lines_of(s, op.outputs, line)
    assert writes - workspace == outputs
    if case[0] in READS_OUTPUT:
        assert reads - workspace == sources | outputs
    else:
        assert reads - workspace == sources


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_flops_equal_the_analytic_count(case):
    s, _, tiles = _run(case)
    assert sum(t.flops for t in tiles) == flops(s.kernels[-1].ops[0])


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_tiles_are_collapsed_bounded_and_deterministic(case):
    s, hw, tiles = _run(case)
    again = trace(s, hw)
    assert len(tiles) == len(again)
    for tile, other in zip(tiles, again, strict=True):
        assert np.array_equal(tile.line_addresses, other.line_addresses)
        assert np.array_equal(tile.is_write, other.is_write)
        assert (tile.flops, tile.collapsed_accesses) == (other.flops, other.collapsed_accesses)
        assert 0 < tile.line_accesses <= MAX_TILE_LINES
        assert tile.collapsed_accesses >= 0 and tile.spill_accesses == 0
        assert not np.any(tile.line_addresses % line_bytes(hw))
        same = (tile.line_addresses[1:] == tile.line_addresses[:-1]) & (
            tile.is_write[1:] == tile.is_write[:-1]
        )
        assert not same.any()


def test_gemm_reads_back_c_only_when_k_is_blocked():
    hw = hardware("pi3")
    deepest = kc_max(hw, Precision.FP32)  # 512: K up to this runs C in registers throughout
    for channels_in, reads_output in ((deepest, False), (deepest + 88, True)):
        s = schedule({"x": [1, channels_in, 4, 4]}, [{"op": "conv2d", "channels": 8, "kernel": 1}])
        reads, _ = touched(trace(s, hw))
        outputs = lines_of(s, s.kernels[-1].ops[0].outputs, 64)
        assert bool(reads & outputs) is reads_output


def test_relu_accesses_are_register_loads_and_stores():
    """1000 fp32 = 250 vector loads and 250 stores; 63 lines each, read/write interleaved."""
    s = schedule({"x": [1, 1000]}, [{"op": "relu"}])
    tiles = trace(s, hardware("pi3"))
    assert sum(t.line_accesses for t in tiles) == 126
    assert sum(t.line_accesses + t.collapsed_accesses for t in tiles) == 500


@pytest.mark.parametrize("view", [{"op": "flatten"}, {"op": "reshape", "shape": [1, 36]}])
def test_views_touch_nothing(view):
    s = schedule({"x": [1, 4, 3, 3]}, [view])
    assert trace(s, hardware("pi3")) == []


def _first_touch_is_a_write(tiles, lowest: int) -> bool:
    lines = np.concatenate([t.line_addresses for t in tiles])
    writes = np.concatenate([t.is_write for t in tiles])
    scratch = lines >= lowest
    _, first = np.unique(lines[scratch], return_index=True)
    return bool(writes[scratch][first].all())


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_scratch_is_written_before_it_is_read(case):
    s, _, tiles = _run(case)
    assert _first_touch_is_a_write(tiles, s.workspace_address) if tiles else True


@pytest.mark.parametrize("algorithm", ["winograd2x2", "winograd4x4", "winograd6x6"])
def test_winograd_scratch_is_written_before_it_is_read(algorithm):
    conv = {"op": "conv2d", "channels": 16, "kernel": 3, "pad": 1}
    s = schedule({"x": [1, 8, 9, 10]}, [conv], algorithm)
    tiles = trace(s, hardware("pi3"))
    t = {"winograd2x2": 4, "winograd4x4": 6, "winograd6x6": 8}[algorithm]
    transformed_weights = t * t * 16 * 8 * 4
    assert _first_touch_is_a_write(tiles, s.workspace_address + transformed_weights)
