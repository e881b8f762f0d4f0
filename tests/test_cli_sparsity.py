"""`--sparsity` on analyze, run and compare: what issue 15 asks the runs to show."""

import json

import pytest

from sim.cli import main
from sim.hw.load import hardware_names
from tests.test_cli import run_cli


def json_of(capsys, *argv) -> dict:
    code, out, err = run_cli(capsys, *argv, "--json", "-")
    assert code == 0, err
    return json.loads(out)


def test_channel_pruning_cuts_mobilenet_macs_to_20_to_60_percent(capsys):
    dense = json_of(capsys, "analyze", "mobilenet")["totals"]
    pruned = json_of(capsys, "analyze", "mobilenet", "--sparsity", "channel:0.5")["totals"]
    assert 0.2 * dense["macs"] <= pruned["macs"] <= 0.6 * dense["macs"]
    assert pruned["effective_macs"] == pruned["macs"]  # a dense, smaller network


def test_unstructured_90_executes_a_tenth_of_the_sparse_macs_and_reads_fewer_bytes(capsys):
    argv = ("run", "mobilenet", "--hw", "pi3", "--cores", "1")
    dense = json_of(capsys, *argv)
    sparse = json_of(capsys, *argv, "--sparsity", "unstructured:0.9")
    kernels = [k for k in sparse["kernels"] if k["effective_macs"] != k["macs"]]
    assert {k["kind"] for k in kernels} == {"conv2d", "fc"}
    share = sum(k["effective_macs"] for k in kernels) / sum(k["macs"] for k in kernels)
    assert share == pytest.approx(0.1, abs=1e-3)
    totals = sparse["totals"]
    assert totals["effective_macs"] == sum(k["effective_macs"] for k in sparse["kernels"])
    assert totals["macs"] == dense["totals"]["macs"]
    assert totals["dram_read_bytes"] < dense["totals"]["dram_read_bytes"]
    assert totals["analytic_bytes"] < dense["totals"]["analytic_bytes"]  # values + indices
    estimate = json_of(capsys, "analyze", "mobilenet", "--sparsity", "unstructured:0.9")
    dense_estimate = json_of(capsys, "analyze", "mobilenet")
    weights = sum(op["param_bytes"] for op in estimate["ops"])
    assert weights < sum(op["param_bytes"] for op in dense_estimate["ops"]) / 4


@pytest.mark.parametrize("hw", sorted(hardware_names()))
def test_2_4_runs_on_every_shipped_device_as_the_dense_kernel(capsys, hw):
    argv = ("run", "separable_256", "--hw", hw, "--schedule", "fused")
    dense = json_of(capsys, *argv)
    nm = json_of(capsys, *argv, "--sparsity", "2:4")
    assert nm["totals"]["effective_macs"] == nm["totals"]["macs"]
    assert nm["totals"]["cycles"] == dense["totals"]["cycles"]  # no device has N:M hardware


@pytest.mark.parametrize("spec", ["unstructured:1.5", "3:2", "block0x4:0.5", "channel:1.0"])
@pytest.mark.parametrize("command", ["analyze", "run", "compare"])
def test_a_bad_spec_is_one_line_and_exit_2(capsys, command, spec):
    argv = [command, "mobilenet", *([] if command == "analyze" else ["--hw", "pi3"])]
    code = main([*argv, "--sparsity", spec])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and spec in err and err.startswith("error: --sparsity")


def test_the_analyze_table_shows_executed_macs_only_for_sparse_weights(capsys):
    code, dense, _ = run_cli(capsys, "analyze", "mobilenet")
    code, sparse, _ = run_cli(capsys, "analyze", "mobilenet", "--sparsity", "block4x1:0.75")
    assert "run MMACs" not in dense and "run MMACs" in sparse


def test_the_run_summary_says_what_sparse_weights_execute(capsys):
    code, out, _ = run_cli(
        capsys, "run", "separable_256", "--hw", "pi3", "--sparsity", "unstructured:0.8"
    )
    assert code == 0 and "sparse weights:" in out
    code, out, _ = run_cli(capsys, "run", "separable_256", "--hw", "pi3")
    assert "sparse weights:" not in out
