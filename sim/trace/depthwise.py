"""Depthwise conv2d (one group per input channel, channel multiplier m) by sliding windows.

Output channel oc reads input channel oc // m. Each output plane first reads its kh x kw
weights (and its bias), which stay in registers, then its rows as in window.py.
"""

from collections.abc import Iterator

from sim.graph.model import Op
from sim.trace.context import Context
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

    def sources(p):
        return x + (p // c_out * c_in + p % c_out // multiplier) * h * w * es

    heads = [lambda p: (weights + p % c_out * kh * kw * es, kh * kw * es)]
    if len(op.params) > 1:
        bias = ctx.address(op.params[1])
        heads.append(lambda p: (bias + p % c_out * es, es))
    window = Window(a.kernel, a.stride, a.pads, a.dilation)
    shape = op.outputs[0].shape
    yield from window_rows(ctx, window, (h, w), shape, sources, y, tuple(heads), 2 * wo * kh * kw)
