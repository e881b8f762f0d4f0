"""Where shipped hardware configs and workloads live, and how a name resolves to a file."""

import difflib
from collections.abc import Iterable
from pathlib import Path

from sim.errors import SimError

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _search_dirs(folder: str) -> list[Path]:
    dirs = [Path.cwd() / folder, PROJECT_ROOT / folder]
    return list(dict.fromkeys(d for d in dirs if d.is_dir()))


def shipped(folder: str, suffix: str = ".yaml") -> dict[str, Path]:
    """Name -> file for every shipped file in `folder` (the working directory's copy wins)."""
    found: dict[str, Path] = {}
    for directory in reversed(_search_dirs(folder)):
        for path in sorted(directory.glob(f"*{suffix}")):
            found[path.stem] = path
    return dict(sorted(found.items()))


def resolve(spec: str, folder: str, what: str, error: type[SimError]) -> Path:
    """A path as given, or the name of a shipped file in `folder`."""
    path = Path(spec)
    known = shipped(folder)
    if spec in known and not path.is_file():
        return known[spec]  # a name may hold a dot: shufflenet_v1_0.5x_g3
    if path.suffix or "/" in spec or path.exists():
        if path.is_dir():
            raise error(f"is a directory, not a {what} file", file=spec)
        if not path.is_file():
            raise error(f"no such {what} file{_file_hint(path)}", file=spec)
        return path
    if spec not in known:
        match = closest(spec, known)
        hint = f"did you mean {match}?" if match else f"known: {', '.join(known) or 'none found'}"
        raise error(f"unknown {what} '{spec}' ({hint})")
    return known[spec]


def closest(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate most like `word` (case aside), if any is close enough to be a typo."""
    by_lower = {c.lower(): c for c in candidates}
    matches = difflib.get_close_matches(word.lower(), by_lower, n=1, cutoff=0.6)
    return by_lower[matches[0]] if matches else None


def _file_hint(path: Path) -> str:
    """' (did you mean DIR/NAME?)' for a file of that directory with a similar name, else ''."""
    directory = path.parent
    if not directory.is_dir():
        return ""
    match = closest(path.name, (p.name for p in directory.iterdir() if p.is_file()))
    return f" (did you mean {directory / match}?)" if match else ""
