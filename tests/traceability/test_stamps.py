"""Stamp orders, serials, lifecycle, scan verdicts and background rendering (services and jobs)."""

from __future__ import annotations

import datetime as dt
import math
import threading

import pytest
from flask import current_app
from flask_babel import force_locale
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from core.audit import AuditEntry
from core.db import utcnow
from core.errors import Conflict, NotFound, ValidationFailed
from core.extensions import db
from tests import factories
from tests.conftest import make_test_app
from traceability.gs1.ai import validate_value
from traceability.stamps import counterfeit, jobs, orders, printing, scans, serials
from traceability.stamps.models import (
    CounterfeitReport,
    RenderState,
    ReportState,
    Scan,
    Stamp,
    StampOrder,
    StampState,
    Verdict,
)

UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Mobile/15E148 Safari/604.1"


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def world(app_ctx):
    class World:
        producer, owner = factories.producer()
        product = factories.published_product(producer, owner, name="Cà phê Định Quán")
        batch = factories.batch(product, owner, lot_code="CF-01")

    return World


def stamps_of(order) -> list[Stamp]:
    return list(
        db.session.scalars(select(Stamp).where(Stamp.order_id == order.id).order_by(Stamp.seq))
    )


def scan(stamp, ip="198.51.100.7", ua=UA, lot=None):
    found = scans.resolve(stamp.gtin, lot, stamp.serial)
    return scans.record_scan(found, ip=ip, user_agent=ua)


# --- serials -------------------------------------------------------------------------------


def test_serials_are_random_unguessable_and_valid_gs1_serials():
    drawn = serials.new_serials(20_000)
    assert len(set(drawn)) == 20_000
    assert serials.SERIAL_BITS >= 60
    assert math.isclose(serials.SERIAL_BITS, 11 * math.log2(57))
    for serial in drawn[:2000]:
        assert len(serial) == serials.SERIAL_LENGTH <= 20
        validate_value("21", serial)  # GS1 character set 82, as AI (21) requires
        assert set(serial) <= set(serials.SERIAL_ALPHABET)
    # Every symbol is used in every position: no position is fixed or biased away.
    for position in range(serials.SERIAL_LENGTH):
        assert {s[position] for s in drawn} == set(serials.SERIAL_ALPHABET)


def test_serials_are_uniform_enough():
    """A chi-square test on symbol frequencies: rejection sampling keeps them uniform."""
    drawn = serials.new_serials(30_000)
    counts = dict.fromkeys(serials.SERIAL_ALPHABET, 0)
    for serial in drawn:
        for char in serial:
            counts[char] += 1
    expected = len(drawn) * serials.SERIAL_LENGTH / len(counts)
    chi2 = sum((c - expected) ** 2 / expected for c in counts.values())
    assert chi2 < 120  # 56 degrees of freedom: p < 1e-6 above about 110


# --- orders --------------------------------------------------------------------------------


def test_order_issues_every_stamp_with_the_batch_and_gtin(world):
    order = factories.stamp_order(world.batch, world.owner, quantity=25)
    stamps = stamps_of(order)
    assert [s.seq for s in stamps] == list(range(1, 26))
    assert {s.gtin for s in stamps} == {world.product.gtin}
    assert {s.state for s in stamps} == {StampState.ACTIVE}
    assert order.render_state is RenderState.PENDING  # rendering is the caller's to start
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.object_type == "stamp_orders")
    ).all()
    assert "stamp_order.create" in actions
    csv_text = "".join(printing.order_csv(order))
    lines = csv_text.strip().split("\r\n")
    assert lines[0] == "seq,serial,url,gtin,lot" and len(lines) == 26
    assert lines[1] == (
        f"1,{stamps[0].serial},https://trace.example.vn/01/{world.product.gtin}/10/CF-01/21/"
        f"{stamps[0].serial},{world.product.gtin},CF-01"
    )


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"quantity": 0}, "quantity"),
        ({"quantity": None}, "quantity"),  # the form's empty box
        ({"quantity": 100_001}, "quantity"),
        ({"quantity": 10, "size_mm": 50}, "size_mm"),
        ({"quantity": 10, "size_mm": 14}, "size_mm"),
        ({"quantity": 10, "rows": 40, "cols": 1, "size_mm": 40}, "rows"),
        ({"quantity": 10, "kind": "circle"}, "kind"),
    ],
)
def test_bad_orders_are_refused_and_leave_nothing(world, data, field):
    before = count(Stamp), count(StampOrder)
    with pytest.raises(ValidationFailed) as refused:
        orders.create_order(world.batch, data, world.owner)
    assert field in refused.value.errors
    assert (count(Stamp), count(StampOrder)) == before


