"""Where shipped hardware configs and workloads live, and how a name resolves to a file.

A name (`pi3`, `mobilenet`) is looked up, in this order:

1. `./FOLDER/NAME.yaml` in the working directory (a user's own copy or edit);
2. the files shipped with sim: `FOLDER/` of the source checkout (run from the repository, or
   installed with `pip install -e .`), or the copy a wheel installs as `sim/_shipped/FOLDER/`.

A working-directory file that shadows a different shipped file of the same name is announced
with a `ShadowWarning` (the CLI prints it as one `note:` line on stderr); library code never
prints.
"""

import re
import warnings
from collections.abc import Iterable
from pathlib import Path

from sim.errors import SimError

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent
SHIPPED_PACKAGE = "_shipped"  # where pyproject.toml puts hw_configs/ and workloads/ in a wheel


class ShadowWarning(UserWarning):
    """A file in the working directory is used instead of the shipped file of the same name."""


def shipped_dir(folder: str) -> Path | None:
    """The directory of the files sim ships in `folder`: the checkout's, else the wheel's."""
    for directory in (PROJECT_ROOT / folder, PACKAGE_DIR / SHIPPED_PACKAGE / folder):
        if directory.is_dir():
            return directory
    return None


def _local_dir(folder: str) -> Path | None:
    directory = Path.cwd() / folder
    shipped = shipped_dir(folder)
    if not directory.is_dir() or (shipped and directory.resolve() == shipped.resolve()):
        return None
    return directory


def _files(directory: Path | None, suffix: str) -> dict[str, Path]:
    if directory is None:
        return {}
    return {path.stem: path for path in sorted(directory.glob(f"*{suffix}")) if path.is_file()}


def shipped(folder: str, suffix: str = ".yaml") -> dict[str, Path]:
    """Name -> file for every file of `folder` a name can reach (the working directory's wins)."""
    found = _files(shipped_dir(folder), suffix) | _files(_local_dir(folder), suffix)
    return dict(sorted(found.items()))


def _by_name(name: str, folder: str, what: str) -> Path | None:
    """The file a name means, announcing a local file that shadows a different shipped one."""
    local = _files(_local_dir(folder), ".yaml").get(name)
    packaged = _files(shipped_dir(folder), ".yaml").get(name)
    if local is not None and packaged is not None and local.read_bytes() != packaged.read_bytes():
        warnings.warn(
            ShadowWarning(
                f"{what} '{name}' is {Path(folder) / local.name} of the working directory, "
                f"not the shipped {packaged}"
            ),
            stacklevel=3,
        )
    return local or packaged


def resolve(spec: str, folder: str, what: str, error: type[SimError]) -> Path:
    """A path as given, or the name of a file in `folder` (see the module's lookup order)."""
    path = Path(spec)
    if not path.is_file():
        by_name = _by_name(spec, folder, what)
        if by_name is not None:
            return by_name  # a name may hold a dot: shufflenet_v1_0.5x_g3
    if path.suffix or "/" in spec or path.exists():
        if path.is_dir():
            raise error(f"is a directory, not a {what} file", file=spec)
        if path.exists() and not path.is_file():
            raise error("is not a regular file (a device or a pipe?)", file=spec)
        if not path.is_file():
            raise error(f"no such {what} file{_file_hint(path)}", file=spec)
        return path
    known = shipped(folder)
    match = closest(spec, known)
    hint = f"did you mean {match}?" if match else f"known: {', '.join(known) or 'none found'}"
    raise error(f"unknown {what} '{spec}' ({hint})")


def closest(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate most like `word`, if it can only be a typo of it: case aside, at most one
    edit per four characters (an insertion, deletion, substitution or swap of neighbours), and
    the same digits in the same order when `word` has any (`fp64` is not a typo of `fp16`, nor
    `pi4` of `pi3`)."""
    lowered = word.lower()
    digits = re.sub(r"\D", "", word)
    best: tuple[int, str] | None = None
    for candidate in candidates:
        if digits and re.sub(r"\D", "", candidate) != digits:
            continue
        distance = _edits(lowered, candidate.lower(), limit=max(1, len(word) // 4))
        if distance is not None and (best is None or distance < best[0]):
            best = (distance, candidate)
    return best[1] if best else None


def _edits(a: str, b: str, limit: int) -> int | None:
    """The optimal-string-alignment distance between `a` and `b`, or None if over `limit`."""
    if abs(len(a) - len(b)) > limit:
        return None
    before, row = None, list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            cost = min(row[j] + 1, current[j - 1] + 1, row[j - 1] + (x != y))
            if before is not None and i > 1 and j > 1 and x == b[j - 2] and a[i - 2] == y:
                cost = min(cost, before[j - 2] + 1)
            current.append(cost)
        before, row = row, current
    return row[-1] if row[-1] <= limit else None


def _file_hint(path: Path) -> str:
    """' (did you mean DIR/NAME?)' for a file of that directory with a similar name, else ''."""
    directory = path.parent
    if not directory.is_dir():
        return ""
    match = closest(path.name, (p.name for p in directory.iterdir() if p.is_file()))
    return f" (did you mean {directory / match}?)" if match else ""
