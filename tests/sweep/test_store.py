"""Results files: rows appended whole, read back typed, a torn last line dropped."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.errors import ConfigError
from sim.sweep.store import open_store

ROWS = [
    {"key": "a1", "L2.size": "256KiB", "cores": 1, "seconds": 0.1234567890123, "error": None},
    {"key": "b2", "L2.size": "1MiB", "cores": 4, "seconds": 1e-9, "error": None},
    {"key": "c3", "L2.size": "2MiB", "cores": None, "error": "cores 8: pi3 has 4 cores"},
]


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_rows_come_back_as_they_were_appended(tmp_path, suffix):
    path = str(tmp_path / f"r{suffix}")
    store = open_store(path)
    for row in ROWS:
        store.append(row)
    back = open_store(path).rows()
    expected = [{k: row.get(k) for k in ROWS[0]} for row in ROWS]
    assert [{k: r.get(k) for k in ROWS[0]} for r in back] == expected


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_a_torn_last_line_is_dropped_and_cut_off_the_file(tmp_path, suffix):
    path = tmp_path / f"r{suffix}"
    store = open_store(str(path))
    for row in ROWS[:2]:
        store.append(row)
    whole = path.read_bytes()
    path.write_bytes(whole + b'c3,2MiB,"half a ro')  # killed in the middle of a write
    assert [r["key"] for r in open_store(str(path)).rows()] == ["a1", "b2"]
    assert path.read_bytes() == whole


def test_a_csv_row_with_a_new_column_widens_the_header(tmp_path):
    path = tmp_path / "r.csv"
    store = open_store(str(path))
    store.append({"key": "a", "L1D_hit_rate": 0.5})
    store.append({"key": "b", "L1D_hit_rate": 0.25, "L2_hit_rate": 0.75})
    lines = path.read_text().splitlines()
    assert lines == ["key,L1D_hit_rate,L2_hit_rate", "a,0.5,", "b,0.25,0.75"]


@settings(max_examples=50, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False) | st.integers(-(2**62), 2**62))
def test_a_csv_number_reads_back_bit_for_bit(tmp_path_factory, number):
    path = str(tmp_path_factory.mktemp("csv") / "r.csv")
    open_store(path).append({"key": "k", "value": number})
    back = open_store(path).rows()[0]["value"]
    assert back == number and type(back) is type(number)


@settings(max_examples=50, deadline=None)
@given(
    st.text("0123456789abcdef", min_size=16, max_size=16)
    | st.sampled_from(["1675826e39092325", "1234567890123456"])
)
def test_a_csv_key_reads_back_as_text_even_when_it_looks_like_a_number(tmp_path_factory, key):
    path = str(tmp_path_factory.mktemp("csv") / "r.csv")
    open_store(path).append({"key": key, "workload": "1e3", "value": 1})
    back = open_store(path).rows()[0]
    assert back["key"] == key and back["workload"] == "1e3"


def test_parquet_keeps_a_column_of_mixed_values_as_text(tmp_path):
    path = str(tmp_path / "r.parquet")
    store = open_store(path)
    store.append({"key": "a", "L2.size": "1MiB"})
    store.append({"key": "b", "L2.size": 1048576})
    assert [r["L2.size"] for r in open_store(path).rows()] == ["1MiB", "1048576"]


@pytest.mark.parametrize(
    "name, text, message",
    [
        ("r.txt", "", r"r\.txt: unknown results format \(use \.csv, \.jsonl, \.parquet\)"),
        ("r.jsonl", '{"key": "a"}\n[1]\n', r"r\.jsonl: line 2: not a JSON object"),
        ("r.csv", "a,b\n1,2\n", r"r\.csv: has no 'key' column"),
        ("r.parquet", "not parquet\n", r"r\.parquet: not a Parquet file"),
    ],
)
def test_a_file_that_is_not_a_sweeps_results_is_one_line(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        open_store(str(path)).rows()
