"""Schedule passes, pure functions Schedule -> Schedule, applied in the order of PASSES.

Each keeps the schedule valid (verify.py checks it after every pass in the tests) and
re-places the buffers for its kernels; `reuse_buffers` comes last because placement is
where liveness is known. `tile_chains` tiles only the chains it is given (none by default):
the `tiled` preset gives it the ones its estimate picks (presets.py).
"""

import attrs

from sim.schedule.model import Schedule
from sim.schedule.passes.common import with_kernels
from sim.schedule.passes.concat import place_concat, push_through_concat
from sim.schedule.passes.epilogue import fuse_epilogues
from sim.schedule.passes.fold import fold_batch_norm
from sim.schedule.passes.interleave import interleave_pool_dw
from sim.schedule.passes.readmaps import fuse_se, fuse_shuffle
from sim.schedule.passes.tiling import tile_chains


def reuse_buffers(schedule: Schedule) -> Schedule:
    """Place every tensor in the lowest range not used by a tensor still live.

    The scratch stays where it was (a runtime allocates it apart from the activations), so
    the pass changes where activations live and nothing else.
    """
    reused = with_kernels(schedule, schedule.kernels, reuse=True)
    return attrs.evolve(reused, workspace_address=schedule.workspace_address)


PASSES = (
    fold_batch_norm,
    fuse_se,
    fuse_shuffle,
    fuse_epilogues,
    place_concat,
    push_through_concat,
    interleave_pool_dw,
    tile_chains,
    reuse_buffers,
)

__all__ = ["PASSES", *(p.__name__ for p in PASSES)]
