"""Rewrite the docs' console blocks with what their commands print now.

    python tests/report/refresh_docs.py [PAGE ...]

The explicit way to refresh the pages tests/report/test_docs.py checks (never edit a block's
output by hand): each block's command is run in-process, its `| head -n N` / `| tail -n N`
applied, and the block's output replaced. Prints the blocks that changed.
"""

import contextlib
import io
import shlex
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sim.cli import main  # noqa: E402
from tests.report.test_docs import BLOCK, DOCS, _lines_kept  # noqa: E402
from tests.sweep.doc_pages import SCRATCH_PAGES, page_workspace  # noqa: E402


def _output(command: str) -> str:
    argv, _, pipe = command.partition("|")
    argv, pipe = shlex.split(argv), shlex.split(pipe)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(argv[3:])
    if code != 0:
        raise SystemExit(f"{command!r} exited {code}")
    lines = out.getvalue().rstrip("\n").split("\n")
    return "\n".join(_lines_kept(pipe, lines)) + "\n"


def refresh(page: Path) -> int:
    text = page.read_text()
    changed = 0

    def replace(match) -> str:
        nonlocal changed
        command, shown = match.group(1), match.group(2)
        now = _output(command)
        if now != shown:
            changed += 1
            print(f"{page.name}: {command}")
        return f"```console\n$ {command}\n{now}```"

    with page_workspace(page.name):  # a page that writes files runs in a scratch copy
        text = BLOCK.sub(replace, text)
    page.write_text(text)
    return changed


if __name__ == "__main__":
    names = sys.argv[1:] or [*DOCS, *SCRATCH_PAGES]
    total = sum(refresh(ROOT / "docs" / name) for name in names)
    print(f"{total} blocks refreshed")
