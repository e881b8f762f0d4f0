"""Save a schedule as YAML and replay it on its workload without running any pass.

The file names ops, never redefines them: each kernel lists its main op, its prologue and
epilogue ops and the ops it absorbed; loading takes the ops from the workload and redoes the
rewrites the names imply (a batch-norm absorbed by a conv is folded into it, `se.scale` is
SE op `se`'s scale and `se` then its excitation); a tiled chain also has its `tile` and
`stages` (the first op of each stage), a pooling interleaved with a depthwise conv
`per_channel: true`.
Buffers are replayed as saved. A file made for another workload, or naming an op the
workload lacks, misses or repeats, is refused.
"""

import hashlib
from pathlib import Path
from typing import Any

from sim.errors import ScheduleError
from sim.graph.model import ACTIVATION_KINDS, CONV_KINDS, PER_CHANNEL_KINDS, Graph, Op, OpKind
from sim.hw.model import Precision
from sim.schedule.model import Buffer, Kernel, Schedule
from sim.schedule.passes.concat import part_op
from sim.schedule.passes.fold import folded
from sim.schedule.passes.readmaps import split_se
from sim.schedule.placement import PART_MARK, concat_read_by, place_kernels
from sim.schedule.verify import verify
from sim.yamlio import Fields, as_int, as_str, read_yaml

VERSION = 1
SCALE_SUFFIX = ".scale"
ADDRESS_SPACE = 2**48  # a saved address past a 48-bit virtual address space is a corrupt file


def workload_digest(graph: Graph) -> str:
    """A short hash of the graph's inputs, ops and outputs: a schedule is for one graph."""
    text = repr((graph.inputs, graph.ops, graph.outputs))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def schedule_data(schedule: Schedule) -> dict[str, Any]:
    """The schedule as plain data, in the order it is written."""
    kernels = []
    for k in schedule.kernels:
        entry: dict[str, Any] = {"name": k.name, "main": k.main_op.name}
        if k.prologue:
            entry["prologue"] = [op.name for op in k.prologue]
        if k.epilogue:
            entry["epilogue"] = [op.name for op in k.epilogue]
        if k.absorbed:
            entry["absorbed"] = list(k.absorbed)
        entry["algorithm"] = k.algorithm
        if k.tile is not None:
            entry["tile"] = list(k.tile)
            entry["stages"] = [k.ops[i].name for i in k.stage_starts]
        if k.per_channel:
            entry["per_channel"] = True
        kernels.append(entry)
    return {
        "version": VERSION,
        "schedule": schedule.name,
        "workload": schedule.graph.name,
        "workload_digest": workload_digest(schedule.graph),
        "precision": schedule.precision.value,
        "kernels": kernels,
        "buffers": {b.name: [b.address, b.size_bytes] for b in schedule.buffers.values()},
        "workspace_address": schedule.workspace_address,
    }


def load_schedule(path: str | Path, graph: Graph, precision: Precision) -> Schedule:
    """The schedule saved at `path`, checked against `graph`; ScheduleError otherwise."""
    file = str(path)
    top = Fields(read_yaml(Path(path), ScheduleError), "", ScheduleError, file)
    version = top.get("version", as_int)
    if version != VERSION:
        raise top.fail(f"unsupported version {version} (this sim reads version {VERSION})")
    workload = top.get("workload", as_str)
    if workload != graph.name:
        raise top.fail(f"saved for workload {workload!r}, not {graph.name!r}", "workload")
    if top.get("workload_digest", str) != workload_digest(graph):
        raise top.fail(f"saved for a different version of workload {workload!r}: its ops differ")
    saved_precision = top.get("precision", as_str)
    if saved_precision != precision.value:
        raise top.fail(f"saved for {saved_precision}, not {precision.value}", "precision")
    name = top.get("schedule", as_str)
    entries = [_kernel_entry(p, item, file) for p, item in top.items("kernels")]
    _check_coverage(entries, graph, top)
    kernels = tuple(
        _kernel(entry, graph, {n for e in entries for n in e["ops"]}, top) for entry in entries
    )
    buffers = _buffers(top, graph, precision, kernels)
    workspace = top.get("workspace_address", lambda v: as_int(v, maximum=ADDRESS_SPACE))
    top.done()
    schedule = Schedule(name, graph, precision, kernels, buffers, workspace)
    try:
        verify(schedule)
    except ScheduleError as exc:
        raise ScheduleError(exc.reason, file=file) from None
    return schedule


