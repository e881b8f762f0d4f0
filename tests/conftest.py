"""Shared fixtures: paths of the shipped inputs, and writing small YAML files for error tests."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def write_file(tmp_path):
    def write(name: str, text: str) -> str:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    return write


@pytest.fixture(autouse=True, scope="session")
def _piped_width():
    """Tables render as they do into a pipe (sim/report/console.py), whatever COLUMNS the
    test runner's processes inherit (pytest-xdist's workers set it): the docs' blocks were
    printed that way."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("COLUMNS", raising=False)
        yield
