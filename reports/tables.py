"""One shape for every table the reports show, export and print: a title, columns, rows.

A page renders a `Table` as HTML; `exports` writes the same object as CSV or as one XLSX sheet
(Vietnamese headers, number formats, a frozen header row); the PDF reports print it. So a figure
in a download is the figure on the page: both read the same cells.

Cells hold exact values (int, Decimal, Fraction, date, str, None); `Column.kind` says how to
show them: "text", "count", "percent" (0–100), "score", "hours", "date".
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from core.csvsafe import cell as safe_cell
from core.formatting import EMPTY, format_date, format_number

KINDS = ("text", "count", "percent", "score", "hours", "date")
PLACES = {"count": 0, "percent": 1, "score": 1, "hours": 1}
XLSX_FORMATS = {
    "count": "#,##0",
    "percent": "0.0",
    "score": "0.0",
    "hours": "0.0",
    "date": "dd/mm/yyyy",
}


@dataclass(frozen=True)
class Column:
    key: str
    title: str  # already translated: the page's and the file's header
    kind: str = "text"
    width: int | None = None  # characters, for XLSX

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"column {self.key}: kind {self.kind} unknown")


@dataclass
class Table:
    key: str  # file and sheet name: "wards", "indicators"
    title: str
    columns: Sequence[Column]
    rows: list[dict[str, Any]] = field(default_factory=list)
    note: str = ""  # e.g. "Figures as of 30/11/2026, snapshot taken 01/12/2026 00:05"

    def values(self, row: dict[str, Any]) -> list[Any]:
        return [row.get(column.key) for column in self.columns]


def cell_kind(row: dict[str, Any], column: Column) -> str:
    """How a cell is shown: its column's kind, or its row's own in a column of mixed units
    (a count beside a percentage), named in the row's `_kinds`."""
    return row.get("_kinds", {}).get(column.key, column.kind)


def rounded(value: Any, kind: str) -> Any:
    """A number as files carry it: a Decimal rounded half-up to the kind's places (exactly)."""
    if value is None or kind in ("text", "date"):
        return value
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    if isinstance(value, int | Decimal):
        places = PLACES[kind]
        exponent = Decimal(1).scaleb(-places)
        number = Decimal(value).quantize(exponent, rounding=ROUND_HALF_UP)
        return int(number) if places == 0 else number
    return value


@lru_cache(maxsize=4096)
def _number(number: int | Decimal, locale: str) -> str:
    """Babel's formatting is a page's slowest step, and a ward table repeats its numbers."""
    return format_number(number, locale)


def show(value: Any, kind: str, locale: str, *, signed: bool = False) -> str:
    """A cell as pages and PDFs show it: 1.500; 35,5 %; 01/12/2026; — for none. Rounded here,
    exactly half-up, and nowhere before."""
    if value is None or value == "":
        return EMPTY
    if kind == "text":
        return str(value)
    if kind == "date":
        return format_date(value, locale)
    number = rounded(value, kind)
    text = _number(number, locale)
    if signed and number > 0:
        text = "+" + text
    return f"{text} %" if kind == "percent" else text


def csv_bytes(table: Table) -> bytes:
    """The table as CSV (UTF-8 with a BOM, so Excel reads Vietnamese; ',' and '.' decimals)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(column.title) for column in table.columns])
    for row in table.rows:
        cells = []
        for column, value in zip(table.columns, table.values(row), strict=True):
            value = rounded(value, cell_kind(row, column))
            if isinstance(value, dt.date):
                value = value.isoformat()
            cells.append(safe_cell(value))
        writer.writerow(cells)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _sheet_title(text: str) -> str:
    for bad in "[]:*?/\\":
        text = text.replace(bad, " ")
    return text[:31]


def xlsx_bytes(tables: Sequence[Table]) -> bytes:
    """One sheet per table: bold frozen header row, number formats per column, widths."""
    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for table in tables:
        title = _sheet_title(table.title)
        number = 2
        while title.lower() in used:  # Excel compares sheet names case-insensitively
            title = f"{_sheet_title(table.title)[:27]} ({number})"
            number += 1
        used.add(title.lower())
        sheet = book.create_sheet(title)
        sheet.append([column.title for column in table.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in table.rows:
            kinds = [cell_kind(row, column) for column in table.columns]
            sheet.append(
                [rounded(value, kind) for kind, value in zip(kinds, table.values(row), strict=True)]
            )
            for kind, cell in zip(kinds, sheet[sheet.max_row], strict=True):
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"  # text a user typed, never a formula
                elif kind in XLSX_FORMATS:
                    cell.number_format = XLSX_FORMATS[kind]
        for index, column in enumerate(table.columns, start=1):
            letter = get_column_letter(index)
            sheet.column_dimensions[letter].width = column.width or max(
                12, min(48, len(column.title) + 2)
            )
        sheet.freeze_panes = "A2"
        if table.note:
            sheet.append([])
            sheet.append([table.note])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
