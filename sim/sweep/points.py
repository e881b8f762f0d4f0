"""A sweep's points, each keyed by a hash of everything that determines its result.

The key covers the bytes of the workload, hardware and saved-schedule files (not their
names), the run options, the hardware coordinates and the code version (a hash of sim's
source files): change any of them and the point runs again; change none and a rerun skips
it. Points come out in spec order: workloads, devices, then each run option, then the
coordinates, the last varying fastest.
"""

import functools
import hashlib
import itertools
import json
from pathlib import Path
from typing import Any

from attrs import define

import sim
from sim.plan import is_saved
from sim.sweep.spec import SweepSpec

KEY_CHARS = 16  # 64 bits of sha256: no collision in any sweep a person runs


@define(frozen=True)
class Point:
    """One run of a sweep: what `run` would be given, and the hardware keys it sets."""

    key: str
    workload: str  # the graph's name, as run's JSON says it
    hw: str  # the device's name
    schedule: str
    cores: int | None
    precision: str
    sparsity: str | None  # a `--sparsity` spec for every weighted op; None: the workload's own
    objective: str
    coordinates: tuple[tuple[str, Any], ...]  # (hardware key, value as written in the spec)
    workload_index: int  # into SweepSpec.workloads
    device_index: int  # into SweepSpec.devices

    def identity(self) -> dict[str, Any]:
        """The columns that say which point a row is."""
        return {
            **dict(self.coordinates),
            "workload": self.workload,
            "hw": self.hw,
            "schedule": self.schedule,
            "cores": self.cores,
            "precision": self.precision,
            "sparsity": self.sparsity,
        }


def sweep_points(spec: SweepSpec) -> list[Point]:
    """Every point of `spec` once (a value given twice gives one point), in spec order."""
    fields = [name for name, _ in spec.options]
    option_values = [values for _, values in spec.options]
    points: dict[str, Point] = {}
    for w, workload in enumerate(spec.workloads):
        for d, device in enumerate(spec.devices):
            for values in itertools.product(*option_values):
                options = dict(zip(fields, values))
                for coordinates in spec.coordinates:
                    key = point_key(
                        file_digest(workload.path),
                        file_digest(device.path),
                        options,
                        spec.objective,
                        coordinates,
                    )
                    points.setdefault(
                        key,
                        Point(
                            key=key,
                            workload=workload.graph.name,
                            hw=device.name,
                            objective=spec.objective,
                            coordinates=coordinates,
                            workload_index=w,
                            device_index=d,
                            **options,
                        ),
                    )
    return list(points.values())


def point_key(
    workload_digest: str,
    hw_digest: str,
    options: dict[str, Any],
    objective: str,
    coordinates: tuple[tuple[str, Any], ...],
) -> str:
    """The hash of everything a point's result depends on."""
    schedule = options.get("schedule", "")
    what = {
        "workload": workload_digest,
        "hw": hw_digest,
        "options": sorted(options.items(), key=lambda item: item[0]),
        "schedule_file": file_digest(schedule) if is_saved(schedule) else None,
        "objective": objective,
        "coordinates": sorted([key, repr(value)] for key, value in coordinates),
        "code": code_version(),
    }
    text = json.dumps(what, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()[:KEY_CHARS]


@functools.cache
def file_digest(path: str) -> str:
    """The sha256 of a file's bytes, read once per process."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@functools.cache
def code_version() -> str:
    """sim's version and a hash of its source files: any edit to the code makes a new one."""
    root = Path(sim.__file__).parent
    digest = hashlib.sha256(sim.__version__.encode())
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:KEY_CHARS]
