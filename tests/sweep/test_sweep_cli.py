"""`python -m sim sweep`: rows equal to `run`'s JSON, resumed without rework after a rerun, a
Ctrl-C or a kill, failures in their rows and in the exit code, mistakes before any point."""

import json
import signal
import subprocess
import sys
import time

import pytest

import sim.sweep.executors as executors
from sim.cli import main
from sim.sweep.points import sweep_points
from sim.sweep.rows import row_of
from sim.sweep.spec import read_spec
from sim.sweep.store import open_store
from tests.conftest import ROOT

SPEC = """\
workloads: [matvec_1000]
hw: pi3
cores: [1]
grid:
  L2.size: [256KiB, 1MiB]
  DRAM.bandwidth: [1.8GB/s, 7.2GB/s]
"""


@pytest.fixture
def spec(write_file):
    return write_file("spec.yaml", SPEC)


def sweep(capsys, *argv):
    try:
        code = main(["sweep", *argv])
    except SystemExit as exc:  # a usage error, as argparse ends it
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def forbid_runs(monkeypatch):
    def refuse(task):
        raise AssertionError(f"point {task.point.key} ran")

    monkeypatch.setattr(executors, "run_task", refuse)


def test_a_row_is_what_run_prints_for_the_same_point(capsys, spec, tmp_path):
    results = str(tmp_path / "r.jsonl")
    code, out, _ = sweep(capsys, spec, "-o", results, "--workers", "1")
    assert code == 0
    assert out.endswith("4 points: 4 run now, 0 already in the results; 0 failed\n")
    rows = {(r["L2.size"], r["DRAM.bandwidth"]): r for r in open_store(results).rows()}
    assert len(rows) == 4
    argv = ["run", "matvec_1000", "--hw", "pi3", "--cores", "1", "--json", "-"]
    argv += ["--set", "L2.size=1MiB", "--set", "DRAM.bandwidth=7.2GB/s"]
    assert main(argv) == 0
    data = json.loads(capsys.readouterr().out)
    row = rows[("1MiB", "7.2GB/s")]
    point = next(p for p in sweep_points(read_spec(spec)) if p.key == row["key"])
    assert row == row_of(point, data)
    scalars = {k: v for k, v in data["totals"].items() if not isinstance(v, dict)}
    assert {k: row[k] for k in scalars} == scalars
    assert row["dram_bytes_per_s"] == data["dram_bytes_per_s"] == 7.2e9
    assert rows[("1MiB", "1.8GB/s")]["seconds"] > row["seconds"]  # the bandwidth mattered


def test_a_sparsity_axis_row_is_what_run_prints_with_that_sparsity(capsys, write_file, tmp_path):
    spec = write_file(
        "sparse.yaml",
        "workloads: [se_block]\nhw: pi3\ncores: [1]\nsparsities: ['2:4', unstructured:0.9]\n",
    )
    results = str(tmp_path / "r.jsonl")
    assert sweep(capsys, spec, "-o", results, "--workers", "1")[0] == 0
    rows = {r["sparsity"]: r for r in open_store(results).rows()}
    argv = ["run", "se_block", "--hw", "pi3", "--cores", "1", "--json", "-"]
    assert main([*argv, "--sparsity", "unstructured:0.9"]) == 0
    data = json.loads(capsys.readouterr().out)
    row = rows["unstructured:0.9"]
    point = next(p for p in sweep_points(read_spec(spec)) if p.key == row["key"])
    assert row == row_of(point, data)
    assert row["effective_macs"] < row["macs"] == rows["2:4"]["effective_macs"]


def test_a_rerun_of_a_finished_sweep_does_no_work(capsys, spec, tmp_path, monkeypatch):
    results = tmp_path / "r.csv"
    assert sweep(capsys, spec, "-o", str(results), "--workers", "1")[0] == 0
    before = (results.read_bytes(), results.stat().st_mtime_ns)
    forbid_runs(monkeypatch)
    code, out, err = sweep(capsys, spec, "-o", str(results))
    assert code == 0 and err == ""  # nothing written, nothing announced
    assert "4 points: 0 run now, 4 already in the results; 0 failed" in out
    assert (results.read_bytes(), results.stat().st_mtime_ns) == before


