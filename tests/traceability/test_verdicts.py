"""The consumer page never tells a comforting untruth: recalls, confirmed fakes, void stamps,
expired batches and serials of another lot each say so in the verdict box, worst first, and a
change staff make reaches every worker's pages at once."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select, update

from core import audit
from core import db as core_db
from core.db import utcnow
from core.errors import Conflict, NotFound, ValidationFailed
from core.extensions import db
from core.formatting import format_date
from tests import factories
from traceability.registry import services as registry
from traceability.registry.models import Batch, PortalState, Product, ReviewState
from traceability.stamps import cards, counterfeit, orders, recalls, scans, serials, verdicts
from traceability.stamps.models import ReportState, Scan, Stamp, StampState, Standing, Verdict

BROWSER = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "User-Agent": "Mozilla/5.0 (Linux; Android 14; SM-A155F) AppleWebKit/537.36 Chrome/131.0",
}
TODAY = verdicts.province_date(utcnow())


class Stamped:
    def __init__(self, **batch_fields):
        self.producer, self.owner = factories.producer()
        self.product = factories.published_product(self.producer, self.owner, name="Bưởi Tân Triều")
        # Stamps are printed while the batch is fresh (no order is taken for an expired one);
        # its use-by date may have passed since.
        expires_on = batch_fields.pop("expires_on", None)
        self.batch = factories.batch(self.product, self.owner, **batch_fields)
        self.order = factories.stamp_order(self.batch, self.owner, quantity=3)
        self.batch.expires_on = expires_on
        db.session.commit()
        self.stamps = list(
            db.session.scalars(
                select(Stamp).where(Stamp.order_id == self.order.id).order_by(Stamp.seq)
            )
        )
        self.stamp = self.stamps[0]
        self.path = self.path_of(self.stamp)

    def path_of(self, stamp, lot: str | None = None) -> str:
        return serials.stamp_path(self.product.gtin, lot or self.batch.lot_code, stamp.serial)


@pytest.fixture
def stamped(app_ctx):
    return Stamped()


def page(client, path: str, **headers) -> str:
    response = client.get(path, headers={**BROWSER, **headers})
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


# --- the ordered states ---------------------------------------------------------------------


def _card(**fields) -> cards.BatchCard:
    values = {
        "id": 1,
        "lot_code": "L1",
        "produced_on": None,
        "expires_on": None,
        "site_name": None,
        "site_ward_name": None,
    }
    return cards.BatchCard(**{**values, **fields})


def _found(verdict: Verdict, batch=None, flagged=False, reasons=()) -> verdicts.Resolution:
    stamp = SimpleNamespace(flagged=flagged, state=StampState.ACTIVE)
    return verdicts.Resolution(
        gtin="0", lot="L1", serial="S", batch=batch, stamp=stamp, verdict=verdict,
        reasons=list(reasons),
    )  # fmt: skip


def test_every_bad_fact_is_named_worst_first_and_the_page_is_never_green():
    bad = _card(recalled_at=utcnow(), expires_on=TODAY - dt.timedelta(days=1))
    found = verdicts.settle(_found(Verdict.GENUINE, bad, flagged=True), TODAY)
    assert found.standing is Standing.RECALLED
    assert found.alerts == [Standing.RECALLED, Standing.CONFIRMED_FAKE, Standing.EXPIRED]
    expired = _card(expires_on=TODAY - dt.timedelta(days=1))
    found = verdicts.settle(_found(Verdict.SCANNED_BEFORE, expired, reasons=()), TODAY)
    assert found.standing is Standing.EXPIRED
    found = verdicts.settle(_found(Verdict.SUSPICIOUS, _card(), reasons=["many_scans"]), TODAY)
    assert found.standing is Standing.SUSPICIOUS
    # A lot's own page (no serial) of a recalled batch is not "product information" either.
    lot_page = verdicts.Resolution(gtin="0", lot="L1", serial=None, batch=bad)
    lot_page.verdict = Verdict.PRODUCT
    assert verdicts.settle(lot_page, TODAY).standing is Standing.RECALLED
    fine = verdicts.settle(_found(Verdict.GENUINE, _card(expires_on=TODAY)), TODAY)
    assert (fine.standing, fine.alerts, fine.expires_in) == (Standing.GENUINE, [], 0)


def test_expiry_is_judged_on_the_provinces_calendar():
    # 18:00 UTC on 2 August is already 3 August in Đồng Nai (UTC+7).
    evening = dt.datetime(2026, 8, 2, 18, 0, tzinfo=dt.UTC)
    assert verdicts.province_date(evening) == dt.date(2026, 8, 3)
    found = _found(Verdict.GENUINE, _card(expires_on=dt.date(2026, 8, 2)))
    assert verdicts.settle(found, verdicts.province_date(evening)).standing is Standing.EXPIRED


# --- expiry ---------------------------------------------------------------------------------


def test_an_expired_batch_says_so_in_the_verdict_box(client, app_ctx):
    expired_on = TODAY - dt.timedelta(days=5)
    made = Stamped(produced_on=TODAY - dt.timedelta(days=60), expires_on=expired_on)
    html = page(client, made.path)
    assert 'class="verdict expired"' in html and "verdict genuine" not in html
    assert f"Đã hết hạn sử dụng từ {format_date(expired_on, 'vi')}" in html
    scan = db.session.scalars(select(Scan).where(Scan.stamp_id == made.stamp.id)).one()
    assert (scan.verdict, scan.reason) == (Verdict.GENUINE, "expired")


def test_scan_statistics_count_the_expired_batch_warnings_the_page_gave(client, app_ctx):
    made = Stamped(
        produced_on=TODAY - dt.timedelta(days=60), expires_on=TODAY - dt.timedelta(days=5)
    )
    page(client, made.path)
    page(client, made.path)
    raw = factories.token(made.owner)
    db.session.commit()
    api = client.get("/api/v1/scans/stats", headers={"Authorization": f"Bearer {raw}"})
    assert api.get_json()["batch_warnings"] == {"recalled": 0, "expired": 2}
    client.login(made.owner.email, factories.PASSWORD)
    html = client.get("/stamps/scans", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert (
        "Of the genuine scans above, the page warned: the batch was past its use-by date</td>"
        "<td>2</td>"
    ) in html
    assert "the batch was recalled</td><td>0</td>" in html


def test_no_stamps_are_ordered_for_a_batch_past_its_use_by_date(client, app_ctx):
    producer, owner = factories.producer()
    product = factories.published_product(producer, owner)
    batch = factories.batch(
        product,
        owner,
        produced_on=TODAY - dt.timedelta(days=60),
        expires_on=TODAY - dt.timedelta(days=1),
    )
    db.session.commit()
    with pytest.raises(Conflict):
        orders.create_order(batch, {"quantity": 10}, owner)
    client.login(owner.email, factories.PASSWORD)
    form = client.get(f"/batches/{batch.id}/stamps/new")
    assert "quá hạn sử dụng" in form.get_data(as_text=True)
    assert not db.session.scalars(select(Stamp).where(Stamp.batch_id == batch.id)).first()


def test_a_batch_close_to_expiry_says_when_it_expires(client, app_ctx):
    expires_on = TODAY + dt.timedelta(days=3)
    made = Stamped(produced_on=TODAY - dt.timedelta(days=30), expires_on=expires_on)
    html = page(client, made.path)
    assert 'class="verdict genuine"' in html
    assert f"Hạn sử dụng đến {format_date(expires_on, 'vi')} (còn 3 ngày)" in html


# --- confirmed fakes ------------------------------------------------------------------------


def confirm_fake(stamped: Stamped, stamp) -> None:
    found = scans.resolve(stamped.product.gtin, stamped.batch.lot_code, stamp.serial)
    report = counterfeit.create_report(
        found, {"message": "Tem giống hệt nhưng bưởi chua"}, client="test-client"
    )
    counterfeit.change_report_state(report, ReportState.CONFIRMED, "Đã kiểm tra", factories.staff())
    db.session.commit()


def test_a_confirmed_fake_says_copies_are_fakes_and_what_to_do(client, stamped):
    confirm_fake(stamped, stamped.stamp)
    html = page(client, stamped.path)
    assert 'class="verdict confirmed_fake"' in html and "verdict suspicious" not in html
    assert "Đã xác nhận: có hàng giả dán bản sao của tem này" in html
    assert "hỏi người bán" in html and f'href="/report{stamped.path}"' in html
    # The product card is behind a summary, not spread under the warning.
    assert '<details class="product">' in html


# --- void stamps ----------------------------------------------------------------------------


def test_a_void_reason_is_shown_to_staff_and_the_producer_only(app, stamped):
    orders.void_stamp(stamped.stamps[1], stamped.owner, "Tờ in bị lỗi")
    _, other_owner = factories.producer()
    staff = factories.staff()
    db.session.commit()
    path = stamped.path_of(stamped.stamps[1])
    seen = {}
    for name, user in (("consumer", None), ("other", other_owner), ("staff", staff),
                       ("owner", stamped.owner)):  # fmt: skip
        client = app.test_client()
        if user is not None:
            client.login(user.email, factories.PASSWORD)
        html = client.get(path, headers={"Accept": "text/html"}).get_data(as_text=True)
        assert 'class="verdict void"' in html and "Tem này đã bị nhà sản xuất hủy" in html
        seen[name] = "Tờ in bị lỗi" in html
    assert seen == {"consumer": False, "other": False, "staff": True, "owner": True}


# --- a serial of another lot ----------------------------------------------------------------


def test_a_serial_under_another_lot_is_suspicious_not_never_issued(client, stamped):
    other = factories.batch(stamped.product, stamped.owner, lot_code="LOT-KHAC")
    db.session.commit()
    html = page(client, stamped.path_of(stamped.stamp, lot=other.lot_code))
    assert 'class="verdict suspicious"' in html and "verdict not_issued" not in html
    assert "Mã tem này thuộc lô khác của sản phẩm" in html and stamped.batch.lot_code in html
    scan = db.session.scalars(select(Scan).where(Scan.stamp_id == stamped.stamp.id)).one()
    assert (scan.verdict, scan.reason) == (Verdict.SUSPICIOUS, "other_lot")
    db.session.refresh(stamped.stamp)
    assert stamped.stamp.scan_count == 0  # the genuine item's own count is untouched
    # The same for a preview (not counted).
    found = verdicts.preview_verdict(
        scans.resolve(stamped.product.gtin, other.lot_code, stamped.stamp.serial)
    )
    assert found.standing is Standing.SUSPICIOUS and found.stamp_lot == stamped.batch.lot_code


# --- the national portal --------------------------------------------------------------------


def test_a_portal_listing_recorded_by_staff_is_linked(client, stamped):
    assert "truyxuatnguongoc.gov.vn" not in page(client, stamped.path)
    registry.set_portal_status(
        stamped.product,
        state=PortalState.LISTED,
        reference="TXNG 0042",
        on=None,
        actor=factories.staff(),
    )
    db.session.commit()
    html = page(client, stamped.path)
    assert 'href="https://truyxuatnguongoc.gov.vn/?q=TXNG+0042"' in html
    assert "Cổng truy xuất nguồn gốc quốc gia: TXNG 0042" in html


# --- recalls --------------------------------------------------------------------------------


def test_a_recalled_batch_is_red_with_the_notice_until_the_recall_is_lifted(client, stamped):
    page(client, stamped.path)  # the cards are cached now
    orders.void_stamp(stamped.stamps[2], stamped.owner, "hỏng")
    assert recalls.recall_stamp_count(stamped.batch) == 2
    recalls.recall_batch(stamped.batch, "Phát hiện dư lượng thuốc trừ sâu", factories.staff())
    db.session.commit()
    html = page(client, stamped.path)
    assert 'class="verdict recalled"' in html and "Lô hàng này đã bị thu hồi" in html
    assert "Phát hiện dư lượng thuốc trừ sâu" in html and "verdict scanned_before" not in html
    entry = db.session.scalars(
        select(audit.AuditEntry).where(audit.AuditEntry.action == "batch.recall")
    ).one()
    assert entry.detail["stamps"] == 2 and entry.object_id == str(stamped.batch.id)
    recalls.lift_recall(stamped.batch, stamped.owner)
    db.session.commit()
    assert 'class="verdict scanned_before"' in page(client, stamped.path)


def test_only_staff_or_the_owner_recall_and_a_notice_is_required(stamped):
    _, other_owner = factories.producer()
    with pytest.raises(NotFound):
        recalls.recall_batch(stamped.batch, "Thu hồi", other_owner)
    with pytest.raises(ValidationFailed):
        recalls.recall_batch(stamped.batch, "  ", stamped.owner)
    with pytest.raises(ValidationFailed):
        recalls.recall_batch(stamped.batch, "x" * 301, stamped.owner)
    assert stamped.batch.recalled_at is None


# --- freshness ------------------------------------------------------------------------------


def _rename_elsewhere(product: Product, name: str) -> None:
    """Another worker's change: committed, with the version bump its flush makes, but not through
    this process's session (whose after-commit hook would empty this process's cards)."""
    db.session.execute(update(Product).where(Product.id == product.id).values(name=name))
    db.session.execute(cards._BUMP_VERSION)
    db.session.commit()


def test_a_change_in_another_worker_reaches_this_workers_pages(client, stamped):
    assert "Bưởi Tân Triều" in page(client, stamped.path)
    _rename_elsewhere(stamped.product, "Bưởi da xanh Tân Triều")
    assert "Bưởi da xanh Tân Triều" in page(client, stamped.path)


def test_an_unverified_product_leaves_this_workers_pages_at_once(client, stamped):
    assert 'class="verdict genuine"' in page(client, stamped.path)
    stamped.product.review_state = ReviewState.SUBMITTED
    db.session.commit()
    response = client.get(stamped.path, headers=BROWSER)
    assert response.status_code == 404  # no longer shown to consumers


def test_a_change_bumps_the_version_when_it_commits_and_not_when_it_rolls_back(stamped):
    before = cards.cards_version()
    registry.update_product(stamped.product, {"name": "Bưởi Tân Triều loại 1"}, stamped.owner)
    db.session.rollback()
    assert cards.cards_version() == before
    product = db.session.get(Product, stamped.product.id)
    registry.update_product(product, {"name": "Bưởi Tân Triều loại 1"}, stamped.owner)
    db.session.commit()
    assert cards.cards_version() == before + 1
    db.session.add(factories.staff())  # not on any card
    db.session.commit()
    assert cards.cards_version() == before + 1


def test_a_stale_card_never_decides_a_verdict(client, stamped):
    """The fast path counts a scan only while this process's cards are current: a recall that
    another worker committed shows on the very next scan, and the stale scan counted nothing."""
    assert 'class="verdict genuine"' in page(client, stamped.path)
    version = cards.cached_version()
    db.session.execute(
        update(Batch)
        .where(Batch.id == stamped.batch.id)
        .values(recalled_at=utcnow(), recall_notice="Nhiễm khuẩn")
    )
    db.session.execute(cards._BUMP_VERSION)  # what the other worker's flush did
    db.session.commit()
    assert cards.cached_version() == version  # this process has not noticed yet…
    html = page(client, stamped.path)
    assert 'class="verdict recalled"' in html and "Nhiễm khuẩn" in html  # …its next page did
    stamp = db.session.get(Stamp, stamped.stamp.id)
    db.session.refresh(stamp)
    assert stamp.scan_count == 2  # counted once per page, not once more by the refused try
    assert cards.cached_version() == version + 1


# --- demo -----------------------------------------------------------------------------------


@pytest.mark.parametrize("loaded_on", [None, dt.datetime(2027, 3, 1, 9, tzinfo=dt.UTC)])
def test_the_demo_shows_an_expired_batch_and_a_confirmed_fake(
    client, app_ctx, monkeypatch, loaded_on
):
    if loaded_on is not None:  # a newcomer running `make run` months after the demo was written
        # Every stamps module that reads the clock: ordering, verdicts, scans and reports.
        for module in (core_db, orders, verdicts, scans, counterfeit, recalls):
            monkeypatch.setattr(module, "utcnow", lambda: loaded_on)
    from traceability.registry.demo import demo_stamp_urls, load_demo

    assert load_demo()
    db.session.commit()
    assert not load_demo()
    shown = {}
    for what, url in demo_stamp_urls():
        html = page(client, urlsplit(url).path)
        shown.setdefault(what, set()).update(
            v.value for v in Standing if f'class="verdict {v.value}"' in html
        )
    assert shown["expired batch"] == {"expired"}
    assert shown["confirmed fake"] == {"confirmed_fake"}
    assert shown["genuine"] == {"genuine"}
