"""The downloadable templates: the header and two example rows, as CSV and as XLSX.

The XLSX keeps phones and registration numbers as text (so Excel does not drop their leading
0), offers the kinds and ward codes as drop-down lists, and lists on a second sheet the kinds
(code, Vietnamese name) and the 95 current ward codes with their names. The example rows are
refused when a file still holds them (`checking`), so they never become shops.
"""

from __future__ import annotations

import io

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import select

from core.csvsafe import Writer
from core.extensions import db
from core.wards.models import Ward
from retail.shops import rules
from retail.shops.imports.reading import COLUMNS

EXAMPLES = (
    {
        "name": "Tạp hóa Cô Ba (ví dụ)",
        "owner_name": "Nguyễn Thị Ba",
        "phone": "0912 345 678",
        "registration_no": "",
        "ward_code": "26188",
        "address": "12 Đường số 3, Khu phố 2",
        "kind": "Tạp hóa",
        "market": "",
    },
    {
        "name": "Sạp rau Chị Tư (ví dụ)",
        "owner_name": "Lê Thị Tư",
        "phone": "0987 654 321",
        "registration_no": "3603123456",
        "ward_code": "26188",
        "address": "Sạp 14, dãy B",
        "kind": "market_stall",
        "market": "Chợ Tân Phong",
    },
)
TEXT_COLUMNS = ("phone", "registration_no", "ward_code")
TEXT_ROWS = 2000  # rows of the shop sheet pre-formatted as text
WIDTHS = {"name": 28, "owner_name": 22, "address": 30, "market": 18, "kind": 16}


def template_csv() -> bytes:
    """UTF-8 with a BOM, which Excel needs to show Vietnamese letters."""
    out = io.StringIO()
    writer = Writer(out)
    writer.writerow(COLUMNS)
    for example in EXAMPLES:
        writer.writerow([example[column] for column in COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _wards() -> list[Ward]:
    return list(db.session.scalars(select(Ward).order_by(Ward.code)))


def template_xlsx() -> bytes:
    book = Workbook()
    shops = book.active
    shops.title = _("Shops")
    lists = book.create_sheet(_("Lists"))
    _shop_sheet(shops)
    kinds, wards = _list_sheet(lists)
    _drop_downs(shops, lists.title, kinds, wards)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _shop_sheet(sheet) -> None:
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for example in EXAMPLES:
        sheet.append([example[column] for column in COLUMNS])
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = WIDTHS.get(column, 15)
        if column in TEXT_COLUMNS:
            for row in range(2, TEXT_ROWS + 2):
                sheet.cell(row=row, column=index).number_format = "@"
    sheet.freeze_panes = "A2"


def _list_sheet(sheet) -> tuple[int, int]:
    """Kinds in A–C, wards in E–G; returns how many of each."""
    sheet.append(
        ["kind", _("Vietnamese name"), _("Meaning"), None, "ward_code", _("Name"), _("Type")]
    )
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row, (kind, label) in enumerate(rules.KIND_LABELS.items(), start=2):
        sheet.cell(row=row, column=1, value=kind.value)
        sheet.cell(row=row, column=2, value=rules.KIND_VI[kind][0])
        sheet.cell(row=row, column=3, value=str(label))
    wards = _wards()
    for row, ward in enumerate(wards, start=2):
        sheet.cell(row=row, column=5, value=ward.code).number_format = "@"
        sheet.cell(row=row, column=6, value=ward.name)
        sheet.cell(row=row, column=7, value="Phường" if ward.kind.value == "phuong" else "Xã")
    for letter, width in zip("ABCDEFG", (16, 26, 28, 3, 11, 26, 9), strict=True):
        sheet.column_dimensions[letter].width = width
    return len(rules.KIND_LABELS), len(wards)


def _drop_downs(sheet, lists: str, kinds: int, wards: int) -> None:
    """Suggestions only: a Vietnamese kind name typed by hand is as good as the code."""
    last = TEXT_ROWS + 1
    for column, source in (("kind", f"$A$2:$A${kinds + 1}"), ("ward_code", f"$E$2:$E${wards + 1}")):
        letter = get_column_letter(COLUMNS.index(column) + 1)
        validation = DataValidation(
            type="list", formula1=f"'{lists}'!{source}", showErrorMessage=False
        )
        validation.add(f"{letter}2:{letter}{last}")
        sheet.add_data_validation(validation)
