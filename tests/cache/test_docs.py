"""docs/cache.md's examples run: its Python block, and the replay whose numbers it quotes."""

import json
import re

from sim.cli import main
from tests.conftest import ROOT

DOC = (ROOT / "docs" / "cache.md").read_text()


def test_the_python_example_runs():
    (code,) = re.findall(r"```python\n(.*?)```", DOC, flags=re.S)
    exec(compile(code, "docs/cache.md", "exec"), {})


def test_the_replay_example_prints_the_quoted_numbers(capsys, write_file):
    (din,) = re.findall(r"```\n(# label address \[size\]\n.*?)```", DOC, flags=re.S)
    path = write_file("example.din", din)
    levels = ["--level", "L1:256B:2:64:lru", "--level", "L2:2KiB:4:64:lru:wt"]
    assert main(["replay", path, *levels, "--json", "-"]) == 0
    data = json.loads(capsys.readouterr().out)
    counts = [[s[k] for k in ("accesses", "hits", "misses", "evictions", "writebacks")]
              for s in data["levels"]]  # fmt: skip
    assert counts == [[9, 3, 6, 3, 2], [8, 3, 5, 0, 0]]
    assert (data["dram_read_bytes"], data["dram_write_bytes"]) == (320, 128)
    assert data["flush"]["dram_write_bytes"] == 128
