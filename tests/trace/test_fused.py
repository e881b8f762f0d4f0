"""Fused kernels traced: epilogue loads before stores, read maps, FLOPs, on-chip tensors."""

import numpy as np

from sim.analytic.counts import flops
from sim.engine.simulate import simulate
from sim.graph.model import OpKind
from sim.schedule.presets import apply_passes
from sim.trace import kernel_tiles
from tests.schedule.util import naive
from tests.trace.util import hardware, lines_of

X = {"x": [1, 8, 8, 8]}


def _lines(s, kernel):
    tiles = list(kernel_tiles(kernel, s, hardware()))
    addresses = np.concatenate([t.line_addresses for t in tiles])
    writes = np.concatenate([t.is_write for t in tiles])
    stored = {a for a in addresses[writes].tolist() if a < s.workspace_address}  # not scratch
    return tiles, set(addresses[~writes].tolist()), stored


def test_a_residual_add_reads_the_residual_and_stores_only_the_sum():
    for algorithm in ("im2col", "direct"):
        ops = [
            {"op": "conv2d", "name": "c", "channels": 8, "kernel": 3, "pad": 1},
            {"op": "conv2d", "name": "d", "channels": 8, "kernel": 3, "pad": 1},
            {"op": "add", "name": "add", "in": ["d", "c"]},
            {"op": "relu", "name": "relu"},
        ]
        ops[1]["algorithm"] = algorithm
        s = apply_passes(naive(X, ops))
        kernel = s.kernels[-1]
        assert [op.name for op in kernel.ops] == ["d", "add", "relu"]
        tiles, reads, writes = _lines(s, kernel)
        c, relu = s.graph.op("c").outputs, s.graph.op("relu").outputs
        assert lines_of(s, c, 64) <= reads and lines_of(s, relu, 64) == writes
        assert sum(t.flops for t in tiles) == flops(s.graph.op("d")) + 2 * 512


def test_a_fused_shuffle_permutes_the_planes_the_depthwise_conv_reads():
    ops = [
        {"op": "relu", "name": "r", "in": "x"},
        {"op": "channel_shuffle", "name": "shuffle", "groups": 2},
        {"op": "depthwise_conv2d", "name": "dw", "kernel": 1},
    ]
    s = apply_passes(naive({"x": [1, 4, 4, 4]}, ops))
    kernel = s.kernels[-1]
    assert kernel.prologue[0].kind is OpKind.CHANNEL_SHUFFLE
    tiles = list(kernel_tiles(kernel, s, hardware()))
    order = [a for a, w in zip(tiles[0].line_addresses, tiles[0].is_write) if not w]
    r = s.buffer("r").address
    planes = [int(a - r) // 64 for a in order if r <= a < s.buffer("r").end]
    planes = [p for i, p in enumerate(planes) if i == 0 or planes[i - 1] != p]
    assert planes == [0, 2, 1, 3]  # out channel j*g + i <- in channel i*k + j, g = k = 2


def test_se_fused_into_a_pointwise_conv_reads_x_and_the_gate_and_conserves_flops():
    ops = [
        {"op": "relu", "name": "r", "in": "x"},
        {"op": "se", "name": "se", "reduction": 4},
        {"op": "conv2d", "name": "pw", "channels": 16, "kernel": 1},
    ]
    n = naive(X, ops)
    s = apply_passes(n)
    assert [[op.name for op in k.ops] for k in s.kernels] == [["r"], ["se"], ["se.scale", "pw"]]
    _, reads, _ = _lines(s, s.kernels[-1])
    assert lines_of(s, s.graph.op("r").outputs, 64) <= reads
    assert s.buffer("se.gate").address // 64 * 64 in reads
    fused_flops = simulate(s, hardware()).total("flops")
    assert fused_flops == simulate(n, hardware()).total("flops")


def test_fusion_conserves_flops_except_folded_batch_norms():
    ops = [
        {"op": "conv2d", "name": "conv", "channels": 8, "kernel": 3, "pad": 1},
        {"op": "batch_norm", "name": "bn"},
        {"op": "relu", "name": "relu"},
        {"op": "max_pool", "name": "pool", "kernel": 2},
        {"op": "relu6", "name": "clip"},
    ]
    n = naive(X, ops)
    s = apply_passes(n)
    assert len(s.kernels) == 2
    hw = hardware()
    folded = flops(n.graph.op("bn"))
    assert simulate(s, hw).total("flops") == simulate(n, hw).total("flops") - folded


def test_a_tensor_kept_on_chip_is_never_touched():
    ops = [
        {"op": "conv2d", "name": "conv", "channels": 8, "kernel": 1},
        {"op": "relu", "name": "relu"},
    ]
    s = apply_passes(naive(X, ops))
    assert "conv" not in s.buffers
    _, reads, writes = _lines(s, s.kernels[0])
    assert writes == lines_of(s, s.graph.op("relu").outputs, 64)
