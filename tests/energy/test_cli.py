"""Energy through `python -m sim`: JSON, CSV, tables, and `--objective energy`."""

import contextlib
import csv
import io
import json

import pytest

from sim.cli import main
from tests.energy.test_load import TINY
from tests.test_cli import run_cli


def _run_json(capsys, *argv) -> dict:
    code, out, _ = run_cli(capsys, "run", *argv, "--json", "-")
    assert code == 0
    return json.loads(out)


@pytest.fixture(scope="module")
def mobilenet_runs():
    """`python -m sim run mobilenet --hw pi3 --schedule S --json -` for naive and fused, run
    once for the module (capsys is per test)."""
    runs = {}
    for schedule in ("naive", "fused"):
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            argv = ["run", "mobilenet", "--hw", "pi3", "--schedule", schedule, "--json", "-"]
            assert main(argv) == 0
        runs[schedule] = json.loads(out.getvalue())
    return runs


def test_fused_mobilenet_on_the_pi_costs_energy_and_less_than_naive(mobilenet_runs):
    fused, naive = mobilenet_runs["fused"]["totals"], mobilenet_runs["naive"]["totals"]
    assert 0 < fused["energy_j"] < naive["energy_j"]
    # fusion removes DRAM round trips: DRAM joules fall more than any other level's
    saved = {k: naive["energy_by_level_j"][k] - v for k, v in fused["energy_by_level_j"].items()}
    assert max(saved, key=saved.get) == "DRAM"


def test_the_energy_fields_add_up(mobilenet_runs):
    data = mobilenet_runs["fused"]
    totals = data["totals"]
    assert list(totals["energy_by_level_j"]) == ["compute", "NEON", "L1D", "L2", "DRAM"]
    assert sum(totals["energy_by_level_j"].values()) == pytest.approx(totals["energy_j"])
    assert sum(k["energy_j"] for k in data["kernels"]) == pytest.approx(totals["energy_j"])
    for kernel in data["kernels"]:
        assert sum(kernel["energy_by_level_j"].values()) == pytest.approx(kernel["energy_j"])
        assert kernel["energy_j"] >= 0


def test_csv_and_the_wide_table_show_energy(capsys):
    code, out, _ = run_cli(capsys, "run", "pool_dw", "--hw", "pi3", "--csv", "-")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    total = next(r for r in rows if r["row"] == "total")
    kernels = [float(r["energy_j"]) for r in rows if r["row"] == "kernel"]
    assert float(total["energy_j"]) == pytest.approx(sum(kernels)) and sum(kernels) > 0
    code, out, _ = run_cli(capsys, "run", "pool_dw", "--hw", "pi3", "--all")
    assert code == 0 and " energy " in out and "energy: " in out and " dynamic (" in out


def test_auto_minimises_energy_with_objective_energy(capsys):
    spec = ["conv_chain_16x16", "--hw", "pi3"]
    chosen = _run_json(capsys, *spec, "--schedule", "auto", "--objective", "energy")
    assert any("least dynamic energy" in note for note in chosen["notes"])
    presets = [_run_json(capsys, *spec, "--schedule", s) for s in ("naive", "fused", "tiled")]
    assert chosen["totals"]["energy_j"] <= min(p["totals"]["energy_j"] for p in presets)


def test_a_device_without_energy_reports_null_and_refuses_the_energy_objective(capsys, write_file):
    hw = write_file("tiny.yaml", TINY)
    data = _run_json(capsys, "pool_dw", "--hw", hw)
    assert data["totals"]["energy_j"] is None and data["totals"]["energy_by_level_j"] is None
    assert all(k["energy_j"] is None for k in data["kernels"])
    code, out, _ = run_cli(capsys, "run", "pool_dw", "--hw", hw)
    assert code == 0 and "energy: not modelled (tiny has no energy: section" in out
    code, out, err = run_cli(
        capsys, "run", "pool_dw", "--hw", hw, "--schedule", "auto", "--objective", "energy"
    )
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "--objective energy" in err and "no energy" in err
