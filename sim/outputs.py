"""Write result files whole or not at all: into a temporary file beside the target, then rename."""

import contextlib
import io
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.errors import ConfigError

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def write_text(path: str, text: str) -> None:
    """Write `text` to `path` atomically; `-` means standard output."""
    if path == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    write_bytes(path, text.encode("utf-8"))


def write_bytes(path: str, data: bytes) -> None:
    """Write `data` to the file `path` atomically."""
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        problem = "is not a directory" if directory.exists() else "does not exist"
        raise ConfigError(f"directory {str(directory)!r} {problem}", file=path)
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise ConfigError(f"cannot write output ({exc.strerror or exc})", file=path) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, _file_mode(target))
        os.replace(tmp, target)
    except BaseException as exc:  # Ctrl-C included: never leave the temporary behind
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise ConfigError(f"cannot write output ({exc.strerror or exc})", file=path) from None
        raise


def _file_mode(target: Path) -> int:
    """The mode the file keeps or, for a new one, what open() would give (not mkstemp's 0600)."""
    if target.exists():
        return target.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_json(path: str, data: Any, compact: bool = False) -> None:
    """Indented JSON, or `compact` (no whitespace) for large machine-read files."""
    text = json.dumps(data, separators=(",", ":")) if compact else json.dumps(data, indent=2)
    write_text(path, text + "\n")


FIGURE_FORMATS = ("png", "svg", "pdf")
_NO_DATES = {"svg": {"Date": None}, "pdf": {"CreationDate": None}}  # same inputs, same bytes


def check_figure_path(path: str) -> str:
    """The format a plot path names by its suffix; refused before any work is done."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in FIGURE_FORMATS:
        known = ", ".join(f".{f}" for f in FIGURE_FORMATS)
        raise ConfigError(f"a plot file must end in {known}", file=path)
    return suffix


def write_figure(path: str, figure: "Figure") -> None:
    """Render a matplotlib figure in the format its suffix names, then write it atomically."""
    import matplotlib  # only the commands that plot pay for importing it

    suffix = check_figure_path(path)
    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "sim"}):
        figure.savefig(buffer, format=suffix, metadata=_NO_DATES.get(suffix))
    write_bytes(path, buffer.getvalue())
