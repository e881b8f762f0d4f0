"""The user's paths through `python -m sim`: output, JSON, and one-line errors with exit 2."""

import json
import subprocess
import sys

import pytest

from sim.cli import main


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_analyze_json_has_the_promised_fields_and_exact_integers(capsys):
    code, out, err = run_cli(capsys, "analyze", "mobilenet", "--hw", "pi3", "--json", "-")
    assert code == 0 and err == ""
    data = json.loads(out)
    assert data["workload"] == "mobilenet_v1" and data["precision"] == "fp32"
    assert data["hw"]["name"] == "pi3"
    totals = data["totals"]
    assert {"macs", "flops", "params", "analytic_bytes", "intensity"} <= totals.keys()
    assert totals["macs"] == sum(op["macs"] for op in data["ops"])
    assert totals["analytic_bytes"] == sum(op["analytic_bytes"] for op in data["ops"])
    assert all(isinstance(totals[k], int) for k in ("macs", "flops", "params", "analytic_bytes"))
    for op in data["ops"]:
        assert {
            "name",
            "kind",
            "macs",
            "flops",
            "params",
            "analytic_bytes",
            "intensity",
        } <= op.keys()
        assert {"roofline_seconds", "bound"} <= op.keys()
        assert op["analytic_bytes"] == op["input_bytes"] + op["param_bytes"] + op["output_bytes"]


def test_analyze_prints_a_table_and_writes_json(capsys, tmp_path):
    path = tmp_path / "out.json"
    code, out, _ = run_cli(
        capsys, "analyze", "mobilenet", "--precision", "int8", "--json", str(path)
    )
    assert code == 0
    assert "sep2.pw" in out and "total" in out
    data = json.loads(path.read_text())
    assert data["precision"] == "int8" and "hw" not in data
    assert not list(tmp_path.glob(".*tmp"))  # no temporary left behind


def test_list_names_hardware_and_workloads(capsys):
    code, out, _ = run_cli(capsys, "list")
    assert code == 0
    for name in ("pi3", "xavier", "v100", "mobilenet"):
        assert name in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["analyze", "mobilenet", "--hw", "tpu9"], "unknown hardware 'tpu9'"),
        (["analyze", "no_such_net"], "unknown workload 'no_such_net'"),
        (["analyze", "missing/net.yaml"], "missing/net.yaml: no such workload file"),
        (["analyze", "mobilenet", "--json", "/nonexistent-dir/x.json"], "does not exist"),
    ],
)
def test_user_mistakes_are_one_line_and_exit_2(capsys, argv, message):
    code, out, err = run_cli(capsys, *argv)
    assert code == 2
    assert err.count("\n") == 1 and message in err and err.startswith("error: ")


def test_bad_command_line_is_exit_2(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["analyze", "mobilenet", "--precision", "fp8"])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_a_malformed_file_never_shows_a_traceback(tmp_path):
    bad = tmp_path / "net.yaml"
    bad.write_text("name: x\ninputs: {x: [1, 3, 4, 4]}\ngraph:\n  - {op: conv2d, kernel: [3\n")
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "analyze", str(bad)], capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith(f"error: {bad}: line ") and proc.stderr.count("\n") == 1


@pytest.mark.parametrize("tty", [True, False])
def test_a_kernel_build_is_announced_on_a_terminal_only(capsys, monkeypatch, tty):
    import sim.cli
    import sim.native

    monkeypatch.setattr(sys.stderr, "isatty", lambda: tty)
    sim.cli.main(["list", "hw"])
    sim.native.before_build()
    err = capsys.readouterr().err
    assert ("building sim's compiled kernels" in err) is tty
