"""Errors that are the user's mistake: the CLI prints them as one line and exits with code 2."""


class SimError(Exception):
    """A user's mistake, located: which file, which place in it, and why it is wrong."""

    def __init__(self, reason: str, *, file: str | None = None, place: str | None = None):
        self.reason = reason
        self.file = file
        self.place = place
        super().__init__(str(self))

    def __str__(self) -> str:
        parts = [p for p in (self.file, self.place) if p]
        return ": ".join([*parts, self.reason])

    def located(self, *, file: str | None = None, place: str | None = None) -> "SimError":
        """The same error with a file (and an outer place) filled in where missing."""
        inner = self.place
        if place and inner:
            inner = f"{place}{inner}" if inner.startswith(("[", ".")) else f"{place}.{inner}"
        elif place:
            inner = place
        return type(self)(self.reason, file=self.file or file, place=inner)


class ConfigError(SimError):
    """A bad hardware configuration or command-line value."""


class WorkloadError(SimError):
    """A bad workload: unknown op, missing field, shapes that do not fit."""


class ScheduleError(SimError):
    """A schedule that cannot be applied to its workload."""


class TraceError(SimError):
    """A malformed memory-access trace file."""
