"""Turn a hardware YAML file into a `Hardware`, naming the file and field of every bad value.

The file lists memory levels outer to inner, as Timeloop does (DRAM, caches, registers);
`Hardware.caches` holds them innermost first, the order a load looks them up. Every number
is finite (sim/units.py, sim/yamlio.py); the clock, the DRAM bandwidth and latency are above
zero; each level has its own name, and there is one DRAM and one register file.
"""

from pathlib import Path

from sim.compute.load import parse_compute
from sim.energy.load import parse_energy
from sim.errors import ConfigError
from sim.graph.model import OpKind
from sim.hw.model import (
    CacheLevel,
    Core,
    Dram,
    FlopsPerCycle,
    Hardware,
    RegisterFile,
    Replacement,
    WritePolicy,
)
from sim.paths import resolve
from sim.units import parse_bytes, parse_bytes_per_s, parse_hz, parse_seconds
from sim.yamlio import Fields, as_int, as_positive_float, as_str, checked, read_yaml

SUPPORTED_VERSIONS = (1,)


def _choice(enum_cls):
    def convert(value):
        try:
            return enum_cls(value)
        except ValueError:
            known = ", ".join(m.value for m in enum_cls)
            raise ValueError(f"expected one of {known}, got {value!r}") from None

    return convert


def _positive(parse):
    """`parse`, refusing a result of zero: a clock or a bandwidth of 0 divides by zero later."""

    def convert(value):
        number = parse(value)
        if number <= 0:
            raise ValueError(f"expected a value above zero, got {value!r}")
        return number

    return convert


def _positive_bytes(value) -> int:
    n_bytes = parse_bytes(value)
    if n_bytes <= 0:
        raise ValueError(f"expected a positive size, got {value!r}")
    return n_bytes


def load_hardware(spec: str) -> Hardware:
    """Load `spec`: a path to a YAML file, or the name of a file in hw_configs/."""
    path = resolve(spec, "hw_configs", "hardware", ConfigError)
    return parse_hardware(read_yaml(path, ConfigError), str(path))


def parse_hardware(data, file: str) -> Hardware:
    top = Fields(checked(data, ConfigError, file), "", ConfigError, file)
    version = top.get("version", lambda v: as_int(v, minimum=1))
    if version not in SUPPORTED_VERSIONS:
        raise top.fail(f"unsupported version {version} (this sim reads {SUPPORTED_VERSIONS})")
    name = top.get("name", as_str)
    description = top.get("description", as_str, default="")
    engine = top.get("engine", as_str)
    clock_hz = top.get("clock", _positive(parse_hz))
    rates = top.sub("flops_per_cycle")
    flops = FlopsPerCycle(**{p: rates.get(p, as_positive_float) for p in ("fp32", "fp16", "int8")})
    rates.done()
    efficiency = _efficiency(top.sub("efficiency", default={"default": 1.0}))
    prefetch_tiles = top.get("prefetch_tiles", as_int, default=1)
    compute_fields = top.sub("compute", default=None)
    compute = parse_compute(compute_fields) if compute_fields is not None else None

    units = top.get("units", lambda v: as_int(v, minimum=1), default=1)
    unit_name = top.get("unit_name", as_str, default="core")

    dram = registers = None
    caches: list[CacheLevel] = []
    private: list[bool] = []  # per cache, outer to inner
    names: dict[str, str] = {}  # level name -> the place that first used it
    kinds: dict[str, str] = {}  # level name -> its kind, outer to inner
    for place, item in top.items("memory"):
        level = Fields(item, place, ConfigError, file)
        kind = level.get("kind", _choice_of("dram", "cache", "registers"))
        if (kind == "dram" and dram is not None) or (kind == "registers" and registers):
            raise level.fail(f"a second level of kind '{kind}' (sim models one)", "kind")
        if kind == "dram":
            dram = _dram(level)
            level_name = level.get("name", as_str, default="DRAM")
        elif kind == "registers":
            count = level.get("count", lambda v: as_int(v, minimum=1))
            width_bytes = level.get("width", _positive_bytes)
            try:
                registers = RegisterFile(count=count, width_bytes=width_bytes)
            except ValueError as exc:
                raise level.fail(str(exc), "count") from None
            level_name = level.get("name", as_str, default="registers")
            _instances(level, units, allowed=(units,))
        else:
            caches.append(_cache(level))
            private.append(_instances(level, units, allowed=(1, units)) == units > 1)
            level_name = caches[-1].name
        if level_name in names:
            used = names[level_name]
            raise level.fail(f"name '{level_name}' is already used by {used}", "name")
        names[level_name] = place
        kinds[level_name] = kind
        level.done()
    energy_fields = top.sub("energy", default=None)
    top.done()
    private_levels = _private_levels(top, caches, private, units)
    if dram is None:
        raise top.fail("memory has no level of kind 'dram'", "memory")
    if registers is None:
        raise top.fail("memory has no level of kind 'registers'", "memory")
    energy = parse_energy(energy_fields, kinds) if energy_fields is not None else None
    core = Core(
        clock_hz=clock_hz,
        flops_per_cycle=flops,
        registers=registers,
        efficiency=efficiency,
        prefetch_tiles=prefetch_tiles,
    )
    try:
        return Hardware(
            name=name,
            description=description,
            engine=engine,
            core=core,
            caches=tuple(reversed(caches)),
            dram=dram,
            source=file,
            device_units=units,
            units=units,
            unit_name=unit_name,
            private_levels=private_levels,
            compute=compute,
            energy=energy,
        )
    except ValueError as exc:
        raise top.fail(str(exc)) from None