def test_an_interrupted_sweep_keeps_its_rows_and_a_rerun_completes_it(
    capsys, spec, tmp_path, monkeypatch
):
    whole = str(tmp_path / "whole.jsonl")
    assert sweep(capsys, spec, "-o", whole, "--workers", "1")[0] == 0
    results = str(tmp_path / "r.jsonl")
    real, calls = executors.run_task, []

    def interrupted_at_third(task):
        calls.append(task)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(task)

    monkeypatch.setattr(executors, "run_task", interrupted_at_third)
    assert sweep(capsys, spec, "-o", results, "--workers", "1")[0] == 130
    assert len(open_store(results).rows()) == 2
    monkeypatch.setattr(executors, "run_task", real)
    code, out, _ = sweep(capsys, spec, "-o", results, "--workers", "1")
    assert code == 0 and "4 points: 2 run now, 2 already in the results" in out
    assert open_store(results).rows() == open_store(whole).rows()  # in spec order, once each


def test_a_sweep_killed_mid_write_and_rerun_has_every_row_once(write_file, tmp_path):
    # MobileNet's points take long enough (about a second each) for the kill to land between
    # two rows; matvec_1000's four can all be written between two looks at the file
    spec = write_file("spec.yaml", SPEC.replace("matvec_1000", "mobilenet"))
    results = tmp_path / "r.csv"
    argv = [sys.executable, "-m", "sim", "sweep", spec, "-o", str(results), "--workers", "1"]
    process = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if results.exists() and results.read_text().count("\n") >= 2:  # header and a row
            break
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    with open(results, "ab") as handle:  # as if the kill had landed in a row's write
        handle.write(b"0123456789abcdef,256KiB,1.8GB/s,matvec_1")
    kept = open_store(str(results)).rows()
    assert 1 <= len(kept) < 4
    rerun = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    rows = open_store(str(results)).rows()
    keys = [row["key"] for row in rows]
    assert sorted(keys) == sorted(p.key for p in sweep_points(read_spec(spec)))
    assert len(set(keys)) == 4 and rows[: len(kept)] == kept


def test_failed_points_are_rows_with_their_reason_and_the_exit_code_counts_them(
    capsys, write_file, tmp_path, monkeypatch
):
    spec = write_file(
        "spec.yaml",
        "workloads: [matvec_1000]\nhw: pi3\ncores: [1, 8]\n"
        "grid:\n  L1D.size: [32KiB, 128KiB]\n  L2.size: [64KiB, 512KiB]\n",
    )
    results = str(tmp_path / "r.csv")
    code, out, err = sweep(capsys, spec, "-o", results, "--workers", "1")
    rows = open_store(results).rows()
    failed = [r for r in rows if r["error"]]
    assert code == len(failed) == 5  # 4 points on 8 cores, and one L1D larger than its L2
    assert err.endswith("5 of 8 points failed (their rows say why)\n")
    too_big = [r for r in failed if (r["L1D.size"], r["L2.size"]) == ("128KiB", "64KiB")]
    assert [r["cores"] for r in too_big] == [1, 8]
    assert {r["error"] for r in too_big} == {
        "L1D.size=128KiB, L2.size=64KiB: private level L1D (131,072 B) is larger than the "
        "shared level L2 (65,536 B) it fetches from (at memory)"
    }
    assert {r["error"] for r in failed if r not in too_big} == {
        "cores 8: pi3 has 4 cores (use 1 to 4)"
    }
    bad = too_big[0]
    assert bad["seconds"] is None and "failed" in out
    forbid_runs(monkeypatch)
    assert sweep(capsys, spec, "-o", results)[0] == 5  # resumed failures still count
    monkeypatch.undo()
    code, out, _ = sweep(capsys, spec, "-o", results, "--workers", "1", "--retry-failed")
    assert code == 5 and "8 points: 5 run now, 3 already in the results; 5 failed" in out


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "workloads: [matvec_1000]\nhw: pi3\ngrid:\n  L2.sise: [1MiB]\n",
            r"grid\.L2\.sise\[0\]: unknown key 'L2\.sise' for pi3 \(did you mean L2\.size\?\)",
        ),
        (
            "workloads: [matvec_1000]\nhw: pi3\ngrid:\n  L2.size: [1MiB, 1 MiB/s]\n",
            r"grid\.L2\.size\[1\]: expected a size such as 32KiB",
        ),
    ],
)
def test_a_malformed_spec_stops_before_any_point(
    capsys, write_file, tmp_path, monkeypatch, text, message
):
    import re

    forbid_runs(monkeypatch)
    results = tmp_path / "r.csv"
    code, out, err = sweep(capsys, write_file("spec.yaml", text), "-o", str(results))
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith("error: ") and "spec.yaml: " in err and re.search(message, err)
    assert not results.exists()


