"""A progress bar on stderr for work that may take more than a second.

Shown only on a terminal, never under --quiet, and only once the work has taken a second;
it disappears when the work is done, so standard output and pipes never see it.
"""

import sys
import time

from rich.progress import Progress

from sim.report.console import make_console


class progress:
    """`with progress("simulating kernels", shown) as update:` gives `update(done, total)`, or
    None when no bar may be shown (callers pass it on as an optional callback)."""

    DELAY_S = 1.0

    def __init__(self, label: str, shown: bool = True):
        self.label = label
        self.shown = shown
        self.bar = None
        self.task = None
        self.started = time.monotonic()

    def __enter__(self):
        return self.update if self.shown and sys.stderr.isatty() else None

    def update(self, done: int, total: int, label: str | None = None) -> None:
        """`done` of `total`; `label` (optional) replaces the bar's text (counts, failures)."""
        if label is not None:
            self.label = label
        if self.bar is None:
            if time.monotonic() - self.started < self.DELAY_S:
                return
            self.bar = Progress(console=make_console(stderr=True), transient=True)
            self.bar.start()
            self.task = self.bar.add_task(self.label, total=total)
        self.bar.update(self.task, completed=done, total=total, description=self.label)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()
        return False
