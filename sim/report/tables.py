"""One table, two renderings: a rich terminal table and a GitHub Markdown table.

A report describes its columns once (terminal header, machine key with its unit, formatter),
so the views cannot drift apart from the JSON and CSV: every number shown on the terminal is
a value of them, unrounded, under a name that carries its unit.
"""

from collections.abc import Callable
from typing import Any

from attrs import define
from rich import box
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
    """A light table: rules under the header and over the footer, two spaces between columns.
    Numbers never wrap or shorten; a too-long name folds onto a second line instead."""
    footer = report.total is not None
    table = Table(
        title=report.title,
        header_style="bold",
        show_footer=footer,
        box=box.SIMPLE_HEAD,
        show_edge=False,
    )
    for column in report.columns:
        table.add_column(
            column.header,
            footer=column.cell(report.total) if footer else "",
            justify="right" if column.numeric else "left",
            no_wrap=column.numeric,
            overflow="fold",
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


def ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def fixed(digits: int, scale: float = 1.0) -> Callable[[float], str]:
    """`value / scale` with thousands separators and `digits` decimals."""
    return lambda value: f"{value / scale:,.{digits}f}"


def percent(value: float) -> str:
    return f"{100 * value:.1f}%"


def scaled_seconds(seconds: float) -> str:
    """A time in the unit that suits it: `170.60 ms`, `96.33 µs`, `1.02 s`."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if abs(seconds) >= scale:
            return f"{seconds / scale:,.2f} {unit}"
    return f"{seconds / 1e-9:,.2f} ns" if seconds else "0 s"


def scaled_bytes(n_bytes: float) -> str:
    """Bytes in the decimal unit that suits them, as the talk writes them: `4.60 MB`, `410 B`."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if abs(n_bytes) >= scale:
            return f"{n_bytes / scale:,.2f} {unit}"
    return f"{n_bytes:,.0f} B"


def scaled_joules(joules: float) -> str:
    """An energy in the unit that suits it: `18.20 mJ`, `3.10 µJ`, `1.02 J`."""
    for unit, scale in (("J", 1.0), ("mJ", 1e-3), ("µJ", 1e-6), ("nJ", 1e-9)):
        if abs(joules) >= scale:
            return f"{joules / scale:,.2f} {unit}"
    return f"{joules / 1e-12:,.2f} pJ" if joules else "0 J"
