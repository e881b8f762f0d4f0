"""A rich console for the CLI: terminal width on a terminal, wide enough for tables in a pipe."""

import os
import sys

from rich.console import Console

PIPE_WIDTH = 200


class _Console(Console):
    def on_broken_pipe(self) -> None:
        """Leave a closed pipe to the CLI (quiet, exit 141) instead of rich's exit 1."""
        raise BrokenPipeError


def make_console(stderr: bool = False) -> Console:
    """The terminal's width on a terminal, or COLUMNS when set; else PIPE_WIDTH."""
    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() or os.environ.get("COLUMNS", "").isdigit() else PIPE_WIDTH
    console = _Console(file=stream, width=width, highlight=False)
    console.fits_terminal = width is None  # lines wrap at its width; in a pipe they do not
    return console
