"""Eliminate concat and split by placement (placement.py does the addresses).

A concat whose parts are contiguous slices of its output (nothing but size-1 axes before the
concat axis, as for channels of one image) is not run: each producer stores its part
straight into its slice. A split of such a tensor is not run either: each consumer reads its
part in place. A part already placed elsewhere, or a part that is a graph input, is copied.
The op is recorded as absorbed by the kernel that stores its last part (concat) or that runs
just before it (split), so its estimate stays in the report.
"""

import math

import attrs

from sim.graph.model import OpKind
from sim.schedule.model import Kernel, Schedule
from sim.schedule.passes.common import producers, with_kernels
from sim.schedule.placement import slices


def place_concat(schedule: Schedule) -> Schedule:
    kernels = list(schedule.kernels)
    index = 0
    while index < len(kernels):
        host = _host(schedule, tuple(kernels), index)
        if host is None:
            index += 1
            continue
        name = kernels[index].main_op.name
        kernels[host] = attrs.evolve(kernels[host], absorbed=(*kernels[host].absorbed, name))
        del kernels[index]
    return with_kernels(schedule, kernels)


def _host(schedule: Schedule, kernels: tuple[Kernel, ...], index: int) -> int | None:
    kernel = kernels[index]
    op = kernel.main_op
    if len(kernel.ops) != 1 or op.kind not in (OpKind.CONCAT, OpKind.SPLIT):
        return None
    whole = op.outputs[0] if op.kind is OpKind.CONCAT else op.inputs[0]
    if math.prod(whole.shape[: op.attrs.axis]) != 1:
        return None
    placed = slices(schedule.graph, kernels)
    parts = op.inputs if op.kind is OpKind.CONCAT else op.outputs
    if any(p.name in placed for p in parts):
        return None
    if op.kind is OpKind.SPLIT:
        return index - 1 if index > 0 else index + 1 if len(kernels) > 1 else None
    made = producers(kernels)
    sources = [made.get(p.name) for p in parts]
    if None in sources or len(set(sources)) != len(sources):
        return None
    if any(len(kernels[s].outputs) != 1 for s in sources):
        return None
    return max(sources)