def test_orders_only_for_a_published_product_of_ones_own(world):
    draft = factories.product(world.producer, world.owner)
    draft_batch = factories.batch(draft, world.owner)
    with force_locale("en"), pytest.raises(Conflict, match="verified"):
        orders.create_order(draft_batch, {"quantity": 5}, world.owner)
    _other, other_user = factories.producer()
    with pytest.raises(NotFound):
        orders.create_order(world.batch, {"quantity": 5}, other_user)


def test_a_clash_with_an_issued_serial_redraws_the_whole_order(world, monkeypatch):
    first = stamps_of(factories.stamp_order(world.batch, world.owner, quantity=3))
    draws = iter([[first[0].serial, "NEWSERIAL01"], ["NEWSERIAL02", "NEWSERIAL03"]])
    monkeypatch.setattr(serials, "new_serials", lambda n: next(draws))
    order = factories.stamp_order(world.batch, world.owner, quantity=2)
    assert [s.serial for s in stamps_of(order)] == ["NEWSERIAL02", "NEWSERIAL03"]


def test_an_order_that_keeps_clashing_fails_whole(world, monkeypatch):
    taken = stamps_of(factories.stamp_order(world.batch, world.owner, quantity=1))[0].serial
    db.session.commit()
    before = count(Stamp), count(StampOrder)
    monkeypatch.setattr(serials, "new_serials", lambda n: [taken, "FRESH000001"][:n])
    with pytest.raises(IntegrityError):
        orders.create_order(world.batch, {"quantity": 2}, world.owner)
    db.session.rollback()  # what the request does with an exception
    assert (count(Stamp), count(StampOrder)) == before


@pytest.mark.no_db_isolation
def test_concurrent_orders_never_share_a_serial(fresh_database, tmp_path, monkeypatch):
    """Ten producers' staff press "order" at once for the same GTIN: ten whole orders.

    Random 64-bit serials would never clash, so every order's first draw is the same: one order
    takes those serials and each of the nine others must see the clash and redraw.
    """
    app = make_test_app(fresh_database(), tmp_path)
    from flask_migrate import upgrade

    from core.wards.services import load_wards

    with app.app_context():
        upgrade()
        load_wards()
        producer, owner = factories.producer()
        product = factories.published_product(producer, owner)
        batch = factories.batch(product, owner)
        db.session.commit()
        batch_id, owner_id = batch.id, owner.id
        db.session.remove()

    real_new_serials = serials.new_serials
    shared = real_new_serials(2000)
    drawn = threading.local()
    redraws = []

    def overlapping_serials(count):
        if not getattr(drawn, "first", False):
            drawn.first = True
            return list(shared)
        redraws.append(count)
        return real_new_serials(count)

    monkeypatch.setattr(serials, "new_serials", overlapping_serials)
    barrier = threading.Barrier(10)
    errors = []

    def order():
        from core.accounts.models import User
        from traceability.registry.models import Batch

        with app.app_context():
            try:
                batch = db.session.get(Batch, batch_id)
                actor = db.session.get(User, owner_id)
                db.session.commit()  # hold no lock while waiting for the others
                barrier.wait(timeout=30)
                orders.create_order(batch, {"quantity": 2000}, actor)
                db.session.commit()
            except Exception as exc:  # reported below
                errors.append(exc)
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=order) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    with app.app_context():
        total = db.session.scalar(select(func.count()).select_from(Stamp))
        distinct = db.session.scalar(select(func.count(func.distinct(Stamp.serial))))
        placed = db.session.scalar(select(func.count()).select_from(StampOrder))
        db.session.remove()
        db.engine.dispose()
    assert (placed, total, distinct) == (10, 20_000, 20_000)
    assert redraws == [2000] * 9  # the shared draw clashed for all but the first order


# --- lifecycle -----------------------------------------------------------------------------


