"""Result files: checked before any work, then written all together, whole or not at all.

`check_outputs` runs before a command loads anything: it refuses two outputs to one path
(standard output, `-`, included), an output that is one of the run's inputs, a directory, a
missing directory and an existing read-only file. `commit` then writes a run's files as one
step: each goes to a temporary file beside its target, and only once every one is complete
are they renamed over their targets, with Ctrl-C and SIGTERM held back for those few renames.
An interruption before that leaves every old file as it was and no temporary behind.
"""

import contextlib
import io
import json
import os
import signal
import sys
import tempfile
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.errors import ConfigError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

STDOUT = "-"
_HELD_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def check_outputs(outputs: dict[str, str | None], inputs: Iterable[str | Path] = ()) -> None:
    """Refuse, before any work, outputs that would collide, overwrite an input or fail.
    `outputs` maps each flag (`--json`) to its path, or None when not given."""
    given = {flag: path for flag, path in outputs.items() if path}
    to_stdout = [flag for flag, path in given.items() if path == STDOUT]
    if len(to_stdout) > 1:
        raise ConfigError(
            f"{' and '.join(to_stdout)} all write to standard output ('-'): "
            "give all but one of them a file"
        )
    seen: dict[str, str] = {}
    read = {_identity(path): str(path) for path in inputs}
    for flag, path in given.items():
        if path == STDOUT:
            continue
        identity = _identity(path)
        if identity in seen:
            raise ConfigError(f"{flag} and {seen[identity]} write to the same file", file=path)
        seen[identity] = flag
        if identity in read:
            raise ConfigError(f"{flag} would overwrite {read[identity]}, an input", file=path)
        _check_writable(path)


def _identity(path: str | Path) -> str:
    """One name per file: symbolic links, `..` and relative paths resolved."""
    return os.path.realpath(path)


def _check_writable(path: str) -> None:
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        problem = "is not a directory" if directory.exists() else "does not exist"
        raise ConfigError(f"directory {str(directory)!r} {problem}", file=path)
    if target.is_dir():
        raise ConfigError("is a directory: give a file name", file=path)
    if target.exists() and not target.stat().st_mode & 0o222:
        raise ConfigError("is read-only: not replaced", file=path)


def commit(files: Sequence[tuple[str, bytes]]) -> list[str]:
    """Write every (path, bytes) whole, or none of them; `-` goes to standard output, after
    the files. The paths written, in order (standard output left out)."""
    staged: list[tuple[str, str]] = []
    try:
        for path, data in files:
            if path != STDOUT:
                staged.append((_stage(path, data), path))
        with _signals_held():
            _replace_all(staged)
        staged = []
    finally:
        for tmp, _ in staged:  # an error or an interruption: no temporary left behind
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    for path, data in files:
        if path == STDOUT:
            sys.stdout.write(data.decode("utf-8"))
            sys.stdout.flush()
    return [path for path, _ in files if path != STDOUT]


def _replace_all(staged: list[tuple[str, str]]) -> None:
    """Rename each temporary over its target; if one rename fails, put back the targets
    already replaced (from hard-linked copies of the old files) and remove new ones."""
    done: list[tuple[str, str | None]] = []  # (target, backup of the old file or None)
    try:
        for tmp, path in staged:
            backup = _backup(path)
            try:
                os.replace(tmp, path)
            except OSError:
                if backup:
                    os.unlink(backup)
                raise
            done.append((path, backup))
    except OSError as exc:
        for path, backup in reversed(done):
            with contextlib.suppress(OSError):
                if backup:
                    os.replace(backup, path)
                else:
                    os.unlink(path)
        raise ConfigError(f"cannot write output ({exc.strerror or exc})", file=path) from None
    for _, backup in done:
        if backup:
            with contextlib.suppress(OSError):
                os.unlink(backup)


def _backup(path: str) -> str | None:
    """A hard link to the file at `path`, if there is one, to restore it from (none where the
    file system has no hard links: then a failed commit cannot restore that one file)."""
    if not os.path.isfile(path):
        return None
    target = Path(path)
    backup = str(target.with_name(f".{target.name}.{os.getpid()}.old"))
    with contextlib.suppress(FileNotFoundError):
        os.unlink(backup)
    try:
        os.link(path, backup)
    except OSError:
        return None
    return backup


def _stage(path: str, data: bytes) -> str:
    """`data` in a temporary file beside `path`, with the mode the target keeps or would get."""
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise ConfigError(f"cannot write output ({exc.strerror or exc})", file=path) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, _file_mode(target))
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise ConfigError(f"cannot write output ({exc.strerror or exc})", file=path) from None
        raise
    return tmp


@contextlib.contextmanager
def _signals_held():
    """Ctrl-C and SIGTERM wait until the block is done (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _file_mode(target: Path) -> int:
    """The mode the file keeps or, for a new one, what open() would give (not mkstemp's 0600)."""
    if target.exists():
        return target.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def text_bytes(text: str) -> bytes:
    return text.encode("utf-8")


def json_bytes(data: Any, compact: bool = False) -> bytes:
    """Indented JSON, or `compact` (no whitespace) for large machine-read files; never NaN or
    Infinity, which JSON does not have."""
    separators = (",", ":") if compact else None
    text = json.dumps(data, indent=None if compact else 2, separators=separators, allow_nan=False)
    return (text + "\n").encode("utf-8")


FIGURE_FORMATS = ("png", "svg", "pdf")
_NO_DATES = {"svg": {"Date": None}, "pdf": {"CreationDate": None}}  # same inputs, same bytes


def check_figure_path(path: str) -> str:
    """The format a plot path names by its suffix; refused before any work is done."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in FIGURE_FORMATS:
        known = ", ".join(f".{f}" for f in FIGURE_FORMATS)
        raise ConfigError(f"a plot file must end in {known}", file=path)
    return suffix


def figure_bytes(path: str, figure: "Figure") -> bytes:
    """A matplotlib figure rendered in the format the suffix of `path` names."""
    import matplotlib  # only the commands that plot pay for importing it

    suffix = check_figure_path(path)
    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "sim"}):
        figure.savefig(buffer, format=suffix, metadata=_NO_DATES.get(suffix))
    return buffer.getvalue()
