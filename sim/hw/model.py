"""Frozen descriptions of the simulated hardware, in SI units (bytes, hertz, seconds)."""

import enum
from typing import TYPE_CHECKING

import attrs
from attrs import define, field

from sim.hw.replacement import ReplacementPolicy

LINE_BYTES_WITHOUT_CACHES = 64  # the line loads and stores are counted in when no cache is modeled

if TYPE_CHECKING:
    from sim.compute.model import ComputeModel
    from sim.energy.model import EnergyCosts


class Precision(enum.Enum):
    FP32 = "fp32"
    FP16 = "fp16"
    INT8 = "int8"

    @property
    def bytes(self) -> int:
        return {"fp32": 4, "fp16": 2, "int8": 1}[self.value]


class Replacement(enum.Enum):
    LRU = "lru"
    FIFO = "fifo"
    PLRU = "plru"
    RANDOM = "random"


class WritePolicy(enum.Enum):
    """Write-back always allocates on a store miss; write-through never does."""

    WRITE_BACK = "write_back"
    WRITE_THROUGH = "write_through"


def _power_of_two(instance, attribute, value) -> None:
    if value <= 0 or value & (value - 1):
        raise ValueError(f"{attribute.name} must be a power of two, got {value}")


def _positive(instance, attribute, value) -> None:
    if not value > 0:
        raise ValueError(f"{attribute.name} must be positive, got {value}")


def _replacement(instance, attribute, value) -> None:
    """A built-in policy, or a user-written `ReplacementPolicy` subclass (the class itself)."""
    if isinstance(value, Replacement):
        return
    if isinstance(value, type) and issubclass(value, ReplacementPolicy):
        if value is ReplacementPolicy:
            raise ValueError("replacement: subclass ReplacementPolicy, do not use it as it is")
        return
    hint = " (give the class, not an instance)" if isinstance(value, ReplacementPolicy) else ""
    raise ValueError(
        f"replacement must be a Replacement or a ReplacementPolicy subclass, got {value!r}{hint}"
    )


MAX_CACHE_LINES = 2**22  # 256 MiB of 64 B lines; the cache model keeps arrays per line


@define(frozen=True)
class CacheLevel:
    """One cache level as one core sees it.

    A level shared by several cores is modeled by way partitioning: the core keeps every set
    of the physical cache (so addresses map to sets exactly as in hardware) but only
    `share_bytes / size_bytes` of each set's ways, which is what each of N symmetric cores
    holds on average when all of them stream through a shared LRU cache.
    """

    name: str
    size_bytes: int = field(validator=_positive)
    line_bytes: int = field(validator=_power_of_two)
    ways: int = field(validator=_positive)
    share_bytes: int = field(validator=_positive)
    replacement: Replacement | type[ReplacementPolicy] = field(
        default=Replacement.LRU, validator=_replacement
    )
    write_policy: WritePolicy = WritePolicy.WRITE_BACK
    latency_cycles: float = 1.0
    bytes_per_cycle: float = field(default=64.0, validator=_positive)
    store_hit_refreshes: bool = True
    seed: int = 0

    def __attrs_post_init__(self) -> None:
        lines = self.size_bytes // self.line_bytes
        if lines > MAX_CACHE_LINES:
            raise ValueError(
                f"size {self.size_bytes:,} B is {lines:,} lines of {self.line_bytes} B; at most "
                f"{MAX_CACHE_LINES:,} lines per level can be simulated"
            )
        set_bytes = self.line_bytes * self.ways
        if self.size_bytes % set_bytes:
            raise ValueError(
                f"size {self.size_bytes} B is not a whole number of sets "
                f"({self.ways} ways x {self.line_bytes} B lines = {set_bytes} B per set)"
            )
        if self.share_bytes > self.size_bytes:
            raise ValueError(f"share {self.share_bytes} B exceeds size {self.size_bytes} B")
        if (self.share_bytes * self.ways) % self.size_bytes:
            raise ValueError(
                f"share {self.share_bytes} B is not a whole number of ways of {self.size_bytes} B"
            )

    @property
    def sets(self) -> int:
        return self.size_bytes // (self.line_bytes * self.ways)

    @property
    def share_ways(self) -> int:
        """Ways of each set that this core's share holds."""
        return self.ways * self.share_bytes // self.size_bytes

    @property
    def is_shared(self) -> bool:
        return self.share_bytes < self.size_bytes


@define(frozen=True)
class FlopsPerCycle:
    """Peak arithmetic per cycle of one unit, per precision."""

    fp32: float = field(validator=_positive)
    fp16: float = field(validator=_positive)
    int8: float = field(validator=_positive)

    def of(self, precision: Precision) -> float:
        return getattr(self, precision.value)


MAX_REGISTERS = 2**23  # V100's 5.2 M fit; register blocking enumerates tile widths up to it


def _simulable_count(instance, attribute, value) -> None:
    _positive(instance, attribute, value)
    if value > MAX_REGISTERS:
        raise ValueError(f"at most {MAX_REGISTERS:,} registers can be simulated, got {value:,}")


@define(frozen=True)
class RegisterFile:
    count: int = field(validator=_simulable_count)
    width_bytes: int = field(validator=_positive)

    @property
    def size_bytes(self) -> int:
        return self.count * self.width_bytes


