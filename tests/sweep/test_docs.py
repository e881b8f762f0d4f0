"""docs/sweeps.md: its console blocks, run in order in a scratch copy, print what it shows;
its spec block is the shipped spec file."""

import contextlib
import io
import shlex

import pytest

from sim.cli import main
from tests.report.test_docs import BLOCK, _lines_kept
from tests.sweep.doc_pages import ROOT, page_workspace

PAGE = ROOT / "docs" / "sweeps.md"
BLOCKS = BLOCK.findall(PAGE.read_text())
COUNT = 5


@pytest.fixture(scope="module")
def printed() -> list[str]:
    """What each block's command prints, the blocks run one after the other."""
    outputs = []
    with page_workspace(PAGE.name):
        for command, _ in BLOCKS:
            argv, _, pipe = command.partition("|")
            argv, pipe = shlex.split(argv), shlex.split(pipe)
            assert argv[:3] == ["python", "-m", "sim"]
            out = io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
                code = main(argv[3:])
            assert code == 0, command
            lines = out.getvalue().rstrip("\n").split("\n")
            outputs.append("\n".join(_lines_kept(pipe, lines)))
    return outputs


def test_the_page_has_its_console_blocks():
    assert len(BLOCKS) == COUNT


@pytest.mark.parametrize("index", range(COUNT), ids=[c for c, _ in BLOCKS][:COUNT])
def test_a_console_block_prints_what_it_shows(printed, index):
    assert printed[index] == BLOCKS[index][1].rstrip("\n")


def test_the_spec_on_the_page_is_the_spec_file():
    spec = (ROOT / "docs" / "sweeps" / "l2_bandwidth.yaml").read_text()
    assert f"```yaml\n{spec}```" in PAGE.read_text()
