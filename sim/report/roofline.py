"""What a roofline plot shows, as values: each device's roofs and each kernel's two points.

A kernel has two points: the cache-ignoring estimate (analytic FLOPs / analytic bytes, at the
performance the DRAM roofline allows it) and the simulation (executed FLOPs / simulated DRAM
bytes, at its simulated FLOP/s). Points carry their device, workload and schedule, so runs of
several schedules, workloads and devices overlay in one `RooflineData`.
"""

from collections.abc import Iterable, Sequence
from typing import Any

from attrs import asdict, define

from sim.analytic.estimate import roofline
from sim.engine.simulate import RunResult
from sim.hw.model import Hardware, Precision

LABEL_TOP = 10  # kernels named per device panel, by default


@define(frozen=True)
class ComputeRoof:
    precisions: tuple[str, ...]  # precisions that share this peak: ("fp32", "fp16") on the Pi
    flops_per_s: float


@define(frozen=True)
class MemoryRoof:
    name: str  # "DRAM" or a cache level's name
    bytes_per_s: float


@define(frozen=True)
class DeviceRoofs:
    device: str
    compute: tuple[ComputeRoof, ...]  # lowest peak first
    memory: tuple[MemoryRoof, ...]  # DRAM first, then the cache levels outermost first
    label: str = ""  # the name and what it is (Hardware.label), for headers

    def peak_flops_per_s(self, precision: str) -> float:
        return next(r.flops_per_s for r in self.compute if precision in r.precisions)

    @property
    def dram_bytes_per_s(self) -> float:
        return self.memory[0].bytes_per_s


@define(frozen=True)
class KernelPoint:
    device: str
    workload: str
    schedule: str
    kernel: str
    analytic_flops: int
    analytic_bytes: int
    analytic_flops_per_s: float  # what the DRAM roofline allows the estimate: min(peak, I x BW)
    flops: int  # executed
    dram_bytes: int  # simulated
    seconds: float  # simulated

    @property
    def analytic_intensity(self) -> float | None:
        """FLOPs per cache-ignoring byte; none without FLOPs or bytes (no point on log axes)."""
        if self.analytic_flops <= 0 or self.analytic_bytes <= 0:
            return None
        return self.analytic_flops / self.analytic_bytes

    @property
    def simulated_intensity(self) -> float | None:
        """Executed FLOPs per simulated DRAM byte; none without FLOPs, DRAM bytes or time."""
        if self.flops <= 0 or self.dram_bytes <= 0 or self.seconds <= 0:
            return None
        return self.flops / self.dram_bytes

    @property
    def flops_per_s(self) -> float:
        return self.flops / self.seconds if self.seconds > 0 else 0.0


@define(frozen=True)
class RooflineData:
    precision: str
    devices: tuple[DeviceRoofs, ...]
    points: tuple[KernelPoint, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for point, entry in zip(self.points, data["points"]):
            entry["analytic_intensity"] = point.analytic_intensity
            entry["simulated_intensity"] = point.simulated_intensity
            entry["flops_per_s"] = point.flops_per_s
        return data


def device_roofs(hw: Hardware) -> DeviceRoofs:
    """Peaks per precision (equal peaks merged), DRAM bandwidth, each cache port's bandwidth."""
    peaks: dict[float, list[str]] = {}
    for precision in Precision:
        peaks.setdefault(hw.peak_flops_per_s(precision), []).append(precision.value)
    compute = tuple(ComputeRoof(tuple(names), peak) for peak, names in sorted(peaks.items()))
    memory = [MemoryRoof("DRAM", hw.dram.bandwidth_bytes_per_s)]
    for level in reversed(hw.caches):
        memory.append(MemoryRoof(level.name, hw.units * level.bytes_per_cycle * hw.core.clock_hz))
    return DeviceRoofs(hw.name, compute, tuple(memory), hw.label)


def kernel_points(result: RunResult) -> tuple[KernelPoint, ...]:
    """One point pair per kernel of a run, the write-back pseudo-kernel included."""
    precision = Precision(result.precision)
    clock_hz = result.hw.core.clock_hz
    points = []
    for kernel in result.kernels:
        bound = roofline(kernel.analytic_flops, kernel.analytic_bytes, result.hw, precision)
        points.append(
            KernelPoint(
                device=result.hw.name,
                workload=result.workload,
                schedule=result.schedule,
                kernel=kernel.name,
                analytic_flops=kernel.analytic_flops,
                analytic_bytes=kernel.analytic_bytes,
                analytic_flops_per_s=kernel.analytic_flops / bound.seconds if bound.seconds else 0,
                flops=kernel.flops,
                dram_bytes=kernel.dram_bytes,
                seconds=kernel.cycles / clock_hz,
            )
        )
    return tuple(points)


def roofline_data(
    hws: Sequence[Hardware], results: Iterable[RunResult], precision: Precision
) -> RooflineData:
    """The roofs of `hws` and the points of `results` (runs on those devices, any schedule)."""
    points = tuple(p for result in results for p in kernel_points(result))
    return RooflineData(precision.value, tuple(device_roofs(hw) for hw in hws), points)
