"""The invariants every schedule keeps, checked after each pass in the tests.

- every graph op is performed exactly once: run by one kernel or absorbed by one;
- every tensor a kernel loads is in memory and was stored by an earlier kernel (or is a
  graph input, or a slice or view of such a tensor);
- a tensor kept on chip is read by no other kernel and is not a graph output;
- two ranges of memory that are live at the same time do not overlap;
- each stage of a tiled chain runs one conv, after read maps only; the stages cover its ops
  in order.
"""

import itertools

from sim.errors import ScheduleError
from sim.graph.model import CONV_KINDS
from sim.schedule.model import PROLOGUE_KINDS, Schedule
from sim.schedule.placement import roots, slices


def verify(schedule: Schedule) -> None:
    """Raise ScheduleError naming the first invariant `schedule` breaks."""
    _stages(schedule)
    _coverage(schedule)
    _dataflow(schedule)
    _no_overlap(schedule)


def _stages(schedule: Schedule) -> None:
    for kernel in schedule.kernels:
        if kernel.tile is None:
            continue
        starts, spans = kernel.stage_starts, kernel.stage_spans
        if len(starts) < 2 or starts[0] != 0 or any(s >= e for s, e in spans):
            raise ScheduleError(f"tiled kernel {kernel.name} has stages at {list(starts)}")
        for s, e in spans:
            convs = [i for i in range(s, e) if kernel.ops[i].kind in CONV_KINDS]
            if len(convs) != 1:
                raise ScheduleError(
                    f"a stage of tiled kernel {kernel.name} runs {len(convs)} convs, not one"
                )
            before = [op for op in kernel.ops[s : convs[0]] if op.kind not in PROLOGUE_KINDS]
            if before:
                raise ScheduleError(
                    f"stage {kernel.ops[s].name} of tiled kernel {kernel.name} runs "
                    f"{before[0].kind.value} {before[0].name} before its conv (read maps only)"
                )


def _coverage(schedule: Schedule) -> None:
    done: list[str] = []
    graph_names = {op.name for op in schedule.graph.ops}
    for kernel in schedule.kernels:
        done += [op.name for op in kernel.ops if op.name in graph_names]
        done += kernel.absorbed
    for name in sorted(graph_names):
        if done.count(name) != 1:
            raise ScheduleError(f"op {name} is performed {done.count(name)} times, not once")


def _dataflow(schedule: Schedule) -> None:
    parent = slices(schedule.graph, schedule.kernels)
    stored = {t.name for t in schedule.graph.inputs}
    outputs = {t.name for t in schedule.graph.outputs}
    on_chip: dict[str, str] = {}
    children: dict[str, list[str]] = {}
    for name, (whole, _) in parent.items():
        children.setdefault(whole, []).append(name)
    for kernel in schedule.kernels:
        for t in kernel.inputs:
            name = t.name
            while name not in stored and name in parent:
                name = parent[name][0]
            if name not in stored or t.name not in schedule.buffers:
                raise ScheduleError(f"kernel {kernel.name} loads {t.name} before it is stored")
            if t.name in on_chip:
                raise ScheduleError(
                    f"kernel {kernel.name} loads {t.name}, kept on chip by kernel {on_chip[t.name]}"
                )
        for t in kernel.on_chip:
            if t.name in outputs:
                raise ScheduleError(f"kernel {kernel.name} keeps graph output {t.name} on chip")
            on_chip[t.name] = kernel.name
        stored.update(t.name for t in kernel.outputs)
        for whole, parts in children.items():  # a placed concat is stored with its parts
            if all(p in stored for p in parts):
                stored.add(whole)


def _no_overlap(schedule: Schedule) -> None:
    live = roots(schedule.graph, schedule.kernels, schedule.precision)
    for a, b in itertools.combinations(live, 2):
        if a.last < b.first or b.last < a.first:
            continue
        x, y = schedule.buffers[a.name], schedule.buffers[b.name]
        if x.address < y.end and y.address < x.end:
            raise ScheduleError(f"{a.name} and {b.name} overlap in memory while both are live")
