"""The default `run` report fits an 80-column terminal, cuts no number, and ends with a verdict
and the command to try next; the verdict's shares are the kernels' own times."""

import contextlib
import io
import re

import pytest

from sim.cli import main
from sim.report.run_summary import kinds_report, slowest_report, verdict_lines
from sim.report.tables import scaled_bytes, scaled_seconds


@pytest.fixture(scope="module")
def mobilenet_at_80_columns():
    """`python -m sim run mobilenet --hw pi3` as rich prints it with COLUMNS=80 (run once)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("COLUMNS", "80")
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = main(["run", "mobilenet", "--hw", "pi3"])
    return code, out.getvalue()


def test_the_default_run_fits_80_columns_and_cuts_nothing(mobilenet_at_80_columns):
    code, out = mobilenet_at_80_columns
    assert code == 0
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "…" not in out
    assert "the 10 slowest of 86 kernels" in out and "time per kind of kernel" in out


def test_the_run_ends_with_a_verdict_and_a_command(mobilenet_at_80_columns):
    _, out = mobilenet_at_80_columns
    text = out[out.index("verdict:") :]
    assert re.match(r"verdict: \d+\.\d% compute-bound \(\d+ kernels\), \d+\.\d% DRAM-bound", text)
    assert re.search(r"most compute-bound time: sep\d+(_\d)?\.pw", text)  # a pointwise conv
    assert out.rstrip().endswith("python -m sim compare mobilenet --hw pi3 --schedules naive,fused")
    assert "fusing keeps" in text and "round trips to DRAM on chip" in text


def test_the_verdict_shares_are_the_kernels_times(shufflenet_xavier):
    line = verdict_lines(shufflenet_xavier)[0]
    shares = [float(s) for s in re.findall(r"(\d+\.\d)% ", line)]
    assert sum(shares) == pytest.approx(100, abs=0.2)
    kinds = kinds_report(shufflenet_xavier)
    assert kinds.total["seconds"] == pytest.approx(shufflenet_xavier.seconds)
    assert sum(r["kernels"] for r in kinds.rows) == len(shufflenet_xavier.kernels)
    slowest = slowest_report(shufflenet_xavier)
    cycles = [r["cycles"] for r in slowest.rows]
    assert cycles == sorted(cycles, reverse=True) and len(cycles) == 10
    assert cycles[0] == max(k.cycles for k in shufflenet_xavier.kernels)


@pytest.mark.parametrize(
    "seconds, text",
    [(1.5, "1.50 s"), (0.17060, "170.60 ms"), (9.633e-05, "96.33 µs"), (4e-9, "4.00 ns"),
     (0, "0 s")],
)  # fmt: skip
def test_times_are_scaled_to_their_unit(seconds, text):
    assert scaled_seconds(seconds) == text


@pytest.mark.parametrize(
    "n_bytes, text",
    [(207_447_000, "207.45 MB"), (31_296, "31.30 KB"), (410, "410 B"), (2.5e9, "2.50 GB")],
)
def test_bytes_are_scaled_to_their_decimal_unit(n_bytes, text):
    assert scaled_bytes(n_bytes) == text
