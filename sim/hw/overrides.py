"""`--set KEY=VALUE`: change one field of a hardware file before it is read.

A key names a field as the YAML file does, a memory level by its name: `L2.size`,
`DRAM.bandwidth`, `NEON.count`; top-level fields by their path: `clock`,
`flops_per_cycle.fp32`, `compute.kernels.gemm.main_loop_fraction`. `units` (or the unit
name's plural, `cores` on a CPU, `sms` on a GPU) sets the device's unit count, and the levels
that had one instance per unit keep one per unit. The value is written as in the file
(`1MiB`, `7.2GB/s`, `16`) and goes through the file's own parser, so it has the same units
and the same checks. A mistake is one line naming the flag, the key and the reason.
"""

import copy
from collections.abc import Iterable
from typing import Any

import attrs

from sim.errors import ConfigError
from sim.hw.load import parse_hardware
from sim.hw.model import Hardware
from sim.paths import closest, resolve
from sim.yamlio import join_path, load_scalar, read_yaml

FLAG = "--set"
# Fields a file may leave out (sim/hw/load.py gives them defaults), per kind of level.
OPTIONAL = {
    "top": ("units", "prefetch_tiles"),
    "cache": ("share", "replacement", "write_policy", "store_hit_refreshes", "seed"),
    "dram": ("max_outstanding_total",),
    "registers": (),
}
_FIXED = ("version", "name", "description", "engine", "unit_name", "memory")  # not settable
_LEVEL_FIXED = ("kind", "name", "instances")
_DEFAULT_NAMES = {"dram": "DRAM", "registers": "registers"}


@attrs.define(frozen=True)
class Override:
    """One `--set KEY=VALUE`, as written."""

    key: str
    value: str

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


class OverrideError(ConfigError):
    """A `--set` the device refuses: `detail` says why, without the flag (a sweep spec names
    the place in its own file instead)."""

    def __init__(self, overrides: list[Override], detail: str):
        flags = " ".join(f"{FLAG} {o}" for o in overrides)
        super().__init__(f"{flags}: {detail}")
        self.overrides = tuple(overrides)
        self.detail = detail


def parse_override(text: str) -> Override:
    """`L2.size=1MiB` -> Override; a missing `=`, key or value is a ConfigError."""
    key, equals, value = text.partition("=")
    key, value = key.strip(), value.strip()
    if not equals or not key or not value:
        raise ConfigError(f"{FLAG} {text}: expected KEY=VALUE, e.g. {FLAG} L2.size=1MiB")
    return Override(key, value)


def load_hardware_with(spec: str, overrides: Iterable[Override] = ()) -> Hardware:
    """The hardware file `spec` (a path or a shipped name) with `overrides` applied, in order;
    the result records them (`Hardware.overrides`)."""
    path = resolve(spec, "hw_configs", "hardware", ConfigError)
    data = read_yaml(path, ConfigError)
    overrides = tuple(overrides)
    if not overrides:
        return parse_hardware(data, str(path))
    return apply_overrides(data, overrides, str(path))


def apply_overrides(data: Any, overrides: tuple[Override, ...], file: str) -> Hardware:
    """Parse the hardware `data` with `overrides` written into a copy of it."""
    parse_hardware(data, file)  # the file's own mistakes are named as such, not as a flag's
    edited = copy.deepcopy(data)
    places = {}
    for override in overrides:
        places[override] = _write(edited, override)
    try:
        hw = parse_hardware(edited, file)
    except ConfigError as exc:
        raise _blame(exc, places) from None
    return attrs.evolve(hw, overrides=tuple((o.key, o.value) for o in overrides))


def known_keys(data: dict) -> list[str]:
    """Every key `--set` accepts for the hardware `data`, in file order."""
    leaves = _leaves(data, "", skip=_FIXED)
    keys = [k for k in leaves if "." not in k]
    keys += [k for k in (*OPTIONAL["top"], _unit_alias(data)) if k not in keys]
    for level in data.get("memory") or []:
        if isinstance(level, dict):
            name = _level_name(level)
            fields = [k for k in level if k not in _LEVEL_FIXED]
            fields += [k for k in OPTIONAL.get(level.get("kind"), ()) if k not in fields]
            keys += [f"{name}.{field}" for field in fields]
    return list(dict.fromkeys(keys + [k for k in leaves if "." in k]))


