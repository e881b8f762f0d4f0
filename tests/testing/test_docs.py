"""docs/testing-caches.md's Python blocks run, in order, each on its own: every `test_*`
function a block defines is called. A block whose next block is a ```text block must fail:
the failing case the text shows, pasted back into the test, must raise exactly the text's
exception, and what hypothesis reports when it searches must be the same report but for its
numbers (where a long search shrinks to differs between machines: docs/testing-caches.md)."""

import linecache
import re

import numpy as np
import pytest

from sim.hw.model import CacheLevel, Replacement, WritePolicy
from sim.testing import Trace
from tests.conftest import ROOT

PAGE = "docs/testing-caches.md"
# A Python block, and the ```text block that follows it before any other block, if there is one.
BLOCK = re.compile(r"```python\n(.*?)```\n(?:(?:(?!```).)*```text\n(.*?)```\n)?", flags=re.S)
BLOCKS = BLOCK.findall((ROOT / PAGE).read_text())
REPRODUCE_BLOB = "\nYou can reproduce this test case"


def _run(number: int, code: str) -> dict:
    """Exec the block as a file named after it would be, so that hypothesis sees the same
    source (its derandomized seed hashes the test's source) as a user who saved the block."""
    filename = f"<{PAGE} block {number}>"
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    namespace = {"__name__": "test_policy"}  # as if saved as test_policy.py
    exec(compile(code, filename, "exec"), namespace)
    return namespace


def _report(error: BaseException) -> str:
    """The exception and its notes, without the `@reproduce_failure` blob hypothesis adds on CI
    machines (its CI profile sets `print_blob`): the page shows what a user's terminal shows."""
    notes = [n for n in getattr(error, "__notes__", []) if not n.startswith(REPRODUCE_BLOB)]
    return "\n".join([f"{type(error).__name__}: {error}", *notes])


def test_the_page_has_its_blocks():
    assert len(BLOCKS) == 4
    assert sum(1 for _, shown in BLOCKS if shown) == 2


def _numbers_masked(text: str) -> str:
    return re.sub(r"[0-9]+(?:[ ,]+[0-9]+)*", "#", text)


def _shown_case(shown: str, namespace: dict) -> dict:
    """The arguments of the text's `Failing test case: name(...)`, evaluated."""
    call = shown.split("Failing test case: ", 1)[1]
    arguments = call[call.index("(") + 1 : call.rindex(")")]
    names = {"CacheLevel": CacheLevel, "Replacement": Replacement, "WritePolicy": WritePolicy}
    names.update(Trace=lambda **fields: Trace(**{k: np.array(v) for k, v in fields.items()}))
    names.update(test_policy=type("module", (), namespace))
    return eval(f"dict({arguments})", names)


@pytest.mark.parametrize("number", range(len(BLOCKS)), ids=lambda n: f"block {n + 1}")
def test_a_block_runs_and_prints_what_the_page_shows(number):
    code, shown = BLOCKS[number]
    namespace = _run(number + 1, code)
    tests = [f for name, f in namespace.items() if name.startswith("test_")]
    for test in tests:
        if not shown:
            test()
            continue
        with pytest.raises(Exception) as pasted:
            test.hypothesis.inner_test(**_shown_case(shown, namespace))
        first_line = shown.split("\n", 1)[0]
        assert f"{type(pasted.value).__name__}: {pasted.value}" == first_line
        with pytest.raises(Exception) as searched:
            test()
        assert _numbers_masked(_report(searched.value)) == _numbers_masked(shown.rstrip("\n"))
