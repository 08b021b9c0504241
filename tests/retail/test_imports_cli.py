"""`flask retail shops import FILE [--only-valid] [--as EMAIL]`: the row report and exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.accounts.models import Role
from core.extensions import db
from retail.shops.models import ImportState, Shop, ShopImport
from tests.retail.data.sheets import OTHER_WARD, WARD, csv_bytes, shop_row, xlsx_bytes

DATA = Path(__file__).with_name("data")
ENGLISH = {"LC_ALL": "en_US.UTF-8"}
NO_LOCALE = {"LC_ALL": None, "LC_MESSAGES": None, "LANG": None}


@pytest.fixture
def shops_import(app, app_ctx):
    runner = app.test_cli_runner()

    def invoke(path: Path, *options: str, env=None):
        args = ["retail", "shops", "import", str(path), *options]
        return runner.invoke(args=args, env=env or ENGLISH)

    return invoke


def shop_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Shop))


def test_a_file_with_bad_rows_exits_1_prints_each_row_and_saves_nothing(shops_import):
    before = shop_count()
    result = shops_import(DATA / "shops_bad.csv")
    assert result.exit_code == 1, result.output
    for row in (3, 4, 5, 6, 7, 8):
        assert f"Row {row}, " in result.output
    assert "Nothing was imported" in result.output
    assert shop_count() == before


def test_only_valid_exits_0_and_saves_exactly_the_good_rows(shops_import):
    before = shop_count()
    result = shops_import(DATA / "shops_bad.csv", "--only-valid")
    assert result.exit_code == 0, result.output
    assert shop_count() == before + 1
    assert "1 shops added" in result.output and "6 rows with problems" in result.output


def test_a_good_xlsx_file_exits_0_and_again_skips_every_row(shops_import, tmp_path):
    path = tmp_path / "shops.xlsx"
    path.write_bytes(xlsx_bytes([shop_row(n) for n in range(1, 4)]))
    first = shops_import(path)
    assert first.exit_code == 0, first.output
    count = shop_count()
    again = shops_import(path)
    assert again.exit_code == 0 and shop_count() == count
    assert "3 already registered" in again.output


def test_an_unreadable_file_exits_1(shops_import, tmp_path):
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 64)
    result = shops_import(path)
    assert result.exit_code == 1 and ".xls" in result.output
    assert db.session.scalar(select(func.count()).select_from(ShopImport)) == 0


def test_without_as_the_system_imports_with_staffs_rights(shops_import, tmp_path):
    path = tmp_path / "shops.csv"
    path.write_bytes(csv_bytes([shop_row(1), shop_row(2, ward=OTHER_WARD)]))
    result = shops_import(path)
    assert result.exit_code == 0, result.output
    record = db.session.scalars(select(ShopImport)).one()
    assert record.created_by_id is None and record.created_shops == 2


def test_as_an_officer_only_its_wards(shops_import, make, tmp_path):
    officer = make.user(Role.OFFICER, wards=(WARD,))
    db.session.commit()
    path = tmp_path / "shops.csv"
    path.write_bytes(csv_bytes([shop_row(1), shop_row(2, ward=OTHER_WARD)]))
    result = shops_import(path, "--as", officer.email.upper())
    assert result.exit_code == 1 and "Row 3, ward_code" in result.output
    result = shops_import(path, "--as", officer.email, "--only-valid")
    assert result.exit_code == 0
    record = db.session.scalars(select(ShopImport).order_by(ShopImport.id.desc())).first()
    assert record.state is ImportState.DONE and record.created_by_id == officer.id


def test_as_an_unknown_account_or_a_producer_exits_1(shops_import, make, tmp_path):
    _producer, owner = make.producer()
    db.session.commit()
    path = tmp_path / "shops.csv"
    path.write_bytes(csv_bytes([shop_row(1)]))
    assert shops_import(path, "--as", "nobody@example.vn").exit_code == 1
    assert shops_import(path, "--as", owner.email).exit_code == 1
    assert shop_count() == 0


def test_the_report_is_in_vietnamese_without_an_english_locale(shops_import):
    result = shops_import(DATA / "shops_bad.csv", env=NO_LOCALE)
    assert result.exit_code == 1
    assert "Dòng 3" in result.output
