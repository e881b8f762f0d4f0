import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.units import (
    format_binary_bytes,
    parse_bytes,
    parse_bytes_per_s,
    parse_hz,
    parse_joules,
    parse_seconds,
)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("32KiB", 32768),
        ("512KiB", 524288),
        ("6MiB", 6 * 2**20),
        ("64B", 64),
        ("128bit", 16),
        (4096, 4096),
        ("1EB", 2**60),  # parsed, so that the cache model can refuse it with a reason
        ("2PiB", 2**51),
        # cache sizes as datasheets and Dinero write them: every prefix binary
        ("32k", 32768),
        ("32K", 32768),
        ("32KB", 32768),
        ("1.5MB", 3 * 2**19),
        ("6M", 6 * 2**20),
    ],
)
def test_sizes(text, expected):
    assert parse_bytes(text) == expected


def test_rates_and_times():
    assert parse_bytes_per_s("3.6GB/s") == pytest.approx(3.6e9)
    assert parse_bytes_per_s("900GB/s") == pytest.approx(9e11)
    assert parse_hz("1.2GHz") == pytest.approx(1.2e9)
    assert parse_hz("1377MHz") == pytest.approx(1.377e9)
    assert parse_seconds("175ns") == pytest.approx(175e-9)


def test_energies():
    assert parse_joules("1.98pJ") == pytest.approx(1.98e-12)
    assert parse_joules("1.3nJ") == pytest.approx(1.3e-9)
    assert parse_joules("0pJ") == 0.0
    for bad in ("-1pJ", "20", "20pj", "1e400pJ", True):
        with pytest.raises(ValueError):
            parse_joules(bad)


@pytest.mark.parametrize(
    "bad", ["", "-4KiB", "12 parsecs", "3.5B", True, None, [1], "2KB/s", "8.8MB", "1e400B"]
)
def test_bad_sizes_are_refused_with_the_value(bad):
    with pytest.raises(ValueError):
        parse_bytes(bad)


def test_bad_rate_names_the_expected_form():
    with pytest.raises(ValueError, match="3.6GB/s"):
        parse_bytes_per_s("fast")


@given(st.integers(min_value=0, max_value=40), st.sampled_from(["KiB", "MiB", "GiB"]))
def test_every_size_prefix_is_binary(mantissa, unit):
    forms = [unit[0], unit[0] + "B", *(["k", "kB"] if unit == "KiB" else [])]
    for short in forms:
        assert parse_bytes(f"{mantissa}{short}") == parse_bytes(f"{mantissa}{unit}")


@given(st.integers(min_value=0, max_value=40), st.sampled_from(["KiB", "MiB", "GiB"]))
def test_binary_sizes_round_trip(mantissa, unit):
    n_bytes = mantissa * {"KiB": 2**10, "MiB": 2**20, "GiB": 2**30}[unit]
    assert parse_bytes(format_binary_bytes(n_bytes).replace(" ", "")) == n_bytes
