"""What the passes share: who produces and who reads each tensor, and re-placing buffers."""

from collections.abc import Callable

import attrs

from sim.schedule.model import Kernel, Schedule
from sim.schedule.placement import place_kernels


def with_kernels(schedule: Schedule, kernels, *, reuse: bool = False) -> Schedule:
    """`schedule` with new kernels and the buffers placed for them."""
    kernels = tuple(kernels)
    buffers, free = place_kernels(schedule.graph, schedule.precision, kernels, reuse)
    return attrs.evolve(schedule, kernels=kernels, buffers=buffers, workspace_address=free)


def producers(kernels: tuple[Kernel, ...]) -> dict[str, int]:
    """Tensor name -> index of the kernel that stores it."""
    return {t.name: i for i, k in enumerate(kernels) for t in k.outputs}


def readers(kernels: tuple[Kernel, ...]) -> dict[str, list[int]]:
    """Tensor name -> indices of the kernels that load it."""
    result: dict[str, list[int]] = {}
    for i, k in enumerate(kernels):
        for t in k.inputs:
            result.setdefault(t.name, []).append(i)
    return result


def only_reader(schedule: Schedule, kernels: tuple[Kernel, ...], tensor: str) -> int | None:
    """The index of the one kernel that loads `tensor`, if exactly one does and it is not a
    graph output (a tensor the user gets back must reach memory)."""
    if any(t.name == tensor for t in schedule.graph.outputs):
        return None
    found = [i for i, k in enumerate(kernels) if any(t.name == tensor for t in k.inputs)]
    return found[0] if len(found) == 1 else None


Find = Callable[[Schedule, tuple[Kernel, ...], Kernel], int | None]
Merge = Callable[[Kernel, Kernel], Kernel]


def merge_into_producers(schedule: Schedule, find: Find, merge: Merge) -> Schedule:
    """Repeatedly fold a kernel into the earlier kernel `find` names (host), as
    `merge(host, kernel)`, until no kernel can be folded; then re-place the buffers."""
    kernels = list(schedule.kernels)
    index = 0
    while index < len(kernels):
        kernel = kernels[index]
        target = find(schedule, tuple(kernels), kernel)
        if target is None:
            index += 1
            continue
        kernels[target] = merge(kernels[target], kernel)
        del kernels[index]
    return with_kernels(schedule, kernels)
