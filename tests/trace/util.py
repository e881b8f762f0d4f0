"""Helpers for trace tests: tiny graphs, traced kernels, and the lines of buffers."""

import attrs
import numpy as np

from sim.graph.load import parse_workload
from sim.hw.load import load_hardware
from sim.hw.model import Hardware, Precision, RegisterFile
from sim.schedule.model import Algorithm, Schedule
from sim.schedule.naive import naive_schedule
from sim.trace import kernel_tiles


def graph(inputs: dict, ops: list):
    return parse_workload({"name": "t", "inputs": inputs, "graph": ops})


def schedule(inputs: dict, ops: list, algorithm=Algorithm.AUTO, precision=Precision.FP32):
    s = naive_schedule(graph(inputs, ops), precision)
    kernels = tuple(attrs.evolve(k, algorithm=algorithm) for k in s.kernels)
    return attrs.evolve(s, kernels=kernels)


def with_registers(hw: Hardware, count: int, width_bytes: int = 16) -> Hardware:
    core = attrs.evolve(hw.core, registers=RegisterFile(count, width_bytes))
    return attrs.evolve(hw, core=core)


def hardware(name: str = "pi3") -> Hardware:
    """A shipped device; pi3 as the talk's core: one A53 with its 128 KiB share of the L2."""
    hw = load_hardware(name)
    return hw.with_units(1).with_share(128 * 1024) if name == "pi3" else hw


def line_bytes(hw: Hardware) -> int:
    return hw.caches[0].line_bytes if hw.caches else 64


def lines_of(s: Schedule, tensors, line: int) -> set[int]:
    out: set[int] = set()
    for tensor in tensors:
        buffer = s.buffer(tensor.name)
        first, last = buffer.address // line, (buffer.end - 1) // line
        out.update(range(first * line, (last + 1) * line, line))
    return out


def trace(s: Schedule, hw: Hardware, index: int = -1):
    """All tiles of kernel `index` (default: the last one)."""
    return list(kernel_tiles(s.kernels[index], s, hw))


def touched(tiles) -> tuple[set[int], set[int]]:
    """(lines read, lines written)."""
    lines = np.concatenate([t.line_addresses for t in tiles]) if tiles else np.empty(0)
    writes = np.concatenate([t.is_write for t in tiles]) if tiles else np.empty(0, bool)
    return set(lines[~writes].tolist()), set(lines[writes].tolist())
