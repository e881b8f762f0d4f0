"""The docs' console blocks run, and print exactly what the pages show.

A block is `$ python -m sim ...` then its output. The command may end in `| head -n N` or
`| tail -n N`, which keep the first or last N lines of the output, as the shell would.
Every code block of the tutorial is a console block.
"""

import re
import shlex

import pytest

from sim.cli import main
from tests.conftest import ROOT

DOCS = {"levers.md": 12, "reports.md": 3, "schedules.md": 7, "tutorial.md": 18}
BLOCK = re.compile(r"```console\n\$ (.*?)\n(.*?)```", flags=re.S)
BLOCKS = [
    (name, *block) for name in DOCS for block in BLOCK.findall((ROOT / "docs" / name).read_text())
]


@pytest.mark.parametrize("name, count", DOCS.items())
def test_the_page_has_console_blocks(name, count):
    assert sum(1 for page, *_ in BLOCKS if page == name) == count


def test_every_code_block_of_the_tutorial_is_a_console_block():
    text = (ROOT / "docs" / "tutorial.md").read_text()
    assert text.count("```") == 2 * DOCS["tutorial.md"]


def _lines_kept(pipe: list[str], lines: list[str]) -> list[str]:
    """`head -n N` or `tail -n N` applied to `lines`; no pipe keeps them all."""
    if not pipe:
        return lines
    assert pipe[:2] in (["head", "-n"], ["tail", "-n"]) and len(pipe) == 3, pipe
    n = int(pipe[2])
    return lines[:n] if pipe[0] == "head" else lines[-n:]


@pytest.mark.parametrize("page, command, shown", BLOCKS, ids=[f"{p}: {c}" for p, c, _ in BLOCKS])
def test_a_console_block_prints_what_it_shows(capsys, page, command, shown):
    argv, _, pipe = command.partition("|")
    argv, pipe = shlex.split(argv), shlex.split(pipe)
    assert argv[:3] == ["python", "-m", "sim"]
    assert main(argv[3:]) == 0
    out = capsys.readouterr().out.rstrip("\n").split("\n")
    assert "\n".join(_lines_kept(pipe, out)) == shown.rstrip("\n")
