"""The suspicion rules in the direction that does not flag: outside their time windows, and a
stamp that keeps its flag while another confirmed report about it remains."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from core.db import utcnow
from core.extensions import db
from tests import factories
from traceability.stamps import counterfeit, scans
from traceability.stamps.models import ReportState, Scan, Stamp

UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Mobile/15E148 Safari/604.1"
BIEN_HOA, HA_NOI = (10.9468, 106.8240), (21.0285, 105.8542)  # about 1 150 km apart


@pytest.fixture
def stamp(app_ctx):
    producer, owner = factories.producer()
    product = factories.published_product(producer, owner)
    order = factories.stamp_order(factories.batch(product, owner), owner, quantity=1)
    db.session.flush()
    return db.session.scalars(select(Stamp).where(Stamp.order_id == order.id)).one()


def scan(stamp, ip="198.51.100.7"):
    found = scans.resolve(stamp.gtin, None, stamp.serial)
    return scans.record_scan(found, ip=ip, user_agent=UA)


def _move_back(scan_id: int, delta: dt.timedelta) -> None:
    db.session.execute(update(Scan).where(Scan.id == scan_id).values(at=utcnow() - delta))


@pytest.mark.parametrize(("hours_apart", "flagged"), [(5, True), (7, False)])
def test_far_apart_places_count_only_within_the_time_window(app, stamp, hours_apart, flagged):
    assert app.config["STAMP_SUSPICIOUS_HOURS"] == 6
    earlier = scan(stamp).scan_id
    scans.share_place(earlier, *BIEN_HOA)
    scans.share_place(scan(stamp).scan_id, *HA_NOI)
    _move_back(earlier, dt.timedelta(hours=hours_apart))
    assert ("far_apart" in scan(stamp).reasons) is flagged


def test_dismissing_one_report_keeps_the_flag_while_another_stays_confirmed(stamp):
    found = scan(stamp)
    staff = factories.staff()
    first, second = (
        counterfeit.create_report(
            found, {"message": f"Tem in mờ, khác hàng thật ({n})"}, client="c"
        )
        for n in (1, 2)
    )
    for report in (first, second):
        counterfeit.change_report_state(report, ReportState.CONFIRMED, "", staff)
    counterfeit.change_report_state(first, ReportState.INVESTIGATING, "", staff)
    counterfeit.change_report_state(first, ReportState.DISMISSED, "Hàng thật", staff)
    db.session.refresh(stamp)
    assert stamp.flagged
    assert "reported" in scan(stamp).reasons
    counterfeit.change_report_state(second, ReportState.INVESTIGATING, "", staff)
    counterfeit.change_report_state(second, ReportState.DISMISSED, "Hàng thật", staff)
    db.session.refresh(stamp)
    assert not stamp.flagged


@pytest.mark.parametrize(("minutes_ago", "probing"), [(50, True), (70, False)])
def test_probing_counts_unissued_serials_of_the_last_hour_only(app, stamp, minutes_ago, probing):
    ip = "192.0.2.60"
    ids = [
        scans.record_scan(
            scans.resolve(stamp.gtin, None, f"GUESS{n:06d}"), ip=ip, user_agent=UA
        ).scan_id
        for n in range(app.config["SCAN_PROBE_LIMIT"])
    ]
    for scan_id in ids:
        _move_back(scan_id, dt.timedelta(minutes=minutes_ago))
    assert scans.probing(scans.client_hash(ip, UA), app.config) is probing
