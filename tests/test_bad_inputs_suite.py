"""Malformed workloads, hardware configs, traces and flags, each through `python -m sim`: exit 2
and exactly one line on stderr that names the file or flag, the place and the reason.

Each case writes its files into a temporary directory and runs `sim.cli.main` in-process; a
few also run as a subprocess, to show that no traceback reaches the user.
"""

import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sim.cli import main
from tests.conftest import ROOT

PI3 = (ROOT / "hw_configs" / "pi3.yaml").read_text()

WORKLOAD_HEAD = "version: 1\nname: bad\ninputs:\n  x: [1, 8, 16, 16]\ngraph:\n"


def workload(*ops: str, head: str = WORKLOAD_HEAD) -> str:
    return head + "".join(f"  - {op}\n" for op in ops)


def pi3(old: str, new: str) -> str:
    """pi3.yaml with one line's text replaced."""
    assert old in PI3
    return PI3.replace(old, new, 1)


def npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


# (id, files to write, argv with {dir} for the temporary directory, words the line must hold)
CASES = [
    # workloads
    (
        "workload truncated YAML",
        {"w.yaml": "version: 1\nname: bad\ninputs:\n  x: [1, 8, 16"},
        ["analyze", "{dir}/w.yaml"],
        ["w.yaml", "line"],
    ),
    ("workload empty file", {"w.yaml": ""}, ["analyze", "{dir}/w.yaml"], ["w.yaml"]),
    (
        "workload is a list",
        {"w.yaml": "- 1\n- 2\n"},
        ["analyze", "{dir}/w.yaml"],
        ["w.yaml", "mapping"],
    ),
    (
        "workload version is a word",
        {"w.yaml": workload("{op: relu, name: r}").replace("version: 1", "version: one")},
        ["analyze", "{dir}/w.yaml"],
        ["w.yaml", "version"],
    ),
    (
        "workload misspelt required key",
        {"w.yaml": workload("{op: relu, name: r}").replace("graph:", "grpah:")},
        ["analyze", "{dir}/w.yaml"],
        ["w.yaml", "missing required field 'graph'", "unknown field 'grpah'"],
    ),
    (
        "workload unknown op field lists the known ones",
        {"w.yaml": workload("{op: conv2d, name: c, channels: 8, kernel: 3, chanels: 4}")},
        ["analyze", "{dir}/w.yaml"],
        ["w.yaml", "chanels", "channels"],
    ),
    (
        "workload unknown top-level key lists the known ones",
        {"w.yaml": workload("{op: relu, name: r}") + "colour: red\n"},
        ["analyze", "{dir}/w.yaml"],
        ["w.yaml", "unknown field 'colour'", "known fields: version, name"],
    ),
    (
        "workload unknown op kind",
        {"w.yaml": workload("{op: convolution, name: c}")},
        ["analyze", "{dir}/w.yaml"],
        ["w.yaml", "convolution"],
    ),
    (
        "workload input defined later (a cycle)",
        {"w.yaml": workload("{op: relu, name: a, in: [b]}", "{op: relu, name: b, in: [a]}")},
        ["analyze", "{dir}/w.yaml"],
        ["w.yaml", "b"],
    ),
    (
        "workload op reads itself",
        {"w.yaml": workload("{op: relu, name: a, in: [a]}")},
        ["analyze", "{dir}/w.yaml"],
        ["w.yaml", "a"],
    ),
    (
        "workload matmul shapes do not fit",
        {
            "w.yaml": workload(
                "{op: matmul, name: c, in: [A, b]}",
                head="version: 1\nname: bad\ninputs:\n  A: [4, 5]\n  b: [6, 1]\ngraph:\n",
            )
        },
        ["analyze", "{dir}/w.yaml"],
        ["w.yaml", "c"],
    ),
    (
        "workload add of different shapes",
        {
            "w.yaml": workload(
                "{op: conv2d, name: c, channels: 4, kernel: 1}", "{op: add, name: s, in: [x, c]}"
            )
        },
        ["analyze", "{dir}/w.yaml"],
        ["w.yaml", "s"],
    ),
    (
        "workload zero-sized input",
        {"w.yaml": workload("{op: relu, name: r}").replace("[1, 8, 16, 16]", "[1, 0, 16, 16]")},
        ["analyze", "{dir}/w.yaml"],
        ["w.yaml", "x"],
    ),
    (
        "workload negative channels",
        {"w.yaml": workload("{op: conv2d, name: c, channels: -4, kernel: 3}")},
        ["analyze", "{dir}/w.yaml"],
        ["w.yaml", "channels"],
    ),
    (
        "workload kernel larger than the map",
        {"w.yaml": workload("{op: conv2d, name: c, channels: 4, kernel: 17}")},
        ["analyze", "{dir}/w.yaml"],
        ["w.yaml", "c"],
    ),
    (
        "workload channels of the wrong type",
        {"w.yaml": workload("{op: conv2d, name: c, channels: many, kernel: 3}")},
        ["analyze", "{dir}/w.yaml"],
        ["w.yaml", "channels"],
    ),
    (
        "workload op name given twice",
        {"w.yaml": workload("{op: relu, name: r}", "{op: relu, name: r}")},
        ["analyze", "{dir}/w.yaml"],
        ["w.yaml", "r"],
    ),
    (
        "workload absurd tensor size",
        {"w.yaml": workload("{op: relu, name: r}").replace("[1, 8, 16, 16]", "[1, 8, 1e30, 16]")},
        ["analyze", "{dir}/w.yaml"],
        ["w.yaml", "x"],
    ),
    (
        "workload not UTF-8",
        {"w.yaml": b"version: 1\nname: \xff\xfe\n"},
        ["analyze", "{dir}/w.yaml"],
        ["w.yaml"],
    ),
    (
        "workload tensor too large to simulate",
        {
            "w.yaml": workload("{op: relu, name: r}").replace(
                "[1, 8, 16, 16]", "[1, 1024, 1024, 1024]"
            )
        },
        ["run", "{dir}/w.yaml", "--hw", "pi3"],
        ["workload bad", "tensor x of op r", "at most 1,073,741,824 B"],
    ),
    ("workload missing file", {}, ["analyze", "{dir}/nope.yaml"], ["nope.yaml"]),
    (
        "workload is a directory",
        {"d/x": ""},
        ["analyze", "{dir}/d"],
        ["/d: is a directory, not a workload file"],
    ),
    ("workload unknown name", {}, ["analyze", "mobilenett"], ["mobilenett", "mobilenet"]),
    # hardware
    (
        "hardware truncated YAML",
        {"hw.yaml": PI3[: PI3.index("  - kind: cache") + 20]},
        ["analyze", "matvec_1000", "--hw", "{dir}/hw.yaml"],
        ["hw.yaml"],
    ),
    (
        "hardware misspelt required cache key",
        {"hw.yaml": pi3("    size: 32KiB", "    sise: 32KiB")},
        ["analyze", "matvec_1000", "--hw", "{dir}/hw.yaml"],
        ["hw.yaml", "memory[2]", "'size'", "'sise'"],
    ),
    (
        "hardware unknown cache key lists the known ones",
        {"hw.yaml": pi3("    size: 32KiB", "    colour: red\n    size: 32KiB")},
        ["analyze", "matvec_1000", "--hw", "{dir}/hw.yaml"],
        ["hw.yaml", "memory[2].colour", "known fields: kind, size, name, line, ways, share"],
    ),
    (
        "hardware 1 EB cache",
        {"hw.yaml": pi3("size: 512KiB", "size: 1EB")},
        ["run", "matvec_1000", "--hw", "{dir}/hw.yaml"],
        ["hw.yaml", "memory[1]", "18,014,398,509,481,984 lines", "at most 4,194,304"],
    ),
    (
        "hardware zero-sized cache",
        {"hw.yaml": pi3("size: 32KiB", "size: 0B")},
        ["analyze", "matvec_1000", "--hw", "{dir}/hw.yaml"],
        ["hw.yaml", "size"],
    ),
    (
        "hardware negative bandwidth",
        {"hw.yaml": pi3("bandwidth: 3.6GB/s", "bandwidth: -3.6GB/s")},
        ["analyze", "matvec_1000", "--hw", "{dir}/hw.yaml"],
        ["hw.yaml", "bandwidth"],
    ),
    (
        "hardware clock is a word",
        {"hw.yaml": pi3("clock: 1.2GHz", "clock: fast")},
        ["analyze", "matvec_1000", "--hw", "{dir}/hw.yaml"],
        ["hw.yaml", "clock"],
    ),
    (
        "hardware line not a power of two",
        {"hw.yaml": pi3("line: 64B            # bcm2837.dtsi: d-cache", "line: 48B  #")},
        ["analyze", "matvec_1000", "--hw", "{dir}/hw.yaml"],
        ["hw.yaml", "line"],
    ),
    (
        "hardware ways of the wrong type",
        {"hw.yaml": pi3("ways: 4 ", "ways: [4] ")},
        ["analyze", "matvec_1000", "--hw", "{dir}/hw.yaml"],
        ["hw.yaml", "ways"],
    ),
    (
        "--cores 0",
        {},
        ["run", "matvec_1000", "--hw", "pi3", "--cores", "0"],
        ["--cores 0", "pi3 has 4 cores", "1 to 4"],
    ),
    (
        "--cores more than the device has",
        {},
        ["compare", "matvec_1000", "--hw", "pi3", "--cores", "5"],
        ["--cores 5", "pi3 has 4 cores"],
    ),
    (
        "--share larger than the units' part of the cache",
        {},
        ["run", "matvec_1000", "--hw", "pi3", "--share", "256KiB"],
        ["--share 256KiB", "4 shares of 262,144 B exceed L2's 524,288 B"],
    ),
    (
        "--share not a size",
        {},
        ["run", "matvec_1000", "--hw", "pi3", "--cores", "1", "--share", "lots"],
        ["--share lots", "expected a size"],
    ),
    (
        "hardware with no units",
        {"hw.yaml": pi3("units: 4 ", "units: 0 ")},
        ["run", "matvec_1000", "--hw", "{dir}/hw.yaml"],
        ["hw.yaml", "units", "got 0"],
    ),
    (
        "hardware private level larger than its parent",
        {"hw.yaml": pi3("size: 32KiB ", "size: 1MiB ")},
        ["run", "matvec_1000", "--hw", "{dir}/hw.yaml"],
        ["hw.yaml", "private level L1D (1,048,576 B) is larger than the shared level L2"],
    ),
    (
        "hardware private level outside a shared one",
        {
            "hw.yaml": pi3("    size: 512KiB ", "    instances: 4\n    size: 512KiB ").replace(
                "instances: 4         # private", "instances: 1         # shared"
            )
        },
        ["analyze", "matvec_1000", "--hw", "{dir}/hw.yaml"],
        ["hw.yaml", "private level (instances: units) lies outside a shared one"],
    ),
    (
        "hardware share larger than the cache",
        {"hw.yaml": pi3("size: 512KiB", "size: 512KiB\n    share: 1MiB")},
        ["analyze", "matvec_1000", "--hw", "{dir}/hw.yaml"],
        ["hw.yaml", "share"],
    ),
    (
        "hardware without memory levels",
        {"hw.yaml": PI3[: PI3.index("memory:")]},
        ["analyze", "matvec_1000", "--hw", "{dir}/hw.yaml"],
        ["hw.yaml", "memory"],
    ),
    (
        "hardware absurd register count",
        {"hw.yaml": pi3("count: 32 ", "count: 1000000000000000 ")},
        ["run", "matvec_1000", "--hw", "{dir}/hw.yaml"],
        ["hw.yaml", "memory[3].count", "at most 8,388,608 registers"],
    ),
    (
        "hardware version from the future",
        {"hw.yaml": pi3("version: 1", "version: 9")},
        ["analyze", "matvec_1000", "--hw", "{dir}/hw.yaml"],
        ["hw.yaml", "version"],
    ),
    ("hardware unknown name", {}, ["analyze", "matvec_1000", "--hw", "pi"], ["pi", "pi3"]),
    (
        "hardware is a directory",
        {"d/x": ""},
        ["run", "matvec_1000", "--hw", "{dir}/d"],
        ["/d: is a directory, not a hardware file"],
    ),
    # traces
    (
        "din address not hexadecimal",
        {"t.din": "0 1000\n0 zzz\n"},
        ["replay", "{dir}/t.din", "--hw", "pi3"],
        ["t.din", "line 2"],
    ),
    (
        "din unknown label",
        {"t.din": "7 1000\n"},
        ["replay", "{dir}/t.din", "--hw", "pi3"],
        ["t.din", "line 1"],
    ),
    (
        "din negative size",
        {"t.din": "0 1000 -4\n"},
        ["replay", "{dir}/t.din", "--hw", "pi3"],
        ["t.din", "line 1"],
    ),
    (
        "npy of floats",
        {"t.npy": npy_bytes(np.zeros((4, 2), dtype=np.float64))},
        ["replay", "{dir}/t.npy", "--hw", "pi3"],
        ["t.npy"],
    ),
    (
        "npy with three dimensions",
        {"t.npy": npy_bytes(np.zeros((2, 2, 2), dtype=np.int64))},
        ["replay", "{dir}/t.npy", "--hw", "pi3"],
        ["t.npy"],
    ),
    (
        "npy truncated",
        {"t.npy": npy_bytes(np.zeros((100, 2), dtype=np.int64))[:100]},
        ["replay", "{dir}/t.npy", "--hw", "pi3"],
        ["t.npy"],
    ),
    (
        "npy negative address",
        {"t.npy": npy_bytes(np.array([[-64, 0]], dtype=np.int64))},
        ["replay", "{dir}/t.npy", "--hw", "pi3"],
        ["t.npy"],
    ),
    ("trace missing file", {}, ["replay", "{dir}/no.din", "--hw", "pi3"], ["no.din"]),
    (
        "trace is a directory",
        {"d/x": ""},
        ["replay", "{dir}/d", "--hw", "pi3"],
        ["/d: is a directory, not a trace file"],
    ),
    # flags
    (
        "--level with a 1 EB cache",
        {"t.din": "0 1000\n"},
        ["replay", "{dir}/t.din", "--level", "L1:1EB:4:64"],
        ["--level", "lines of 64 B; at most 4,194,304 lines"],
    ),
    (
        "--level with too few fields",
        {"t.din": "0 1000\n"},
        ["replay", "{dir}/t.din", "--level", "L1:32KiB"],
        ["--level"],
    ),
    (
        "--level with zero ways",
        {"t.din": "0 1000\n"},
        ["replay", "{dir}/t.din", "--level", "L1:32KiB:0:64"],
        ["--level", "ways"],
    ),
    ("--precision unknown", {}, ["analyze", "matvec_1000", "--precision", "fp64"], ["fp64"]),
    ("run without --hw", {}, ["run", "matvec_1000"], ["--hw"]),
    ("unknown command", {}, ["rnu", "matvec_1000"], ["rnu", "run"]),
    (
        "compare unknown schedule",
        {},
        ["compare", "matvec_1000", "--hw", "pi3", "--schedules", "naive,tiledd"],
        ["--schedules", "tiledd"],
    ),
    (
        "run unknown objective",
        {},
        ["run", "matvec_1000", "--hw", "pi3", "--schedule", "auto", "--objective", "power"],
        ["--objective", "power"],
    ),
    (
        "--json into a missing directory",
        {},
        ["analyze", "matvec_1000", "--json", "{dir}/no/such/dir/out.json"],
        ["out.json", "does not exist"],
    ),
    (
        "--json under a file",
        {"f.txt": "x"},
        ["analyze", "matvec_1000", "--json", "{dir}/f.txt/out.json"],
        ["f.txt/out.json", "f.txt' is not a directory"],
    ),
    (
        "--csv onto a directory",
        {"d/x": ""},
        ["run", "matvec_1000", "--hw", "pi3", "--csv", "{dir}/d"],
        ["/d: is a directory"],
    ),
    (
        "--plot with an unknown suffix",
        {},
        ["run", "matvec_1000", "--hw", "pi3", "--plot", "{dir}/p.txt"],
        ["--plot", "p.txt"],
    ),
]


def _write(directory: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)


def _argv(argv: list[str], directory: Path) -> list[str]:
    return [a.replace("{dir}", str(directory)) for a in argv]


@pytest.mark.parametrize("files, argv, words", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_bad_input_exits_2_with_one_line(capsys, tmp_path, files, argv, words):
    _write(tmp_path, files)
    try:
        code = main(_argv(argv, tmp_path))
    except SystemExit as exc:  # argparse's own errors
        code = exc.code
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for word in words:
        assert word in lines[0], (word, lines[0])


def test_the_suite_has_at_least_30_cases():
    assert len(CASES) >= 30


SUBPROCESS_CASES = [
    "workload input defined later (a cycle)",
    "hardware 1 EB cache",
    "npy truncated",
    "--json under a file",
]


@pytest.mark.parametrize("case", SUBPROCESS_CASES)
def test_as_a_process_a_bad_input_prints_one_line_and_no_traceback(tmp_path, case):
    _, files, argv, words = next(c for c in CASES if c[0] == case)
    _write(tmp_path, files)
    done = subprocess.run(
        [sys.executable, "-m", "sim", *_argv(argv, tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert len(done.stderr.splitlines()) == 1 and "Traceback" not in done.stderr
    assert all(word in done.stderr for word in words)
