"""Frozen descriptions of the simulated hardware, in SI units (bytes, hertz, seconds)."""

import enum

from attrs import define, field

from sim.hw.replacement import ReplacementPolicy


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
    """Peak arithmetic per cycle of the whole simulated engine, per precision."""

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
    """The engine that executes tiles.

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
    """Main memory: peak bandwidth, load-to-use latency, misses that may be in flight at once."""

    bandwidth_bytes_per_s: float = field(validator=_positive)
    latency_s: float = field(validator=_positive)
    max_outstanding: int = field(validator=_positive)


@define(frozen=True)
class Hardware:
    name: str
    description: str
    engine: str
    core: Core
    caches: tuple[CacheLevel, ...]  # innermost first: the order a load looks them up
    dram: Dram
    source: str = ""

    def peak_flops_per_s(self, precision: Precision) -> float:
        return self.core.clock_hz * self.core.flops_per_cycle.of(precision)

    def ridge_flops_per_byte(self, precision: Precision) -> float:
        """Operational intensity at the roofline's knee: left of it a program is memory-bound."""
        return self.peak_flops_per_s(precision) / self.dram.bandwidth_bytes_per_s
