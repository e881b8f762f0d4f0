import re

import attrs
import pytest

from sim.errors import ConfigError
from sim.hw.load import hardware_names, load_hardware
from sim.hw.model import Precision, Replacement
from tests.conftest import ROOT

PI3_LIKE = """\
version: 1
name: tiny
engine: one core
clock: 1GHz
flops_per_cycle: {fp32: 8, fp16: 8, int8: 16}
memory:
  - {kind: dram, bandwidth: 1GB/s, latency: 100ns, max_outstanding: 4}
  - {kind: cache, name: L2, size: 512KiB, share: 128KiB, line: 64B, ways: 16,
     latency_cycles: 14, bytes_per_cycle: 64}
  - {kind: cache, name: L1, size: 32KiB, line: 64B, ways: 4, replacement: random,
     latency_cycles: 3, bytes_per_cycle: 8}
  - {kind: registers, count: 32, width: 16B}
"""


def test_pi3_is_four_cores_with_private_l1s_under_one_l2():
    hw = load_hardware("pi3")
    assert (hw.units, hw.device_units, hw.unit_name, hw.private_levels) == (4, 4, "core", 1)
    # docs/talk.md: 38.4 GFLOPS peak for the 4-core chip, 9.6 GFLOPS per core.
    assert hw.peak_flops_per_s(Precision.FP32) == pytest.approx(38.4e9)
    assert hw.with_units(1).peak_flops_per_s(Precision.FP32) == pytest.approx(9.6e9)
    assert hw.dram.bandwidth_bytes_per_s == pytest.approx(3.6e9)
    l1, l2 = hw.caches
    assert (l1.name, l1.size_bytes, l1.ways, l1.sets) == ("L1D", 32 * 1024, 4, 128)
    # docs/references.md (bcm2837.dtsi): 512 KiB, 16-way, 64 B lines = 512 sets, shared whole.
    assert (l2.size_bytes, l2.sets, l2.ways, l2.share_bytes) == (512 * 1024, 512, 16, 512 * 1024)
    assert hw.private_caches == (l1,) and hw.shared_caches == (l2,)
    assert hw.core.registers.size_bytes == 32 * 16


def test_the_seeds_share_is_one_core_with_a_quarter_of_the_l2():
    hw = load_hardware("pi3").with_units(1).with_share(128 * 1024)
    l2 = hw.caches[1]
    assert (l2.share_bytes, l2.share_ways) == (128 * 1024, 4)
    with pytest.raises(ValueError, match="exceed"):
        load_hardware("pi3").with_share(256 * 1024)  # 4 x 256 KiB > 512 KiB


def test_gpu_configs_match_the_talks_figures():
    v100 = load_hardware("v100")
    assert (v100.units, v100.unit_name) == (80, "SM")
    # The talk: 120 T (TensorCore) ~ 125 TFLOPS datasheet; 900 GB/s; 36 MB on chip.
    assert v100.peak_flops_per_s(Precision.FP16) == pytest.approx(125e12, rel=0.01)
    assert v100.dram.bandwidth_bytes_per_s == pytest.approx(900e9)
    l1, l2 = v100.caches
    on_chip = v100.units * (v100.core.registers.size_bytes + l1.size_bytes) + l2.size_bytes
    assert on_chip == 20 * 2**20 + 10 * 2**20 + 6 * 2**20  # 20 MB registers + 16 MB caches
    xavier = load_hardware("xavier")
    assert (xavier.units, xavier.caches[0].size_bytes) == (8, 128 * 1024)
    assert xavier.dram.bandwidth_bytes_per_s == pytest.approx(137e9)
    assert xavier.peak_flops_per_s(Precision.FP32) == pytest.approx(1.41e12, rel=0.01)


def test_ridge_point_is_peak_over_bandwidth():
    hw = load_hardware("pi3")
    assert hw.ridge_flops_per_byte(Precision.FP32) == pytest.approx(38.4e9 / 3.6e9)
    assert hw.with_units(1).ridge_flops_per_byte(Precision.FP32) == pytest.approx(9.6e9 / 3.6e9)


def test_hw_takes_a_path_too(write_file):
    hw = load_hardware(write_file("tiny.yaml", PI3_LIKE))
    assert hw.name == "tiny"
    assert [c.name for c in hw.caches] == ["L1", "L2"]  # innermost first
    assert hw.caches[0].replacement is Replacement.RANDOM


