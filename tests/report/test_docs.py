"""docs/reports.md's console blocks run, and print exactly what the page shows."""

import re
import shlex

import pytest

from sim.cli import main
from tests.conftest import ROOT

DOC = (ROOT / "docs" / "reports.md").read_text()
BLOCKS = re.findall(r"```console\n\$ (.*?)\n(.*?)```", DOC, flags=re.S)


def test_the_page_has_console_blocks():
    assert len(BLOCKS) == 3


@pytest.mark.parametrize("command, shown", BLOCKS, ids=[c for c, _ in BLOCKS])
def test_a_console_block_prints_what_it_shows(capsys, command, shown):
    argv = shlex.split(command)
    assert argv[:3] == ["python", "-m", "sim"]
    assert main(argv[3:]) == 0
    assert capsys.readouterr().out.rstrip("\n") == shown.rstrip("\n")
