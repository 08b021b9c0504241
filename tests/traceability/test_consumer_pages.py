"""The consumer's public pages around the stamp page: a malformed code, a serial typed by hand,
and the public status of a counterfeit report."""

from __future__ import annotations

import html as html_lib
import re

import pytest
from sqlalchemy import func, select, update

from core.extensions import db
from tests import factories
from traceability.stamps import counterfeit, scans, serials
from traceability.stamps.models import CounterfeitReport, ReportState, Scan, Stamp, Verdict

PHONE = "Mozilla/5.0 (Linux; Android 14) Chrome/131.0"
VI = {"Accept": "text/html", "Accept-Language": "vi-VN,vi;q=0.9", "User-Agent": PHONE}
EN = {"Accept": "text/html", "Accept-Language": "en", "User-Agent": PHONE}


def text_of(response) -> str:
    """The page's text with tags dropped and whitespace collapsed."""
    html = response.get_data(as_text=True)
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _stamp(product_name: str = "Hạt điều Bù Đăng", lot: str = "HD-01", serial: str | None = None):
    producer, owner = factories.producer()
    product = factories.published_product(producer, owner, name=product_name)
    batch = factories.batch(product, owner, lot_code=lot)
    order = factories.stamp_order(batch, owner, quantity=1)
    db.session.flush()
    stamp = db.session.scalars(select(Stamp).where(Stamp.order_id == order.id)).one()
    if serial is not None:
        db.session.execute(update(Stamp).where(Stamp.id == stamp.id).values(serial=serial))
        db.session.refresh(stamp)
    db.session.commit()
    return stamp


@pytest.fixture
def stamp(app_ctx):
    return _stamp()


def scan_count(verdict: Verdict | None = None) -> int:
    query = select(func.count()).select_from(Scan)
    if verdict is not None:
        query = query.where(Scan.verdict == verdict)
    return db.session.scalar(query)


# --- 4. the malformed-code page --------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "vietnamese", "english"),
    [
        (
            "/01/123",
            "Mã sản phẩm (GTIN) có số ký tự không đúng.",
            "The product code (GTIN) has the wrong number of characters.",
        ),
        (
            "/01/09520123456789",
            "Mã sản phẩm (GTIN) có chữ số kiểm tra ở cuối không khớp",
            "The product code (GTIN) ends with a check digit that does not match",
        ),
        (
            "/01/09520123456788/21/",
            "Đường dẫn trong mã không đầy đủ",
            "The link is incomplete",
        ),
        (
            "/01/09520123456788/21/a/10/b",
            "Các phần của đường dẫn bị sai thứ tự",
            "The parts of the link are in the wrong order",
        ),
        (
            "/01/0952012345678A",
            "Mã sản phẩm (GTIN) có ký tự không được phép dùng.",
            "The product code (GTIN) contains characters that are not allowed.",
        ),
    ],
)
def test_malformed_code_is_explained_in_the_pages_language(client, path, vietnamese, english):
    vi = client.get(path, headers=VI)
    assert vi.status_code == 400
    assert vietnamese in text_of(vi)
    en = client.get(path, headers=EN)
    assert en.status_code == 400 and english in text_of(en)
    assert vietnamese not in text_of(en)


def test_malformed_page_keeps_the_english_detail_for_experts(client):
    page = text_of(client.get("/01/123", headers=VI))
    assert "Chi tiết kỹ thuật (bằng tiếng Anh)" in page
    assert "AI (01) value '123' is too short" in page


def test_malformed_page_has_the_language_switch_keeping_the_code(client):
    # The error is in the query: a switch to "?lang=en" alone would make the code valid.
    html = client.get("/01/09520123456788?17=XX", headers=VI).get_data(as_text=True)
    assert 'href="?17=XX&amp;lang=en"' in html
    switched = client.get("/01/09520123456788?17=XX&lang=en", headers=VI)
    assert switched.status_code == 400
    assert "has the wrong number of characters" in text_of(switched)
    assert 'href="?17=XX&amp;lang=vi"' in switched.get_data(as_text=True)


def test_malformed_page_links_to_a_report_and_to_typing_the_serial(client):
    html = client.get("/v/01/123/21/x", headers=VI).get_data(as_text=True)
    assert 'href="/report/01/123/21/x"' in html
    assert 'href="/check"' in html


def test_a_malformed_code_can_be_reported_and_staff_see_the_code(client, app_ctx):
    url = "/report/01/123/21/x"
    form = client.get(url, headers=VI)
    assert form.status_code == 200 and "Mã đã quét: /01/123/21/x" in text_of(form)
    response = client.submit(
        url, {"message": "Tem này quét ra lỗi, nghi là tem giả"}, token_from=url
    )
    assert response.status_code == 200
    (report,) = db.session.scalars(select(CounterfeitReport)).all()
    assert report.gtin == "" and report.stamp_id is None
    assert "/01/123/21/x" in report.message
    assert report.reference in response.get_data(as_text=True)


