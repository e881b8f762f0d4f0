"""`python -m sim replay`: the table, the JSON contract, and one-line errors with exit 2."""

import json
import subprocess
import sys

import numpy as np
import pytest

from sim.cli import main
from tests.cache.test_reference import LINE

DIN = "0 0\n1 40\n0 1000 8\n2 2000\n0 0\n1 3ffc 8\n"  # the last access straddles two lines
LEVELS = ["--level", "L1:256B:2:64:lru", "--level", "L2:1KiB:4:64:fifo:wt"]


def run_cli(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_has_the_promised_fields(capsys, write_file):
    code, out, err = run_cli(capsys, "replay", write_file("t.din", DIN), *LEVELS, "--json", "-")
    assert code == 0 and err == ""
    data = json.loads(out)
    assert data["accesses"] == 6 and data["writes"] == 2
    assert [level["name"] for level in data["levels"]] == ["L1", "L2"]
    for level in data["levels"]:
        assert {"name", "accesses", "hits", "misses", "evictions", "writebacks"} <= level.keys()
        assert level["hits"] + level["misses"] == level["accesses"]
    assert data["levels"][0]["accesses"] == 7  # six accesses, one of them on two lines
    assert {"dram_read_bytes", "dram_write_bytes"} <= data.keys()
    assert data["hierarchy"][1]["write_policy"] == "write_through"
    assert data["flush"]["dram_write_bytes"] <= data["dram_write_bytes"]


def test_table_and_json_file(capsys, write_file, tmp_path):
    out_path = tmp_path / "r.json"
    code, out, _ = run_cli(capsys, "replay", write_file("t.din", DIN), *LEVELS, "--json", out_path)
    assert code == 0
    assert "L1" in out and "hit rate" in out and "DRAM" in out
    assert json.loads(out_path.read_text())["levels"][1]["name"] == "L2"


def test_hardware_hierarchy_is_what_one_core_sees(capsys, tmp_path):
    path = tmp_path / "t.npy"
    np.save(path, np.array([[k * LINE, k % 2] for k in range(600)], dtype=np.uint64))
    code, out, _ = run_cli(capsys, "replay", path, "--hw", "pi3", "--json", "-")
    assert code == 0
    data = json.loads(out)
    l2 = data["hierarchy"][1]
    assert (l2["sets"], l2["share_ways"], l2["share_bytes"]) == (512, 16, 512 * 1024)
    assert data["dram_read_bytes"] == 600 * LINE  # every line once, no line is read twice
    assert data["dram_write_bytes"] == 300 * LINE  # every line written, each once


def test_both_engines_print_the_same_numbers(capsys, write_file):
    path = write_file("t.din", DIN)
    outputs = [
        json.loads(run_cli(capsys, "replay", path, *LEVELS, "--engine", e, "--json", "-")[1])
        for e in ("fast", "reference")
    ]
    assert outputs[0]["levels"] == outputs[1]["levels"]
    assert outputs[0]["dram_write_bytes"] == outputs[1]["dram_write_bytes"]


def test_full_associativity_and_write_policy_aliases(capsys, write_file):
    code, out, _ = run_cli(
        capsys, "replay", write_file("t.din", DIN), "--level", "L1:1KiB:full:64:plru:wb",
        "--json", "-",
    )  # fmt: skip
    assert code == 0
    assert json.loads(out)["hierarchy"][0]["ways"] == 16


@pytest.mark.parametrize(
    "level, message",
    [
        ("L1:32KiB:4", "--level L1:32KiB:4: expected NAME:SIZE:WAYS:LINE"),
        ("L1:32XB:4:64", "size: expected a size such as 32KiB"),
        ("L1:32KiB:four:64", "ways must be a positive integer or 'full', got 'four'"),
        ("L1:32KiB:4:48", "line_bytes must be a power of two, got 48"),
        ("L1:32KiB:3:64", "not a whole number of sets"),
        ("L1:32KiB:4:64:mru", "replacement must be one of lru, fifo, plru, random, got 'mru'"),
        ("L1:32KiB:4:64:lru:wa", "write policy must be one of write_back, write_through"),
        (":32KiB:4:64", "the level needs a name"),
        ("L1:256KiB:128:64:plru", "tree-PLRU is modeled up to 64 ways"),
    ],
)
def test_bad_level_is_one_line_and_exit_2(capsys, write_file, level, message):
    code, out, err = run_cli(capsys, "replay", write_file("t.din", DIN), "--level", level)
    assert code == 2 and out == ""
    assert err.startswith("error: ") and message in err and err.count("\n") == 1


def test_a_level_name_given_twice(capsys, write_file):
    args = ["--level", "L1:1KiB:2:64", "--level", "L1:4KiB:4:64"]
    code, _, err = run_cli(capsys, "replay", write_file("t.din", DIN), *args)
    assert code == 2 and "level name 'L1' is given twice" in err


def test_malformed_trace_line(capsys, write_file):
    path = write_file("bad.din", "0 0\n0 zz\n")
    code, out, err = run_cli(capsys, "replay", path, *LEVELS)
    assert code == 2 and out == ""
    assert err == f"error: {path}: line 2: address 'zz' is not hexadecimal\n"


def test_missing_trace_and_unknown_hardware(capsys):
    code, _, err = run_cli(capsys, "replay", "/no/such.din", *LEVELS)
    assert code == 2 and err == "error: /no/such.din: no such trace file\n"
    code, _, err = run_cli(capsys, "replay", "/no/such.din", "--hw", "pi4")
    assert code == 2 and "unknown hardware 'pi4'" in err


def test_hw_and_level_together_or_neither_is_a_usage_error(write_file):
    path = write_file("t.din", DIN)
    for argv in (["replay", path], ["replay", path, "--hw", "pi3", *LEVELS]):
        with pytest.raises(SystemExit) as exit_:
            main(argv)
        assert exit_.value.code == 2


def test_as_a_process_the_error_is_one_line_without_traceback(write_file):
    path = write_file("bad.din", "0 0\n7 10\n")
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "replay", path, *LEVELS], capture_output=True, text=True
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1 and "line 2: label must be 0" in proc.stderr


