"""The timeline as Perfetto and chrome://tracing read it: tracks, slices, order, sums."""

import json
import math
from collections import defaultdict

import pytest

from sim.report.timeline import timeline_json

TOLERANCE_US = 1e-5  # times are rounded to picoseconds


def _load(result) -> dict:
    return json.loads(json.dumps(timeline_json(result), allow_nan=False))


def _tracks(trace: dict) -> dict[str, list[dict]]:
    """Track name -> its complete events, in time order."""
    names = {
        e["tid"]: e["args"]["name"]
        for e in trace["traceEvents"]
        if e["ph"] == "M" and e["name"] == "thread_name"
    }
    tracks = defaultdict(list)
    for event in trace["traceEvents"]:
        if event["ph"] == "X":
            tracks[names[event["tid"]]].append(event)
    return {name: sorted(tracks[name], key=lambda e: e["ts"]) for name in names.values()}


def _close(total_us: float, expected_us: float, slices: int) -> bool:
    """Equal but for each slice's rounding to a picosecond."""
    return math.isclose(total_us, expected_us, abs_tol=slices * 1e-6)


def test_the_document_is_trace_event_json(matvec_pi3):
    trace = _load(matvec_pi3)
    events = trace["traceEvents"]
    assert {e["ph"] for e in events} == {"M", "X"}
    metadata = [e for e in events if e["ph"] == "M"]
    assert {e["name"] for e in metadata} == {"process_name", "thread_name", "thread_sort_index"}
    (process,) = [e for e in metadata if e["name"] == "process_name"]
    assert process["args"]["name"] == (
        "matvec_1000 on pi3 (Raspberry Pi 3 Model B), 4 of 4 cores (naive schedule, fp32)"
    )
    for event in events:
        assert event["pid"] == 1 and isinstance(event["tid"], int)
        if event["ph"] == "X":
            assert {"name", "cat", "ts", "dur", "args"} <= event.keys()
            assert event["ts"] >= 0 and event["dur"] >= 0
    assert trace["otherData"]["clock_hz"] == matvec_pi3.hw.core.clock_hz


def _unit_names(result) -> list[str]:
    return [f"{result.hw.unit_name} {u}" for u in range(result.cores)]


@pytest.mark.parametrize("fixture", ["matvec_pi3", "shufflenet_xavier"])
def test_one_track_per_unit_and_resource_one_slice_per_tile(fixture, request):
    result = request.getfixturevalue(fixture)
    tracks = _tracks(_load(result))
    levels = [f"cache {level.name}" for level in result.hw.caches]
    per_unit = [
        f"{unit} {track}"
        for unit in _unit_names(result)
        for track in ("compute", *levels, "DRAM reads")
    ]
    assert list(tracks) == ["kernels", *per_unit]
    assert [e["name"] for e in tracks["kernels"]] == [k.name for k in result.kernels]
    core_tiles = defaultdict(int)
    for unit in _unit_names(result):
        for event in tracks[f"{unit} compute"]:
            core_tiles[event["name"]] += 1
        for name in levels:  # a level's slice lies within the unit's slice of the same tile
            assert len(tracks[f"{unit} {name}"]) <= len(tracks[f"{unit} compute"])
    for kernel in result.kernels:
        if kernel.kind != "write-back":
            assert core_tiles[kernel.name] == kernel.tiles, kernel.name
    reads = sum(
        e["args"]["read_bytes"] for u in _unit_names(result) for e in tracks[f"{u} DRAM reads"]
    )
    assert reads == sum(k.dram_read_bytes for k in result.kernels)


@pytest.mark.parametrize("fixture", ["matvec_pi3", "shufflenet_xavier"])
def test_slices_of_a_track_never_overlap_and_durations_sum(fixture, request):
    result = request.getfixturevalue(fixture)
    tracks = _tracks(_load(result))
    total_us = result.seconds * 1e6
    for name, events in tracks.items():
        for before, after in zip(events, events[1:]):
            assert after["ts"] >= before["ts"] + before["dur"] - TOLERANCE_US, name
        if events:
            assert events[-1]["ts"] + events[-1]["dur"] <= total_us + TOLERANCE_US
    kernels = tracks["kernels"]
    assert kernels[0]["ts"] == 0
    for before, after in zip(kernels, kernels[1:]):  # kernels are barriers: back to back
        assert math.isclose(after["ts"], before["ts"] + before["dur"], abs_tol=TOLERANCE_US)
    assert _close(sum(e["dur"] for e in kernels), total_us, len(kernels))
    clock_hz = result.hw.core.clock_hz
    for unit, summary in zip(_unit_names(result), result.units):
        core = tracks[f"{unit} compute"]
        assert _close(sum(e["dur"] for e in core), summary.busy_cycles * 1e6 / clock_hz, len(core))
    for depth, level in enumerate(result.hw.caches):
        level_us = sum(k.level_cycles[depth] for k in result.kernels if k.level_cycles)
        level_us *= 1e6 / clock_hz
        slices = [e for u in _unit_names(result) for e in tracks[f"{u} cache {level.name}"]]
        assert _close(sum(e["dur"] for e in slices), level_us, len(slices))


def test_slices_carry_flops_bytes_and_hit_rates(matvec_pi3):
    tracks = _tracks(_load(matvec_pi3))
    (kernel,) = [e for e in tracks["kernels"] if e["name"] == "c"]
    assert kernel["args"]["flops"] == 2_000_000 and kernel["args"]["kind"] == "matmul"
    assert 0 <= kernel["args"]["L2_hit_rate"] <= 1
    assert kernel["args"]["load_imbalance"] >= 1
    tile = tracks["core 0 compute"][0]["args"]
    assert {"tile", "flops", "compute_cycles", "L1D_hit_rate", "L2_hit_rate"} <= tile.keys()
    flops = sum(e["args"]["flops"] for u in _unit_names(matvec_pi3) for e in tracks[f"{u} compute"])
    assert flops == 2_000_000
    l1 = tracks["core 0 cache L1D"][0]["args"]
    assert l1["hits"] + l1["misses"] == l1["accesses"]


def test_without_caches_there_are_no_cache_tracks(matvec_pi3_no_caches):
    tracks = list(_tracks(_load(matvec_pi3_no_caches)))
    assert tracks == ["kernels"] + [
        f"core {u} {t}" for u in range(4) for t in ("compute", "DRAM reads")
    ]