def test_void_a_range_and_one_stamp_with_a_reason(world):
    order = factories.stamp_order(world.batch, world.owner, quantity=10)
    assert orders.void_stamps(order, world.owner, "Tờ in lỗi", 3, 5) == 3
    stamps = stamps_of(order)
    assert [s.seq for s in stamps if s.state is StampState.VOID] == [3, 4, 5]
    assert stamps[3].void_reason == "Tờ in lỗi" and stamps[3].voided_at is not None
    assert orders.void_stamp(stamps[0], world.owner, "Dán hỏng") == 1
    assert orders.void_stamps(order, world.owner, "again", 3, 5) == 0  # already void
    with pytest.raises(ValidationFailed) as no_reason:
        orders.void_stamps(order, world.owner, "  ", 1, 1)
    assert "reason" in no_reason.value.errors
    with pytest.raises(ValidationFailed):
        orders.void_stamps(order, world.owner, "x", 9, 11)
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "stamps.void").order_by(AuditEntry.id)
    ).all()
    assert [(e.detail["first"], e.detail["last"], e.detail["count"]) for e in entries][:2] == [
        (3, 5, 3),
        (1, 1, 1),
    ]


def test_activation(world):
    order = factories.stamp_order(world.batch, world.owner, quantity=4, activation_required=True)
    assert {s.state for s in stamps_of(order)} == {StampState.ISSUED}
    found = scan(stamps_of(order)[0])
    assert found.verdict is Verdict.SUSPICIOUS and found.reasons == ["not_released"]
    assert orders.activate_stamps(order, world.owner, 1, 2) == 2
    assert [s.state for s in stamps_of(order)] == [StampState.ACTIVE] * 2 + [StampState.ISSUED] * 2
    assert scan(stamps_of(order)[1]).verdict is Verdict.GENUINE


# --- verdicts ------------------------------------------------------------------------------


def test_first_scan_then_scanned_before_with_exact_counts(world):
    stamp = stamps_of(factories.stamp_order(world.batch, world.owner, quantity=1))[0]
    first = scan(stamp)
    assert (first.verdict, first.scans_before) == (Verdict.GENUINE, 0)
    second = scan(stamp, lot="CF-01")
    assert (second.verdict, second.scans_before) == (Verdict.SCANNED_BEFORE, 1)
    assert second.first_scan_at is not None
    db.session.refresh(stamp)
    assert stamp.scan_count == 2 == count(Scan, Scan.stamp_id == stamp.id)
    row = db.session.get(Scan, second.scan_id)
    assert row.client_family == "ios" and len(row.client_hash) == 24
    assert "198.51.100.7" not in row.client_hash


def test_too_many_scans_and_too_many_phones_are_suspicious(world, app, monkeypatch):
    monkeypatch.setitem(app.config, "STAMP_SUSPICIOUS_SCANS", 3)
    stamps = stamps_of(factories.stamp_order(world.batch, world.owner, quantity=2))
    verdicts = [scan(stamps[0]).verdict for _ in range(4)]
    assert verdicts[-1] is Verdict.SUSPICIOUS and verdicts[2] is Verdict.SCANNED_BEFORE
    monkeypatch.setitem(app.config, "STAMP_SUSPICIOUS_SCANS", 100)
    results = [scan(stamps[1], ip=f"203.0.113.{i}") for i in range(5)]
    assert results[3].verdict is Verdict.SCANNED_BEFORE
    assert results[4].verdict is Verdict.SUSPICIOUS and results[4].reasons == ["many_clients"]


def test_places_far_apart_in_a_short_time_are_suspicious(world):
    stamp = stamps_of(factories.stamp_order(world.batch, world.owner, quantity=1))[0]
    scans.share_place(scan(stamp).scan_id, 10.9468, 106.8240)  # Biên Hòa
    scans.share_place(scan(stamp).scan_id, 21.0285, 105.8542)  # Hà Nội, minutes later
    third = scan(stamp)
    assert third.verdict is Verdict.SUSPICIOUS and "far_apart" in third.reasons
    assert third.first_place == (10.9, 106.8)  # coarse: 0.1°


