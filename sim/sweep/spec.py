"""Read a sweep spec and check all of it before any point runs.

    workloads: [mobilenet]              # names, paths or .onnx files
    hw: pi3                             # or a list
    schedules: [fused]                  # optional (naive); also cores:, precisions:
    grid: {L2.size: [256KiB, 1MiB]}     # cartesian product of every key's values
    zip: {DRAM.bandwidth: [...], DRAM.latency: [...]}   # lists taken together, in step
    points: [{L2.size: 1MiB, L2.ways: 8}]               # explicit sets of values

The points are the product of the run options (workloads x hw x schedules x cores x
precisions) and of the hardware coordinates (grid x zip x points). A hardware key is any
`--set` key (sim/hw/overrides.py); each value is checked on each device here, so a typo or a
bad unit stops the sweep before any point runs, naming the spec file and the place.

A run option is a row of RUN_OPTIONS: its spec key, the field of `Point` it fills, how its
value is checked, and its default. A new per-point option (sparsity, say) is one row here,
one `Point` field and its use in sim/sweep/runner.py.
"""

from collections.abc import Callable
from pathlib import Path
from typing import Any

from attrs import define

from sim.errors import ConfigError, SimError
from sim.graph.load import load_workload
from sim.graph.model import Graph
from sim.graph.sparsity import parse_sparsity
from sim.hw.load import parse_hardware
from sim.hw.model import Precision
from sim.hw.overrides import Override, OverrideError, apply_overrides
from sim.paths import resolve
from sim.plan import OBJECTIVES, SCHEDULES, is_saved
from sim.yamlio import Fields, as_int, as_str, read_yaml

REQUIRED = object()


def _schedule(value: Any) -> str:
    value = as_str(value)
    if is_saved(value) and not Path(value).is_file():
        raise ValueError(f"no such schedule file {value!r}")
    if value in SCHEDULES or is_saved(value):
        return value
    raise ValueError(f"unknown schedule {value!r} (known: {', '.join(SCHEDULES)}, or a .yaml)")


def _precision(value: Any) -> str:
    known = [p.value for p in Precision]
    if value not in known:
        raise ValueError(f"unknown precision {value!r} (known: {', '.join(known)})")
    return value


def _cores(value: Any) -> int:
    return as_int(value, minimum=1)


def _sparsity(value: Any) -> str:
    """A `--sparsity` spec, as written (checked here, applied where the point runs)."""
    parse_sparsity(value)
    return value


@define(frozen=True)
class RunOption:
    """A per-point option of `run`, swept by a list in the spec."""

    spec_key: str  # `schedules:`
    field: str  # Point.schedule, and the row's column
    check: Callable[[Any], Any]
    default: Any


RUN_OPTIONS = (
    RunOption("schedules", "schedule", _schedule, "naive"),
    RunOption("cores", "cores", _cores, None),  # None: every unit of the device, as `run`
    RunOption("precisions", "precision", _precision, Precision.FP32.value),
    RunOption("sparsities", "sparsity", _sparsity, None),  # None: the workload's own, as `run`
)
# Columns every row has: a hardware key of the same name would be ambiguous.
RESERVED = {"key", "error", "workload", "hw", "objective"} | {o.field for o in RUN_OPTIONS}


@define(frozen=True)
class Device:
    """A hardware file as read once on the client: its path, parsed YAML and device name."""

    path: str
    data: dict
    name: str


@define(frozen=True)
class Workload:
    path: str
    graph: Graph


@define(frozen=True)
class SweepSpec:
    workloads: tuple[Workload, ...]
    devices: tuple[Device, ...]
    options: tuple[tuple[str, tuple[Any, ...]], ...]  # (Point field, values) per RUN_OPTIONS
    objective: str
    coordinates: tuple[tuple[tuple[str, Any], ...], ...]  # each point's (key, value) pairs
    keys: tuple[str, ...]  # the hardware keys, in spec order: the coordinate columns


def read_spec(path: str) -> SweepSpec:
    """The spec at `path`, every value checked; ConfigError naming the file and place."""
    top = Fields(read_yaml(Path(path), ConfigError), "", ConfigError, path)
    workloads = tuple(_workload(top, place, spec) for place, spec in _listed(top, "workloads"))
    devices = tuple(_device(top, place, spec) for place, spec in _listed(top, "hw"))
    options = []
    for option in RUN_OPTIONS:
        given = _listed(top, option.spec_key, default=[option.default])
        values = [v if v is option.default else _check(top, p, v, option.check) for p, v in given]
        options.append((option.field, tuple(dict.fromkeys(values))))
    objective = top.get("objective", _objective, default="time")
    axes = [_grid(top), _zip(top), _points(top)]
    top.done()
    keys = _keys(top, axes)
    for device in devices:
        for place, key, value in _values(top):
            _check_override(top, device, place, key, value, len(devices) > 1)
    coordinates: list[tuple[tuple[str, Any], ...]] = [()]
    for axis in axes:
        coordinates = [c + item for c in coordinates for item in axis]
    return SweepSpec(workloads, devices, tuple(options), objective, tuple(coordinates), keys)


