"""A 2x2 GEMM on a one-level hierarchy, every cycle worked out by hand.

C = A x B, fp32, each matrix 16 B in its own 64 B line: A at 0, B at 64, C at 128.
The kernel is one tile: load A (4 loads) and B (4 loads), 8 multiply-adds = 16 FLOPs,
store C (4 stores): 12 register accesses on 3 lines, so 3 line accesses + 9 collapsed.

Hardware: 1 GHz, 2 FLOPs/cycle; L1 256 B, 4 ways, 64 B lines (one set), latency 1 cycle,
4 B/cycle; DRAM 8 GB/s = 8 B/cycle, 10 ns = 10 cycles latency, 100 misses in flight (Little's
law allows 640 B/cycle, so peak bandwidth binds).

- cache: A and B miss (cold), C misses and, being written, is fetched first (write-allocate):
  3 misses, 192 B read from DRAM; C is now dirty.
- tile cost: compute 16 / 2 = 8 cycles; L1 port 12 x 4 B / 4 B/cycle = 12 cycles, and the
  tile starts the stream, so it waits 1 cycle of L1 latency too: the core is busy 13 cycles.
  DRAM: 192 / 8 = 24 cycles, after the stream's 10 cycles of latency: 34 cycles.
- timeline: the tile's reads and its compute start together (its lines stream in while the
  core works): DRAM [0, 34), the core [0, 13); the tile, and the run, end at 34.
- write-back: C's dirty line, 64 B, counted after the run (not timed: docs/engine.md).
"""

import pytest
import yaml

from sim.compute.classes import ComputeClass
from sim.engine.caches import DeviceCaches
from sim.engine.costs import dram_channel, tile_cost
from sim.engine.simulate import _Tally, write_back
from sim.engine.timing import KernelWork, run_timing
from sim.hw.load import parse_hardware
from sim.hw.model import Precision
from sim.trace.model import Tile

TINY = """
version: 1
name: tiny
engine: a hand-computable core  # test hardware
clock: 1GHz
flops_per_cycle: {fp32: 2, fp16: 2, int8: 2}
memory:
  - {kind: dram, bandwidth: 8GB/s, latency: 10ns, max_outstanding: 100}
  - {kind: cache, name: L1, size: 256B, line: 64B, ways: 4, latency_cycles: 1, bytes_per_cycle: 4}
  - {kind: registers, count: 8, width: 4B}
"""


def test_tiny_gemm_cycles_and_event_log_by_hand():
    hw = parse_hardware(yaml.safe_load(TINY), "tiny.yaml")
    tile = Tile(16, [0, 64, 128], [False, False, True], collapsed_accesses=9)
    device = DeviceCaches(hw)
    stats = device.run(0, tile.line_addresses, tile.is_write)
    cost = tile_cost(tile, stats, hw, Precision.FP32, "matmul", ComputeClass.GEMM)
    assert (cost.compute_cycles, cost.level_cycles, cost.core_cycles) == (8, (12,), 12)
    assert (cost.level_latency_cycles, cost.first_core_cycles) == ((1,), 13)  # a stream's start
    assert (cost.dram_read_bytes, cost.dram_write_bytes) == (192, 0)
    assert cost.dram_cycles == pytest.approx(24)  # 192 B at 8 B/cycle; the latency is timing's
    level = stats.levels[0]
    assert (level.accesses, level.hits, level.misses) == (3, 0, 3)

    timing = run_timing(
        iter([KernelWork("gemm", [iter([lambda: cost])])]), dram_channel(hw), 0, ["core 0"]
    )
    log = [(s.unit, s.kernel, s.start_cycles, s.end_cycles) for s in timing.spans]
    assert log == [("dram 0", "gemm", 0, pytest.approx(34)), ("core 0", "gemm", 0, 13)]
    assert timing.cycles == pytest.approx(34)

    tally = _Tally()
    flushed = write_back(device, hw, tally)
    assert tally.dram_write_bytes == flushed.dram_write_bytes == 64