@pytest.mark.parametrize("name", sorted(hardware_names()))
def test_every_figure_in_a_shipped_config_has_a_source_comment(name):
    """A line holding a number (a hardware figure) must carry a `#` comment with its source."""
    path = ROOT / "hw_configs" / f"{name}.yaml"
    lines = path.read_text().splitlines()
    for number, line in enumerate(lines, 1):
        body = line.split("#")[0]
        if re.search(r":\s*[0-9]", body) and "version" not in body:
            assert "#" in line, f"{path.name}:{number} has a figure without a source: {line!r}"


@pytest.mark.parametrize(
    "change, place, reason",
    [
        (("ways: 16,", "ways: 12,"), "memory[1]", "not a whole number of sets"),
        (("share: 128KiB", "share: 100KiB"), "memory[1]", "whole number of ways"),
        (("size: 32KiB", "size: -32KiB"), "memory[2].size", "expected a size"),
        (("line: 64B, ways: 4", "line: 48B, ways: 4"), "memory[2]", "power of two"),
        (("clock: 1GHz", "clock: fast"), "clock", "1.2GHz"),
        (("engine: one core", "engine: one core\ncolour: red"), "colour", "unknown field"),
        (("replacement: random", "replacement: mru"), "memory[2].replacement", "lru"),
        (("bandwidth: 1GB/s, ", ""), "memory[0]", "missing required field 'bandwidth'"),
        (("version: 1", "version: 7"), "", "unsupported version 7"),
        (("engine: one core", "engine: one core\nunits: 0"), "units", "integer >= 1, got 0"),
        (
            ("latency_cycles: 3,", "instances: 3, latency_cycles: 3,"),
            "instances",
            "expected 1 instances (units: 1), got 3",
        ),
        (("count: 32,", "instances: 2, count: 32,"), "instances", "expected 1 instances"),
    ],
)
def test_bad_config_names_file_place_and_reason(write_file, change, place, reason):
    path = write_file("bad.yaml", PI3_LIKE.replace(*change))
    with pytest.raises(ConfigError) as err:
        load_hardware(path)
    message = str(err.value)
    assert message.startswith(path)
    assert place in message and reason in message


def test_unknown_device_lists_the_known_ones():
    with pytest.raises(ConfigError, match=r"unknown hardware 'tpu9'.*pi3"):
        load_hardware("tpu9")


def test_malformed_yaml_gives_line(write_file):
    path = write_file("broken.yaml", "version: 1\nname: [unclosed\n")
    with pytest.raises(ConfigError, match=r"broken.yaml: line \d+, column \d+: malformed YAML"):
        load_hardware(path)


FOUR_CORES = PI3_LIKE.replace("engine: one core", "engine: four cores\nunits: 4").replace(
    "share: 128KiB, ", ""
)


def test_private_levels_are_the_innermost_with_one_instance_per_unit(write_file):
    text = FOUR_CORES.replace("latency_cycles: 3,", "instances: 4, latency_cycles: 3,")
    hw = load_hardware(write_file("four.yaml", text))
    assert (hw.units, hw.private_levels) == (4, 1)
    assert [c.name for c in hw.private_caches] == ["L1"]


@pytest.mark.parametrize(
    "change, reason",
    [
        (
            ("latency_cycles: 3,", "instances: 4, latency_cycles: 3,"),
            "private level L1 (1,048,576 B) is larger than the shared level L2",
        ),
        (
            ("latency_cycles: 14,", "instances: 4, latency_cycles: 14,"),
            "a private level (instances: units) lies outside a shared one",
        ),
    ],
)
def test_a_misplaced_private_level_is_refused(write_file, change, reason):
    text = FOUR_CORES.replace(*change)
    if "larger" in reason:
        text = text.replace("size: 32KiB", "size: 1MiB")
    else:  # L2 private, L1 shared: the private level is outside
        pass
    path = write_file("bad.yaml", text)
    with pytest.raises(ConfigError) as err:
        load_hardware(path)
    assert str(err.value).startswith(path) and reason in str(err.value)


def test_a_report_header_says_what_the_device_is():
    assert load_hardware("xavier").label == "xavier (Jetson AGX Xavier Volta GPU)"
    assert load_hardware("v100").label == "v100 (Tesla V100 SXM2)"
    assert attrs.evolve(load_hardware("pi3"), description="").label == "pi3"
