"""Reading a CSV or XLSX file (or the API's JSON rows) into rows of text, numbered as in Excel.

CSV: UTF-8 with or without a BOM, the separator being what row 1 uses most (`,`, or `;` as
Excel writes it in a Vietnamese locale, or a tab). XLSX: the first sheet, streamed in read-only
mode. Headers are compared without case, spaces or underscores; an unknown one refuses the
file. A number Excel made of a phone or a registration number gets its leading 0 back, with a
warning (a cell formatted as Text keeps it).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from xml.etree.ElementTree import ParseError

import openpyxl
from flask import current_app
from flask_babel import lazy_gettext as _l
from openpyxl.utils.exceptions import InvalidFileException

from core.csvsafe import FORMULA_STARTS
from core.errors import ValidationFailed

COLUMNS = (
    "name",
    "owner_name",
    "phone",
    "registration_no",
    "ward_code",
    "address",
    "kind",
    "market",
)
REQUIRED_COLUMNS = ("name", "ward_code", "kind")
MAX_ROWS = 20_000  # default of SHOP_IMPORT_MAX_ROWS: bigger files are split by the user

ZIP_MAGIC = b"PK\x03\x04"  # .xlsx is a zip archive
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # .xls and other pre-2007 Office files

NOT_XLSX = _l(
    "This file cannot be opened as an Excel workbook (.xlsx). Save it from your spreadsheet as "
    "“Excel Workbook (.xlsx)” or “CSV UTF-8”, then upload it again."
)


def _file_error(*messages) -> ValidationFailed:
    return ValidationFailed({"file": list(messages)})


def max_rows() -> int:
    return int(current_app.config.get("SHOP_IMPORT_MAX_ROWS") or MAX_ROWS)


@dataclass
class Row:
    """One data row: its spreadsheet row number, its cells as text, and what reading noticed."""

    number: int
    cells: dict[str, str]
    notes: list[tuple[str, object]] = field(default_factory=list)  # (column, warning)
    problems: list[tuple[str, object]] = field(default_factory=list)  # (column or "", error)


def read_file(data: bytes) -> list[Row]:
    """The data rows of a CSV or XLSX file (told apart by content, not by name)."""
    if data.startswith(OLE_MAGIC):
        raise _file_error(
            _l(
                "This is an old Excel file (.xls). Open it in Excel and save it as “Excel "
                "Workbook (.xlsx)” or “CSV UTF-8”, then upload it again."
            )
        )
    if data.startswith(ZIP_MAGIC):
        return _rows(_xlsx_lines(data), strict_width=False)
    return _rows(_csv_lines(data), strict_width=True)


def read_items(items: Iterable[dict]) -> list[Row]:
    """The API's JSON rows (already limited to COLUMNS), numbered from 1 in the order given."""
    rows = []
    for number, item in enumerate(items, start=1):
        cells = {column: _text(item.get(column)) for column in COLUMNS}
        if any(cells.values()):
            rows.append(Row(number, cells))
    if not rows:
        raise ValidationFailed({"rows": [_l("Send at least one row with a shop.")]})
    return rows


def _text(value) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def _separator(text: str) -> str:
    """`,` as CSV means, or `;` (Excel in a Vietnamese locale), or a tab: what row 1 uses most."""
    first = text.split("\n", 1)[0]
    return max((",", ";", "\t"), key=first.count)


def _csv_lines(data: bytes) -> Iterator[tuple[int, list]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _file_error(
            _l(
                "This file is not UTF-8 text, so its Vietnamese letters would be lost. In Excel "
                "choose File → Save As → “CSV UTF-8”, or upload the .xlsx file."
            )
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_separator(text))
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            yield number, cells
    except csv.Error as exc:
        raise _file_error(
            _l(
                "Row %(row)s cannot be read (%(reason)s): check its quotation marks, or save "
                "the file again from your spreadsheet.",
                row=number + 1,
                reason=str(exc),
            )
        ) from None


def _xlsx_lines(data: bytes) -> Iterator[tuple[int, list]]:
    """The first sheet's rows, in read-only mode (rows stream; gaps come as empty rows)."""
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, ParseError):
        raise _file_error(NOT_XLSX) from None
    try:
        sheet = book.worksheets[0]
        header = list(next(sheet.iter_rows(min_row=1, max_row=1, values_only=True), ()))
        while header and _blank(header[-1]):
            header.pop()
        yield 1, header
        if header:
            values = sheet.iter_rows(min_row=2, max_col=len(header), values_only=True)
            for number, cells in enumerate(values, start=2):
                yield number, list(cells)
    except (IndexError, KeyError, ValueError, ParseError, zipfile.BadZipFile, EOFError):
        raise _file_error(NOT_XLSX) from None
    finally:
        book.close()


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _key(name: str) -> str:
    """A header as compared: no case, spaces or punctuation (Owner Name = owner_name)."""
    return re.sub(r"[^0-9a-z]", "", name.lower())


