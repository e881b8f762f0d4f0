"""Depthwise conv2d (one group per input channel, channel multiplier m) by sliding windows.

Output channel oc reads input channel oc // m. Each output plane first reads its kh x kw
weights (and its bias), which stay in registers, then its rows as in window.py. In a fused
kernel (fused.py) a shuffle permutes the input planes read, and an SE gate is read with the
weights and scales them (kh x kw operations per plane) instead of the input. Packed
(context.py), `lanes` channels run together (ncnn's convdw pack4 kernels), unless a shuffle
or a channel multiplier mixes the groups.
"""

from collections.abc import Iterator

import attrs
import numpy as np

from sim.graph.model import Op
from sim.trace.context import Context
from sim.trace.fused import channel_order, gate
from sim.trace.stream import Ranges
from sim.trace.window import Window, window_rows


def depthwise_ranges(op: Op, ctx: Context) -> Iterator[Ranges]:
    a = op.attrs
    es = ctx.element_bytes
    _, c_in, h, w = op.inputs[0].shape
    c_out, wo = op.outputs[0].shape[1], op.outputs[0].shape[3]
    kh, kw = a.kernel
    multiplier = c_out // c_in
    x, y = ctx.address(op.inputs[0]), ctx.address(op.outputs[0])
    weights = ctx.address(op.params[0])
    order = channel_order(ctx.kernel, c_in)

    def sources(p):
        return x + (p // c_out * c_in + order[p % c_out // multiplier]) * h * w * es

    heads = [lambda p: (weights + p % c_out * kh * kw * es, kh * kw * es)]
    gate_op = gate(ctx.kernel)
    if gate_op is not None:  # scale the plane's weights by its gate: kh x kw operations
        g = ctx.address(gate_op.inputs[1])
        heads.append(lambda p: (g + (p // c_out * c_in + p % c_out // multiplier) * es, es))
    if len(op.params) > 1:
        bias = ctx.address(op.params[1])
        heads.append(lambda p: (bias + p % c_out * es, es))
    window = Window(a.kernel, a.stride, a.pads, a.dilation)
    shape = op.outputs[0].shape
    per_row = 2 * wo * kh * kw
    pack = ctx.pack_of(op.outputs[0])
    if multiplier != 1 or (order != np.arange(c_in)).any() or ctx.pack_of(op.inputs[0]) != pack:
        pack = 1  # a group's planes would come from several input groups
    pieces = window_rows(ctx, window, (h, w), shape, sources, y, tuple(heads), per_row, pack)
    if gate_op is None:
        yield from pieces
        return
    rows_per_plane = shape[2]
    for piece in pieces:  # the weights' scaling, kh x kw operations per plane
        planes = piece.flops // (per_row * rows_per_plane)
        yield attrs.evolve(piece, flops=piece.flops + planes * kh * kw)
