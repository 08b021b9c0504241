"""The ward report pages: the officer writes, asks before sending and sends; staff send back with
a comment or accept; the figures on the page, in the XLSX file and in the PDF are the same.

The quarter is the running one (pages read the clock); the data are stocks dated before today, so
the hand-worked figures hold on any day: ward 26188 has 3 active shops, 2 assessed (2/3 = 66,7 %),
one of which takes digital payment (1/2 = 50 %).
"""

from __future__ import annotations

import datetime as dt
import io
import re

import openpyxl
import pypdf

from core.accounts.models import Role
from core.db import province_today
from core.extensions import db
from reports.indicators.definitions import get
from reports.indicators.models import PeriodKind
from reports.indicators.periods import Period
from reports.quarterly import services
from reports.quarterly.models import WardReportState
from tests import factories
from tests.reports.test_quarterly_services import (
    NARRATIVE,
    OTHER_WARD,
    WARD,
    add_assessment,
    add_shop,
)


def quarter() -> Period:
    return Period.containing(PeriodKind.QUARTER, province_today())


def url(suffix: str = "", ward: str = WARD) -> str:
    return f"/reports/quarterly/{ward}/{quarter().key}{suffix}"


def text_of(response) -> str:
    html = response.get_data(as_text=True)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def known_figures() -> None:
    yesterday = province_today() - dt.timedelta(days=1)
    add_assessment(add_shop(), yesterday, best=True)
    add_assessment(add_shop(), yesterday, best=False)
    add_shop()
    add_shop(OTHER_WARD)
    db.session.commit()


def page_rows(html: str) -> dict[str, list[str]]:
    """{indicator code: [cell texts]} of the page's figure tables."""
    out = {}
    for code, cells in re.findall(r'<tr data-code="([a-z0-9_]+)">(.*?)</tr>', html, re.S):
        out[code] = [" ".join(c.split()) for c in re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S)]
    return out


def login(client, role=Role.OFFICER, wards=(WARD,)):
    user = factories.user(role, wards=wards) if role is not Role.STAFF else factories.staff()
    db.session.commit()
    client.login(user.email, factories.PASSWORD)
    return user


def test_the_page_is_prefilled_and_the_draft_is_created_on_first_save(client, app_ctx):
    known_figures()
    login(client)
    page = client.get(url())
    assert page.status_code == 200
    rows = page_rows(page.get_data(as_text=True))
    assert rows["shops_active"][1] == "3"
    assert rows["shops_assessed_share"][1:] == ["2", "3", "66,7 %"]
    assert rows["digital_payment_share"][1:] == ["1", "2", "50 %"]
    assert services.find(WARD, quarter()) is None  # not on GET

    saved = client.submit(url(), {"activities": "Đã khảo sát.", "save": "1"}, token_from=url())
    assert saved.status_code == 302
    report = services.find(WARD, quarter())
    assert report.state is WardReportState.DRAFT
    assert report.activities == "Đã khảo sát."


def test_sending_asks_first_and_needs_every_part(client, app_ctx):
    known_figures()
    login(client)
    refused = client.submit(url(), {"activities": "Đã khảo sát.", "send": "1"}, token_from=url())
    assert refused.status_code == 200
    html = refused.get_data(as_text=True)
    assert 'id="difficulties-error"' in html and 'id="proposals-error"' in html
    assert 'id="activities-error"' not in html

    asked = client.submit(url(), NARRATIVE | {"send": "1"}, token_from=url())
    assert asked.status_code == 302 and asked.headers["Location"].endswith(url("/submit"))
    confirm = client.get(url("/submit"))
    assert confirm.status_code == 200
    assert services.find(WARD, quarter()).state is WardReportState.DRAFT  # not sent yet

    sent = client.submit(url("/submit"), {}, token_from=url("/submit"))
    assert sent.status_code == 302
    report = services.find(WARD, quarter())
    db.session.refresh(report)
    assert report.state is WardReportState.SUBMITTED and report.snapshot_id is not None

    page = client.get(url()).get_data(as_text=True)
    assert 'name="activities"' not in page  # no longer editable
    assert NARRATIVE["difficulties"] in page
    again = client.submit(url(), NARRATIVE | {"save": "1"}, token_from=url())
    assert again.status_code in (200, 302)
    db.session.refresh(report)
    assert report.state is WardReportState.SUBMITTED