def _kernel_entry(path: str, item: Any, file: str) -> dict[str, Any]:
    f = Fields(item, path, ScheduleError, file)
    prologue = f.get("prologue", _names, default=[])
    main = f.get("main", as_str)
    epilogue = f.get("epilogue", _names, default=[])
    entry = {
        "path": path,
        "name": f.get("name", as_str),
        "ops": [*prologue, main, *epilogue],
        "main": len(prologue),
        "absorbed": f.get("absorbed", _names, default=[]),
        "algorithm": f.get("algorithm", as_str),
        "tile": f.get("tile", _tile, default=None),
        "per_channel": f.get("per_channel", _flag, default=False),
    }
    entry["stage_starts"] = f.get("stages", _starts(entry), default=None)
    if (entry["tile"] is None) != (entry["stage_starts"] is None):
        raise f.fail("a tiled chain has both a tile and its stages; other kernels neither")
    f.done()
    return entry


def _starts(entry: dict[str, Any]):
    """Reads `stages`, the first op of each stage of a tiled chain, as indices into its ops."""

    def read(value: Any) -> tuple[int, ...]:
        names = _names(value)
        ops = entry["ops"]
        unknown = [n for n in names if n not in ops]
        if unknown:
            raise ValueError(f"{unknown[0]!r} is not an op of this kernel")
        starts = [ops.index(n) for n in names]
        if len(starts) < 2 or starts[0] != 0 or starts != sorted(set(starts)):
            raise ValueError(
                f"expected the first op of each of 2 or more stages in order, got {value!r}"
            )
        return tuple(starts)

    return read


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {value!r}")
    return value


def _tile(value: Any) -> tuple[int, int]:
    if not isinstance(value, list) or len(value) != 2:
        raise ValueError(f"expected [rows, columns], got {value!r}")
    return as_int(value[0], minimum=1), as_int(value[1], minimum=1)


def _names(value: Any) -> list[str]:
    if not isinstance(value, list):
        raise ValueError(f"expected a list of op names, got {value!r}")
    return [as_str(v) for v in value]


def _graph_name(name: str) -> str:
    """The graph op a kernel op comes from: `se.scale` is part of SE op `se`, `relu@1` is
    activation `relu` run on part 1 of the concat it reads."""
    if PART_MARK in name:
        return name.rpartition(PART_MARK)[0]
    return name.removesuffix(SCALE_SUFFIX) if name.endswith(SCALE_SUFFIX) else name


def _part_of(name: str, graph: Graph) -> Op | None:
    """The op `relu@1` names (see `_graph_name`), or None if the name is not such a part."""
    base, _, index = name.rpartition(PART_MARK)
    if not base or not index.isdigit() or base not in {op.name for op in graph.ops}:
        return None
    op = graph.op(base)
    concat = concat_read_by(graph, op)
    if op.kind not in ACTIVATION_KINDS or concat is None or int(index) >= len(concat.inputs):
        return None
    return part_op(op, int(index), concat.inputs[int(index)])


