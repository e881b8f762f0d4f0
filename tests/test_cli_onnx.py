"""The user's paths with ONNX files: analyze, convert and back, and one-line errors."""

import json
import subprocess
import sys

import pytest
import yaml

pytest.importorskip("onnx")

from onnx import helper  # noqa: E402

from sim.cli import main  # noqa: E402
from sim.graph.load import load_workload  # noqa: E402
from tests.conftest import ROOT  # noqa: E402
from tests.onnx_models import LIGHT_MODELS, mobilenet_v1, model, save  # noqa: E402


def run_cli(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("path", LIGHT_MODELS, ids=lambda p: p.stem)
def test_analyze_each_light_model(capsys, path):
    code, out, err = run_cli(capsys, "analyze", path, "--hw", "pi3", "--json", "-")
    assert code == 0 and err == ""
    data = json.loads(out)
    assert data["workload"] == path.stem and "notes" not in data
    assert data["totals"]["macs"] == sum(op["macs"] for op in data["ops"]) > 0
    assert all(op["roofline_seconds"] > 0 for op in data["ops"] if op["analytic_bytes"])


def test_convert_round_trips_to_the_same_numbers(capsys, tmp_path):
    onnx_path = mobilenet_v1(tmp_path)
    yaml_path = tmp_path / "mine.yaml"
    code, out, err = run_cli(capsys, "convert", onnx_path, "-o", yaml_path)
    assert code == 0 and out == "" and err == f"wrote {yaml_path}: 85 ops\n"
    text = yaml_path.read_text()
    assert text.startswith(f"# Converted from {onnx_path} by `python -m sim convert`.")
    assert "  - {op: depthwise_conv2d, name: sep0_dw, in: [conv1_relu], kernel: 3," in text
    assert yaml.safe_load(text)["source"] == onnx_path
    totals = []
    for workload in (onnx_path, yaml_path, "mobilenet"):
        code, out, _ = run_cli(capsys, "analyze", workload, "--hw", "pi3", "--json", "-")
        totals.append(json.loads(out)["totals"])
    assert totals[0] == totals[1] == totals[2]
    converted, imported = load_workload(str(yaml_path)), load_workload(onnx_path)
    assert (converted.inputs, converted.ops, converted.outputs) == (
        imported.inputs,
        imported.ops,
        imported.outputs,
    )


def test_convert_to_stdout(capsys):
    code, out, _ = run_cli(capsys, "convert", LIGHT_MODELS[0], "-o", "-")
    assert code == 0 and out.startswith("# Converted from") and "graph:\n  - {op: " in out


def bad_models(tmp_path) -> dict[str, tuple[str, str]]:
    """name -> (path, what the one line says)."""
    data = next(p for p in LIGHT_MODELS if p.stem == "light_squeezenet").read_bytes()
    (tmp_path / "truncated.onnx").write_bytes(data[: len(data) // 3])
    cycle = [
        helper.make_node("Relu", ["x", "b"], ["a"], name="first"),
        helper.make_node("Relu", ["a"], ["b"], name="second"),
    ]
    missing = [helper.make_node("Conv", ["x", "w"], ["y"], name="conv5", kernel_shape=[1, 1])]
    unknown = [helper.make_node("Resize", ["x", "", "s"], ["y"], name="up")]
    scales = {"s": [1.0, 1.0, 2.0, 2.0]}
    return {
        "truncated": (str(tmp_path / "truncated.onnx"), "not a valid ONNX file"),
        "cycle": (save(model(cycle, {"x": [1, 4]}, ["b"]), tmp_path / "c.onnx"), "has a cycle"),
        "missing": (
            save(model(missing, {"x": [1, 3, 4, 4]}, ["y"]), tmp_path / "m.onnx"),
            "node 'conv5' (Conv): input 'w' is not a graph input, an initializer or any",
        ),
        "unknown": (
            save(model(unknown, {"x": [1, 3, 4, 4]}, ["y"], scales), tmp_path / "u.onnx"),
            "node 'up' (Resize): unsupported op type 'Resize'",
        ),
    }


@pytest.mark.parametrize("case", ["truncated", "cycle", "missing", "unknown"])
@pytest.mark.parametrize("command", ["analyze", "convert"])
def test_bad_onnx_is_one_line_and_exit_2(capsys, tmp_path, case, command):
    path, message = bad_models(tmp_path)[case]
    extra = ["-o", tmp_path / "out.yaml"] if command == "convert" else []
    code, out, err = run_cli(capsys, command, path, *extra)
    assert code == 2 and out == ""
    assert err.startswith(f"error: {path}: ") and err.count("\n") == 1 and message in err
    assert not (tmp_path / "out.yaml").exists()


def test_bad_onnx_never_shows_a_traceback(tmp_path):
    path, message = bad_models(tmp_path)["truncated"]
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "analyze", path], capture_output=True, text=True, cwd=ROOT
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1 and message in proc.stderr


def test_allow_unknown_models_the_op_and_says_so(capsys, tmp_path):
    path, _ = bad_models(tmp_path)["unknown"]
    code, out, _ = run_cli(capsys, "analyze", path, "--allow-unknown")
    assert code == 0 and "opaque" in out
    assert "note: 1 op(s) of unknown type (Resize) are not modeled" in out
    code, out, _ = run_cli(capsys, "analyze", path, "--allow-unknown", "--json", "-")
    assert json.loads(out)["notes"] == [
        "1 op(s) of unknown type (Resize) are not modeled: they count as memory only "
        "(inputs, parameters and outputs move once, no arithmetic)"
    ]
    code, out, err = run_cli(capsys, "convert", path, "--allow-unknown", "-o", tmp_path / "u.yaml")
    assert code == 0 and "note: 1 op(s)" in err
    assert "# Note: 1 op(s) of unknown type (Resize)" in (tmp_path / "u.yaml").read_text()
    code, out, _ = run_cli(capsys, "analyze", tmp_path / "u.yaml")
    assert code == 0 and "note: 1 op(s) of unknown type (Resize)" in out


def test_without_onnx_installed_the_message_says_how_to_install_it(tmp_path):
    path = str(LIGHT_MODELS[0])
    code = "import sys; sys.modules['onnx'] = None; import sim.cli; sys.exit(sim.cli.main())"
    proc = subprocess.run(
        [sys.executable, "-c", code, "analyze", path], capture_output=True, text=True, cwd=ROOT
    )
    assert proc.returncode == 2
    assert (
        proc.stderr
        == f"error: {path}: reading ONNX needs the onnx package: pip install 'sim[onnx]'\n"
    )
