"""CSV cells that start like a formula reach a spreadsheet as text (formula injection)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from core import csvsafe


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+84 251 3822", "'+84 251 3822"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("LOT-2026/11", "LOT-2026/11"),
        ("Bưởi = ngon", "Bưởi = ngon"),
        ("", ""),
        (None, ""),
        (-5, "-5"),
        (Decimal("-1.5"), "-1.5"),
    ],
)
def test_a_cell_is_neutralised_only_when_it_starts_like_a_formula(value, expected):
    assert csvsafe.cell(value) == expected


def test_a_line_is_quoted_and_reads_back_as_the_neutralised_cells():
    text = csvsafe.line([1, "=cmd|' /C calc'!A0", 'a "quoted", text'])
    assert text.endswith("\r\n")
    assert next(csv.reader(io.StringIO(text))) == ["1", "'=cmd|' /C calc'!A0", 'a "quoted", text']
