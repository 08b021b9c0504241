"""The annual report: its page, its XLSX and PDF read back, equal to the snapshot's figures.

The data are built by hand in ward 26188 (Phường Tân Triều): five published products of one
producer, two of them listed on the national portal (2 of 5 → 40 %), three of them OCOP of which
two have IP protection filed (2 of 3 → 66,7 %). Files are asked for in English (?lang=en) where a
test finds a sheet or a column by its title, so the test does not depend on translations.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from fractions import Fraction

import pypdf
import pytest
from openpyxl import load_workbook

from core.db import province_today
from core.extensions import db
from reports.indicators import definitions, snapshots
from reports.indicators.models import PeriodKind, Scope, SnapshotKind
from reports.indicators.periods import Period
from reports.indicators.values import Figures
from tests import factories
from traceability.registry import services as registry
from traceability.registry.models import IpKind, IpStatus, OcopGroup, PortalState, ProductCategory

WARD = "26188"
PORTAL = "Barcoded products identified on the national traceability portal"
PORTAL_VI = "Sản phẩm có mã số mã vạch được định danh trên Cổng truy xuất quốc gia"
IP_VI = "Sản phẩm OCOP, sản phẩm chủ lực được hỗ trợ bảo hộ sở hữu trí tuệ"


def _ocop(**fields) -> dict:
    return {
        "category": ProductCategory.OCOP,
        "ocop_group": OcopGroup.FOOD,
        "ocop_stars": 4,
        "ocop_certificate_no": f"{factories.unique()}/OCOP-ĐN",
        "ocop_valid_from": dt.date(2025, 1, 1),
        **fields,
    }


def build_products(listed_on: dt.date) -> list:
    """Five published products in ward 26188: two listed on the portal, three OCOP (two IP)."""
    producer, owner = factories.producer(ward_code=WARD)
    staff = factories.staff()
    ip = {"ip_status": IpStatus.FILED, "ip_kind": IpKind.TRADEMARK}
    products = [
        factories.published_product(producer, owner),
        factories.published_product(producer, owner),
        factories.published_product(producer, owner, **_ocop(**ip)),
        factories.published_product(producer, owner, **_ocop(**ip)),
        factories.published_product(producer, owner, **_ocop()),
    ]
    for product in products[:2]:
        registry.set_portal_status(
            product, state=PortalState.LISTED, reference="VN-TXNG-1", on=listed_on, actor=staff
        )
    db.session.flush()
    return products


@pytest.fixture
def staff_client(client, app_ctx):
    user = factories.staff()
    db.session.commit()
    client.login(user.email, factories.PASSWORD)
    return client


def _rows_by(sheet, key_title: str) -> dict[str, dict]:
    """The sheet's rows as {header: value} dicts, by the value of one column."""
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    out = {}
    for values in rows[1:]:
        if not values or values[0] is None:
            break  # the blank row before the note
        row = dict(zip(header, values, strict=False))
        out[row[key_title]] = row
    return out


def _number(value) -> Decimal:
    return Decimal(str(value))


def _pdf_text(body: bytes) -> tuple[str, int]:
    reader = pypdf.PdfReader(io.BytesIO(body))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return " ".join(text.split()), len(reader.pages)


