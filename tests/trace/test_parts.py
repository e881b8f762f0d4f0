"""Parts of a kernel run on several units: together they are exactly the whole kernel.

For every generator and any count of parts: the parts' FLOPs add up to the whole's, the
lines they write together are the lines the whole writes, and each part reads only lines
the whole reads.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.errors import ScheduleError
from sim.graph.load import load_workload
from sim.hw.load import load_hardware
from sim.hw.model import Precision
from sim.schedule.naive import naive_schedule
from sim.schedule.passes import PASSES, tile_chains
from sim.schedule.passes.tiling import Chain
from sim.trace import kernel_tiles
from tests.schedule.util import naive, run_passes
from tests.strategies import conv_chains
from tests.trace.test_laws import CASES
from tests.trace.util import hardware, schedule

CONVS = [
    ("winograd2x2", {"x": [1, 8, 9, 10]}, {"kernel": 3, "pad": 1}),
    ("winograd4x4", {"x": [1, 16, 12, 12]}, {"kernel": 3, "pad": 1}),
    ("winograd6x6", {"x": [1, 8, 14, 13]}, {"kernel": 3, "pad": 1}),
    ("im2col", {"x": [2, 6, 11, 11]}, {"kernel": 3, "stride": 2, "pad": 1}),
    ("direct", {"x": [1, 6, 11, 11]}, {"kernel": 3, "pad": 1}),
    ("auto", {"x": [1, 3, 16, 16]}, {"kernel": 3, "stride": 2, "pad": 1}),
]


def _lines(tiles):
    """(FLOPs, lines read, lines written) of a trace."""
    if not tiles:
        return 0, set(), set()
    lines = np.concatenate([t.line_addresses for t in tiles])
    writes = np.concatenate([t.is_write for t in tiles])
    return sum(t.flops for t in tiles), set(lines[~writes].tolist()), set(lines[writes].tolist())


def _check_parts(kernel, s, hw, count: int) -> None:
    flops, reads, writes = _lines(list(kernel_tiles(kernel, s, hw)))
    parts = [_lines(list(kernel_tiles(kernel, s, hw, (i, count)))) for i in range(count)]
    assert sum(p[0] for p in parts) == flops
    assert set().union(*(p[2] for p in parts)) == writes
    for _, part_reads, _ in parts:
        assert part_reads <= reads


@settings(max_examples=60, deadline=None)
@given(
    case=st.sampled_from(CASES),
    count=st.integers(2, 5),
    name=st.sampled_from(["pi3", "xavier"]),
)
def test_the_parts_of_any_single_op_kernel_are_the_whole(case, count, name):
    _, inputs, ops, algorithm = case
    s = schedule(inputs, ops, algorithm)
    _check_parts(s.kernels[-1], s, hardware(name), count)


@settings(max_examples=30, deadline=None)
@given(case=st.sampled_from(CONVS), count=st.integers(2, 5), channels=st.sampled_from([8, 20]))
def test_the_parts_of_any_conv_algorithm_are_the_whole(case, count, channels):
    algorithm, inputs, conv = case
    op = {"op": "conv2d", "channels": channels, "bias": True, **conv}
    s = schedule(inputs, [op], algorithm)
    _check_parts(s.kernels[-1], s, hardware("pi3"), count)


@settings(max_examples=15, deadline=None)
@given(chain=conv_chains(), count=st.integers(2, 4))
def test_the_parts_of_a_tiled_chain_are_the_whole(chain, count):
    inputs, ops, tile = chain
    fused = run_passes(naive(inputs, ops), [p for p in PASSES if p is not tile_chains])
    link = Chain(fused.kernels[0].name, len(fused.kernels), tile)
    tiled = run_passes(fused, [lambda s: tile_chains(s, [link])])
    _check_parts(tiled.kernels[0], tiled, hardware("pi3"), count)


@pytest.mark.parametrize("workload", ["pool_dw", "se_block", "bottleneck_256"])
def test_the_parts_of_fused_kernels_are_the_whole(workload):
    s = run_passes(naive_schedule(load_workload(workload), Precision.FP32))
    hw = hardware("pi3")
    for kernel in s.kernels:
        _check_parts(kernel, s, hw, 3)


@pytest.mark.parametrize("part", [(1, 1), (-1, 2), (2, 2), (0, 0)])
def test_a_part_that_is_not_one_of_count_is_an_error(part):
    s = schedule({"x": [1, 4, 4, 4]}, [{"op": "relu"}])
    with pytest.raises(ScheduleError, match="is not \\(index, count\\)"):
        kernel_tiles(s.kernels[0], s, hardware("pi3"), part)


@pytest.mark.parametrize("name, rows", [("pi3", 16), ("xavier", 40), ("v100", 4096)])
def test_every_part_of_a_gemv_has_rows_while_there_are_rows_enough(name, rows):
    """A GEMV's row blocks are never larger than one part's share, so an SM's 64 K registers
    do not make one block of all the rows, run by one SM (VGG-16's fc6 on the V100)."""
    s = schedule({"x": [1, 64]}, [{"op": "fc", "features": rows}])
    hw = load_hardware(name)
    (kernel,) = s.kernels
    parts = [kernel_tiles(kernel, s, hw, (i, hw.units)) for i in range(hw.units)]
    flops = [sum(t.flops for t in tiles) for tiles in parts]
    assert all(flops)
    assert max(flops) <= 2 * min(flops)
