"""Every hostile input ends in exit 2 and one line on stderr naming what is wrong: no traceback,
no output, within 20 s; the worst of them also as processes limited to 4 GB of memory."""

import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.cli import main
from tests.conftest import ROOT
from tests.hostile.cases import ISSUE_CASES, OWN_CASES, PROCESS_CASES

CASES = ISSUE_CASES + OWN_CASES
TIME_LIMIT_S = 20
MEMORY_LIMIT_BYTES = 4 * 2**30


def _write(directory: Path, files: dict) -> None:
    for name, content in files.items():
        path = directory / name
        if callable(content):
            if name.endswith(".onnx"):
                pytest.importorskip("onnx")
            content(path)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def _argv(argv: list[str], directory: Path) -> list[str]:
    return [a.replace("{dir}", str(directory)) for a in argv]


def test_the_suite_covers_the_issue_and_80_more():
    assert len(ISSUE_CASES) >= 28 and len(OWN_CASES) >= 80
    assert len({case[0] for case in CASES}) == len(CASES)


@pytest.mark.parametrize("files, argv, words", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_hostile_input_is_one_line_and_exit_2(capsys, tmp_path, files, argv, words):
    _write(tmp_path, files)
    started = time.monotonic()
    try:
        code = main(_argv(argv, tmp_path))
    except SystemExit as exc:  # argparse's own errors
        code = exc.code
    elapsed = time.monotonic() - started
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    for word in _argv(words, tmp_path):
        assert word in err, (word, err)
    assert elapsed < TIME_LIMIT_S
    peak_bytes = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    assert peak_bytes < MEMORY_LIMIT_BYTES


def _limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))


@pytest.mark.parametrize("case", PROCESS_CASES)
def test_as_a_process_under_4_gb_a_hostile_input_ends_in_one_line(tmp_path, case):
    _, files, argv, words = next(c for c in CASES if c[0] == case)
    _write(tmp_path, files)
    done = subprocess.run(
        [sys.executable, "-m", "sim", *_argv(argv, tmp_path)],
        capture_output=True, text=True, cwd=ROOT, timeout=TIME_LIMIT_S + 10,
        preexec_fn=_limit_memory,
    )  # fmt: skip
    assert done.returncode == 2 and done.stdout == ""
    assert len(done.stderr.splitlines()) == 1 and "Traceback" not in done.stderr, done.stderr
    assert all(word in done.stderr for word in words)
