"""Write result files whole or not at all: into a temporary file beside the target, then rename."""

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from sim.errors import ConfigError


def write_text(path: str, text: str) -> None:
    """Write `text` to `path` atomically; `-` means standard output."""
    if path == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise ConfigError(f"directory {str(directory)!r} does not exist", file=path)
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{target.name}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, target)
    except OSError as exc:
        if "tmp" in locals() and os.path.exists(tmp):
            os.unlink(tmp)
        raise ConfigError(f"cannot write output ({exc.strerror or exc})", file=path) from None


def write_json(path: str, data: Any) -> None:
    write_text(path, json.dumps(data, indent=2) + "\n")
