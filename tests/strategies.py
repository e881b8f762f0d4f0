"""Hypothesis strategies shared by the test suite, one section per package. The cache
strategies are public, in `sim.testing` (levels, hierarchies, traces), and the cache tests
use them from there."""

import attrs
from hypothesis import strategies as st

from sim.compute.classes import ComputeClass
from sim.compute.inorder import InOrderCore, KernelMix
from sim.compute.volta import StreamingMultiprocessor
from sim.graph.load import parse_workload
from sim.graph.sparsity import parse_sparsity
from sim.hw.model import Precision

# ---------------------------------------------------------------------------------------------
# sim.schedule: chains of convolutions to tile
# ---------------------------------------------------------------------------------------------


@st.composite
def conv_chains(draw, max_convs: int = 3):
    """(graph inputs, ops, tile) of a chain of 2 to `max_convs` small convs c1, c2, ... (some
    depthwise, some with a ReLU after them, 1x1 or 3x3, stride 1 or 2) and a tile of the
    last conv's output."""
    channels = draw(st.integers(1, 6))
    size = draw(st.integers(6, 18))
    inputs = {"x": [1, channels, size, size]}
    ops = []
    for index in range(1, draw(st.integers(2, max_convs)) + 1):
        kernel = draw(st.sampled_from([1, 3])) if size >= 3 else 1
        stride = draw(st.sampled_from([1, 1, 2])) if size >= 4 else 1
        pad = draw(st.integers(0, kernel // 2))
        op = {"name": f"c{index}", "kernel": kernel, "stride": stride, "pad": pad}
        if kernel == 3 and draw(st.booleans()):
            op["op"] = "depthwise_conv2d"
        else:
            channels = draw(st.integers(1, 6))
            op.update(op="conv2d", channels=channels)
        ops.append(op)
        size = (size + 2 * pad - kernel) // stride + 1
        if draw(st.booleans()):
            ops.append({"op": "relu", "name": f"r{index}"})
    tile = (draw(st.integers(1, size)), draw(st.integers(1, size)))
    return inputs, ops, tile


# ---------------------------------------------------------------------------------------------
# sim.compute: instruction mixes of an in-order core, Volta SMs, tiles' work
# ---------------------------------------------------------------------------------------------


@st.composite
def kernel_mixes(draw, peak: float = 8.0):
    return KernelMix(
        flops_per_op=draw(st.floats(0.5, peak)),
        access_cycles=draw(st.floats(0.25, 4)),
        fma_bubble=draw(st.booleans()),
        fills_bubbles=draw(st.booleans()),
        extra_ops_per_op=draw(st.floats(0, 2)),
        accumulators=draw(st.integers(1, 32)),
        main_loop_fraction=draw(st.floats(0.1, 1)),
    )


@st.composite
def in_order_cores(draw):
    peak = draw(st.floats(1, 32))
    return InOrderCore(
        peak_flops_per_cycle={p: peak for p in Precision},
        fma_per_bubble=draw(st.integers(1, 6)),
        fma_recurrence_cycles=draw(st.floats(1, 8)),
        fp16_convert_ops_per_access=draw(st.floats(0, 3)),
        kernels={c: draw(kernel_mixes(peak)) for c in ComputeClass},
        int8_kernels={ComputeClass.GEMM: draw(kernel_mixes(peak))},
    )


@st.composite
def streaming_multiprocessors(draw):
    fp32 = draw(st.sampled_from([64.0, 128.0]))
    return StreamingMultiprocessor(
        cuda_flops_per_cycle={
            Precision.FP32: fp32,
            Precision.FP16: 2 * fp32,
            Precision.INT8: 4 * fp32,
        },
        tensor_flops_per_cycle=draw(
            st.sampled_from(
                [
                    {},
                    {Precision.FP16: 8 * fp32},
                    {Precision.FP16: 8 * fp32, Precision.INT8: 16 * fp32},
                ]
            )
        ),
        tensor_classes=frozenset(draw(st.sets(st.sampled_from(ComputeClass)))),
        main_loop_fraction={"cuda": draw(st.floats(0.1, 1)), "tensor": draw(st.floats(0.1, 1))},
        schedulers=draw(st.integers(1, 4)),
        warp_threads=32,
        registers=65536,
        shared_bytes=98304,
        max_threads=2048,
        max_ctas=32,
        launch_s=2e-6,
    )


work_flops = st.integers(0, 10**9)
work_accesses = st.integers(0, 10**8)


# ---------------------------------------------------------------------------------------------
# sim.graph.sparsity: weighted ops and sparsity specs
# ---------------------------------------------------------------------------------------------


@st.composite
def sparsity_specs(draw):
    """Any spec: unstructured, N:M, RxC blocks (up to 8 x 8), channel or dense."""
    fraction = draw(
        st.fractions(0, 1).map(lambda f: f.limit_denominator(100)).filter(lambda f: f < 1)
    )
    kind = draw(st.sampled_from(["unstructured", "nm", "block", "channel", "dense"]))
    if kind == "nm":
        m = draw(st.integers(1, 8))
        text = f"{draw(st.integers(1, m))}:{m}"
    elif kind == "block":
        text = f"block{draw(st.integers(1, 8))}x{draw(st.integers(1, 8))}:{float(fraction)!r}"
    elif kind == "dense":
        text = "dense"
    else:
        text = f"{kind}:{float(fraction)!r}"
    return parse_sparsity(text)


class SparseOp:
    """A weighted op of a small graph that can take any spec."""

    def __init__(self, op):
        self.op = op

    def with_sparsity(self, spec):
        return attrs.evolve(self.op, sparsity=spec)


@st.composite
def sparse_ops(draw):
    """A conv2d (any kernel, stride, groups), an fc or a matmul of small sizes."""
    kind = draw(st.sampled_from(["conv2d", "fc", "matmul"]))
    if kind == "conv2d":
        groups = draw(st.integers(1, 3))
        c_in, c_out = groups * draw(st.integers(1, 4)), groups * draw(st.integers(1, 5))
        size, kernel = draw(st.integers(3, 9)), draw(st.sampled_from([1, 3]))
        entry = {
            "op": "conv2d",
            "name": "w",
            "channels": c_out,
            "kernel": kernel,
            "groups": groups,
            "stride": draw(st.integers(1, 2)),
        }
        inputs = {"x": [draw(st.integers(1, 2)), c_in, size, size]}
    elif kind == "fc":
        entry = {"op": "fc", "name": "w", "features": draw(st.integers(1, 40))}
        inputs = {"x": [draw(st.integers(1, 3)), draw(st.integers(1, 40))]}
    else:
        m, k, n = (draw(st.integers(1, 30)) for _ in range(3))
        entry = {"op": "matmul", "name": "w", "in": ["a", "b"]}
        inputs = {"a": [m, k], "b": [k, n]}
    graph = parse_workload({"name": "g", "inputs": inputs, "graph": [entry]})
    return SparseOp(graph.ops[0])
