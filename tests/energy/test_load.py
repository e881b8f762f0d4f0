"""The `energy:` section of a hardware file: shipped figures, an optional section, bad values."""

import pytest

from sim.errors import ConfigError
from sim.hw.load import load_hardware, parse_hardware
from sim.yamlio import read_yaml
from tests.conftest import ROOT

TINY = """\
version: 1
name: tiny
engine: one core
clock: 1GHz
flops_per_cycle: {fp32: 8, fp16: 8, int8: 16}
memory:
  - {kind: dram, bandwidth: 1GB/s, latency: 100ns, max_outstanding: 4}
  - {kind: cache, name: L1, size: 32KiB, line: 64B, ways: 4, latency_cycles: 3,
     bytes_per_cycle: 8}
  - {kind: registers, count: 32, width: 16B}
"""
ENERGY = """\
energy:
  per_flop: {fp32: 2pJ, fp16: 1pJ, int8: 0.2pJ}
  per_byte: {DRAM: 0.16nJ, L1: 2.5pJ, registers: 0.3pJ}
"""


def test_every_shipped_device_has_sourced_energy_costs_on_every_level():
    for name in ("pi3", "xavier", "v100"):
        hw = load_hardware(name)
        energy = hw.energy
        assert [c.name for c in energy.caches] == [c.name for c in hw.caches]
        # per byte: on-chip levels cost more the farther out they are, DRAM the most
        per_byte = [energy.registers.byte_j, *(c.byte_j for c in energy.caches), energy.dram.byte_j]
        assert per_byte == sorted(per_byte) and per_byte[0] > 0
        text = (ROOT / "hw_configs" / f"{name}.yaml").read_text()
        section = text[text.index("\nenergy:") :]
        assert "Horowitz" in section and "Stillmaker" in section
        values = [line for line in section.splitlines() if "pJ " in line or "pJ\n" in line]
        assert all("#" in line for line in values)  # every figure carries its source


def test_on_the_pi_a_dram_access_costs_two_orders_of_magnitude_more_than_a_mac():
    """The talk and Horowitz: a 64-bit DRAM access against an fp32 multiply-accumulate."""
    energy = load_hardware("pi3").energy
    assert 8 * energy.dram.byte_j / (2 * energy.flop_j["fp32"]) > 100


def test_a_device_without_an_energy_section_loads_with_no_energy(write_file):
    hw = load_hardware(write_file("tiny.yaml", TINY))
    assert hw.energy is None


def test_the_section_is_read_in_joules(write_file):
    hw = load_hardware(write_file("tiny.yaml", TINY + ENERGY))
    energy = hw.energy
    assert energy.flop_j == pytest.approx({"fp32": 2e-12, "fp16": 1e-12, "int8": 0.2e-12})
    assert energy.dram.byte_j == pytest.approx(0.16e-9)
    assert (energy.registers.name, energy.caches[0].name) == ("registers", "L1")
    assert energy.level_names == ("compute", "registers", "L1", "DRAM")


@pytest.mark.parametrize(
    "old, new, words",
    [
        ("DRAM: 0.16nJ", "DRAM: -1pJ", ["energy.per_byte.DRAM", "energy such as 20pJ"]),
        ("DRAM: 0.16nJ", "DRAM: 160", ["energy.per_byte.DRAM", "energy such as 20pJ"]),
        ("DRAM: 0.16nJ", "DRAM: 1e400pJ", ["energy.per_byte.DRAM", "out of range"]),
        ("L1: 2.5pJ, ", "", ["energy.per_byte", "missing required field 'L1'"]),
        ("L1: 2.5pJ", "L1: 2.5pJ, L3: 9pJ", ["energy.per_byte", "unknown field 'L3'"]),
        ("int8: 0.2pJ", "int4: 0.1pJ", ["energy.per_flop", "missing required field 'int8'"]),
        ("per_flop", "per_flops", ["energy", "per_flop"]),
    ],
)
def test_a_bad_energy_value_is_one_located_error(write_file, old, new, words):
    path = write_file("tiny.yaml", TINY + ENERGY.replace(old, new))
    with pytest.raises(ConfigError) as caught:
        parse_hardware(read_yaml(path, ConfigError), path)
    message = str(caught.value)
    assert "\n" not in message and path in message
    assert all(word in message for word in words), message
