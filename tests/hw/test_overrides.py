"""`--set KEY=VALUE`: a field changed as if the file said so, or one line and exit 2."""

import copy
import json

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.cli import main
from sim.errors import ConfigError
from sim.hw.load import load_hardware, parse_hardware
from sim.hw.overrides import (
    Override,
    apply_overrides,
    describe_keys,
    known_keys,
    load_hardware_with,
    parse_override,
)
from sim.paths import resolve
from sim.yamlio import read_yaml


def pi3_data() -> dict:
    return read_yaml(resolve("pi3", "hw_configs", "hardware", ConfigError), ConfigError)


def _level(data: dict, name: str) -> dict:
    return next(level for level in data["memory"] if level.get("name") == name)


def _same_device(a, b) -> bool:
    return attrs.evolve(a, overrides=(), source="") == attrs.evolve(b, overrides=(), source="")


def test_the_issues_examples_change_the_fields_they_name():
    hw = load_hardware_with(
        "pi3",
        [parse_override(t) for t in ("L2.size=1MiB", "DRAM.bandwidth=7.2GB/s", "clock=1.5GHz")],
    )
    assert hw.caches[-1].size_bytes == 2**20 and hw.caches[-1].share_bytes == 2**20
    assert hw.dram.bandwidth_bytes_per_s == pytest.approx(7.2e9)
    assert hw.core.clock_hz == pytest.approx(1.5e9)
    assert hw.overrides == (
        ("L2.size", "1MiB"),
        ("DRAM.bandwidth", "7.2GB/s"),
        ("clock", "1.5GHz"),
    )
    assert load_hardware("pi3").caches[-1].size_bytes == 512 * 1024  # the file is untouched


def test_cores_sets_the_unit_count_and_private_levels_follow():
    hw = load_hardware_with("pi3", [Override("cores", "2")])
    assert (hw.device_units, hw.units, hw.private_levels) == (2, 2, 1)
    assert load_hardware_with("pi3", [Override("units", "2")]) == attrs.evolve(
        hw, overrides=(("units", "2"),)
    )


@settings(max_examples=30, deadline=None)
@given(
    sets=st.integers(1, 4096),
    ways=st.sampled_from([1, 2, 4, 8, 16]),
    gbps=st.decimals("0.1", "100", places=1),
)
def test_an_override_equals_the_same_edit_made_in_the_file(sets, ways, gbps):
    size = f"{sets * ways * 64}B"
    overrides = (Override("L2.size", size), Override("L2.ways", str(ways)))
    overrides += (Override("DRAM.bandwidth", f"{gbps}GB/s"),)
    data = pi3_data()
    edited = copy.deepcopy(data)
    _level(edited, "L2").update(size=size, ways=ways)
    _level(edited, "DRAM")["bandwidth"] = f"{gbps}GB/s"
    try:
        by_file = parse_hardware(edited, "edited")
    except ConfigError as exc:  # L1D larger than L2: both refuse it, the flag names itself
        with pytest.raises(ConfigError, match=r"^--set L2\.size=") as caught:
            apply_overrides(data, overrides, "pi3")
        assert exc.reason in str(caught.value)
        return
    assert _same_device(apply_overrides(data, overrides, "pi3"), by_file)


def test_values_are_read_as_the_file_reads_them():
    hw = load_hardware_with("pi3", [Override("L2.replacement", "fifo")])
    assert hw.caches[-1].replacement.value == "fifo"
    hw = load_hardware_with("pi3", [Override("L2.store_hit_refreshes", "false")])
    assert hw.caches[-1].store_hit_refreshes is False


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "L2.sise=1MiB",
            r"^--set L2\.sise=1MiB: unknown key 'L2\.sise' for pi3 \(did you mean "
            r"L2\.size\?\); known keys: .*L2\.\{size,",
        ),
        ("L2.size=0", r"^--set L2\.size=0: expected a positive size, got 0$"),
        ("L2.size=1000B", r"^--set L2\.size=1000B: size 1000 B is not a whole number of sets"),
        ("DRAM.bandwidth=fast", r"^--set DRAM\.bandwidth=fast: expected a bandwidth such as"),
        ("clock=-1GHz", r"^--set clock=-1GHz: expected a frequency"),
        ("cores=0", r"^--set cores=0: expected an integer >= 1, got 0$"),
        ("L2.kind=dram", r"^--set L2\.kind=dram: unknown key 'L2\.kind'"),
        ("L2.size=[1, 2]", r"^--set L2\.size=\[1, 2\]: expected one value"),
    ],
)
def test_a_bad_override_is_one_line_naming_flag_key_and_reason(text, expected):
    with pytest.raises(ConfigError, match=expected) as caught:
        load_hardware_with("pi3", [parse_override(text)])
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("text", ["L2.size", "=1MiB", "L2.size="])
def test_a_flag_without_key_or_value_is_refused(text):
    with pytest.raises(ConfigError, match="expected KEY=VALUE"):
        parse_override(text)


def test_the_known_keys_are_every_settable_field_of_the_file():
    keys = known_keys(pi3_data())
    assert {"clock", "units", "cores", "L2.size", "L2.share", "DRAM.max_outstanding_total"} <= set(
        keys
    )
    assert not {"name", "version", "L2.name", "L2.kind", "memory"} & set(keys)
    for key in keys:  # each one is accepted: none is listed that the parser would refuse
        value = "1" if key not in ("clock",) else "1GHz"
        try:
            load_hardware_with("pi3", [Override(key, value)])
        except ConfigError as exc:
            assert "unknown key" not in str(exc)
    assert describe_keys(["clock", "L2.size", "L2.line", "DRAM.latency"]) == (
        "clock, L2.{size,line}, DRAM.latency"
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "matvec_1000", "--hw", "pi3"],
        ["compare", "matvec_1000", "--hw", "pi3"],
        ["roofline", "--hw", "pi3"],
        ["analyze", "matvec_1000", "--hw", "pi3"],
        ["replay", "/dev/null", "--hw", "pi3"],
    ],
)
def test_every_command_with_hw_takes_set_and_refuses_a_typo(capsys, argv):
    assert main([*argv, "--set", "L2.sise=1MiB"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert (
        err.startswith("error: --set L2.sise=1MiB: unknown key") and "did you mean L2.size" in err
    )


def test_run_records_the_overrides_in_its_json_and_its_summary(capsys):
    argv = ["run", "matvec_1000", "--hw", "pi3", "--cores", "1"]
    flags = ["--set", "L2.size=1MiB", "--set", "DRAM.bandwidth=7.2GB/s"]
    assert main([*argv, *flags, "--json", "-"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["overrides"] == {"L2.size": "1MiB", "DRAM.bandwidth": "7.2GB/s"}
    assert data["dram_bytes_per_s"] == pytest.approx(7.2e9)
    assert main([*argv, *flags]) == 0
    out = capsys.readouterr().out
    header = "matvec_1000 on pi3 (Raspberry Pi 3 Model B) with L2.size=1MiB, DRAM.bandwidth=7.2GB/s"
    assert f"{header}, 1 of 4 cores" in out
    assert "--set L2.size=1MiB --set DRAM.bandwidth=7.2GB/s" in out  # the next command keeps them