# --- 5. a serial typed by hand ---------------------------------------------------------------


def test_a_typed_serial_redirects_to_the_page_the_qr_code_opens(client, stamp):
    response = client.get("/check", query_string={"serial": stamp.serial}, headers=VI)
    assert response.status_code == 303
    assert response.headers["Location"] == serials.stamp_path(stamp.gtin, "HD-01", stamp.serial)
    page = client.get(response.headers["Location"], headers=VI)
    assert page.status_code == 200 and "Hạt điều Bù Đăng" in page.get_data(as_text=True)


def test_a_typed_serial_ignores_case_spaces_and_dashes_and_reads_look_alikes(client, app_ctx):
    _stamp(serial="Lo2iAbCdEfG")
    # l→L, 0→o, 1→i (or L), any case, spaces and dashes dropped.
    for typed in ("lo2iabcdefg", "L0 2-1A BCD-EFG", "l02IaBcDeFg"):
        response = client.get("/check", query_string={"serial": typed}, headers=VI)
        assert response.status_code == 303, typed
        assert response.headers["Location"].endswith("/21/Lo2iAbCdEfG")


def test_a_serial_on_two_products_asks_which_product(client, app_ctx):
    first = _stamp("Bưởi Tân Triều", serial="Ab3xK9pQ2mZ")
    second = _stamp("Hạt điều Bù Đăng", serial="Ab3xK9pQ2mZ")
    response = client.get("/check", query_string={"serial": "ab3xk9pq2mz"}, headers=VI)
    assert response.status_code == 200
    page = text_of(response)
    assert "Bưởi Tân Triều" in page and "Hạt điều Bù Đăng" in page
    assert f'value="{second.gtin}"' in response.get_data(as_text=True)
    chosen = client.get(
        "/check", query_string={"serial": "ab3xk9pq2mz", "gtin": second.gtin}, headers=VI
    )
    assert chosen.status_code == 303
    assert chosen.headers["Location"].startswith(f"/01/{second.gtin}/")
    # A GTIN typed as printed under the barcode (13 digits, with spaces) works too.
    typed = first.gtin.lstrip("0")
    typed = f"{typed[:1]} {typed[1:7]} {typed[7:]}"
    by_typed = client.get("/check", query_string={"serial": "Ab3xK9pQ2mZ", "gtin": typed})
    assert by_typed.status_code == 303
    assert by_typed.headers["Location"].startswith(f"/01/{first.gtin}/")


def test_an_unknown_typed_serial_says_so_and_counts_toward_probing(client, stamp, app):
    limit = app.config["SCAN_PROBE_LIMIT"]
    before = scan_count(Verdict.NOT_ISSUED)
    for n in range(limit):
        response = client.get("/check", query_string={"serial": f"ZZZZZZZZZZ{n + 2}"}, headers=VI)
        assert response.status_code == 404
        page = text_of(response)
        assert "Không có tem nào mang số sê-ri này" in page
        probing = "mã chưa được phát hành bị thử" in page
        assert probing == (n + 1 >= limit), n
    assert scan_count(Verdict.NOT_ISSUED) == before + limit
    row = db.session.scalars(select(Scan).order_by(Scan.id.desc())).first()
    assert row.serial == f"ZZZZZZZZZZ{limit + 1}" and row.reason == "serial"
    assert row.client_hash == scans.client_hash("127.0.0.1", PHONE)
    # The resolver's probing rule counts them: an unissued serial opened by QR now says so.
    qr = client.get(serials.stamp_path(stamp.gtin, "HD-01", "ZZZZZZZZZZZ"), headers=VI)
    assert "mã chưa được phát hành bị thử" in text_of(qr)


def test_a_serial_of_the_wrong_length_is_refused_without_a_scan(client, stamp):
    before = scan_count()
    response = client.get("/check", query_string={"serial": "Ab3x"}, headers=VI)
    assert response.status_code == 200
    assert "gồm 11 chữ cái và chữ số; bạn đã nhập 4 ký tự" in text_of(response)
    bad_gtin = client.get(
        "/check", query_string={"serial": stamp.serial, "gtin": "12345"}, headers=VI
    )
    assert "Hãy nhập 8 đến 14 chữ số" in text_of(bad_gtin)
    assert scan_count() == before