def test_sharing_a_place_is_coarse_once_and_checked(world):
    stamp = stamps_of(factories.stamp_order(world.batch, world.owner, quantity=1))[0]
    found = scan(stamp)
    row = scans.share_place(found.scan_id, 10.94681, 106.82404)
    assert (row.lat, row.lon) == (10.9, 106.8)
    with pytest.raises(Conflict):
        scans.share_place(found.scan_id, 10, 106)
    with pytest.raises(ValidationFailed):
        scans.share_place(found.scan_id, 91, 0)
    token = scans.scan_token(found.scan_id)
    assert scans.scan_from_token(token) == found.scan_id
    for forged in (token[:-2] + "xx", f"{found.scan_id + 1}.{token.partition('.')[2]}", "7", ""):
        with pytest.raises(NotFound):
            scans.scan_from_token(forged)
    # A page served before this version carries an itsdangerous token: still accepted.
    old = scans._signer_for(current_app.config["SECRET_KEY"]).dumps(found.scan_id)
    assert scans.scan_from_token(old) == found.scan_id
    with pytest.raises(NotFound):
        scans.scan_from_token(old[:-2] + "xx")


def test_void_and_unissued_and_unknown(world):
    stamps = stamps_of(factories.stamp_order(world.batch, world.owner, quantity=2))
    orders.void_stamp(stamps[0], world.owner, "Mất cuộn tem")
    found = scan(stamps[0])
    assert found.verdict is Verdict.VOID
    db.session.refresh(stamps[0])
    assert stamps[0].scan_count == 0  # a void stamp's page view is a scan, not a count
    unissued = scans.record_scan(
        scans.resolve(world.product.gtin, None, "NOTOURS0001"), ip="1.2.3.4", user_agent=UA
    )
    assert (unissued.verdict, unissued.unknown) == (Verdict.NOT_ISSUED, "serial")
    assert unissued.product.name == "Cà phê Định Quán"  # walked up to the product
    wrong_lot = scans.resolve(world.product.gtin, "NO-SUCH-LOT", stamps[1].serial)
    assert (wrong_lot.verdict, wrong_lot.unknown) == (Verdict.NOT_ISSUED, "lot")
    unknown = scans.resolve(factories.gtin(), None, None)
    assert unknown.product is None and unknown.unknown == "gtin"
    product_only = scans.resolve(world.product.gtin, None, None)
    assert product_only.verdict is Verdict.PRODUCT


def test_probing_unissued_serials_is_noticed(world, app):
    client = scans.client_hash("192.0.2.50", UA)
    for n in range(app.config["SCAN_PROBE_LIMIT"]):
        assert not scans.probing(client, app.config)
        found = scans.resolve(world.product.gtin, None, f"GUESS{n:06d}")
        scans.record_scan(found, ip="192.0.2.50", user_agent=UA)
    assert scans.probing(client, app.config)
    assert not scans.probing(scans.client_hash("192.0.2.51", UA), app.config)


def test_confirmed_report_flags_the_stamp_and_dismissing_unflags(world):
    stamp = stamps_of(factories.stamp_order(world.batch, world.owner, quantity=1))[0]
    found = scan(stamp)
    report = counterfeit.create_report(found, {"message": "Tem in mờ, khác hàng thật"}, client="c")
    staff = factories.staff()
    counterfeit.change_report_state(report, ReportState.INVESTIGATING, "Đang xác minh", staff)
    counterfeit.change_report_state(report, ReportState.CONFIRMED, "", staff)
    db.session.refresh(stamp)
    assert stamp.flagged
    assert scan(stamp).reasons[0] == "reported"
    with pytest.raises(Conflict):
        counterfeit.change_report_state(report, ReportState.NEW, "", staff)
    counterfeit.change_report_state(report, ReportState.INVESTIGATING, "", staff)
    counterfeit.change_report_state(report, ReportState.DISMISSED, "Hàng thật", staff)
    db.session.refresh(stamp)
    assert not stamp.flagged
    assert report.staff_note == "Đang xác minh\nHàng thật"
    assert count(CounterfeitReport, CounterfeitReport.state == ReportState.DISMISSED) == 1


def test_reports_need_a_real_message(world):
    found = scans.resolve(world.product.gtin, None, None)
    with pytest.raises(ValidationFailed) as refused:
        counterfeit.create_report(found, {"message": "fake"}, client="c")
    assert "message" in refused.value.errors


# --- background rendering ------------------------------------------------------------------


def test_render_claims_once_and_writes_the_pdf(world):
    order = factories.stamp_order(world.batch, world.owner, quantity=7)
    db.session.commit()
    assert jobs.render_order(order.id)
    db.session.refresh(order)
    assert order.render_state is RenderState.READY and order.rendered_count == 7
    assert jobs.pdf_path(order).read_bytes().startswith(b"%PDF")
    assert not jobs.render_order(order.id)  # nothing left to do
    assert not list(jobs.pdf_path(order).parent.glob("*.part"))


