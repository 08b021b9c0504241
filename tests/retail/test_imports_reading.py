"""Reading shop files: CSV and XLSX, headers, row numbers, numbers Excel made of phones."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from flask_babel import force_locale
from openpyxl import Workbook

from core.errors import ValidationFailed
from retail.shops.imports import read_file, read_items
from tests.retail.data.sheets import HEADER, csv_bytes, shop_row, xlsx_bytes

DATA = Path(__file__).with_name("data")


@pytest.fixture(autouse=True)
def english(app_ctx):
    """Messages are compared in English (Vietnamese is the default locale)."""
    with force_locale("en"):
        yield


def file_errors(data: bytes) -> list[str]:
    with pytest.raises(ValidationFailed) as refused:
        read_file(data)
    return refused.value.errors["file"]


def test_a_semicolon_csv_with_a_bom_and_a_blank_line_keeps_the_spreadsheet_row_numbers(app_ctx):
    rows = read_file((DATA / "shops_semicolon.csv").read_bytes())
    assert [row.number for row in rows] == [2, 4, 5]
    assert rows[0].cells["name"] == "Tạp hóa Bà Sáu"  # no BOM glued to the first header
    assert rows[1].cells["ward_code"] == "25996"
    assert rows[2].cells["name"] == "Nhà thuốc An Khang; chi nhánh 2"  # quoted separator
    assert rows[2].cells["address"] == "21 Đường số 5; Khu phố 1"


def test_headers_are_compared_without_case_spaces_or_underscores_in_any_order(app_ctx):
    header = ["WARD CODE", "Kind", " name ", "Owner-Name", "phone"]
    data = csv_bytes([["26188", "grocery", "Tạp hóa Hòa", "Lý Hòa", "0912000111"]], header=header)
    (row,) = read_file(data)
    assert row.cells == {
        "ward_code": "26188",
        "kind": "grocery",
        "name": "Tạp hóa Hòa",
        "owner_name": "Lý Hòa",
        "phone": "0912000111",
    }


def test_unknown_columns_are_refused_by_name(app_ctx):
    header = [*HEADER, "zalo", "Ghi chú"]
    (message,) = file_errors(csv_bytes([[*shop_row(1).values(), "x", "y"]], header=header))
    assert "zalo" in message and "Ghi chú" in message


def test_a_file_without_a_needed_column_or_with_a_column_twice_is_refused(app_ctx):
    (missing,) = file_errors(csv_bytes([["Tạp hóa", "26188"]], header=["name", "ward_code"]))
    assert "kind" in missing
    (twice,) = file_errors(
        csv_bytes([["A", "26188", "grocery", "B"]], header=["name", "ward_code", "kind", "Name"])
    )
    assert "Name" in twice


def test_blank_lines_and_a_quoted_line_break_count_as_excel_counts_rows(app_ctx):
    rows = [shop_row(1), shop_row(2, address="Số 2\nKhu phố 4"), shop_row(3)]
    data = csv_bytes(rows, blank_after=(1,))
    assert [row.number for row in read_file(data)] == [2, 4, 5]


def test_a_row_with_more_cells_than_columns_says_how_to_quote(app_ctx):
    data = (
        b"name,ward_code,kind\r\nT\xe1\xba\xa1p h\xc3\xb3a,26188,grocery,12 Le Loi, Khu pho 1\r\n"
    )
    (row,) = read_file(data)
    ((column, message),) = row.problems
    assert column == "" and "quotation marks" in str(message)


def test_an_empty_column_at_the_end_of_each_row_is_not_an_extra_cell(app_ctx):
    (row,) = read_file(b"name,ward_code,kind,\r\nA,26188,grocery,\r\n")
    assert row.problems == [] and row.cells["name"] == "A"


def test_text_that_is_not_utf8_is_refused_with_what_to_do(app_ctx):
    (message,) = file_errors(
        "name,ward_code,kind\nCà phê Hòa,26188,food_service\n".encode("cp1252")
    )
    assert "UTF-8" in message


def test_old_xls_files_and_broken_workbooks_are_refused(app_ctx):
    assert ".xls" in file_errors(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)[0]
    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    assert ".xlsx" in file_errors(broken.getvalue())[0]


def test_an_empty_file_or_one_with_only_a_header_is_refused(app_ctx):
    assert "empty" in file_errors(b"")[0]
    assert "no rows" in file_errors(b"name,ward_code,kind\r\n\r\n,,\r\n")[0]


def test_too_many_rows_are_refused(app, app_ctx, monkeypatch):
    monkeypatch.setitem(app.config, "SHOP_IMPORT_MAX_ROWS", 3)
    assert read_file(csv_bytes([shop_row(n) for n in range(3)]))
    (message,) = file_errors(csv_bytes([shop_row(n) for n in range(4)]))
    assert "3" in message


def test_the_apostrophe_our_csv_exports_put_before_a_plus_is_dropped(app_ctx):
    (row,) = read_file(csv_bytes([shop_row(1, phone="'+84912000111")]))
    assert row.cells["phone"] == "+84912000111"


def test_xlsx_cells_excel_turned_into_numbers_are_read_back_with_a_warning(app_ctx):
    values = shop_row(1, phone=912345678, registration_no=312345678001, ward_code=26188.0)
    (row,) = read_file(xlsx_bytes([values]))
    assert row.cells["phone"] == "0912345678"
    assert row.cells["registration_no"] == "0312345678001"  # 13 digits: a branch's tax code
    assert row.cells["ward_code"] == "26188"
    noted = dict(row.notes)
    assert set(noted) == {"phone", "registration_no"}
    assert "0912345678" in str(noted["phone"])


def test_a_ten_digit_tax_code_stored_as_a_number_is_left_alone(app_ctx):
    (row,) = read_file(xlsx_bytes([shop_row(1, registration_no=3603123456)]))
    assert row.cells["registration_no"] == "3603123456" and row.notes == []


def test_xlsx_rows_are_numbered_as_in_the_sheet_with_gaps_and_only_the_first_sheet_counts(app_ctx):
    data = xlsx_bytes([shop_row(1), shop_row(2), shop_row(3)], gaps=(1,))
    assert [row.number for row in read_file(data)] == [2, 4, 5]


def test_xlsx_cells_right_of_the_named_columns_are_ignored(app_ctx):
    book = Workbook()
    sheet = book.active
    sheet.append(["name", "ward_code", "kind"])
    sheet.append(["Tạp hóa Lan", "26188", "grocery", None, "ghi chú của cán bộ"])
    out = io.BytesIO()
    book.save(out)
    (row,) = read_file(out.getvalue())
    assert row.cells == {"name": "Tạp hóa Lan", "ward_code": "26188", "kind": "grocery"}
    assert row.problems == []


def test_json_rows_are_numbered_from_one_and_empty_ones_skipped(app_ctx):
    rows = read_items([{"name": "A", "ward_code": "26188"}, {}, {"name": " B  C "}])
    assert [(row.number, row.cells["name"]) for row in rows] == [(1, "A"), (3, "B C")]
    with pytest.raises(ValidationFailed):
        read_items([{}, {"name": None}])


def test_a_csv_saved_after_excel_dropped_the_zero_of_a_tax_code_gets_it_back(app_ctx):
    (row,) = read_file(csv_bytes([shop_row(1, registration_no="312345678")]))
    assert row.cells["registration_no"] == "0312345678"
    assert [column for column, _note in row.notes] == ["registration_no"]
    (row,) = read_file(csv_bytes([shop_row(1, registration_no="079123456789")]))
    assert row.cells["registration_no"] == "079123456789" and row.notes == []