@pytest.mark.parametrize("size", ["32k", "32K", "32KB", "32KiB", "32768"])
def test_a_level_of_32k_is_32_kib_as_in_dinero(capsys, write_file, size):
    code, out, _ = run_cli(
        capsys, "replay", write_file("t.din", DIN), "--level", f"L1:{size}:4:64", "--json", "-"
    )
    (level,) = json.loads(out)["hierarchy"]
    assert code == 0 and (level["size_bytes"], level["sets"]) == (32768, 128)


def test_a_replay_in_chunks_counts_what_one_call_counts(monkeypatch, tmp_path):
    """The progress bar replays in chunks; random replacement and write-backs included."""
    from sim.cache import make_hierarchy
    from sim.cache.accesses import as_accesses
    from sim.commands import replay as command

    rng = np.random.default_rng(7)
    trace = as_accesses(
        rng.integers(0, 2**16, 5000).astype(np.uint64), rng.integers(0, 2, 5000) == 1, 4
    )
    levels = command.parse_levels(["L1:1KiB:4:64:random", "L2:4KiB:8:64:lru"])
    whole = make_hierarchy(levels).run(trace.addresses, trace.is_write, 4)
    monkeypatch.setattr(command, "CHUNK_ACCESSES", 333)
    seen = []
    chunked = command._replay(make_hierarchy(levels), trace, lambda done, total: seen.append(done))
    assert chunked == whole and seen[-1] == 5000 and len(seen) == 16


def test_progress_is_off_when_stderr_is_not_a_terminal(capsys, write_file):
    code, out, err = run_cli(capsys, "replay", write_file("t.din", DIN), *LEVELS, "--quiet")
    assert (code, out, err) == (0, "", "")
