"""No lost data: outputs are checked before any work, written together or not at all, and
an interrupted run leaves every old file as it was."""

import argparse
import os
import signal
import subprocess
import sys
import time

import pytest

from sim import cli, outputs
from sim.cli import Terminated, main
from sim.errors import ConfigError
from tests.conftest import ROOT

WORKLOAD = (ROOT / "workloads" / "matvec_1000.yaml").read_text()
PI3 = (ROOT / "hw_configs" / "pi3.yaml").read_text()


@pytest.fixture
def inputs(tmp_path, monkeypatch):
    """Copies of a workload and a hardware file in an empty working directory."""
    (tmp_path / "w.yaml").write_text(WORKLOAD)
    (tmp_path / "hw.yaml").write_text(PI3)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _refused(capsys, argv, words):
    code = main(argv)
    out, err = capsys.readouterr()
    assert (code, out) == (2, "") and len(err.splitlines()) == 1
    assert all(word in err for word in words), err


@pytest.mark.parametrize(
    "argv, words",
    [
        (["run", "w.yaml", "--hw", "hw.yaml", "--json", "w.yaml"], ["--json would overwrite"]),
        (["run", "w.yaml", "--hw", "hw.yaml", "--csv", "hw.yaml"], ["--csv would overwrite"]),
        (["run", "w.yaml", "--hw", "hw.yaml", "--csv", "./sub/../hw.yaml"], ["an input"]),
        (["analyze", "w.yaml", "--json", "w.yaml"], ["--json would overwrite"]),
        (["compare", "w.yaml", "--hw", "hw.yaml", "--json", "hw.yaml"], ["would overwrite"]),
        (["convert", "w.yaml", "-o", "w.yaml"], ["--output would overwrite"]),
        (["roofline", "--hw", "hw.yaml", "--json", "hw.yaml"], ["would overwrite"]),
        (["run", "w.yaml", "--hw", "hw.yaml", "--json", "o", "--csv", "o"],
         ["--csv and --json write to the same file"]),
        (["run", "w.yaml", "--hw", "hw.yaml", "--json", "o.json", "--timeline", "./o.json"],
         ["write to the same file"]),
        (["run", "w.yaml", "--hw", "hw.yaml", "--json", "-", "--csv", "-"],
         ["--json and --csv all write to standard output"]),
        (["run", "w.yaml", "--hw", "hw.yaml", "--save-schedule", "w.yaml"], ["would overwrite"]),
    ],
)  # fmt: skip
def test_an_output_onto_an_input_or_another_output_is_refused(capsys, inputs, argv, words):
    (inputs / "sub").mkdir()
    _refused(capsys, argv, words)
    assert (inputs / "w.yaml").read_text() == WORKLOAD
    assert (inputs / "hw.yaml").read_text() == PI3
    assert sorted(p.name for p in inputs.iterdir()) == ["hw.yaml", "sub", "w.yaml"]


def test_a_run_by_name_cannot_overwrite_the_shipped_file_it_reads(capsys, inputs):
    shipped = ROOT / "workloads" / "matvec_1000.yaml"
    _refused(capsys, ["analyze", "matvec_1000", "--json", str(shipped)], ["would overwrite"])
    assert shipped.read_text() == WORKLOAD


def test_a_read_only_output_is_not_replaced(capsys, inputs):
    old = inputs / "old.json"
    old.write_text("keep me\n")
    old.chmod(0o444)
    _refused(capsys, ["analyze", "w.yaml", "--json", "old.json"], ["read-only"])
    assert old.read_text() == "keep me\n"


def test_written_files_are_announced_unless_quiet(capsys, inputs):
    assert main(["analyze", "w.yaml", "--json", "a.json"]) == 0
    assert capsys.readouterr().err == "wrote a.json\n"
    assert main(["analyze", "w.yaml", "--json", "b.json", "--quiet"]) == 0
    assert capsys.readouterr() == ("", "")


def test_a_failed_commit_restores_every_file(tmp_path, monkeypatch):
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text("old a")
    real_replace = os.replace

    def replace(src, dst):
        if str(dst) == str(second):
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(ConfigError, match="No space left on device"):
        outputs.commit([(str(first), b"new a"), (str(second), b"new b")])
    assert first.read_text() == "old a" and not second.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


def test_an_interrupted_commit_leaves_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "a.txt"
    target.write_text("old")
    staged = outputs._stage
    calls = []

    def stage_then_interrupt(path, data):
        calls.append(path)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return staged(path, data)

    monkeypatch.setattr(outputs, "_stage", stage_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        outputs.commit([(str(target), b"new"), (str(tmp_path / "b.txt"), b"b")])
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"] and target.read_text() == "old"


def test_sigterm_ends_a_run_like_ctrl_c_with_no_file_written(tmp_path):
    (tmp_path / "old.json").write_text("old\n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", "run", "vgg16", "--hw", "pi3", "--json", "old.json",
         "--csv", "new.csv"],
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    time.sleep(4)  # imports done, simulating (VGG-16 takes the Pi's model far longer than 4 s)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 143 and out == "" and err == "terminated\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.json"]
    assert (tmp_path / "old.json").read_text() == "old\n"


def _failing_while(interruption: BaseException):
    """A command that fails with an error of its own while `interruption` unwinds, as numba
    does when a signal lands in the middle of compiling a kernel."""

    def run(args):
        try:
            raise interruption
        except BaseException:
            raise RuntimeError("no compiled object yet") from None

    return run


@pytest.mark.parametrize(
    "interruption, code, said",
    [(Terminated(), 143, "terminated\n"), (KeyboardInterrupt(), 130, "interrupted\n")],
)
def test_an_error_raised_while_an_interruption_unwinds_ends_as_the_interruption(
    monkeypatch, capsys, interruption, code, said
):
    parser = cli.build_parser(["list"])
    monkeypatch.setattr(cli, "build_parser", lambda argv: parser)
    monkeypatch.setattr(
        parser, "parse_args", lambda argv: argparse.Namespace(run=_failing_while(interruption))
    )
    assert cli.main(["list"]) == code
    assert capsys.readouterr().err == said


def test_an_error_of_its_own_is_not_an_interruption(monkeypatch):
    parser = cli.build_parser(["list"])
    monkeypatch.setattr(cli, "build_parser", lambda argv: parser)

    def broken(args):
        raise RuntimeError("a bug")

    monkeypatch.setattr(parser, "parse_args", lambda argv: argparse.Namespace(run=broken))
    with pytest.raises(RuntimeError, match="a bug"):
        cli.main(["list"])
