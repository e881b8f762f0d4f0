"""The CLI's commands, in the order `--help` lists them.

Each is a name, the line `--help` shows for it, and the module that adds its arguments
(`add_arguments(parser)`, `EXAMPLES`) and runs it (`run(args) -> int`). A module is imported
only when its command is chosen, so `python -m sim --help` imports none of numpy, numba or rich.
"""

import importlib
from types import ModuleType
from typing import NamedTuple


class Command(NamedTuple):
    name: str
    help: str
    module: str

    def load(self) -> ModuleType:
        return importlib.import_module(self.module)


COMMANDS = (
    Command(
        "run",
        "simulate a network on a device: time, DRAM traffic, what to try next",
        "sim.commands.run",
    ),
    Command(
        "analyze",
        "the cache-ignoring estimate per op: FLOPs, bytes, roofline bound",
        "sim.commands.analyze",
    ),
    Command(
        "compare",
        "simulate several schedules side by side, per group of layers",
        "sim.commands.compare",
    ),
    Command(
        "roofline",
        "roofline plot of devices and kernels, estimated and simulated",
        "sim.commands.roofline",
    ),
    Command(
        "sweep",
        "run a grid of devices and hardware values, resumable, on Dask too",
        "sim.commands.sweep",
    ),
    Command(
        "convert",
        "write a workload (ONNX, or YAML with blocks) as flat workload YAML",
        "sim.commands.convert",
    ),
    Command(
        "list", "the shipped hardware configs and workloads, one line each", "sim.commands.listing"
    ),
    Command(
        "replay",
        "replay a memory trace (din or .npy) through a cache hierarchy",
        "sim.commands.replay",
    ),
)
