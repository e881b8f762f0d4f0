"""Squeeze-and-excitation as one kernel, per image (scratch vectors s, h, e in the workspace):

global average pool x -> s (C)                   pool.py, H*W operations per channel
h = relu(W1 s + b1)  (hidden)                    fc.py GEMV, + 1 operation per output
e = sigmoid(W2 h + b2)  (C)                      fc.py GEMV, + 3 operations per output
for each plane c: read e[c]; stream x -> y = x * e[c]   1 operation per element

An SE split by the schedule (passes/readmaps.py) outputs the gate e itself, (N, C, 1, 1):
the last GEMV stores e there and the scale is left to the conv that reads y.
"""

from collections.abc import Iterator

import numpy as np

from sim.graph.model import Op
from sim.schedule.naive import align
from sim.trace.context import Context
from sim.trace.fc import gemv
from sim.trace.pool import global_pool
from sim.trace.stream import Ranges
from sim.trace.streaming import stream


def se_ranges(op: Op, ctx: Context) -> Iterator[Ranges]:
    n, c, h, w = op.inputs[0].shape
    hidden = op.attrs.hidden
    es = ctx.element_bytes
    x, y = ctx.address(op.inputs[0]), ctx.address(op.outputs[0])
    w1, b1, w2, b2 = (ctx.address(t) for t in op.params)
    squeezed = ctx.scratch_address
    excited = squeezed + align(c * es)
    gate_only = op.outputs[0].shape != op.inputs[0].shape
    gates = excited + align(hidden * es)
    planes = np.arange(c) * h * w * es

    def gate(rows):
        return gates + rows * es, es

    for image in range(n):
        offset = image * c * h * w * es
        yield from global_pool(ctx, x + offset, squeezed, c, h * w)
        yield from gemv(ctx, (hidden, c), w1, squeezed, excited, b1, 1)
        if gate_only:
            yield from gemv(ctx, (c, hidden), w2, excited, y + image * c * es, b2, 3)
            continue
        yield from gemv(ctx, (c, hidden), w2, excited, gates, b2, 3)
        operands = [(x + offset + planes, False), (y + offset + planes, True)]
        yield from stream(ctx, h * w, operands, (gate,), 1)