@define(frozen=True)
class Core:
    """One compute unit (a CPU core, a GPU SM): it executes tiles.

    `efficiency` is the fraction of peak arithmetic an op kind reaches with its operands in
    registers (key `default` for kinds not listed); memory stalls are modeled separately.
    `prefetch_tiles` is how many tiles' memory traffic may run ahead of the current tile's
    compute (1 = double buffering).
    """

    clock_hz: float = field(validator=_positive)
    flops_per_cycle: FlopsPerCycle
    registers: RegisterFile
    efficiency: dict[str, float] = field(factory=lambda: {"default": 1.0})
    prefetch_tiles: int = 1

    def efficiency_of(self, kind: str) -> float:
        return self.efficiency.get(kind, self.efficiency.get("default", 1.0))


@define(frozen=True)
class Dram:
    """Main memory: one channel's peak bandwidth, load-to-use latency, and the misses that may
    be in flight at once, per unit and over all units (Little's law caps each unit's rate at
    max_outstanding x request / latency)."""

    bandwidth_bytes_per_s: float = field(validator=_positive)
    latency_s: float = field(validator=_positive)
    max_outstanding: int = field(validator=_positive)  # per unit
    max_outstanding_total: int | None = None  # over all units; None: bandwidth alone caps them


@define(frozen=True)
class Hardware:
    """A device as a tree: `device_units` identical compute units (cores, SMs), each with its
    `core` and its private cache levels, under shared levels and one DRAM channel.

    `caches` are the levels one unit sees, innermost first (the order a load looks them up);
    the innermost `private_levels` of them are the unit's own, the rest are shared by every
    unit (one instance each). A shared level whose `share_bytes` is below its size is split
    by ways: each unit owns a partition of that many bytes (the one-core view of a busy chip).
    A run uses `units` of the device's units (`with_units`).
    """

    name: str
    description: str
    engine: str
    core: Core  # ONE unit
    caches: tuple[CacheLevel, ...]  # innermost first: the order a load looks them up
    dram: Dram
    source: str = ""
    device_units: int = field(default=1, validator=_positive)
    units: int = field(default=1, validator=_positive)
    unit_name: str = "core"
    private_levels: int = 0
    compute: "ComputeModel | None" = None  # per-unit compute model (docs/compute.md)
    energy: "EnergyCosts | None" = None  # dynamic energy per event (docs/levers.md); None: none
    overrides: tuple[tuple[str, str], ...] = ()  # `--set KEY=VALUE`s applied, as written

    def __attrs_post_init__(self) -> None:
        if self.units > self.device_units:
            raise ValueError(
                f"{self.units} {self.unit_name}s asked, the device has {self.device_units}"
            )
        if not 0 <= self.private_levels <= len(self.caches):
            raise ValueError(f"private_levels {self.private_levels} of {len(self.caches)} levels")
        partitioned = [c for c in self.shared_caches if c.is_shared]
        for level in partitioned:
            if level.share_bytes * self.units > level.size_bytes:
                raise ValueError(
                    f"{self.units} shares of {level.share_bytes:,} B exceed {level.name}'s "
                    f"{level.size_bytes:,} B"
                )

    @property
    def label(self) -> str:
        """The name and what it is, for report headers: `xavier (Jetson AGX Xavier Volta
        GPU)`, the description's first clause (the name alone without a description)."""
        device = self.description.split(",")[0].strip()
        return f"{self.name} ({device})" if device and device != self.name else self.name

    @property
    def private_caches(self) -> tuple[CacheLevel, ...]:
        return self.caches[: self.private_levels]

    @property
    def shared_caches(self) -> tuple[CacheLevel, ...]:
        return self.caches[self.private_levels :]

    def with_units(self, units: int) -> "Hardware":
        """The device running on `units` of its units (1..device_units)."""
        return attrs.evolve(self, units=units)

    def with_share(self, share_bytes: int) -> "Hardware":
        """Each unit owns `share_bytes` of the outermost shared cache (a way partition)."""
        if not self.shared_caches:
            raise ValueError("the device has no shared cache level to take a share of")
        outer = attrs.evolve(self.caches[-1], share_bytes=share_bytes)
        return attrs.evolve(self, caches=(*self.caches[:-1], outer))

    @property
    def line_bytes(self) -> int:
        """The line of the innermost cache: the unit in which loads and stores are traced."""
        return self.caches[0].line_bytes if self.caches else LINE_BYTES_WITHOUT_CACHES

    @property
    def dram_request_bytes(self) -> int:
        """The size of one DRAM request: the outermost cache's line."""
        return self.caches[-1].line_bytes if self.caches else LINE_BYTES_WITHOUT_CACHES

    @property
    def alignment_bytes(self) -> int:
        """Buffers start on the largest line of any level, so no two tensors share a line."""
        return max((c.line_bytes for c in self.caches), default=LINE_BYTES_WITHOUT_CACHES)

    def peak_flops_per_s(self, precision: Precision) -> float:
        """Peak arithmetic of the units this run uses."""
        return self.units * self.core.clock_hz * self.core.flops_per_cycle.of(precision)

    def ridge_flops_per_byte(self, precision: Precision) -> float:
        """Operational intensity at the roofline's knee: left of it a program is memory-bound."""
        return self.peak_flops_per_s(precision) / self.dram.bandwidth_bytes_per_s
