"""Spreadsheets for the import tests, written the way people's tools write them."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook

HEADER = [
    "name",
    "owner_name",
    "phone",
    "registration_no",
    "ward_code",
    "address",
    "kind",
    "market",
]
WARD = "26188"  # Phường Tân Triều: the officer's ward in the tests
OTHER_WARD = "25993"  # Phường Trảng Dài


def shop_row(n: int, *, ward: str = WARD, **values) -> dict:
    """A good row: its phone (09xx…) and registration number (36…) follow from n."""
    row = {
        "name": f"Tạp hóa Số {n}",
        "owner_name": f"Chủ Số {n}",
        "phone": f"09{n:08d}",
        "registration_no": f"36{n:08d}",
        "ward_code": ward,
        "address": f"{n} Đường số 3",
        "kind": "grocery",
        "market": "",
    }
    row.update(values)
    return row


def csv_bytes(rows, *, header=HEADER, sep=",", bom=False, blank_after=()) -> bytes:
    """A CSV file; `blank_after` puts an empty line after those data rows (1-based)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep, lineterminator="\r\n")
    writer.writerow(header)
    for index, row in enumerate(rows, start=1):
        writer.writerow([row.get(c, "") for c in header] if isinstance(row, dict) else list(row))
        if index in blank_after:
            out.write("\r\n")
    text = out.getvalue()
    return (("\ufeff" if bom else "") + text).encode("utf-8")


def xlsx_bytes(rows, *, header=HEADER, start_row: int = 2, gaps=()) -> bytes:
    """An XLSX file whose first sheet holds the header and rows (values as given: numbers stay
    numbers); `gaps` leaves empty sheet rows after those data rows. A second sheet is noise."""
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    number = start_row
    for index, row in enumerate(rows, start=1):
        values = [row.get(column) for column in header] if isinstance(row, dict) else row
        for column, value in enumerate(values, start=1):
            sheet.cell(row=number, column=column, value=value)
        number += 1 + (1 if index in gaps else 0)
    book.create_sheet("Notes").append(["name", "not", "shops"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