def test_submitted_page_shows_the_frozen_figures(client, app_ctx):
    known_figures()
    officer = login(client)
    services.save_draft(WARD, quarter(), NARRATIVE, officer)
    services.submit(WARD, quarter(), officer)
    db.session.commit()
    add_assessment(add_shop(), province_today(), best=True)  # a record edited afterwards
    db.session.commit()
    rows = page_rows(client.get(url()).get_data(as_text=True))
    assert rows["shops_active"][1] == "3"
    assert rows["digital_payment_share"][1:] == ["1", "2", "50 %"]


def test_staff_send_back_with_a_comment_the_officer_sees_it_and_resubmits(client, app_ctx):
    known_figures()
    officer = factories.user(Role.OFFICER, wards=(WARD,))
    services.save_draft(WARD, quarter(), NARRATIVE, officer)
    services.submit(WARD, quarter(), officer)
    login(client, Role.STAFF)
    page = client.get(url())
    assert 'name="comment"' in page.get_data(as_text=True)

    empty = client.submit(url("/return"), {"comment": "  "}, token_from=url())
    assert empty.status_code == 200 and 'id="comment-error"' in empty.get_data(as_text=True)
    returned = client.submit(url("/return"), {"comment": "Thiếu số hộ tập huấn."}, token_from=url())
    assert returned.status_code == 302
    report = services.find(WARD, quarter())
    db.session.refresh(report)
    assert report.state is WardReportState.RETURNED

    client.post("/logout", data={"csrf_token": client.csrf_token(url())})
    client.login(officer.email, factories.PASSWORD)
    page = client.get(url()).get_data(as_text=True)
    assert "Thiếu số hộ tập huấn." in page and 'name="activities"' in page
    client.submit(
        url(), NARRATIVE | {"activities": "Đã tập huấn 20 hộ.", "send": "1"}, token_from=url()
    )
    assert client.submit(url("/submit"), {}, token_from=url("/submit")).status_code == 302
    db.session.refresh(report)
    assert (report.state, report.activities) == (WardReportState.SUBMITTED, "Đã tập huấn 20 hộ.")

    client.post("/logout", data={"csrf_token": client.csrf_token(url())})
    login(client, Role.STAFF)
    assert client.submit(url("/accept"), {}, token_from=url()).status_code == 302
    db.session.refresh(report)
    assert report.state is WardReportState.ACCEPTED


def test_another_wards_officer_gets_404_everywhere(client, app_ctx):
    login(client, wards=(OTHER_WARD,))
    for suffix in ("", "/submit", "/report.xlsx", "/report.pdf"):
        assert client.get(url(suffix)).status_code == 404, suffix
    assert client.submit(url(), NARRATIVE | {"save": "1"}).status_code == 404
    assert client.get(url(ward=OTHER_WARD)).status_code == 200


def test_a_quarter_not_started_cannot_be_opened(client, app_ctx):
    login(client)
    future = quarter().next()
    response = client.get(f"/reports/quarterly/{WARD}/{future.key}")
    assert response.status_code == 409
    assert client.get(f"/reports/quarterly/{WARD}/2026-13").status_code == 404