def _instances(level: Fields, units: int, allowed: tuple[int, ...]) -> int:
    """A level's instance count: 1 (one shared by every unit, the default for a cache) or
    `units` (one per unit, the only choice for registers)."""
    count = level.get("instances", lambda v: as_int(v, minimum=1), default=allowed[0])
    if count not in allowed:
        wanted = " or ".join(str(n) for n in sorted(set(allowed)))
        raise level.fail(f"expected {wanted} instances (units: {units}), got {count}", "instances")
    return count


def _private_levels(top: Fields, caches: list[CacheLevel], private: list[bool], units: int):
    """How many innermost caches are private; private levels sit inside every shared one,
    and none is larger than the shared level it fetches from."""
    inner_first = list(reversed(private))
    count = sum(inner_first)
    if inner_first[:count] != [True] * count:
        raise top.fail("a private level (instances: units) lies outside a shared one", "memory")
    ordered = list(reversed(caches))
    if 0 < count < len(ordered):
        level, parent = ordered[count - 1], ordered[count]
        if level.size_bytes > parent.size_bytes:
            raise top.fail(
                f"private level {level.name} ({level.size_bytes:,} B) is larger than the shared "
                f"level {parent.name} ({parent.size_bytes:,} B) it fetches from",
                "memory",
            )
    return count


def _efficiency(fields: Fields) -> dict[str, float]:
    known = ["default", *(kind.value for kind in OpKind)]
    values = {}
    for key in list(fields.data):
        if key not in known:
            raise fields.fail(f"unknown op kind '{key}' (known: {', '.join(known)})", key)
        values[key] = fields.get(key, _fraction)
    fields.done()
    return values


def _fraction(value) -> float:
    number = as_positive_float(value)
    if number > 1:
        raise ValueError(f"expected a fraction of peak in (0, 1], got {value}")
    return number


def _choice_of(*names: str):
    def convert(value):
        if value not in names:
            raise ValueError(f"expected one of {', '.join(names)}, got {value!r}")
        return value

    return convert


def _dram(level: Fields) -> Dram:
    return Dram(
        bandwidth_bytes_per_s=level.get("bandwidth", _positive(parse_bytes_per_s)),
        latency_s=level.get("latency", _positive(parse_seconds)),
        max_outstanding=level.get("max_outstanding", lambda v: as_int(v, minimum=1)),
        max_outstanding_total=level.get(
            "max_outstanding_total", lambda v: as_int(v, minimum=1), default=None
        ),
    )


def _cache(level: Fields) -> CacheLevel:
    size = level.get("size", _positive_bytes)
    values = dict(
        name=level.get("name", as_str),
        size_bytes=size,
        line_bytes=level.get("line", _positive_bytes),
        ways=level.get("ways", lambda v: as_int(v, minimum=1)),
        share_bytes=level.get("share", _positive_bytes, default=size),
        replacement=level.get("replacement", _choice(Replacement), default=Replacement.LRU),
        write_policy=level.get(
            "write_policy", _choice(WritePolicy), default=WritePolicy.WRITE_BACK
        ),
        latency_cycles=level.get("latency_cycles", as_positive_float),
        bytes_per_cycle=level.get("bytes_per_cycle", as_positive_float),
        store_hit_refreshes=level.get("store_hit_refreshes", _bool, default=True),
        seed=level.get("seed", as_int, default=0),
    )
    try:
        return CacheLevel(**values)
    except ValueError as exc:
        raise level.fail(str(exc)) from None


def _bool(value) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {value!r}")
    return value


def hardware_names() -> dict[str, Path]:
    from sim.paths import shipped

    return shipped("hw_configs")
