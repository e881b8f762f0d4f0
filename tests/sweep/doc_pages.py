"""Docs pages whose console blocks write files (docs/sweeps.md): run in a scratch copy.

A sweep appends to its results file and resumes from it, so the page's blocks run in order
in a fresh directory holding a copy of the page's inputs (docs/sweeps/*.yaml), where the
results and plots they write are thrown away; tests/report/refresh_docs.py uses the same."""

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRATCH_PAGES = {"sweeps.md": "docs/sweeps"}  # page -> the folder of inputs it reads


@contextlib.contextmanager
def page_workspace(name: str):
    """For a page of SCRATCH_PAGES, a scratch working directory with its inputs copied;
    for any other page, the current directory as it is."""
    if name not in SCRATCH_PAGES:
        yield
        return
    previous = os.getcwd()
    with tempfile.TemporaryDirectory() as scratch:
        folder = SCRATCH_PAGES[name]
        target = Path(scratch) / folder
        target.mkdir(parents=True)
        for spec in (ROOT / folder).glob("*.yaml"):
            shutil.copy(spec, target / spec.name)
        os.chdir(scratch)
        try:
            yield
        finally:
            os.chdir(previous)
