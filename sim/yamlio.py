"""Read and write YAML; the only module that imports yaml.

`read_yaml` refuses what no workload, hardware or schedule file needs and what would make the
rest of sim hang or crash: a file over 16 MiB, a key given twice in one mapping (YAML would
keep the last silently), aliases that expand to more than a million values or into
themselves, nesting over 64 levels, an integer beyond 64 bits, an infinite or NaN number.
`Fields` walks a parsed mapping and turns every problem into a located `SimError`:
the file, the path to the value (`memory[1].ways`) and what was expected.
"""

import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import yaml

from sim.errors import SimError
from sim.paths import closest

_MISSING = object()
MAX_FILE_BYTES = 16 * 2**20
MAX_VALUES = 1_000_000  # after expanding aliases: the largest shipped file has about 2,000
MAX_DEPTH = 64
MAX_INT = 2**63 - 1
_MERGE = "tag:yaml.org,2002:merge"


# libyaml's parser where PyYAML was built with it (pi3.yaml read in about 2 ms instead of
# 9), else PyYAML's own: the same safe constructor builds the same values from either.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TOO_DEEP = "exceeded maximum nesting depth"  # libyaml's limit (1,000 levels)


class _Loader(_SafeLoader):
    """The safe loader, refusing a key that appears twice in one mapping."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen = set()
            for key_node, _ in node.value:
                if key_node.tag == _MERGE or not isinstance(key_node, yaml.ScalarNode):
                    continue
                key = self.construct_object(key_node)
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"key {key!r} is given twice", key_node.start_mark
                    )
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


def read_yaml(path: Path, error: type[SimError]) -> Any:
    """Parse a YAML file; a missing file, a syntax error or a value out of bounds becomes one
    located line."""
    file = str(path)
    if Path(path).exists() and not Path(path).is_file():  # a FIFO would block, /dev/zero not end
        raise error("is not a regular file (a directory, a device or a pipe?)", file=file)
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise error(f"cannot read file ({exc.strerror or exc})", file=file) from None
    if len(raw) > MAX_FILE_BYTES:
        raise error(f"file is larger than {MAX_FILE_BYTES // 2**20} MiB", file=file)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise error("not a UTF-8 text file", file=file) from None
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 (a safe loader)
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or "malformed YAML"
        if problem == _TOO_DEEP:  # as deep as PyYAML's own parser overflows the stack
            raise _too_deep(error, file) from None
        mark = getattr(exc, "problem_mark", None)
        place = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        raise error(f"malformed YAML: {problem}", file=file, place=place) from None
    except RecursionError:
        raise _too_deep(error, file) from None
    return checked(data, error, file)


def _too_deep(error: type[SimError], file: str) -> SimError:
    return error(f"malformed YAML: nested deeper than {MAX_DEPTH} levels", file=file)


def checked(data: Any, error: type[SimError], file: str | None) -> Any:
    """`data` if `check_tree` accepts it, else its TreeError as a located `error`."""
    try:
        check_tree(data)
    except TreeError as exc:
        raise error(exc.reason, file=file, place=exc.place or None) from None
    return data


class TreeError(ValueError):
    """A parsed tree that sim must not walk, and where in it."""

    def __init__(self, place: str, reason: str):
        super().__init__(f"{place}: {reason}" if place else reason)
        self.place = place
        self.reason = reason


def check_tree(data: Any) -> int:
    """The number of values in `data` with aliases expanded; TreeError for a tree sim must not
    walk: too many values, too deep, containing itself, a number out of range. Iterative, and
    each shared mapping or list is visited once, so it is fast on the very inputs it refuses."""
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[Any, str, int, bool]] = [(data, "", 0, False)]
    while stack:
        value, place, depth, children_done = stack.pop()
        if not isinstance(value, (dict, list)):
            _check_scalar(value, place)
            continue
        key = id(value)
        children = _children(value, place)
        if children_done:
            on_path.discard(key)
            sizes[key] = 1 + sum(sizes.get(id(child), 1) for child, _ in children)
            if sizes[key] > MAX_VALUES:
                raise TreeError(place, f"expands to more than {MAX_VALUES:,} values (aliases?)")
            continue
        if key in on_path:
            raise TreeError(place, "contains itself (a recursive alias)")
        if key in sizes:
            continue
        if depth >= MAX_DEPTH:
            raise TreeError(place, f"nested deeper than {MAX_DEPTH} levels")
        on_path.add(key)
        stack.append((value, place, depth, True))
        stack.extend((child, where, depth + 1, False) for child, where in children)
    return sizes.get(id(data), 1)


def _children(value: dict | list, place: str) -> list[tuple[Any, str]]:
    if isinstance(value, list):
        return [(item, join_path(place, i)) for i, item in enumerate(value)]
    keys = [(k, place) for k in value]
    return keys + [(v, join_path(place, str(k))) for k, v in value.items()]


def _check_scalar(value: Any, place: str) -> None:
    if isinstance(value, bool):
        return
    if isinstance(value, int) and abs(value) > MAX_INT:
        raise TreeError(place, "integer out of range (at most 2**63 - 1)")
    if isinstance(value, float) and not math.isfinite(value):
        raise TreeError(place, f"expected a finite number, got {value}")


def dump_yaml(data: Any) -> str:
    """Block-style YAML that keeps the key order it was given."""
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=None, width=100)


def dump_yaml_line(data: Any) -> str:
    """`data` as one line of flow-style YAML (`{op: relu, name: r1}`), without a newline."""
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=True, width=10**9).strip()


def load_scalar(text: str) -> Any:
    """One value written as in a YAML file (`16`, `0.5`, `true`, `1MiB`), as the file's parser
    would read it; ValueError for nothing, a list or a mapping."""
    try:
        value = yaml.load(text, Loader=_Loader)  # noqa: S506 (a safe loader)
    except yaml.YAMLError:
        raise ValueError(f"{text!r} is not a YAML value") from None
    if value is None or isinstance(value, (dict, list)):
        raise ValueError(f"expected one value, got {text!r}")
    _check_scalar(value, "")
    return value


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


def as_int(value: Any, *, minimum: int = 0, maximum: int = MAX_INT) -> int:
    """An integer in [minimum, maximum]; bools and fractions are refused."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"expected an integer >= {minimum}, got {value}")
    if value > maximum:
        raise ValueError(f"expected an integer <= {maximum:,}, got {value:,}")
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