def _check_coverage(entries: list[dict], graph: Graph, top: Fields) -> None:
    """Every graph op performed by exactly one kernel, and no op the graph lacks."""
    known = {op.name: op for op in graph.ops}
    where: dict[str, str] = {}
    for entry in entries:
        for name in [*entry["ops"], *entry["absorbed"]]:
            base = _graph_name(name)
            is_part = PART_MARK in name and _part_of(name, graph) is not None
            is_scale = base in known and known[base].kind is OpKind.SE
            if name not in known and not (is_part or is_scale):
                raise ScheduleError(
                    f"kernel {entry['name']}: unknown op {name!r} (not in workload {graph.name!r})",
                    file=top.file,
                    place=entry["path"],
                )
            if name in where:
                raise ScheduleError(
                    f"op {name!r} is in two kernels ({where[name]} and {entry['name']})",
                    file=top.file,
                    place=entry["path"],
                )
            where[name] = entry["name"]
    missing = [op.name for op in graph.ops if op.name not in where]
    if missing:
        more = f" and {len(missing) - 1} more" if len(missing) > 1 else ""
        raise top.fail(f"op {missing[0]!r}{more} of workload {graph.name!r} is in no kernel")


def _kernel(entry: dict, graph: Graph, names: set[str], top: Fields) -> Kernel:
    """The kernel an entry names, its ops rewritten as the passes rewrote them."""
    ops: list[Op] = []
    for name in entry["ops"]:
        if PART_MARK in name:
            ops.append(_part_of(name, graph))
            continue
        op = graph.op(_graph_name(name))
        if op.kind is OpKind.SE and name + SCALE_SUFFIX in names:
            op = split_se(op)[0]
        elif name != op.name:
            op = split_se(op)[1]
        ops.append(op)
    for name in entry["absorbed"]:
        absorbed = graph.op(name)
        if absorbed.kind in PER_CHANNEL_KINDS:
            into = [i for i, op in enumerate(ops) if op.outputs[0] == absorbed.inputs[0]]
            if not into or ops[into[0]].kind not in CONV_KINDS:
                raise ScheduleError(
                    f"kernel {entry['name']}: cannot fold {name} into a conv it runs",
                    file=top.file,
                    place=entry["path"],
                )
            ops[into[0]] = folded(ops[into[0]], absorbed)
        elif absorbed.kind in ACTIVATION_KINDS and (
            (concat := concat_read_by(graph, absorbed)) is None
            or concat.name not in entry["absorbed"]
        ):
            raise ScheduleError(
                f"kernel {entry['name']}: {name} can only be absorbed with the concat it reads",
                file=top.file,
                place=entry["path"],
            )
        elif absorbed.kind not in (OpKind.CONCAT, OpKind.SPLIT, *ACTIVATION_KINDS):
            raise ScheduleError(
                f"kernel {entry['name']}: cannot absorb {absorbed.kind.value} {name}",
                file=top.file,
                place=entry["path"],
            )
    return Kernel(
        entry["name"],
        tuple(ops),
        entry["algorithm"],
        entry["main"],
        entry["absorbed"],
        entry["tile"],
        entry["per_channel"],
        entry["stage_starts"] or (),
    )


def _buffers(
    top: Fields, graph: Graph, precision: Precision, kernels: tuple[Kernel, ...]
) -> dict[str, Buffer]:
    """The saved buffers: one per tensor that reaches memory, each of its tensor's size."""
    expected, _ = place_kernels(graph, precision, kernels)
    saved = top.sub("buffers")
    buffers: dict[str, Buffer] = {}
    for name, value in saved.data.items():
        if name not in expected:
            raise saved.fail(f"no tensor {name!r} reaches memory in this schedule", name)
        if (
            not isinstance(value, list)
            or len(value) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value)
        ):
            raise saved.fail(f"expected [address, bytes], got {value!r}", name)
        if value[0] + value[1] > ADDRESS_SPACE:
            raise saved.fail(f"ends past 2**48, beyond any address space: {value!r}", name)
        if value[1] != expected[name].size_bytes:
            raise saved.fail(
                f"{value[1]} bytes, but the tensor has {expected[name].size_bytes}", name
            )
        buffers[name] = Buffer(name, value[0], value[1])
    missing = [n for n in expected if n not in buffers]
    if missing:
        raise saved.fail(f"no buffer for tensor {missing[0]!r}")
    return buffers