def _listed(top: Fields, key: str, default: Any = REQUIRED) -> list[tuple[str, Any]]:
    """(place, value) of a list field; a single value counts as a list of one."""
    value = top.get(key) if default is REQUIRED else top.get(key, default=default)
    items = value if isinstance(value, list) else [value]
    if not items:
        raise top.fail("expected at least one value", key)
    return [(f"{key}[{i}]" if isinstance(value, list) else key, v) for i, v in enumerate(items)]


def _check(top: Fields, place: str, value: Any, check: Callable[[Any], Any]) -> Any:
    try:
        return check(value)
    except (ValueError, TypeError) as exc:
        raise ConfigError(str(exc), file=top.file, place=place) from None


def _objective(value: Any) -> str:
    if value not in OBJECTIVES:
        raise ValueError(f"unknown objective {value!r} (known: {', '.join(OBJECTIVES)})")
    return value


def _workload(top: Fields, place: str, spec: Any) -> Workload:
    spec = _check(top, place, spec, as_str)
    try:
        path = resolve(spec, "workloads", "workload", ConfigError)
        return Workload(str(path.resolve()), load_workload(str(path)))
    except SimError as exc:
        raise ConfigError(str(exc), file=top.file, place=place) from None


def _device(top: Fields, place: str, spec: Any) -> Device:
    spec = _check(top, place, spec, as_str)
    try:
        path = resolve(spec, "hw_configs", "hardware", ConfigError)
        data = read_yaml(path, ConfigError)
        hw = parse_hardware(data, str(path))
    except SimError as exc:
        raise ConfigError(str(exc), file=top.file, place=place) from None
    return Device(str(path.resolve()), data, hw.name)


def _scalar(value: Any) -> Any:
    if isinstance(value, (dict, list)) or value is None:
        raise ValueError(f"expected a value such as 1MiB or 16, got {value!r}")
    return value


def _grid(top: Fields) -> list[tuple[tuple[str, Any], ...]]:
    """Every combination of the grid's values, the first key varying slowest."""
    combos: list[tuple[tuple[str, Any], ...]] = [()]
    for key, values in _axes(top, "grid"):
        combos = [c + ((key, v),) for c in combos for v in values]
    return combos


def _zip(top: Fields) -> list[tuple[tuple[str, Any], ...]]:
    axes = _axes(top, "zip")
    if not axes:
        return [()]
    lengths = {key: len(values) for key, values in axes}
    if len(set(lengths.values())) > 1:
        told = ", ".join(f"{k}: {n}" for k, n in lengths.items())
        raise top.fail(f"zipped lists must have one length, got {told}", "zip")
    return [tuple((key, values[i]) for key, values in axes) for i in range(len(axes[0][1]))]


def _axes(top: Fields, name: str) -> list[tuple[str, list[Any]]]:
    fields = top.sub(name, default={})
    axes = []
    for key in list(fields.data):
        place = f"{name}.{key}"
        values = fields.get(key, default=None)
        if not isinstance(values, list) or not values:
            raise ConfigError("expected a list of values", file=top.file, place=place)
        checked = [_check(top, f"{place}[{i}]", v, _scalar) for i, v in enumerate(values)]
        axes.append((str(key), checked))
    return axes


def _points(top: Fields) -> list[tuple[tuple[str, Any], ...]]:
    points = []
    for place, item in top.items("points", default=[]):
        if not isinstance(item, dict) or not item:
            raise ConfigError("expected a mapping of keys to values", file=top.file, place=place)
        points.append(
            tuple((str(k), _check(top, f"{place}.{k}", v, _scalar)) for k, v in item.items())
        )
    return points or [()]


def _keys(top: Fields, axes) -> tuple[str, ...]:
    """The hardware keys in spec order; a key in two of grid, zip and points is refused."""
    owner: dict[str, str] = {}
    for name, axis in zip(("grid", "zip", "points"), axes):
        for key in dict.fromkeys(k for item in axis for k, _ in item):
            if key in RESERVED:
                hint = " (sweep the cores a run uses with `cores:`)" if key == "cores" else ""
                raise top.fail(f"'{key}' is a column of every row, not a hardware key{hint}", name)
            if owner.setdefault(key, name) != name:
                raise top.fail(f"'{key}' is swept by both {owner[key]} and {name}", name)
    return tuple(owner)


def _values(top: Fields) -> list[tuple[str, str, Any]]:
    """(place, key, value) of every distinct value of every hardware key (already shaped)."""
    seen = {}
    for name in ("grid", "zip"):
        for key, values in (top.data.get(name) or {}).items():
            for index, value in enumerate(values):
                seen.setdefault((key, repr(value)), (f"{name}.{key}[{index}]", key, value))
    for index, item in enumerate(top.data.get("points") or []):
        for key, value in item.items():
            seen.setdefault((key, repr(value)), (f"points[{index}].{key}", key, value))
    return list(seen.values())


def _check_override(
    top: Fields, device: Device, place: str, key: str, value: Any, several: bool
) -> None:
    try:
        apply_overrides(device.data, (Override(key, override_text(value)),), device.path)
    except OverrideError as exc:
        on = f" (on {device.name})" if several else ""
        raise ConfigError(f"{exc.detail}{on}", file=top.file, place=place) from None


def override_text(value: Any) -> str:
    """A spec value as `--set` would take it: YAML reads the text back to the same value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