def test_typed_serials_share_the_resolvers_rate_limit(client, stamp, app, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_RESOLVER", "2 per minute")
    statuses = [
        client.get("/check", query_string={"serial": stamp.serial}, headers=VI).status_code
        for _ in range(3)
    ]
    assert statuses == [303, 303, 429]


def test_the_manual_entry_is_linked_from_home_and_the_consumer_page(client, stamp):
    assert 'href="/check"' in client.get("/", headers=VI).get_data(as_text=True)
    page = client.get(serials.stamp_path(stamp.gtin, "HD-01", stamp.serial), headers=VI)
    assert 'href="/check"' in page.get_data(as_text=True)


# --- 8. sharing the area: the messages the script shows -------------------------------------


def test_the_share_button_is_hidden_without_javascript_and_carries_its_error_messages(
    client, stamp
):
    html = client.get(serials.stamp_path(stamp.gtin, "HD-01", stamp.serial), headers=VI)
    form = re.search(r"<form class=\"place\"[^>]*>(.*?)</form>", html.get_data(as_text=True), re.S)
    assert form and " hidden>" in form.group(0).split("\n")[0]
    for kind in ("denied", "unavailable", "timeout", "failed"):
        assert re.search(rf'data-{kind}="[^"]{{20,}}"', form.group(1)), kind
    assert "Trình duyệt không cho phép chia sẻ vị trí" in form.group(1)


# --- 9. a report's reference and its public status -----------------------------------------


def _report(client, stamp) -> CounterfeitReport:
    url = "/report" + serials.stamp_path(stamp.gtin, "HD-01", stamp.serial)
    response = client.submit(
        url,
        {"message": "Tem dán lệch, chữ in mờ", "contact": "0909 000 111"},
        token_from=url,
        headers={"Accept-Language": "vi"},
    )
    assert response.status_code == 200
    report = db.session.scalars(select(CounterfeitReport).order_by(CounterfeitReport.id)).all()[-1]
    report.done_page = response.get_data(as_text=True)
    return report


def test_the_thank_you_page_gives_the_reference_and_links_to_its_status(client, stamp):
    report = _report(client, stamp)
    assert re.fullmatch(r"BC-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}", report.reference)
    assert f'<strong class="reference">{report.reference}</strong>' in report.done_page
    assert f'href="/report/status/{report.reference}"' in report.done_page


def test_the_status_page_shows_state_dates_and_product_but_nothing_personal(client, stamp):
    report = _report(client, stamp)
    report.staff_note = "Đã gọi cho người báo"
    db.session.commit()
    response = client.get(f"/report/status/{report.reference}", headers=VI)
    assert response.status_code == 200
    page = text_of(response)
    assert "Đã tiếp nhận, chưa kiểm tra" in page and "Hạt điều Bù Đăng" in page
    for private in ("Tem dán lệch", "0909 000 111", "Đã gọi cho người báo"):
        assert private not in page


def test_the_status_follows_the_departments_decision(client, stamp):
    report = _report(client, stamp)
    staff = factories.staff()
    counterfeit.change_report_state(report, ReportState.INVESTIGATING, "", staff)
    db.session.commit()
    page = text_of(client.get(f"/report/status/{report.reference}", headers=VI))
    assert "Đang kiểm tra" in page and "Cập nhật lần cuối" in page
    counterfeit.change_report_state(report, ReportState.CONFIRMED, "", staff)
    db.session.commit()
    page = text_of(client.get(f"/report/status/{report.reference}", headers=EN))
    assert "Confirmed: the product is fake" in page


def test_a_reference_is_found_in_any_case_and_without_dashes(client, stamp):
    report = _report(client, stamp)
    loose = report.reference.lower().replace("-", " ")
    response = client.get(f"/report/status/{loose.replace(' ', '')}", headers=VI)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/report/status/{report.reference}"
    form = client.get("/report/status", query_string={"reference": loose}, headers=VI)
    assert form.status_code == 303
    assert form.headers["Location"] == f"/report/status/{report.reference}"


def test_an_unknown_reference_is_a_404_page_with_the_lookup_form(client, stamp):
    response = client.get("/report/status/BC-2222-2222", headers=VI)
    assert response.status_code == 404
    page = text_of(response)
    assert "Không có phản ánh nào mang mã số BC-2222-2222" in page
    assert 'name="reference"' in response.get_data(as_text=True)
    assert client.get("/report/status", headers=VI).status_code == 200


def test_report_status_is_rate_limited(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_RESOLVER", "2 per minute")
    statuses = [client.get("/report/status/BC-2222-2222").status_code for _ in range(3)]
    assert statuses == [404, 404, 429]


def test_the_report_api_includes_the_reference(client, stamp):
    report = _report(client, stamp)
    raw = factories.token(factories.staff())
    db.session.commit()
    response = client.get(
        f"/api/v1/counterfeit-reports/{report.id}", headers={"Authorization": f"Bearer {raw}"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json["reference"] == report.reference
