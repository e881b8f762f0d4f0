"""One convention across commands: list flags, did-you-mean, --version, a help for users that
imports nothing heavy, quiet on a closed pipe, one line when standard output is closed."""

import json
import os
import subprocess
import sys
import tomllib

import pytest

from sim import __version__
from sim.cli import main
from tests.conftest import ROOT


def _json(capsys, *argv) -> dict:
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    "forms",
    [
        [["compare", "se_block", "--hw", "pi3", "--schedules", "naive,fused", "--json", "-"],
         ["compare", "se_block", "--hw", "pi3", "--schedules", "naive", "fused", "--json", "-"],
         ["compare", "se_block", "--hw", "pi3", "--schedules", "naive", "--schedules", "fused",
          "--json", "-"]],
        [["roofline", "--hw", "pi3,xavier", "--json", "-"],
         ["roofline", "--hw", "pi3", "xavier", "--json", "-"]],
        [["roofline", "--hw", "pi3", "--workloads", "matvec_1000", "--schedules", "naive,fused",
          "--json", "-"],
         ["roofline", "--hw", "pi3", "--workloads", "matvec_1000", "--schedules", "naive",
          "fused", "--json", "-"]],
    ],
)  # fmt: skip
def test_a_list_flag_takes_commas_spaces_or_repeats_alike(capsys, forms):
    results = [_json(capsys, *argv) for argv in forms]
    assert all(result == results[0] for result in results)


def test_replay_levels_take_commas_spaces_or_repeats_alike(capsys, write_file):
    trace = write_file("t.din", "0 0\n1 40 8\n0 1000\n")
    levels = ["L1:1KiB:2:64", "L2:8KiB:4:64"]
    forms = [["--level", *levels], ["--level", ",".join(levels)],
             ["--level", levels[0], "--level", levels[1]]]  # fmt: skip
    results = [_json(capsys, "replay", trace, *form, "--json", "-") for form in forms]
    assert [level["name"] for level in results[0]["hierarchy"]] == ["L1", "L2"]
    assert all(result == results[0] for result in results)


@pytest.mark.parametrize(
    "argv, suggestion",
    [
        (["run", "matvec_1000", "--hw", "pi3", "--schedule", "fuse"], "fused"),
        (["run", "matvec_1000", "--hw", "pi3", "--precision", "fp64"], None),
        (["run", "matvec_1000", "--hw", "pi3", "--precision", "int4"], None),
        (["run", "matvec_1000", "--hw", "pi3", "--format", "markdwn"], "markdown"),
        (["run", "matvec_1000", "--hw", "pi3", "--objective", "trafic"], "traffic"),
        (["compare", "matvec_1000", "--hw", "pi3", "--schedules", "naive,tield"], "tiled"),
        (["roofline", "--hw", "pi3", "--schedules", "fusd"], "fused"),
        (["list", "wrkloads"], "workloads"),
        (["replay", "t.din", "--level", "L1:1KiB:2:64", "--engine", "refrence"], "reference"),
        (["rnu", "matvec_1000"], "run"),
    ],
)
def test_every_choice_suggests_only_a_plausible_typo(capsys, argv, suggestion):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and err.count("\n") == 1
    if suggestion:
        assert err.endswith(f"(did you mean {suggestion}?)\n")
    else:
        assert "did you mean" not in err


def test_version_is_the_package_version(capsys):
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert __version__ == project["version"]
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0 and capsys.readouterr().out == f"sim {__version__}\n"


def test_the_top_level_help_is_for_users_and_fits_80_columns(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "start here:" in out and "python -m sim run mobilenet --hw pi3" in out
    for command in ("run", "analyze", "compare", "roofline", "convert", "list", "replay"):
        assert f"\n  {command} " in out
    assert max(len(line) for line in out.splitlines()) <= 80


def test_the_top_level_help_imports_nothing_heavy():
    code = (
        "import sys, contextlib, io\n"
        "from sim.cli import main\n"
        "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['--help'])\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'numpy', 'numba', 'rich', 'yaml', 'attrs', 'simpy', 'matplotlib'}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.stdout == "[]\n", done.stderr


@pytest.mark.parametrize("argv", [["analyze", "mobilenet", "--hw", "pi3"], ["list"]])
def test_the_estimate_and_the_listing_do_not_load_the_simulator(argv):
    code = (
        "import sys, contextlib, io\n"
        "from sim.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    assert main({argv!r}) == 0\n"
        "simulator = ('sim.engine', 'sim.trace', 'sim.cache')\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'numba', 'simpy'}), "
        "sorted(m for m in sys.modules if m.startswith(simulator)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.stdout == "[] []\n", done.stderr


def test_a_closed_pipe_ends_quietly(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", "list"], cwd=ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    proc.stdout.close()  # the reader leaves, as `| head -n 0` does
    assert proc.wait(timeout=60) == 141
    assert proc.stderr.read() == b""


def test_a_closed_standard_output_is_one_line_and_exit_2():
    done = subprocess.run(
        [sys.executable, "-m", "sim", "list"], cwd=ROOT, capture_output=False,
        stderr=subprocess.PIPE, text=True, preexec_fn=lambda: os.close(1),
    )  # fmt: skip
    assert done.returncode == 2 and done.stderr == "error: standard output is closed\n"


def test_progress_shows_on_a_terminal_after_a_second_and_never_when_quiet(monkeypatch):
    from sim.commands import progress as module

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    with module.progress("work", shown=False) as update:
        assert update is None
    monkeypatch.setattr(module.progress, "DELAY_S", 0.0)
    with module.progress("work") as update:
        update(1, 4)
        bar = update.__self__.bar
        assert bar is not None and bar.tasks[0].completed == 1 and bar.tasks[0].total == 4
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    with module.progress("work") as update:
        assert update is None
