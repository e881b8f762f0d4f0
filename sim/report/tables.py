"""One table, three renderings: a rich terminal table, a GitHub Markdown table, CSV.

A report describes its columns once (terminal header, machine key with its unit, formatter),
so the terminal, Markdown and CSV views cannot drift apart: every number shown on the
terminal is a value of the CSV, unrounded, under a name that carries its unit.
"""

import csv
import io
from collections.abc import Callable, Sequence
from typing import Any

from attrs import define
from rich.table import Table

Row = dict[str, Any]

FORMATS = ("table", "markdown")


@define(frozen=True)
class Column:
    header: str  # what the terminal shows, with the display unit: "time us"
    key: str  # the CSV / JSON name, with the SI unit: "seconds"
    text: Callable[[Any], str] = str  # the value as the terminal shows it
    numeric: bool = True  # right-aligned

    def cell(self, row: Row) -> str:
        """The value as text: "-" for none (a ratio over zero), "" where the row has no value."""
        value = row.get(self.key, "")
        if value is None:
            return "-"
        return "" if value == "" else self.text(value)


@define(frozen=True)
class Report:
    title: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    total: Row | None = None  # the footer: sums and ratios of sums


def rich_table(report: Report) -> Table:
    footer = report.total is not None
    table = Table(title=report.title, header_style="bold", show_footer=footer)
    for column in report.columns:
        table.add_column(
            column.header,
            footer=column.cell(report.total) if footer else "",
            justify="right" if column.numeric else "left",
        )
    for row in report.rows:
        table.add_row(*(column.cell(row) for column in report.columns))
    return table


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def markdown_table(report: Report) -> str:
    """A GitHub-flavoured Markdown table, the title as a bold line above it, totals in bold."""
    lines = [f"**{_md(report.title)}**", ""]
    lines.append("| " + " | ".join(_md(c.header) for c in report.columns) + " |")
    lines.append("|" + "|".join("---:" if c.numeric else "---" for c in report.columns) + "|")
    for row in report.rows:
        lines.append("| " + " | ".join(_md(c.cell(row)) for c in report.columns) + " |")
    if report.total is not None:
        cells = [c.cell(report.total) for c in report.columns]
        lines.append("| " + " | ".join(f"**{_md(t)}**" if t else "" for t in cells) + " |")
    return "\n".join(lines) + "\n"


def csv_text(report: Report, extra_keys: Sequence[str] = ()) -> str:
    """One line per row (the total last, if any), raw values under the columns' keys."""
    keys = list(dict.fromkeys([*(c.key for c in report.columns), *extra_keys]))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(keys)
    rows = [*report.rows, *([report.total] if report.total is not None else [])]
    for row in rows:
        writer.writerow(["" if row.get(k) is None else row.get(k, "") for k in keys])
    return out.getvalue()


def ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def fixed(digits: int, scale: float = 1.0) -> Callable[[float], str]:
    """`value / scale` with thousands separators and `digits` decimals."""
    return lambda value: f"{value / scale:,.{digits}f}"


def percent(value: float) -> str:
    return f"{100 * value:.1f}%"
