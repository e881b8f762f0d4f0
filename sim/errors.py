"""Errors that are the user's mistake: the CLI prints them as one line and exits with code 2."""


class SimError(Exception):
    """A user's mistake, located: which file, which place in it, and why it is wrong."""

    def __init__(self, reason: str, *, file: str | None = None, place: str | None = None):
        self.reason = reason
        self.file = file
        self.place = place
        super().__init__(str(self))

    def __str__(self) -> str:
        """One line: a newline inside a user's value is shown escaped."""
        parts = [p for p in (self.file, self.place) if p]
        text = ": ".join([*parts, self.reason])
        return text.replace("\r", "\\r").replace("\n", "\\n")


class ConfigError(SimError):
    """A bad hardware configuration or command-line value."""


class WorkloadError(SimError):
    """A bad workload: unknown op, missing field, shapes that do not fit."""


class ScheduleError(SimError):
    """A schedule that cannot be applied to its workload."""


class TraceError(SimError):
    """A malformed memory-access trace file."""


class PolicyError(SimError):
    """A user-written replacement policy that raised, or chose a way the set does not have."""