def test_xlsx_and_pdf_carry_the_pages_figures(client, app_ctx):
    known_figures()
    officer = login(client)
    services.save_draft(WARD, quarter(), NARRATIVE, officer)
    services.submit(WARD, quarter(), officer)
    db.session.commit()
    rows = page_rows(client.get(url()).get_data(as_text=True))

    response = client.get(url("/report.xlsx"))
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    report_sheet, counts, shares, averages = book.worksheets
    facts = {
        row[0]: row[1] for row in report_sheet.iter_rows(min_row=2, values_only=True) if row[0]
    }
    assert NARRATIVE["activities"] in facts.values()
    assert f"{WARD}" in " ".join(str(v) for v in facts.values())
    by_name = {row[0]: row[1:] for row in shares.iter_rows(min_row=2, values_only=True) if row[0]}
    name = get("shops_assessed_share").name("vi")
    assert [float(v) for v in by_name[name]] == [2, 3, 66.7]
    assert [float(v) for v in by_name[get("digital_payment_share").name("vi")]] == [1, 2, 50]
    count_values = {
        row[0]: row[1] for row in counts.iter_rows(min_row=2, values_only=True) if row[0]
    }
    assert count_values[get("shops_active").name("vi")] == 3
    assert shares.freeze_panes == "A2"
    # Each pillar: the best answers score 100, the worst 0, so the two shops average 50.
    pillars = {row[0]: row[2] for row in averages.iter_rows(min_row=2, values_only=True) if row[0]}
    assert float(pillars[get("pillar_customer_average").name("vi")]) == 50
    assert rows["pillar_customer_average"][2] == "50"
    # The page shows the same numbers, formatted.
    assert rows["shops_assessed_share"][1:] == ["2", "3", "66,7 %"]

    pdf = client.get(url("/report.pdf"))
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    reader = pypdf.PdfReader(io.BytesIO(pdf.data))
    text = " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)
    assert NARRATIVE["proposals"] in text
    assert f"{get('shops_assessed_share').name('vi')} 2 3 66,7 %" in text
    assert f"{get('digital_payment_share').name('vi')} 1 2 50 %" in text
    assert f"{get('shops_active').name('vi')} 3" in text


def test_officers_list_their_wards_and_quarters(client, app_ctx):
    officer = login(client, wards=(WARD, OTHER_WARD))
    services.save_draft(WARD, quarter(), NARRATIVE, officer)
    db.session.commit()
    page = client.get("/reports/quarterly/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count(f"/reports/quarterly/{WARD}/") == 4
    assert html.count(f"/reports/quarterly/{OTHER_WARD}/") == 4
    assert f"/reports/quarterly/{WARD}/{quarter().previous().key}" in html


def test_staff_overview_counts_filters_and_exports(client, app_ctx):
    officer = factories.user(Role.OFFICER, wards=(WARD,))
    services.save_draft(WARD, quarter(), NARRATIVE, officer)
    services.submit(WARD, quarter(), officer)
    db.session.commit()
    login(client, Role.STAFF)
    assert client.get("/reports/quarterly/").status_code == 302  # staff go to the overview
    page = client.get(f"/reports/quarterly/overview?quarter={quarter().key}&lang=en")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert re.search(r'data-status="submitted"><b>1</b>', html)
    waiting = "late" if province_today() > quarter().quarterly_due else "not_due"
    assert re.search(rf'data-status="{waiting}"><b>94</b>', html)
    assert html.count("<tr data-ward=") == 95

    only = client.get(f"/reports/quarterly/overview?quarter={quarter().key}&state=submitted")
    assert only.get_data(as_text=True).count("<tr data-ward=") == 1

    response = client.get(f"/reports/quarterly/overview.xlsx?quarter={quarter().key}&lang=en")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).worksheets[0]
    rows = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True) if row[0]}
    assert len(rows) == 95
    assert rows[WARD][2] == "Submitted"
    assert rows[WARD][3].date() == quarter().quarterly_due
    assert rows[OTHER_WARD][2] == ("Late" if waiting == "late" else "Not yet due")


def test_officers_may_not_open_the_overview(client, app_ctx):
    login(client)
    assert client.get("/reports/quarterly/overview").status_code == 403