@pytest.mark.parametrize(
    "argv, message",
    [
        (["-o", "-"], "-o -: the results are appended to a file"),
        (["-o", "r.txt"], "unknown results format"),
        (["-o", "r.csv", "--workers", "0"], "expected a whole number of at least 1"),
        (["-o", "r.csv", "--workers", "2", "--scheduler", "tcp://x:1"], "--workers is for local"),
        (["-o", "r.csv", "--plot", "p.txt"], "p.txt"),
    ],
)
def test_bad_flags_are_one_line_and_exit_2(capsys, spec, tmp_path, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    forbid_runs(monkeypatch)
    code, out, err = sweep(capsys, spec, *argv)
    assert code == 2 and out == "" and message in err and err.count("\n") == 1


def test_scheduler_without_dask_names_the_extra(capsys, spec, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # as if not installed
    code, _, err = sweep(capsys, spec, "-o", str(tmp_path / "r.csv"), "--scheduler", "tcp://x:1")
    assert code == 2
    assert err == "error: --scheduler needs Dask: pip install -e '.[cluster]'\n"


def test_an_unreachable_scheduler_is_one_line(capsys, spec, tmp_path, monkeypatch):
    monkeypatch.setattr(executors, "CONNECT_TIMEOUT_S", 1)
    code, _, err = sweep(
        capsys, spec, "-o", str(tmp_path / "r.csv"), "--scheduler", "tcp://127.0.0.1:1"
    )
    assert code == 2 and err.startswith("error: --scheduler tcp://127.0.0.1:1: cannot connect")
    assert err.count("\n") == 1


def test_parquet_results_and_a_plot(capsys, spec, tmp_path):
    results, plot = tmp_path / "r.parquet", tmp_path / "p.png"
    code, _, err = sweep(capsys, spec, "-o", str(results), "--workers", "1", "--plot", str(plot))
    assert code == 0 and err == f"wrote {results}\nwrote {plot}\n"
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(open_store(str(results)).rows()) == 4
    code, _, err = sweep(capsys, spec, "-o", str(results), "--metric", "secs")
    assert code == 2 and "--metric secs: no such column (numbers: " in err


def test_progress_says_points_done_of_the_total_and_failures(write_file, tmp_path):
    from sim.sweep.drive import run_sweep

    spec = read_spec(write_file("spec.yaml", "workloads: [matvec_1000]\nhw: pi3\ncores: [1, 8]\n"))
    told = []
    store = open_store(str(tmp_path / "r.jsonl"))
    outcome = run_sweep(spec, store, update=lambda *call: told.append(call))
    assert told == [
        (0, 2, "sweep: 0/2 points, 0 failed"),
        (1, 2, "sweep: 1/2 points, 0 failed"),
        (2, 2, "sweep: 2/2 points, 1 failed"),
    ]
    assert (outcome.points, outcome.resumed, outcome.failed) == (2, 0, 1)
