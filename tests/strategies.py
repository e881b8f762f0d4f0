"""Hypothesis strategies shared by the test suite, one section per package."""

import numpy as np
from hypothesis import strategies as st

from sim.compute.classes import ComputeClass
from sim.compute.inorder import InOrderCore, KernelMix
from sim.compute.volta import StreamingMultiprocessor
from sim.hw.model import CacheLevel, Precision, Replacement, WritePolicy

# ---------------------------------------------------------------------------------------------
# sim.cache: cache levels and access traces
# ---------------------------------------------------------------------------------------------

LINE_SIZES_BYTES = (1, 2, 4, 8, 16, 32, 64)
# Ways: small ones, odd ones (tree-PLRU with missing leaves), and wider than the 16 ways the
# fast kernel keeps as a nibble order, so its stamp path is exercised too.
WAYS = st.one_of(st.integers(1, 6), st.sampled_from([7, 12, 16, 17, 20]))
# Line numbers that keep traces in a few sets, with room above 2**32 and at the top of 2**64.
REGION_STARTS_BYTES = (0, 2**32 - 256, 2**40, 2**63 - 128, 2**64 - 4096)


@st.composite
def cache_levels(
    draw,
    replacement=st.sampled_from(Replacement),
    write_policy=st.sampled_from(WritePolicy),
    max_sets: int = 6,
    name: str = "L1",
    ways=WAYS,
) -> CacheLevel:
    """Any geometry: sets need not be a power of two, ways need not either; sometimes a
    per-core share of fewer ways."""
    sets = draw(st.one_of(st.just(1), st.integers(1, max_sets)))  # often one set: full sets
    ways = draw(ways)
    line = draw(st.sampled_from(LINE_SIZES_BYTES))
    share_ways = draw(st.integers(1, ways)) if draw(st.booleans()) else ways
    return CacheLevel(
        name=name,
        size_bytes=sets * ways * line,
        line_bytes=line,
        ways=ways,
        share_bytes=sets * share_ways * line,
        replacement=draw(replacement),
        write_policy=draw(write_policy),
        store_hit_refreshes=draw(st.booleans()),
        seed=draw(st.integers(0, 2**32)),
    )


@st.composite
def hierarchies(draw, max_levels: int = 3, **level_options) -> tuple[CacheLevel, ...]:
    n_levels = draw(st.integers(1, max_levels))
    return tuple(
        draw(cache_levels(name=f"L{depth + 1}", **level_options)) for depth in range(n_levels)
    )


@st.composite
def traces(draw, max_accesses: int = 120, max_size_bytes: int = 130, writes=st.booleans()):
    """(addresses uint64, is_write bool, sizes int64): accesses drawn from a small pool of
    addresses so that lines are reused, some of them straddling line boundaries."""
    start = draw(st.sampled_from(REGION_STARTS_BYTES))
    span = min(4096, 2**64 - start - max_size_bytes)
    pool = draw(st.lists(st.integers(0, span), min_size=1, max_size=40, unique=True))
    n = draw(st.integers(0, max_accesses))
    picks = draw(st.lists(st.sampled_from(pool), min_size=n, max_size=n))
    sizes = draw(st.lists(st.integers(1, max_size_bytes), min_size=n, max_size=n))
    is_write = draw(st.lists(writes, min_size=n, max_size=n))
    addresses = np.array([start + offset for offset in picks], dtype=np.uint64)
    return addresses, np.array(is_write, dtype=bool), np.array(sizes, dtype=np.int64)


@st.composite
def line_traces(draw, level: CacheLevel, max_lines: int, max_accesses: int = 80, writes=None):
    """(addresses, is_write) of one-byte accesses to at most `max_lines` distinct lines of
    `level`, at most `level.share_ways` of them in any one set, so the footprint fits."""
    per_set = level.share_ways
    lines, load = [], {}
    for line in draw(st.lists(st.integers(0, 4 * max_lines * level.sets), max_size=max_lines)):
        index = line % level.sets
        if line not in lines and load.get(index, 0) < per_set:
            lines.append(line)
            load[index] = load.get(index, 0) + 1
    if not lines:
        lines = [0]
    n = draw(st.integers(1, max_accesses))
    picks = draw(st.lists(st.sampled_from(lines), min_size=n, max_size=n))
    is_write = draw(
        st.lists(writes if writes is not None else st.booleans(), min_size=n, max_size=n)
    )
    addresses = np.array(picks, dtype=np.uint64) * np.uint64(level.line_bytes)
    return addresses, np.array(is_write, dtype=bool)


@st.composite
def crowded_traces(draw, level: CacheLevel, max_accesses: int = 200):
    """(addresses, is_write) of one-byte accesses to a few more lines than every set holds,
    so that sets fill and replacement decisions follow each other."""
    n_lines = level.sets * (level.share_ways + 2)
    n = draw(st.integers(1, max_accesses))
    lines = draw(st.lists(st.integers(0, n_lines - 1), min_size=n, max_size=n))
    is_write = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    addresses = np.array(lines, dtype=np.uint64) * np.uint64(level.line_bytes)
    return addresses, np.array(is_write, dtype=bool)


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