_COLUMN_BY_KEY = {_key(column): column for column in COLUMNS}


def _columns(header: list) -> list[str | None]:
    """The column of each header cell (None for an empty one), or the file's refusal."""
    names = [_text(value) for value in header]
    columns: list[str | None] = []
    unknown, repeated = [], []
    for name in names:
        column = _COLUMN_BY_KEY.get(_key(name)) if name else None
        if name and column is None:
            unknown.append(name[:40])
        elif column in columns:
            repeated.append(name)
        columns.append(column)
    errors = []
    if unknown:
        errors.append(
            _l(
                "Unknown columns: %(names)s. Row 1 may name only these columns: %(columns)s "
                "(download the template).",
                names=", ".join(unknown[:10]),
                columns=", ".join(COLUMNS),
            )
        )
    if repeated:
        errors.append(
            _l(
                "These columns appear twice: %(names)s. Keep one of each.",
                names=", ".join(repeated),
            )
        )
    missing = [column for column in REQUIRED_COLUMNS if column not in columns]
    if missing:
        errors.append(
            _l(
                "The file has no column %(names)s: row 1 must name the columns, and these are "
                "needed (download the template).",
                names=", ".join(missing),
            )
        )
    if errors:
        raise _file_error(*errors)
    return columns


def _rows(lines: Iterator[tuple[int, list]], *, strict_width: bool) -> list[Row]:
    header = next(lines, None)
    if header is None:
        raise _file_error(_l("The file is empty: row 1 must name the columns (see the template)."))
    columns = _columns(header[1])
    limit = max_rows()
    rows = []
    for number, values in lines:
        if all(_blank(value) for value in values):
            continue
        if len(rows) == limit:
            raise _file_error(
                _l(
                    "The file has more than %(n)s rows: split it into smaller files.",
                    n=limit,
                )
            )
        rows.append(_row(number, columns, values, strict_width))
    if not rows:
        raise _file_error(_l("The file has no rows under the header: add one row per shop."))
    return rows


def _row(number: int, columns: list[str | None], values: list, strict_width: bool) -> Row:
    row = Row(number, {})
    for column, value in zip(columns, values, strict=False):
        if column is None:
            continue
        text, note = _cell(column, value)
        row.cells[column] = text
        if note is not None:
            row.notes.append((column, note))
    extra = values[len(columns) :]
    if strict_width and any(not _blank(value) for value in extra):
        row.problems.append(
            (
                "",
                _l(
                    "This row has more cells than row 1 has columns: a cell that contains the "
                    "separator (a comma or a semicolon) must be put in quotation marks.",
                ),
            )
        )
    return row


def _cell(column: str, value) -> tuple[str, object | None]:
    """A cell's text and, when its value had to be read back from a number, a warning."""
    if value is None:
        return "", None
    if isinstance(value, bool):
        return str(value).upper(), None
    if isinstance(value, dt.date | dt.time):
        return value.isoformat(), None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return _restore_zero(column, str(value), numeric=True)
    text = _text(value)
    if text[:1] == "'" and text[1:2] and text[1:2] in FORMULA_STARTS:
        text = text[1:]  # the apostrophe our CSV exports put before + = - @ (core.csvsafe)
    if text.isdigit():
        return _restore_zero(column, text, numeric=False)
    return text, None


# Digits a number keeps when a spreadsheet drops its leading 0, and the length to restore. A
# 12-digit number is an ID card's only as text: ID numbers start with 0, so as a number it was
# a 13-digit tax code.
_NUMERIC_LENGTHS = {"phone": {9: 10}, "registration_no": {9: 10, 11: 12, 12: 13}}
_TEXT_LENGTHS = {"registration_no": {9: 10, 11: 12}}


def _restore_zero(column: str, digits: str, *, numeric: bool) -> tuple[str, object | None]:
    lengths = (_NUMERIC_LENGTHS if numeric else _TEXT_LENGTHS).get(column, {})
    length = lengths.get(len(digits))
    if length is None or digits.startswith("0"):
        return digits, None
    restored = digits.rjust(length, "0")
    return restored, _l(
        "%(text)s was stored as a number, which dropped its leading 0: read as %(restored)s. "
        "Format this column as Text in your spreadsheet to keep the 0.",
        text=digits,
        restored=restored,
    )