def test_xlsx_figures_equal_the_snapshots_figures(staff_client):
    products = build_products(province_today())
    producer = products[0].producer
    db.session.commit()
    year = province_today().year
    response = staff_client.get(f"/reports/annual/{year}.xlsx?lang=en")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert f"annual-report-{year}.xlsx" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames[0] == "Cover"
    assert {"Indicators with targets", "Wards and communes", "Month by month", "Method"} <= set(
        book.sheetnames
    )

    targets = _rows_by(book["Indicators with targets"], "Indicator")
    portal = targets[PORTAL]
    assert (portal["Numerator"], portal["Denominator"]) == (2, 5)
    assert _number(portal["Value"]) == Decimal("40.0")  # 2 of 5
    assert portal[f"Target {year}"] == {2026: 35}.get(year)  # the seeds set 2026 and 2030
    assert portal["Target 2030"] == 70
    ip = targets["OCOP and key products supported with IP protection"]
    assert (ip["Numerator"], ip["Denominator"]) == (2, 3)
    assert _number(ip["Value"]) == Decimal("66.7")  # 200/3 = 66,666… rounded half-up
    assert ip["Target 2030"] == 60

    # The same figures, read off the snapshot the report used.
    snapshot = snapshots.latest(Period(PeriodKind.YEAR, year), (SnapshotKind.CURRENT,))
    figures = Figures.of(snapshot)
    assert figures.get(definitions.get("portal_listed_share")).value == Fraction(40)
    assert figures.get(definitions.get("ip_supported_share")).value == Fraction(200, 3)

    # Counts and shares only: no producer's name, tax code or address anywhere in the file.
    cells = {
        str(value) for sheet in book for row in sheet.iter_rows(values_only=True) for value in row
    }
    assert not {producer.legal_name, producer.tax_code, producer.address} & cells

    sheet = book["Wards and communes"]
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.bold
    header = [cell.value for cell in sheet[1]]
    assert sheet.cell(row=2, column=header.index(PORTAL) + 1).number_format == "0.0"
    wards = _rows_by(sheet, "Code")
    assert len(wards) == 95
    tan_trieu = wards[WARD]
    assert tan_trieu["Products with a GTIN"] == 5
    assert _number(tan_trieu[PORTAL]) == Decimal("40.0")
    assert tan_trieu["Deployed"] == "No"
    assert tan_trieu["Shops registered"] == 0
    assert tan_trieu["Shops taking digital payment"] is None  # no shop assessed: no share
    assert wards["25993"]["Products with a GTIN"] == 0

    groups = _rows_by(book["Urban and rural"], "Group")
    urban = groups["Urban (phường)"]  # Tân Triều is a phường
    assert _number(urban[PORTAL]) == Decimal("40.0")
    assert groups["Rural (xã)"][PORTAL] is None
    phases = _rows_by(book["Roll-out phase"], "Roll-out phase")
    assert sum(row["Wards and communes"] for row in phases.values()) == 95

    months = _rows_by(book["Month by month"], "Month")
    this_month = province_today().month
    assert len(months) == this_month  # January up to this month
    assert _number(months[f"{this_month:02d}/{year}"][PORTAL]) == Decimal("40.0")
    assert months[f"{this_month:02d}/{year}"]["Snapshot"] == "current snapshot (provisional)"
    if this_month > 1:  # the products were made today: earlier months had none
        last_month = months[f"{this_month - 1:02d}/{year}"]
        assert last_month[PORTAL] is None
        assert last_month["Snapshot"] == "closing snapshot"