def test_an_abandoned_render_is_picked_up_again(world):
    """A worker that died mid-way (a restart) leaves its order stale; the next sweep takes it."""
    order = factories.stamp_order(world.batch, world.owner, quantity=3)
    db.session.commit()
    assert jobs.claim(order.id)
    assert order.id not in jobs.pending_orders()  # fresh: another worker has it
    db.session.execute(
        update(StampOrder)
        .where(StampOrder.id == order.id)
        .values(updated_at=utcnow() - dt.timedelta(minutes=5))
    )
    db.session.commit()
    assert order.id in jobs.pending_orders()
    assert jobs.render_order(order.id)
    db.session.refresh(order)
    assert order.render_state is RenderState.READY


def test_a_failed_render_says_why_and_leaves_no_file(world, monkeypatch):
    order = factories.stamp_order(world.batch, world.owner, quantity=3)
    db.session.commit()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(jobs.render, "render_pdf", broken)
    assert jobs.render_order(order.id)
    db.session.refresh(order)
    assert order.render_state is RenderState.FAILED and "disk full" in order.render_error
    assert order.pdf_key is None


@pytest.mark.no_db_isolation
def test_thread_runner_renders_in_the_background(fresh_database, tmp_path):
    app = make_test_app(fresh_database(), tmp_path, JOB_QUEUE="thread")
    from flask_migrate import upgrade

    from core.wards.services import load_wards

    with app.app_context():
        upgrade()
        load_wards()
        producer, owner = factories.producer()
        batch = factories.batch(factories.published_product(producer, owner), owner)
        order = factories.stamp_order(batch, owner, quantity=30)
        db.session.commit()
        order_id = order.id
        jobs.enqueue_render(order_id)
        runner = app.extensions["stamp_runner"]
        try:
            for _ in range(600):
                state = db.session.get(StampOrder, order_id).render_state
                db.session.remove()  # hold no transaction (SQLite's lock) while the runner works
                if state in (RenderState.READY, RenderState.FAILED):
                    break
                runner.thread.join(0.05)
        finally:
            runner.stop()  # or its next sweep would read the next tests' sessions
        assert state is RenderState.READY
        assert not runner.thread.is_alive()
        db.session.remove()
        db.engine.dispose()


def _redis_url() -> str:
    """The Redis server of this machine (CI has the same); REDIS_URL may point elsewhere."""
    import os

    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        Redis.from_url(url, socket_connect_timeout=2).ping()
    except RedisDown:
        pytest.fail(
            f"Redis is not reachable at {url}: start it (see docs/operations.md) or set "
            "TEST_REDIS_URL"
        )
    return url


@pytest.mark.no_db_isolation
def test_rq_worker_renders_queued_and_left_over_orders(fresh_database, tmp_path):
    """With REDIS_URL the web process only queues; `flask jobs worker` renders, and on start
    also re-queues orders a restart left pending."""
    from flask_migrate import upgrade
    from redis import Redis
    from rq import Queue

    from core.wards.services import load_wards

    url = _redis_url()
    app = make_test_app(
        fresh_database(), tmp_path, REDIS_URL=url, JOB_QUEUE="rq", RATELIMIT_STORAGE_URI="memory://"
    )
    queue = Queue(jobs.QUEUE_NAME, connection=Redis.from_url(url))
    queue.empty()
    with app.app_context():
        upgrade()
        load_wards()
        producer, owner = factories.producer()
        batch = factories.batch(factories.published_product(producer, owner), owner)
        queued = factories.stamp_order(batch, owner, quantity=5)
        left_over = factories.stamp_order(batch, owner, quantity=4)  # never enqueued
        db.session.commit()
        queued_id, left_over_id = queued.id, left_over.id
        jobs.enqueue_render(queued_id)
        assert queue.count == 1
        assert db.session.get(StampOrder, queued_id).render_state is RenderState.PENDING
        db.session.remove()
        jobs.run_worker(burst=True)
        db.session.remove()
        states = {
            o.id: (o.render_state, o.rendered_count) for o in db.session.scalars(select(StampOrder))
        }
        db.session.remove()
        db.engine.dispose()
    queue.empty()
    assert states == {queued_id: (RenderState.READY, 5), left_over_id: (RenderState.READY, 4)}
