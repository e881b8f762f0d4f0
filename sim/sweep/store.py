"""A sweep's results file: rows appended as points finish, read back to resume.

The format follows the suffix: `.csv`, `.jsonl` (one JSON object a line, values typed) or
`.parquet` (pyarrow). A CSV or JSONL row is appended with one write of one whole line and
flushed to disk, so a crash or Ctrl-C keeps every finished row; a line cut short by a kill in
the middle of that write (the only torn row possible) has no newline, and is dropped when the
file is next read. A CSV row with a column the header lacks (a device with another cache
level, say) rewrites the file with the wider header, in one atomic step. A Parquet file
cannot be appended to: it is rewritten whole, atomically, after every row.
"""

import csv
import io
import json
import os
import re
from pathlib import Path
from typing import Any

from sim.errors import ConfigError
from sim.outputs import commit

FORMATS = (".csv", ".jsonl", ".parquet")
_INT = re.compile(r"^-?[0-9]+$")
_FLOAT = re.compile(r"^-?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?$|^-?(?:inf|nan)$")
# columns that name things: read back as text even when they look like numbers (a hex key
# such as 1675826e39092325 reads as a float, inf)
NAME_COLUMNS = ("key", "workload", "hw", "schedule", "precision", "sparsity", "bound", "error")


def open_store(path: str) -> "Store":
    """The store for `path`, by its suffix."""
    suffix = Path(path).suffix.lower()
    stores = {".csv": CsvStore, ".jsonl": JsonlStore, ".parquet": ParquetStore}
    if suffix not in stores:
        raise ConfigError(f"unknown results format (use {', '.join(FORMATS)})", file=path)
    return stores[suffix](path)


class Store:
    """Rows in a file; `rows()` reads it once (repairing a torn last line), `append` adds one,
    `rewrite` replaces them all."""

    def __init__(self, path: str):
        self.path = path
        self._rows: list[dict[str, Any]] | None = None

    def rows(self) -> list[dict[str, Any]]:
        if self._rows is None:
            self._rows = self._read() if Path(self.path).exists() else []
        return list(self._rows)

    def append(self, row: dict[str, Any]) -> None:
        self.rows()
        self._rows.append(row)
        self._append(row)

    def rewrite(self, rows: list[dict[str, Any]]) -> None:
        self._rows = list(rows)
        commit([(self.path, self._encode(self._rows))])

    def _read(self) -> list[dict[str, Any]]:
        raise NotImplementedError

    def _append(self, row: dict[str, Any]) -> None:
        self.rewrite(self._rows)

    def _encode(self, rows: list[dict[str, Any]]) -> bytes:
        raise NotImplementedError

    def _whole_lines(self) -> str:
        """The file's text up to its last newline; a torn tail after it is cut off the file."""
        data = Path(self.path).read_bytes()
        end = data.rfind(b"\n") + 1
        if end < len(data):
            os.truncate(self.path, end)
        try:
            return data[:end].decode("utf-8")
        except UnicodeDecodeError:
            raise ConfigError("not a UTF-8 results file", file=self.path) from None


def _append_line(path: str, line: bytes) -> None:
    """One write of a whole line at the end of the file, flushed to disk."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)


class JsonlStore(Store):
    def _read(self) -> list[dict[str, Any]]:
        rows = []
        for number, line in enumerate(self._whole_lines().splitlines(), 1):
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                row = None
            if not isinstance(row, dict):
                raise ConfigError(
                    "not a JSON object (a results file?)", file=self.path, place=f"line {number}"
                )
            rows.append(row)
        return rows

    def _append(self, row: dict[str, Any]) -> None:
        _append_line(self.path, _json_line(row))

    def _encode(self, rows: list[dict[str, Any]]) -> bytes:
        return b"".join(_json_line(row) for row in rows)


def _json_line(row: dict[str, Any]) -> bytes:
    return (json.dumps(row, allow_nan=True) + "\n").encode()


class CsvStore(Store):
    def __init__(self, path: str):
        super().__init__(path)
        self.columns: list[str] = []

    def _read(self) -> list[dict[str, Any]]:
        reader = csv.DictReader(io.StringIO(self._whole_lines(), newline=""))
        self.columns = list(reader.fieldnames or [])
        if self.columns and "key" not in self.columns:
            raise ConfigError("has no 'key' column: not a sweep's results", file=self.path)
        return [
            {k: v or None if k in NAME_COLUMNS else _typed(v) for k, v in row.items()}
            for row in reader
        ]

    def _append(self, row: dict[str, Any]) -> None:
        if not self.columns or set(row) - set(self.columns):
            self.rewrite(self._rows)
        else:
            _append_line(self.path, _csv_lines(self.columns, [row]))

    def _encode(self, rows: list[dict[str, Any]]) -> bytes:
        self.columns = list(dict.fromkeys(k for row in rows for k in row))
        return _csv_lines(self.columns, rows, header=True)


def _csv_lines(columns: list[str], rows: list[dict[str, Any]], header: bool = False) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if header:
        writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else row[c] for c in columns])
    return out.getvalue().encode()


def _typed(text: str | None) -> Any:
    """A CSV cell as the value it was written from: None, bool, int, float or text."""
    if text is None or text == "":
        return None
    if text in ("True", "False"):
        return text == "True"
    if _INT.match(text):
        return int(text)
    if _FLOAT.match(text):
        return float(text)
    return text


class ParquetStore(Store):
    def _read(self) -> list[dict[str, Any]]:
        parquet = _pyarrow_parquet()
        try:
            return parquet.read_table(self.path).to_pylist()
        except Exception as exc:  # pyarrow's errors have no common base
            raise ConfigError(f"not a Parquet file ({exc})", file=self.path) from None

    def _encode(self, rows: list[dict[str, Any]]) -> bytes:
        import pyarrow as pa

        parquet = _pyarrow_parquet()
        columns = list(dict.fromkeys(k for row in rows for k in row))
        table = pa.table({c: _arrow_column([row.get(c) for row in rows]) for c in columns})
        sink = io.BytesIO()
        parquet.write_table(table, sink)
        return sink.getvalue()


def _arrow_column(values: list[Any]):
    """One type per column: a column of mixed values (1MiB and 16) is kept as text."""
    import pyarrow as pa

    kinds = {type(v) for v in values if v is not None}
    if len(kinds) > 1 and kinds != {int, float}:
        values = [None if v is None else str(v) for v in values]
    return pa.array(values)


def _pyarrow_parquet():
    try:
        import pyarrow.parquet
    except ImportError:
        raise ConfigError("a .parquet results file needs pyarrow: pip install pyarrow") from None
    return pyarrow.parquet
