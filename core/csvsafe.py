"""CSV that a spreadsheet opens as data, never as formulas (CSV or formula injection).

Excel, LibreOffice and Google Sheets run a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and
some also after a tab or carriage return) as a formula, so a lot code or a name typed by a user
could run a command or leak data on the computer of whoever opens the export. Every text cell
that starts so is prefixed with an apostrophe, as OWASP recommends: the spreadsheet shows the text
as typed. Numbers are left alone (a negative number is not text a user typed).

Every CSV export writes its rows through `line` or `Writer`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> str:
    """One cell's text, neutralised if a spreadsheet would read it as a formula."""
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class Writer:
    """Like `csv.writer` (RFC 4180 quoting, CRLF line ends), with every cell neutralised."""

    def __init__(self, out: TextIO):
        self._writer = csv.writer(out, lineterminator="\r\n")

    def writerow(self, values: Iterable[Any]) -> None:
        self._writer.writerow([cell(v) for v in values])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for values in rows:
            self.writerow(values)


def line(values: Iterable[Any]) -> str:
    """One CSV line, CRLF included."""
    buffer = io.StringIO()
    Writer(buffer).writerow(values)
    return buffer.getvalue()
