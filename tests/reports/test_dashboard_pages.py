"""The dashboard's pages and exports on hand-built closing snapshots of September and October 2026.

October: the province has 21 of 30 assessed shops taking digital payment (70 %); ward A (Phường
Tân Triều) 8 of 10, B (Phường Trảng Dài) 6 of 10, C (Xã Định Quán) 7 of 10. September: the
province 18 of 30 (60 %). The trajectory on 31/10/2026 is 90 × 304/365 = 74,96 % (shown 75 %):
A's gap +5,04 (+5 %), C's −4,96 (−5 %), B's −14,96 (−15 %).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from core.accounts.models import Role
from core.db import province_today
from core.extensions import db
from reports.indicators.models import PeriodKind, Scope, Snapshot, SnapshotKind, SnapshotValue
from reports.indicators.periods import Period
from tests import factories

A, B, C = "26188", "25993", "26206"
OCTOBER = "/reports/?period=2026-10"


def hand_snapshot(key: str, rows: dict) -> Snapshot:
    period = Period.parse(key)
    snapshot = Snapshot(
        period_kind=period.kind,
        period_key=period.key,
        period_start=period.start,
        period_end=period.end,
        as_of=period.end,
        kind=SnapshotKind.CLOSING,
        taken_at=dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time(0, 5), dt.UTC),
        notes={},
    )
    db.session.add(snapshot)
    db.session.flush()
    for (measure, scope, ward), value in rows.items():
        db.session.add(
            SnapshotValue(
                snapshot_id=snapshot.id,
                measure=measure,
                scope=scope,
                scope_key=ward,
                category="",
                value=Decimal(value),
            )
        )
    db.session.flush()
    return snapshot


def payment_rows(province_paying: int, wards: dict[str, int]) -> dict:
    rows = {
        ("shops_assessed", Scope.PROVINCE, ""): 30,
        ("flag_takes_digital_payment", Scope.PROVINCE, ""): province_paying,
    }
    for ward, paying in wards.items():
        rows[("shops_assessed", Scope.WARD, ward)] = 10
        rows[("flag_takes_digital_payment", Scope.WARD, ward)] = paying
    return rows


@pytest.fixture
def people(app_ctx):
    hand_snapshot("2026-09", payment_rows(18, {A: 6, B: 6, C: 6}))
    hand_snapshot("2026-10", payment_rows(21, {A: 8, B: 6, C: 7}))
    made = {
        "staff": factories.staff(),
        "officer": factories.user(Role.OFFICER, wards=(A,)),
        "producer": factories.producer()[1],
    }
    db.session.commit()
    return made


def login(client, user):
    client.login(user.email, factories.PASSWORD)


def text_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_staff_see_the_provinces_tiles_trend_and_when_the_figures_were_taken(client, people):
    login(client, people["staff"])
    html = text_of(client.get(OCTOBER))
    tiles = html.split('<ul class="tiles">')[1].split("</ul>")[0]
    payment = next(tile for tile in tiles.split("<li") if "standing-behind" in tile)
    assert "70 %" in payment  # 21 of 30
    assert "21" in payment and "30" in payment
    assert "90 %" in payment and "75 %" in payment  # the year's target, the trajectory
    assert "+10 %" in payment  # from 60 % in September
    assert 'class="sparkline"' in payment
    # 01/11/2026 00:05 UTC is 07:05 in the province.
    assert "31/10/2026" in html and "01/11/2026 07:05" in html
    assert "<svg" in html and '<path class="target"' in html and "<rect" in html


def test_the_ward_table_puts_the_worst_gap_first_and_links_each_ward(client, people):
    login(client, people["staff"])
    html = text_of(client.get(OCTOBER))
    table = html.split('id="table-wards"')[1]
    links = re.findall(r'href="/reports/wards/(\d+)', table)
    assert links[:3] == [B, C, A]
    assert len(links) == 95
    first = table.split("<tbody>")[1].split("</tr>")[0]
    assert "60 %" in first and "-15 %" in first
    assert "At risk" in first or "Nguy cơ" in first or "standing-at_risk" in first


def test_sorting_and_filters_come_from_the_query_string(client, people):
    login(client, people["staff"])

    def wards(query):
        html = text_of(client.get(f"{OCTOBER}&{query}"))
        return re.findall(r'href="/reports/wards/(\d+)', html.split('id="table-wards"')[1])

    assert wards("sort=-gap")[:3] == [A, C, B]
    by_name = wards("sort=name")
    assert by_name.index(A) < by_name.index(B) < by_name.index(C)  # Phường Tân < Trảng < Xã
    rural = wards("group=rural")
    assert rural[0] == C and A not in rural and B not in rural
    officer_b = factories.user(Role.OFFICER, wards=(B, C))
    db.session.commit()
    assert wards(f"officer={officer_b.id}") == [B, C]
    assert len(wards("officer=999999")) == 95  # not an officer: the filter is ignored


def test_a_bad_or_future_period_is_explained_next_to_the_field(client, people):
    login(client, people["staff"])
    html = text_of(client.get("/reports/?period=2026-13"))
    alert = re.search(r'id="period-error" role="alert">([^<]*)<', html)
    assert alert and "2026-13" in alert.group(1) and "2026-Q4" in alert.group(1)
    html = text_of(client.get("/reports/?period=2099-01"))
    assert 'id="period-error"' in html
    assert client.get("/reports/export/wards.xlsx?period=nonsense").status_code == 400


def test_officers_see_the_sums_of_their_wards_only(client, people):
    login(client, people["officer"])
    html = text_of(client.get(OCTOBER))
    table = html.split('id="table-wards"')[1]
    assert re.findall(r'href="/reports/wards/(\d+)', table) == [A]
    tiles = html.split('<ul class="tiles">')[1].split("</ul>")[0]
    assert "80 %" in tiles  # A alone: 8 of 10
    assert "Refresh now" not in html and "Làm mới" not in html
    assert client.get(f"/reports/wards/{B}?period=2026-10").status_code == 404
    assert text_of(client.get(f"/reports/wards/{A}?period=2026-10"))


def test_a_wards_page_shows_its_figures_and_links_to_its_shops_and_producers(client, people):
    login(client, people["staff"])
    html = text_of(client.get(f"/reports/wards/{C}?period=2026-10"))
    assert "Xã Định Quán" in html
    tiles = html.split('<ul class="tiles">')[1].split("</ul>")[0]
    assert "70 %" in tiles  # 7 of 10
    assert f"/retail/shops?ward_code={C}" in html
    assert f"/staff/producers?ward={C}" in html
    assert client.get("/reports/wards/99999").status_code == 404


def test_producers_are_refused_and_anonymous_users_sent_to_log_in(client, people):
    assert client.get("/reports/").status_code == 302
    login(client, people["producer"])
    assert client.get("/reports/").status_code == 403


def test_the_wards_xlsx_holds_the_pages_figures(client, people):
    login(client, people["staff"])
    html = text_of(client.get(OCTOBER))
    response = client.get("/reports/export/wards.xlsx?period=2026-10")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    header = [cell.value for cell in sheet[1]]
    assert len(header) == 10
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.bold
    rows = {row[0]: row for row in sheet.iter_rows(min_row=2, max_row=96, values_only=True)}
    assert len(rows) == 95
    _code, _name, _group, _phase, value, numerator, denominator, expected, gap, _ = rows[B]
    assert (value, numerator, denominator, expected, gap) == (60, 6, 10, 75, -15)
    assert rows[A][4] == 80 and rows[A][8] == 5 and rows[C][8] == -5
    assert sheet["E2"].number_format == "0.0"
    assert "60 %" in html and "-15 %" in html


def test_the_csv_export_and_every_table_workbook(client, people):
    login(client, people["staff"])
    response = client.get("/reports/export/wards.csv?period=2026-10&sort=-gap")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:4]] == [A, C, B]
    assert rows[1][4] == "80.0" and rows[1][8] == "5.0"
    book = load_workbook(io.BytesIO(client.get("/reports/export.xlsx?period=2026-10").data))
    # headline ×2, retail ×2, levels, pillars, registry, stamps ×2, breakdown, wards, series,
    # levels distribution
    assert len(book.sheetnames) == 13
    assert client.get("/reports/export/nothing.csv?period=2026-10").status_code == 404


def test_an_officers_export_has_only_their_wards(client, people):
    login(client, people["officer"])
    response = client.get("/reports/export/wards.csv?period=2026-10")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == [A]
    assert client.get(f"/reports/export/levels.csv?period=2026-10&ward={B}").status_code == 404


def test_refresh_takes_a_current_snapshot_of_a_running_period_only(client, people):
    login(client, people["staff"])
    month = Period.containing(PeriodKind.MONTH, province_today())
    before = db.session.scalar(select(func.count()).select_from(Snapshot))
    page = f"/reports/?period={month.key}"
    response = client.submit("/reports/refresh", {"period": month.key}, token_from=page)
    assert response.status_code == 302 and "period=" in response.headers["Location"]
    newest = db.session.scalars(select(Snapshot).order_by(Snapshot.id.desc())).first()
    assert newest.kind is SnapshotKind.CURRENT
    assert newest.taken_by_id == people["staff"].id
    after = db.session.scalar(select(func.count()).select_from(Snapshot))
    response = client.submit("/reports/refresh", {"period": "2026-10"}, token_from=page)
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Snapshot)) == after
    assert after > before
