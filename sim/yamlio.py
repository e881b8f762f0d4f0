"""Read and write YAML; the only module that imports yaml.

`Fields` walks a parsed mapping and turns every problem into a located `SimError`:
the file, the path to the value (`memory[1].ways`) and what was expected.
"""

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import yaml

from sim.errors import SimError
from sim.paths import closest

_MISSING = object()


def read_yaml(path: Path, error: type[SimError]) -> Any:
    """Parse a YAML file; a missing file or a syntax error becomes one located line."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise error(f"cannot read file ({exc.strerror or exc})", file=str(path)) from None
    except UnicodeDecodeError:
        raise error("not a UTF-8 text file", file=str(path)) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        place = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        problem = getattr(exc, "problem", None) or "malformed YAML"
        raise error(f"malformed YAML: {problem}", file=str(path), place=place) from None


def dump_yaml(data: Any) -> str:
    """Block-style YAML that keeps the key order it was given."""
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=None, width=100)


def dump_yaml_line(data: Any) -> str:
    """`data` as one line of flow-style YAML (`{op: relu, name: r1}`), without a newline."""
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=True, width=10**9).strip()


def join_path(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


class Fields:
    """A mapping read key by key; `done()` rejects keys nobody asked for, naming the known ones."""

    def __init__(self, data: Any, path: str, error: type[SimError], file: str | None = None):
        if not isinstance(data, dict):
            raise error(f"expected a mapping, got {_kind(data)}", file=file, place=path or None)
        self.data = data
        self.path = path
        self.error = error
        self.file = file
        self._known: list[str] = []

    def fail(self, reason: str, key: str | int | None = None) -> SimError:
        place = join_path(self.path, key) if key is not None else self.path
        return self.error(reason, file=self.file, place=place or None)

    def has(self, key: str) -> bool:
        self._known.append(key)
        return key in self.data

    def get(self, key: str, convert: Callable[[Any], Any] | None = None, default: Any = _MISSING):
        """The value at `key`, converted; a converter's ValueError becomes a located error."""
        self._known.append(key)
        if key not in self.data or self.data[key] is None:
            if default is _MISSING:
                typo = closest(key, (k for k in self.data if isinstance(k, str) and k != key))
                hint = f" (unknown field '{typo}' given: a misspelling?)" if typo else ""
                raise self.fail(f"missing required field '{key}'{hint}")
            return default
        value = self.data[key]
        if convert is None:
            return value
        try:
            return convert(value)
        except (ValueError, TypeError) as exc:
            raise self.fail(str(exc), key) from None

    def sub(self, key: str, default: Any = _MISSING) -> "Fields | None":
        value = self.get(key, default=default)
        if value is None:
            return None
        return Fields(value, join_path(self.path, key), self.error, self.file)

    def items(self, key: str, default: Any = _MISSING) -> Iterator[tuple[str, Any]]:
        """(path, value) for each element of the list at `key`."""
        value = self.get(key, default=default)
        if value is None:
            return
        if not isinstance(value, list):
            raise self.fail(f"expected a list, got {_kind(value)}", key)
        for index, item in enumerate(value):
            yield join_path(join_path(self.path, key), index), item

    def done(self) -> None:
        unknown = [k for k in self.data if k not in self._known]
        if unknown:
            known = ", ".join(dict.fromkeys(self._known))
            raise self.fail(f"unknown field '{unknown[0]}' (known fields: {known})", unknown[0])


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    return {dict: "a mapping", list: "a list", str: "text"}.get(type(value), repr(value))


def as_int(value: Any, *, minimum: int = 0) -> int:
    """An integer >= minimum; bools and fractions are refused."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"expected an integer >= {minimum}, got {value}")
    return value


def as_positive_float(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"expected a number, got {value!r}")
    if not 0 < value < float("inf"):
        raise ValueError(f"expected a positive, finite number, got {value}")
    return float(value)


def as_str(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"expected text, got {value!r}")
    return value