def describe_keys(keys: list[str]) -> str:
    """`clock, DRAM.{bandwidth,latency}, L2.{size,line}`: the keys grouped by their prefix."""
    groups: dict[str, list[str]] = {}
    for key in keys:
        prefix, _, last = key.rpartition(".")
        groups.setdefault(prefix, []).append(last)
    parts = []
    for prefix, names in groups.items():
        if not prefix:
            parts += names
        else:
            inner = names[0] if len(names) == 1 else "{" + ",".join(names) + "}"
            parts.append(f"{prefix}.{inner}")
    return ", ".join(parts)


def _write(data: dict, override: Override) -> str:
    """Write `override` into `data`; the place of the value in the file (`memory[2].size`)."""
    try:
        value = load_scalar(override.value)
    except ValueError as exc:
        raise OverrideError([override], str(exc)) from None
    key = override.key
    if key in ("units", _unit_alias(data)):
        return _write_units(data, value)
    head, _, rest = key.partition(".")
    levels = [lv for lv in data.get("memory") or [] if isinstance(lv, dict)]
    for index, level in enumerate(levels):
        if _level_name(level) == head and rest:
            allowed = [k for k in level if k not in _LEVEL_FIXED]
            if rest in allowed or rest in OPTIONAL.get(level.get("kind"), ()):
                level[rest] = value
                return join_path(f"memory[{index}]", rest)
            raise _unknown(data, override)
    if key in _leaves(data, "", skip=_FIXED) or key in OPTIONAL["top"]:
        *parents, last = key.split(".")
        node = data
        for part in parents:
            node = node[part]
        node[last] = value
        return key
    raise _unknown(data, override)


def _write_units(data: dict, value: Any) -> str:
    """`units`, and every level that had one instance per unit keeps one per unit."""
    before = data.get("units", 1)
    for level in data.get("memory") or []:
        if isinstance(level, dict) and level.get("instances") == before != 1:
            level["instances"] = value
    data["units"] = value
    return "units"


def _unknown(data: dict, override: Override) -> OverrideError:
    keys = known_keys(data)
    match = closest(override.key, keys)
    hint = f" (did you mean {match}?)" if match else ""
    name = data.get("name", "the device")
    return OverrideError(
        [override],
        f"unknown key '{override.key}' for {name}{hint}; known keys: {describe_keys(keys)}",
    )


def _blame(exc: ConfigError, places: dict[Override, str]) -> OverrideError:
    """The parser's error on the edited data, told as the mistake of the override(s) whose
    value it names, or that sit in the level it names."""
    place = exc.place or ""
    guilty = [o for o, p in places.items() if p == place]
    where = "" if guilty or not place else f" (at {place})"
    guilty = guilty or [o for o, p in places.items() if place and p.startswith(place + ".")]
    return OverrideError(guilty or list(places), f"{exc.reason}{where}")


def _unit_alias(data: dict) -> str:
    """`cores` for a device of cores, `sms` for one of SMs: another name for `units`."""
    name = data.get("unit_name", "core")
    return f"{name}s" if isinstance(name, str) else "units"


def _level_name(level: dict) -> str:
    return str(level.get("name", _DEFAULT_NAMES.get(level.get("kind"), "")))


def _leaves(node: Any, prefix: str, skip: tuple[str, ...] = ()) -> list[str]:
    """The dotted paths of the scalar values under a mapping (lists are not addressable)."""
    if not isinstance(node, dict):
        return [prefix] if prefix and not isinstance(node, list) else []
    paths = []
    for key, value in node.items():
        if key in skip:
            continue
        paths += _leaves(value, join_path(prefix, str(key)))
    return paths