def test_pdf_text_carries_the_same_figures_in_vietnamese(staff_client):
    build_products(province_today())
    db.session.commit()
    year = province_today().year
    response = staff_client.get(f"/reports/annual/{year}.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text, pages = _pdf_text(response.data)
    assert 5 <= pages <= 20
    # Vietnamese, diacritics and all; figures as Vietnamese write them (decimal comma).
    assert f"{PORTAL_VI} % 2 5 40 % 35 % 70 %" in text
    assert f"{IP_VI} % 2 3 66,7 % 45 % 60 %" in text
    assert "Phường Tân Triều" in text
    assert "Đồng Nai" in text
    assert f"15/12/{year}" in text
    assert "Trang 1 / " in text or "Page 1 / " in text


def test_page_shows_due_date_snapshot_preview_and_downloads(staff_client):
    build_products(province_today())
    db.session.commit()
    today = province_today()
    year = today.year
    html = staff_client.get("/reports/annual/?lang=en").get_data(as_text=True)
    due = dt.date(year, 12, 15)
    assert f"15 Dec {year}" in html
    left = (due - today).days
    if left > 1:
        assert f"{left} days left" in html
    assert "provisional, figures as of" in html
    assert f'href="/reports/annual/{year}.xlsx"' in html
    assert f'href="/reports/annual/{year}.pdf"' in html
    assert "40 %" in html and "66.7 %" in html  # the preview, from the same tables


def test_a_finished_year_says_its_due_date_has_passed_and_reads_a_closing_snapshot(staff_client):
    html = staff_client.get("/reports/annual/?year=2025&lang=en").get_data(as_text=True)
    assert "15 Dec 2025" in html
    assert "days ago" in html
    assert "final, figures as of 31 Dec 2025" in html
    assert "closing snapshot" in html
    assert "provisional, figures as of" not in html


@pytest.mark.parametrize("year", ["2024", "abc", "2999"])
def test_a_year_outside_the_list_is_refused_next_to_the_field(staff_client, year):
    response = staff_client.get(f"/reports/annual/?year={year}&lang=en")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Choose a year from 2025 to" in html
    assert ".xlsx" not in html


def test_years_before_2025_and_years_to_come_answer_404_with_a_message(staff_client):
    year = province_today().year
    old = staff_client.get("/reports/annual/2024.pdf?lang=en")
    assert old.status_code == 404
    assert "There is no annual report before 2025." in old.get_data(as_text=True)
    later = staff_client.get(f"/reports/annual/{year + 1}.xlsx?lang=en")
    assert later.status_code == 404
    assert "has not started" in later.get_data(as_text=True)


def _backdate(products, day: dt.datetime) -> None:
    for product in products:
        product.created_at = product.submitted_at = product.reviewed_at = day


def test_a_past_years_report_does_not_change_when_a_record_is_edited_later(staff_client):
    """2025 is over: its report reads the closing snapshot taken on first need."""
    products = build_products(dt.date(2025, 9, 1))
    _backdate(products, dt.datetime(2025, 6, 1, 3, 0, tzinfo=dt.UTC))
    db.session.commit()

    def portal_row():
        response = staff_client.get("/reports/annual/2025.xlsx?lang=en")
        assert response.status_code == 200
        book = load_workbook(io.BytesIO(response.data))
        return _rows_by(book["Indicators with targets"], "Indicator")[PORTAL]

    before = portal_row()
    assert (before["Numerator"], before["Denominator"]) == (2, 5)
    assert _number(before["Value"]) == Decimal("40.0")
    # The trajectory starts from 0 on 31/12/2025 (the year before the first target, 2026).
    assert before["Target 2025"] is None and before["Target 2030"] == 70
    assert before["Trajectory on 31 Dec 2025"] == 0
    assert before["Standing"] == "On track"

    # A third product is recorded later as listed on the portal since 1/10/2025.
    registry.set_portal_status(
        products[2],
        state=PortalState.LISTED,
        reference="VN-TXNG-3",
        on=dt.date(2025, 10, 1),
        actor=factories.staff(),
    )
    db.session.commit()
    from reports.indicators import measures

    recomputed = measures.compute(
        measures.Window(Period(PeriodKind.YEAR, 2025), dt.date(2025, 12, 31))
    )
    assert recomputed.values["products_portal_listed"][(WARD, "")] == 3  # now: 3 of 5

    after = portal_row()
    assert (after["Numerator"], after["Denominator"]) == (2, 5)
    assert _number(after["Value"]) == Decimal("40.0")
    closing = snapshots.latest(Period(PeriodKind.YEAR, 2025))
    assert closing.kind is SnapshotKind.CLOSING
    assert (
        Figures.of(closing).get(definitions.get("portal_listed_share"), Scope.WARD, WARD).value
        == 40
    )


def test_api_gives_the_report_as_xlsx_or_pdf(client, app_ctx):
    build_products(province_today())
    staff = factories.staff()
    token = factories.token(staff)
    db.session.commit()
    year = province_today().year
    headers = {"Authorization": f"Bearer {token}"}

    xlsx = client.get(f"/api/v1/annual-reports/{year}?format=xlsx&lang=en", headers=headers)
    assert xlsx.status_code == 200
    assert xlsx.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(xlsx.data))
    assert _number(_rows_by(book["Indicators with targets"], "Indicator")[PORTAL]["Value"]) == 40

    pdf = client.get(f"/api/v1/annual-reports/{year}", headers=headers)
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    assert f"{PORTAL_VI} % 2 5 40 %" in _pdf_text(pdf.data)[0]

    bad = client.get(f"/api/v1/annual-reports/{year}?format=doc", headers=headers)
    assert bad.status_code == 422
    assert "format" in bad.get_json()["errors"]["query"]
    old = client.get("/api/v1/annual-reports/2024", headers=headers)
    assert old.status_code == 404
    assert old.get_json()["message"] == "Không có báo cáo năm nào trước năm 2025."


def test_openapi_documents_both_binary_responses(client):
    spec = client.get("/api/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/annual-reports/{year}"]["get"]
    content = operation["responses"]["200"]["content"]
    assert content["application/pdf"]["schema"] == {"type": "string", "format": "binary"}
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert content[xlsx]["schema"] == {"type": "string", "format": "binary"}
    params = {p["name"]: p for p in operation["parameters"]}
    assert params["format"]["schema"]["enum"] == ["pdf", "xlsx"]
