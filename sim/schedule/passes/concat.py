"""Eliminate concat and split by placement (placement.py does the addresses).

A concat whose parts are contiguous slices of its output (nothing but size-1 axes before the
concat axis, as for channels of one image) is not run: each producer stores its part
straight into its slice. A split of such a tensor is not run either: each consumer reads its
part in place. A part already placed elsewhere, or a part that is a graph input, is copied.
The op is recorded as absorbed by the kernel that stores its last part (concat) or that runs
just before it (split), so its estimate stays in the report.

An activation whose only input is such a concat, read by nothing else, is pushed into the
parts' producers (`push_through_concat`): each runs it on its part in its epilogue, as
`{op}@{i}`, and stores the result into its slice of the activation's output; the concat's
output never exists. The activation is recorded as absorbed next to the concat.
"""

import math

import attrs

from sim.graph.model import ACTIVATION_KINDS, Op, OpKind, Tensor
from sim.schedule.model import Kernel, Schedule
from sim.schedule.passes.common import only_reader, producers, readers, with_kernels
from sim.schedule.placement import concat_read_by, part_name, slices


def place_concat(schedule: Schedule) -> Schedule:
    return _remove_each(schedule, _host, _absorb)


def _remove_each(schedule: Schedule, find, apply) -> Schedule:
    """Every kernel `find(schedule, kernels, index)` finds something for is removed, after
    `apply(kernels, index, found)` has moved its work into other kernels."""
    kernels = list(schedule.kernels)
    index = 0
    while index < len(kernels):
        found = find(schedule, tuple(kernels), index)
        if found is None:
            index += 1
            continue
        apply(kernels, index, found)
        del kernels[index]
    return with_kernels(schedule, kernels)


def _absorb(kernels: list[Kernel], index: int, host: int) -> None:
    """Record kernels[index]'s op as absorbed by kernels[host]."""
    name = kernels[index].main_op.name
    kernels[host] = attrs.evolve(kernels[host], absorbed=(*kernels[host].absorbed, name))


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


def part_op(op: Op, index: int, part: Tensor) -> Op:
    """Activation `op` run on part `index` of its input concat: `part` in, the matching
    slice of its output out."""
    output = Tensor(part_name(op.outputs[0].name, index), part.shape)
    return attrs.evolve(op, name=part_name(op.name, index), inputs=(part,), outputs=(output,))


def push_through_concat(schedule: Schedule) -> Schedule:
    return _remove_each(schedule, _pushable, _push)


def _push(kernels: list[Kernel], index: int, found) -> None:
    """Append activation kernels[index] to each part's producer; the concat's host absorbs it."""
    host, concat, sources = found
    op = kernels[index].main_op
    for i, (source, part) in enumerate(zip(sources, concat.inputs, strict=True)):
        producer = kernels[source]
        kernels[source] = attrs.evolve(producer, ops=(*producer.ops, part_op(op, i, part)))
    _absorb(kernels, index, host)


def _pushable(schedule: Schedule, kernels: tuple[Kernel, ...], index: int):
    """(host kernel of the concat, the concat, its parts' producers) if kernels[index] is an
    activation that can run on the parts of a placed concat, else None."""
    kernel = kernels[index]
    op = kernel.main_op
    if len(kernel.ops) != 1 or op.kind not in ACTIVATION_KINDS or op.params:
        return None
    concat = concat_read_by(schedule.graph, op)
    if concat is None or only_reader(schedule, kernels, op.inputs[0].name) != index:
        return None
    host = next((i for i, k in enumerate(kernels) if concat.name in k.absorbed), None)
    if host is None:
        return None
    made, read = producers(kernels), readers(kernels)
    sources = [made.get(p.name) for p in concat.inputs]
    for source, part in zip(sources, concat.inputs, strict=True):
        if source is None or read.get(part.name) or part in schedule.graph.outputs:
            return None
        producer = kernels[source]
        if producer.tile is not None or producer.per_channel or producer.ops[-1].outputs != (part,):
            return None
    return host, concat, sources
