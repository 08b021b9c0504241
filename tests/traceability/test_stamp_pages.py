"""The producers' and staff's stamp pages: ordering, downloads, lifecycle, scans, reports."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import func, select

from core.audit import AuditEntry
from core.extensions import db
from tests import factories
from traceability.stamps import counterfeit, orders, scans, serials
from traceability.stamps.models import (
    CounterfeitReport,
    RenderState,
    ReportState,
    Scan,
    Stamp,
    StampOrder,
    StampState,
)

EN = {"Accept-Language": "en"}
PHONE = "Mozilla/5.0 (Linux; Android 14; SM-A155F) AppleWebKit/537.36 Chrome/131.0"
ORDER = {
    "quantity": "5",
    "kind": "sheet",
    "rows": "4",
    "cols": "3",
    "size_mm": "30",
    "show_caption": "y",
    "note": "Tết 2027",
}


class Shop:
    """A verified producer with a published product and a batch, another producer, and staff."""

    def __init__(self):
        self.producer, self.owner = factories.producer()
        self.product = factories.published_product(self.producer, self.owner, name="Bưởi Tân Triều")
        self.batch = factories.batch(self.product, self.owner, lot_code="LOT-2026/11")
        self.other, self.other_user = factories.producer()
        self.staff = factories.staff()
        db.session.commit()

    @property
    def form_url(self) -> str:
        return f"/batches/{self.batch.id}/stamps/new"

    def order(self, quantity: int = 5, **fields) -> StampOrder:
        order = factories.stamp_order(self.batch, self.owner, quantity=quantity, **fields)
        db.session.commit()
        return order


@pytest.fixture
def shop(app_ctx):
    return Shop()


def stamps_of(order) -> list[Stamp]:
    db.session.expire_all()
    return list(
        db.session.scalars(select(Stamp).where(Stamp.order_id == order.id).order_by(Stamp.seq))
    )


def order_count() -> int:
    return db.session.scalar(select(func.count()).select_from(StampOrder))


def html(response) -> str:
    return response.get_data(as_text=True)


def flashes(page: str) -> list[str]:
    return re.findall(r'<p class="flash \w+" role="\w+">([^<]*)</p>', page)


# --- ordering --------------------------------------------------------------------------------


def test_producer_orders_stamps_and_downloads_the_pdf_and_csv(client, shop):
    client.login(shop.owner.email, factories.PASSWORD)
    response = client.submit(shop.form_url, ORDER, token_from=shop.form_url, headers=EN)
    assert response.status_code == 302
    order = db.session.scalars(select(StampOrder).where(StampOrder.batch_id == shop.batch.id)).one()
    assert response.headers["Location"].endswith(f"/stamps/orders/{order.id}")
    assert order.quantity == 5 and order.note == "Tết 2027"
    assert order.layout == {
        "kind": "sheet",
        "rows": 4,
        "cols": 3,
        "size_mm": 30.0,
        "show_caption": True,
        "scan_hint": False,
    }
    stamps = stamps_of(order)
    assert [s.seq for s in stamps] == [1, 2, 3, 4, 5]
    assert {s.state for s in stamps} == {StampState.ACTIVE}
    # JOB_QUEUE is "sync" in tests: the PDF was rendered inside the request.
    db.session.refresh(order)
    assert order.render_state is RenderState.READY and order.rendered_count == 5

    page = html(client.get(f"/stamps/orders/{order.id}", headers=EN))
    assert "5 stamps have been issued." in page
    assert "The print file is ready" in page
    assert f"/stamps/orders/{order.id}/stamps.pdf" in page
    assert 'http-equiv="refresh"' not in page  # nothing left to wait for
    for stamp in stamps:
        assert stamp.serial in page

    with client.get(f"/stamps/orders/{order.id}/stamps.pdf") as pdf:
        assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
        assert pdf.data.startswith(b"%PDF")
        assert pdf.headers["Content-Disposition"].startswith("attachment")

    response = client.get(f"/stamps/orders/{order.id}/stamps.csv")
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="stamps-order-{order.id}.csv"'
    )
    rows = list(csv.reader(io.StringIO(html(response))))
    assert rows[0] == ["seq", "serial", "url", "gtin", "lot"]
    assert len(rows) == 6
    for row, stamp in zip(rows[1:], stamps, strict=True):
        assert row[:2] == [str(stamp.seq), stamp.serial]
        assert row[2] == (
            f"https://trace.example.vn/01/{shop.product.gtin}/10/LOT-2026%2F11/21/{stamp.serial}"
        )
        assert row[3:] == [shop.product.gtin, "LOT-2026/11"]


def test_the_order_page_refreshes_itself_while_the_pdf_is_prepared(client, shop):
    order = shop.order()
    client.login(shop.owner.email, factories.PASSWORD)
    response = client.get(f"/stamps/orders/{order.id}", headers=EN)
    page = html(response)
    assert order.render_state is RenderState.PENDING
    assert '<meta http-equiv="refresh" content="3">' in page
    assert '<progress value="0" max="5">' in page
    assert "/stamps.pdf" not in page
    missing = client.get(f"/stamps/orders/{order.id}/stamps.pdf", headers=EN)
    assert missing.status_code == 404
    assert "The print file of this order is not ready yet." in html(missing)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"quantity": "0"}, "quantity", "Enter how many stamps to print, from 1 to 100,000."),
        ({"quantity": "100001"}, "quantity", "Enter how many stamps to print, from 1 to 100,000."),
        ({"quantity": ""}, "quantity", "Enter how many stamps to print"),
        ({"size_mm": "50"}, "size_mm", "Choose a stamp size from 15 to 40 mm."),
        ({"rows": "12"}, "rows", "At most"),
        ({"cols": "9"}, "cols", "At most"),
        # Text that is no number is refused by the form itself, which parses it once.
        ({"quantity": "many"}, "quantity", "Not a valid integer value."),
        ({"size_mm": "big"}, "size_mm", "Not a valid decimal value."),
    ],
)
def test_order_form_errors_are_shown_and_nothing_is_created(client, shop, change, field, message):
    client.login(shop.owner.email, factories.PASSWORD)
    before = (order_count(), db.session.scalar(select(func.count()).select_from(Stamp)))
    response = client.submit(
        shop.form_url, dict(ORDER, **change), token_from=shop.form_url, headers=EN
    )
    assert response.status_code == 200
    page = html(response)
    # The message is shown next to its field, which keeps what was typed.
    error = re.search(
        rf'<small class="error" id="{field}-error" role="alert">([^<]*)</small>', page
    )
    assert error and message in error.group(1)
    assert 'aria-invalid="true"' in page
    assert (order_count(), db.session.scalar(select(func.count()).select_from(Stamp))) == before


def test_the_order_form_reads_its_boxes_and_text_once(client, shop):
    """Ticked boxes ("y") and typed text reach the service as booleans and trimmed text."""
    client.login(shop.owner.email, factories.PASSWORD)
    data = {k: v for k, v in ORDER.items() if k != "show_caption"}
    data.update(activation_required="y", note="  Tết 2027  ", size_mm="30.5")
    assert client.submit(shop.form_url, data, token_from=shop.form_url).status_code == 302
    order = db.session.scalars(select(StampOrder).where(StampOrder.batch_id == shop.batch.id)).one()
    assert order.activation_required is True and order.note == "Tết 2027"
    assert order.layout["show_caption"] is False and order.layout["size_mm"] == 30.5
    assert {s.state for s in stamps_of(order)} == {StampState.ISSUED}


def test_order_buttons_without_a_csrf_token_are_refused(client, shop):
    """CSRFProtect checks every POST before the view runs; the views do not check again."""
    order = shop.order(3, activation_required=True)
    order.render_state, order.render_error = RenderState.FAILED, "disk full"
    db.session.commit()
    client.login(shop.owner.email, factories.PASSWORD)
    base = f"/stamps/orders/{order.id}"
    for action, data in (
        ("render", {}),
        ("activate", {"first": "1", "last": "3"}),
        ("void", {"first": "1", "last": "3", "reason": "Rách", "confirmed": "yes"}),
    ):
        assert client.post(f"{base}/{action}", data=data).status_code == 400, action
    db.session.expire_all()
    assert order.render_state is RenderState.FAILED
    assert {s.state for s in stamps_of(order)} == {StampState.ISSUED}


def test_a_roll_layout_ignores_the_grid(client, shop):
    client.login(shop.owner.email, factories.PASSWORD)
    data = dict(ORDER, kind="roll", rows="99", cols="99", quantity="2")
    assert client.submit(shop.form_url, data, token_from=shop.form_url).status_code == 302
    order = db.session.scalars(select(StampOrder).where(StampOrder.batch_id == shop.batch.id)).one()
    assert order.layout["kind"] == "roll"


def test_stamps_of_an_unverified_product_are_refused_with_the_reason(client, shop):
    draft = factories.product(shop.producer, shop.owner, name="Mứt chưa duyệt")
    batch = factories.batch(draft, shop.owner)
    db.session.commit()
    client.login(shop.owner.email, factories.PASSWORD)
    url = f"/batches/{batch.id}/stamps/new"
    page = html(client.get(url, headers=EN))
    assert "Mứt chưa duyệt is still a draft. Submit it for verification on its page" in page
    assert 'name="quantity"' not in page  # no form to fill in vain
    response = client.submit(url, ORDER, token_from=shop.form_url, headers=EN)
    assert response.status_code == 409
    assert "still a draft" in html(response)
    assert order_count() == 0

    batches = html(client.get("/batches", headers=EN))
    assert f"/batches/{shop.batch.id}/stamps/new" in batches  # the verified product's batch
    assert url not in batches


def test_a_submitted_product_is_waiting_for_the_department(client, shop):
    product = factories.product(shop.producer, shop.owner, name="Hạt điều")
    from traceability.registry import services as registry

    registry.submit_product(product, shop.owner)
    batch = factories.batch(product, shop.owner)
    db.session.commit()
    client.login(shop.owner.email, factories.PASSWORD)
    page = html(client.get(f"/batches/{batch.id}/stamps/new", headers=EN))
    assert "Hạt điều is waiting for the Department to verify it." in page


# --- lifecycle -------------------------------------------------------------------------------


def test_void_a_range_and_one_stamp_with_a_reason(client, shop):
    order = shop.order(5)
    client.login(shop.owner.email, factories.PASSWORD)
    page_url = f"/stamps/orders/{order.id}"
    asked = client.submit(
        f"{page_url}/void",
        {"first": "2", "last": "3", "reason": "Tờ in bị lem"},
        token_from=page_url,
        headers=EN,
    )
    assert asked.status_code == 200  # first the confirmation: nothing is void yet
    assert "This will void 2 stamps (print numbers 2–3)." in html(asked)
    assert {s.state for s in stamps_of(order)} == {StampState.ACTIVE}
    response = client.submit(
        f"{page_url}/void",
        {"first": "2", "last": "3", "reason": "Tờ in bị lem", "confirmed": "yes"},
        token_from=page_url,
        headers=EN,
    )
    assert response.status_code == 302
    assert [s.state for s in stamps_of(order)] == [
        StampState.ACTIVE,
        StampState.VOID,
        StampState.VOID,
        StampState.ACTIVE,
        StampState.ACTIVE,
    ]
    assert stamps_of(order)[1].void_reason == "Tờ in bị lem"
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "stamps.void").order_by(AuditEntry.id)
    ).one()
    assert entry.object_id == str(order.id) and entry.actor_id == shop.owner.id
    assert entry.detail == {"first": 2, "last": 3, "count": 2, "reason": "Tờ in bị lem"}
    assert "2 stamps are now void" in html(client.get(page_url, headers=EN))

    # One stamp: the row's link fills the form with its number.
    form_page = html(client.get(f"{page_url}?void=5", headers=EN))
    assert re.search(r'id="void-first" name="first" type="number" value="5"', form_page)
    client.submit(
        f"{page_url}/void",
        {"first": "5", "last": "5", "reason": "Rách", "confirmed": "yes"},
        token_from=f"{page_url}?void=5",
    )
    stamps = stamps_of(order)
    assert stamps[4].state is StampState.VOID and stamps[4].void_reason == "Rách"
    assert stamps[3].state is StampState.ACTIVE


def test_voiding_without_a_reason_changes_nothing(client, shop):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"  # flashes are made on the POST
    order = shop.order(3)
    client.login(shop.owner.email, factories.PASSWORD)
    page_url = f"/stamps/orders/{order.id}"
    response = client.submit(
        f"{page_url}/void", {"first": "1", "last": "3"}, token_from=page_url, headers=EN
    )
    assert response.status_code == 302
    assert {s.state for s in stamps_of(order)} == {StampState.ACTIVE}
    page = html(client.get(page_url, headers=EN))
    assert "Say why these stamps are void" in " ".join(flashes(page))
    bad_range = client.submit(
        f"{page_url}/void", {"first": "3", "last": "9", "reason": "x"}, token_from=page_url
    )
    assert bad_range.status_code == 302
    assert "Enter a range of stamp numbers within 1 to 3" in html(client.get(page_url, headers=EN))
    assert {s.state for s in stamps_of(order)} == {StampState.ACTIVE}


def test_stamps_that_need_activation_are_released_by_range_then_all(client, shop):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"  # flashes are made on the POST
    order = shop.order(4, activation_required=True)
    assert {s.state for s in stamps_of(order)} == {StampState.ISSUED}
    client.login(shop.owner.email, factories.PASSWORD)
    page_url = f"/stamps/orders/{order.id}"
    client.submit(f"{page_url}/activate", {"first": "1", "last": "2"}, token_from=page_url)
    assert [s.state for s in stamps_of(order)] == [StampState.ACTIVE] * 2 + [StampState.ISSUED] * 2
    assert stamps_of(order)[0].activated_at is not None
    client.submit(f"{page_url}/activate", {}, token_from=page_url)
    assert {s.state for s in stamps_of(order)} == {StampState.ACTIVE}
    page = html(client.get(page_url, headers=EN))
    assert "2 stamps are now active" in page
    actions = db.session.scalars(
        select(AuditEntry.detail)
        .where(AuditEntry.action == "stamps.activate")
        .order_by(AuditEntry.id)
    ).all()
    assert [(a["first"], a["last"], a["count"]) for a in actions] == [(1, 2, 2), (1, 4, 2)]


def test_a_failed_render_can_be_started_again(client, shop):
    order = shop.order(2)
    client.login(shop.owner.email, factories.PASSWORD)
    page_url = f"/stamps/orders/{order.id}"
    refused = client.submit(f"{page_url}/render", {}, token_from=page_url)
    assert refused.status_code == 409
    order.render_state, order.render_error = RenderState.FAILED, "disk full"
    db.session.commit()
    page = html(client.get(page_url, headers=EN))
    assert "Preparing the print file failed." in page and "disk full" in page
    assert client.submit(f"{page_url}/render", {}, token_from=page_url).status_code == 302
    db.session.refresh(order)
    assert order.render_state is RenderState.READY and order.render_error == ""
    with client.get(f"{page_url}/stamps.pdf") as pdf:
        assert pdf.data.startswith(b"%PDF")


def test_each_stamp_can_be_downloaded_as_svg_and_png(client, shop):
    order = shop.order(2)
    stamp = stamps_of(order)[1]
    client.login(shop.owner.email, factories.PASSWORD)
    svg = client.get(f"/stamps/orders/{order.id}/stamps/2.svg")
    assert svg.mimetype == "image/svg+xml"
    assert "<svg" in html(svg) and stamp.serial in html(svg)
    png = client.get(f"/stamps/orders/{order.id}/stamps/2.png")
    assert png.mimetype == "image/png" and png.data.startswith(b"\x89PNG\r\n\x1a\n")
    assert client.get(f"/stamps/orders/{order.id}/stamps/3.svg").status_code == 404


def test_another_producer_gets_404_on_every_order_url(client, shop):
    order = shop.order(2)
    client.login(shop.other_user.email, factories.PASSWORD)
    base = f"/stamps/orders/{order.id}"
    for url in (
        base,
        f"{base}/stamps.pdf",
        f"{base}/stamps.csv",
        f"{base}/stamps/1.svg",
        f"{base}/stamps/1.png",
        shop.form_url,
    ):
        assert client.get(url).status_code == 404, url
    for url in (f"{base}/activate", f"{base}/void", f"{base}/render", shop.form_url):
        data = {"first": "1", "last": "2", "reason": "phá"} if url.endswith("void") else {}
        assert client.submit(url, data).status_code == 404, url
    assert {s.state for s in stamps_of(order)} == {StampState.ACTIVE}
    assert f"#{order.id}" not in html(client.get("/stamps/orders"))


def test_staff_see_every_order_with_its_producer(client, shop):
    order = shop.order(2)
    client.login(shop.staff.email, factories.PASSWORD)
    page = html(client.get("/stamps/orders", headers=EN))
    assert f"/stamps/orders/{order.id}" in page and shop.producer.legal_name in page
    client.post("/logout", data={"csrf_token": client.csrf_token("/stamps/orders")})
    client.login(shop.owner.email, factories.PASSWORD)
    page = html(client.get("/stamps/orders", headers=EN))
    assert f"/stamps/orders/{order.id}" in page and "Bưởi Tân Triều" in page


# --- scans -----------------------------------------------------------------------------------


def scan(gtin, lot, serial, *, ip="198.51.100.7", place=None):
    found = scans.record_scan(scans.resolve(gtin, lot, serial), ip=ip, user_agent=PHONE)
    if place:
        scans.share_place(found.scan_id, *place)
    return found


def test_the_scans_page_counts_verdicts_places_and_suspicious_stamps(client, shop):
    order = shop.order(3, activation_required=True)
    first, second, _third = stamps_of(order)
    orders.activate_stamps(order, shop.owner, 1, 1)
    gtin = shop.product.gtin
    scan(gtin, "LOT-2026/11", first.serial, place=(10.94, 106.82))
    scan(gtin, "LOT-2026/11", first.serial, ip="198.51.100.8", place=(10.94, 106.82))
    scan(gtin, "LOT-2026/11", second.serial)  # not released yet: suspicious
    scan(gtin, None, "NOPE2345678", ip="203.0.113.50")  # a serial never issued
    scan(gtin, None, "NOPE2345679", ip="203.0.113.50")
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Scan)) == 5

    client.login(shop.owner.email, factories.PASSWORD)
    page = html(client.get("/stamps/scans", headers=EN))
    cards = re.findall(r'<div class="card"><b>(\d+)</b>([^<]+)</div>', page)
    assert cards == [
        ("5", "scans in the period"),
        ("5", "scans in all"),
        ("1", "suspicious scans"),
        ("2", "scans of codes never issued"),
    ]
    verdicts = dict(re.findall(r"<tr><td>([^<]+)</td><td>(\d+)</td></tr>", page))
    assert verdicts["Genuine, first scan"] == "1"
    assert verdicts["Genuine, scanned before"] == "1"
    assert verdicts["Suspicious"] == "1"
    assert verdicts["Not issued by us"] == "2"
    assert ">10.9; 106.8</a></td><td>2</td>" in page  # the coarse cell shared twice
    assert ">10,9; 106,8</a>" in html(
        client.get("/stamps/scans", headers={"Accept-Language": "vi"})
    )
    assert "<td>Android</td><td>5</td>" in page
    assert second.serial in page and "scanned before it was released" in page
    assert first.serial not in page  # genuine scans are not listed as suspicious
    assert "2 scans from 1 different phones" in page
    assert page.count('<meter class="bar"') == 30

    # Another producer sees none of it.
    client.post("/logout", data={"csrf_token": client.csrf_token("/stamps/scans")})
    client.login(shop.other_user.email, factories.PASSWORD)
    other = html(client.get("/stamps/scans", headers=EN))
    assert re.findall(r'<div class="card"><b>(\d+)</b>', other) == ["0", "0", "0", "0"]
    assert second.serial not in other


def test_staff_filter_the_scans_page_by_producer(client, shop):
    order = shop.order(1)
    scan(shop.product.gtin, None, stamps_of(order)[0].serial)
    db.session.commit()
    client.login(shop.staff.email, factories.PASSWORD)
    everyone = html(client.get("/stamps/scans", headers=EN))
    assert re.findall(r'<div class="card"><b>(\d+)</b>', everyone)[0] == "1"
    other = html(client.get(f"/stamps/scans?producer_id={shop.other.id}", headers=EN))
    assert re.findall(r'<div class="card"><b>(\d+)</b>', other)[0] == "0"
    assert shop.other.legal_name in other


# --- counterfeit reports ---------------------------------------------------------------------


def make_report(shop, **data) -> tuple[CounterfeitReport, Stamp]:
    order = shop.order(1)
    stamp = stamps_of(order)[0]
    found = scan(shop.product.gtin, "LOT-2026/11", stamp.serial)
    report = counterfeit.create_report(
        found,
        {"message": "Tem bị dán đè lên tem khác", "where_bought": "Chợ Biên Hòa", **data},
        client="c" * 24,
    )
    db.session.commit()
    return report, stamp


def test_staff_move_a_report_to_investigating_then_confirmed_which_flags_the_stamp(client, shop):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"  # flashes are made on the POST
    report, stamp = make_report(shop, contact="0909 000 111")
    client.login(shop.staff.email, factories.PASSWORD)
    queue = html(client.get("/staff/reports?state=new", headers=EN))
    assert f"/staff/reports/{report.id}" in queue and "Tem bị dán đè" in queue
    detail_url = f"/staff/reports/{report.id}"
    page = html(client.get(detail_url, headers=EN))
    assert "Chợ Biên Hòa" in page and "0909 000 111" in page
    assert serials.stamp_url(report.gtin, report.lot, report.serial) in page
    assert "Scanned 1 time ·" in page

    client.submit(
        f"{detail_url}/state",
        {"state": "investigating", "note": "Gọi cho người mua"},
        token_from=detail_url,
    )
    db.session.expire_all()
    assert report.state is ReportState.INVESTIGATING and report.handled_by_id == shop.staff.id
    assert not stamp.flagged
    client.submit(
        f"{detail_url}/state", {"state": "confirmed", "note": "Tem giả"}, token_from=detail_url
    )
    db.session.expire_all()
    assert report.state is ReportState.CONFIRMED
    assert stamp.flagged
    assert report.staff_note == "Gọi cho người mua\nTem giả"
    page = html(client.get(detail_url, headers=EN))
    assert "The report is now: Confirmed fake." in page
    assert "Investigating → Confirmed fake: Tem giả" in page
    assert html(client.get("/staff/reports?state=new", headers=EN)).count("/staff/reports/") == 0


def test_an_invalid_transition_is_shown_and_changes_nothing(client, shop):
    report, _stamp = make_report(shop)
    report.state = ReportState.CONFIRMED
    db.session.commit()
    client.login(shop.staff.email, factories.PASSWORD)
    detail_url = f"/staff/reports/{report.id}"
    page = html(client.get(detail_url, headers=EN))
    assert '<option value="investigating">' in page and 'value="dismissed"' not in page
    response = client.submit(
        f"{detail_url}/state", {"state": "dismissed"}, token_from=detail_url, headers=EN
    )
    assert response.status_code == 302
    page = html(client.get(detail_url, headers=EN))
    assert "A report that is confirmed cannot become dismissed." in flashes(page)
    # A state that is none is refused by the form; without a CSRF token, nothing is read.
    client.submit(f"{detail_url}/state", {"state": "bogus"}, token_from=detail_url, headers=EN)
    assert "New status: Not a valid choice." in flashes(html(client.get(detail_url, headers=EN)))
    no_token = client.post(f"{detail_url}/state", data={"state": "investigating"})
    assert no_token.status_code == 400
    db.session.expire_all()
    assert report.state is ReportState.CONFIRMED


def test_producers_see_reports_on_their_products_read_only_without_contact(client, shop):
    report, _stamp = make_report(shop, contact="0909 000 111")
    client.login(shop.owner.email, factories.PASSWORD)
    page = html(client.get("/stamps/scans", headers=EN))
    assert "Tem bị dán đè" in page and "Chợ Biên Hòa" in page
    assert "0909 000 111" not in page
    assert f"/staff/reports/{report.id}" not in page
    assert client.get(f"/staff/reports/{report.id}").status_code == 403


def test_the_report_photo_is_served_only_to_staff(client, shop):
    report, _stamp = make_report(shop)
    folder = Path(current_app.config["UPLOAD_FOLDER"]) / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "r-test-photo.jpg").write_bytes(b"\xff\xd8\xff\xe0 photo bytes")
    report.photo_key = "r-test-photo.jpg"
    db.session.commit()
    url = f"/staff/reports/{report.id}/photo"
    assert client.get(url).status_code == 302  # anonymous: to the login page
    client.login(shop.owner.email, factories.PASSWORD)
    assert client.get(url).status_code == 403
    client.post("/logout", data={"csrf_token": client.csrf_token("/stamps/scans")})
    client.login(shop.staff.email, factories.PASSWORD)
    with client.get(url) as response:
        assert response.status_code == 200
        assert response.data == b"\xff\xd8\xff\xe0 photo bytes"
        assert "no-store" in response.headers["Cache-Control"]
    assert url in html(client.get(f"/staff/reports/{report.id}"))
