"""Laws of every tiled chain, on random chains of small convs and random tiles."""

import numpy as np
from hypothesis import given, settings

from sim.engine.simulate import simulate
from sim.hw.load import load_hardware
from sim.schedule.passes import PASSES, tile_chains
from sim.schedule.passes.tiling import Chain, working_bytes
from sim.schedule.tiles import chain_tiles, halo_flops, stage_tiles, tile_classes, tile_regions
from sim.trace import kernel_tiles
from tests.schedule.util import naive, run_passes
from tests.strategies import conv_chains

PI3 = load_hardware("pi3")


def _tiled(inputs, ops, tile):
    """The chain fused, and tiled as one kernel with `tile`."""
    fused = run_passes(naive(inputs, ops), [p for p in PASSES if p is not tile_chains])
    chain = Chain(fused.kernels[0].name, len(fused.kernels), tile)
    return fused, run_passes(fused, [lambda s: tile_chains(s, [chain])])


@settings(max_examples=40, deadline=None)
@given(conv_chains())
def test_the_tiles_cover_the_output_once_and_each_stage_makes_what_the_next_reads(chain):
    _, tiled = _tiled(*chain)
    (kernel,) = tiled.kernels
    height, width = kernel.outputs[0].shape[2:]
    covered = np.zeros((height, width), dtype=int)
    for parts in chain_tiles(kernel):
        (y0, y1), (x0, x1) = parts[-1].output.rows, parts[-1].output.cols
        covered[y0:y1, x0:x1] += 1
        for producer, consumer in zip(parts, parts[1:], strict=False):
            assert producer.output == consumer.input
    assert (covered == 1).all()


@settings(max_examples=40, deadline=None)
@given(conv_chains())
def test_tiles_sharing_ops_are_the_tiles_made_one_by_one_and_classes_bound_them(chain):
    _, tiled = _tiled(*chain)
    (kernel,) = tiled.kernels
    regions = tile_regions(kernel)
    assert list(chain_tiles(kernel)) == [stage_tiles(kernel, out) for out in regions]
    some = regions[1::2]
    assert list(chain_tiles(kernel, some)) == [stage_tiles(kernel, out) for out in some]
    classes = tile_classes(kernel)
    assert len(classes) <= len(regions)
    assert all(c in list(chain_tiles(kernel)) for c in classes)
    assert working_bytes(classes, 4) == working_bytes(chain_tiles(kernel), 4)


@settings(max_examples=25, deadline=None)
@given(conv_chains())
def test_a_tiled_chain_executes_the_fused_flops_plus_its_halo_and_writes_every_output_line(
    chain,
):
    fused, tiled = _tiled(*chain)
    (kernel,) = tiled.kernels
    halo = halo_flops(kernel)
    assert simulate(tiled, PI3).total("flops") == simulate(fused, PI3).total("flops") + halo
    output = tiled.buffers[kernel.outputs[0].name]
    line = PI3.caches[0].line_bytes
    written = {
        int(a)
        for t in kernel_tiles(kernel, tiled, PI3)
        for a in t.line_addresses[t.is_write]
        if output.address <= a < output.end
    }
    assert len(written) == -(-output.size_bytes // line)


@settings(max_examples=25, deadline=None)
@given(conv_chains())
def test_one_tile_of_the_whole_output_recomputes_nothing(chain):
    """It computes the ops' own FLOPs, or fewer where a strided conv never reads its
    producer's last rows or columns (the tile skips them)."""
    inputs, ops, _ = chain
    _, tiled = _tiled(inputs, ops, (1, 1))
    height, width = tiled.kernels[0].outputs[0].shape[2:]
    _, whole = _tiled(inputs, ops, (height, width))
    halo = halo_flops(whole.kernels[0])
    strided = any(op.get("stride", 1) > 1 for op in ops[1:])
    assert halo == 0 if not strided else halo <= 0
