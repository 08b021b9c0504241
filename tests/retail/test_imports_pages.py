"""The import pages: upload, the row report (in the reader's language), the templates."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import func, select

from core.accounts.models import Role
from core.extensions import db
from retail.shops.models import ImportState, Shop, ShopImport
from tests import factories
from tests.retail.data.sheets import WARD, csv_bytes, shop_row, xlsx_bytes

DATA = Path(__file__).with_name("data")


def upload(client, data: bytes, name: str = "shops.csv", *, only_valid: bool = False, lang="en"):
    fields = {"file": (io.BytesIO(data), name)}
    if only_valid:
        fields["only_valid"] = "y"
    return client.submit(
        f"/retail/imports?lang={lang}",
        fields,
        token_from="/retail/imports",
        content_type="multipart/form-data",
    )


def login(client, user):
    client.login(user.email, factories.PASSWORD)


def shop_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Shop))


def latest_import() -> ShopImport:
    return db.session.scalars(select(ShopImport).order_by(ShopImport.id.desc())).first()


def test_an_officer_uploads_a_file_and_sees_the_report(client, make):
    officer = make.user(Role.OFFICER, wards=(WARD,))
    db.session.commit()
    login(client, officer)
    response = upload(client, csv_bytes([shop_row(1), shop_row(2)]))
    assert response.status_code == 302
    record = latest_import()
    assert response.headers["Location"].endswith(f"/retail/imports/{record.id}")
    assert record.state is ImportState.DONE and record.created_shops == 2
    page = client.get(f"/retail/imports/{record.id}?lang=en").get_data(as_text=True)
    assert "Every row of the file was checked and imported." in page
    listing = client.get("/retail/imports?lang=en").get_data(as_text=True)
    assert f"/retail/imports/{record.id}" in listing


def test_a_refused_file_saves_nothing_and_lists_the_rows_in_vietnamese(client, make):
    staff = make.staff()
    db.session.commit()
    login(client, staff)
    before = shop_count()
    upload(client, (DATA / "shops_bad.csv").read_bytes(), lang="vi")
    record = latest_import()
    assert record.state is ImportState.REFUSED and shop_count() == before
    page = client.get(f"/retail/imports/{record.id}?lang=vi").get_data(as_text=True)
    assert "Không có gì được nhập" in page
    numbers = re.findall(r'<td class="row-number">(\d+)</td>', page)
    assert sorted(set(map(int, numbers))) == [3, 4, 5, 6, 7, 8]


def test_only_the_good_rows_from_the_page(client, make):
    staff = make.staff()
    db.session.commit()
    login(client, staff)
    upload(client, (DATA / "shops_bad.csv").read_bytes(), only_valid=True)
    record = latest_import()
    assert record.state is ImportState.DONE and record.created_shops == 1
    assert db.session.scalars(select(Shop.name).where(Shop.phone == "+84914000111")).all() == [
        "Tạp hóa Hai Lúa"
    ]


def test_a_semicolon_file_from_vietnamese_excel_imports_with_its_warning(client, make):
    staff = make.staff()
    db.session.commit()
    login(client, staff)
    upload(client, (DATA / "shops_semicolon.csv").read_bytes())
    record = latest_import()
    assert record.created_shops == 3, record.report
    page = client.get(f"/retail/imports/{record.id}?lang=en").get_data(as_text=True)
    assert "25996" in page and "Warnings" in page


def test_an_unreadable_file_is_shown_on_the_form(client, make):
    login(client, make.staff())
    response = upload(client, b"\xd0\xcf\x11\xe0" + b"\0" * 64, "old.xls")
    assert response.status_code == 422
    assert ".xls" in response.get_data(as_text=True)
    response = upload(client, csv_bytes([["x"]], header=["zalo"]))
    assert response.status_code == 422 and "zalo" in response.get_data(as_text=True)


def test_officers_see_only_their_own_imports(app, client, make):
    mine = make.user(Role.OFFICER, wards=(WARD,))
    other = make.user(Role.OFFICER, wards=(WARD,))
    db.session.commit()
    login(client, mine)
    upload(client, csv_bytes([shop_row(1)]))
    record = latest_import()
    second = app.test_client()
    login(second, other)
    assert second.get(f"/retail/imports/{record.id}").status_code == 404
    assert f"/retail/imports/{record.id}" not in second.get("/retail/imports").get_data(
        as_text=True
    )


def test_the_status_route_gives_the_progress(client, make):
    login(client, make.staff())
    upload(client, csv_bytes([shop_row(1)]))
    record = latest_import()
    status = client.get(f"/retail/imports/{record.id}/status").get_json()
    assert status == {
        "id": record.id,
        "state": "done",
        "done_rows": 1,
        "total_rows": 1,
        "finished": True,
        "stalled": False,
    }


def test_the_report_downloads_as_csv(client, make):
    login(client, make.staff())
    upload(client, (DATA / "shops_bad.csv").read_bytes())
    record = latest_import()
    response = client.get(f"/retail/imports/{record.id}/report.csv?lang=en")
    assert response.headers["Content-Disposition"].startswith("attachment")
    lines = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert lines[0] == ["row", "column", "finding", "details"]
    assert {line[0] for line in lines[1:]} == {"3", "4", "5", "6", "7", "8"}


def test_the_csv_template_has_the_header_and_two_examples(client, make):
    login(client, make.staff())
    response = client.get("/retail/imports/template.csv")
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert lines[0] == [
        "name",
        "owner_name",
        "phone",
        "registration_no",
        "ward_code",
        "address",
        "kind",
        "market",
    ]
    assert len(lines) == 3


def test_the_xlsx_template_lists_kinds_and_the_95_wards_and_keeps_phones_as_text(client, make):
    login(client, make.staff())
    response = client.get("/retail/imports/template.xlsx?lang=en")
    book = load_workbook(io.BytesIO(response.get_data()))
    shops, lists = book.worksheets
    assert [c.value for c in shops[1]][:3] == ["name", "owner_name", "phone"]
    assert shops.max_row >= 3 and shops["C2"].number_format == "@"
    codes = [row[4] for row in lists.iter_rows(min_row=2, values_only=True) if row[4]]
    assert len(codes) == 95 and "26188" in codes
    kinds = [row[0] for row in lists.iter_rows(min_row=2, values_only=True) if row[0]]
    assert "market_stall" in kinds and len(kinds) == 9


def test_the_template_uploaded_unchanged_creates_no_shop(client, make):
    login(client, make.staff())
    before = shop_count()
    for name in ("template.csv", "template.xlsx"):
        data = client.get(f"/retail/imports/{name}").get_data()
        upload(client, data, name, only_valid=True)
        record = latest_import()
        assert record.state is ImportState.DONE and record.report["bad_rows"] == 2
    assert shop_count() == before


def test_a_file_of_an_xlsx_workbook_written_by_openpyxl(client, make):
    login(client, make.staff())
    upload(client, xlsx_bytes([shop_row(1, phone=900000001), shop_row(2)]), "shops.xlsx")
    record = latest_import()
    assert record.created_shops == 2 and record.filename == "shops.xlsx"
