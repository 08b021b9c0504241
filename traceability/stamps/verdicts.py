"""What the consumer page says about a stamp: the verdict, its explainable suspicions, and the
standing that every bad fact about the stamp and its batch settles into (worst first)."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, select

from core.db import PROVINCE_TZ, utcnow
from core.extensions import db
from traceability.registry.models import Batch
from traceability.stamps.cards import BatchCard, ProductCard
from traceability.stamps.models import Scan, StampState, Standing, Verdict

# Suspicion rules look at this many latest scans of a stamp.
RECENT_SCANS = 50
# A batch this close to its use-by date says when it expires, in the verdict itself.
EXPIRY_SOON_DAYS = 7
_STANDING_ORDER = {standing: rank for rank, standing in enumerate(Standing)}

_scans = Scan.__table__
_RECENT_SCANS = (
    select(_scans.c.client_hash, _scans.c.at, _scans.c.lat, _scans.c.lon)
    .where(_scans.c.stamp_id == bindparam("b_stamp_id"))
    .order_by(_scans.c.id.desc())
    .limit(bindparam("b_limit"))
)


@dataclass
class Resolution:
    """What the resolver found for a Digital Link: the deepest known level and the verdict."""

    gtin: str
    lot: str | None
    serial: str | None
    product: ProductCard | None = None
    batch: BatchCard | None = None
    stamp: Any = None  # a row of scans.STAMP_COLUMNS
    verdict: Verdict = Verdict.NOT_ISSUED
    reasons: list[str] = field(default_factory=list)
    # "gtin", "lot" or "serial" when that part was not issued and the page walked up.
    unknown: str | None = None
    scans_before: int = 0
    first_scan_at: dt.datetime | None = None
    first_place: tuple[float, float] | None = None
    scan_id: int | None = None
    # What the page says (`settle`): the worst fact that holds, and every bad fact, worst first.
    standing: Standing = Standing.NOT_ISSUED
    alerts: list[Standing] = field(default_factory=list)
    # The lot a serial really belongs to, when the link names another lot of the product.
    stamp_lot: str | None = None
    # Days until the batch's use-by date, when that is near (EXPIRY_SOON_DAYS).
    expires_in: int | None = None


def province_date(moment: dt.datetime) -> dt.date:
    """The calendar date in Đồng Nai at an aware moment (use-by dates are the province's)."""
    return moment.astimezone(PROVINCE_TZ).date()


def batch_expired(batch: Batch, moment: dt.datetime | None = None) -> bool:
    """Whether the batch's use-by date has passed in the province (as the consumer page judges)."""
    return batch.expires_on is not None and batch.expires_on < province_date(moment or utcnow())


def settle(found: Resolution, today: dt.date) -> Resolution:
    """Decide what the page says from every fact: recalled, confirmed fake, void, expired,
    suspicious, not issued (worst first); only when none holds, the stamp's good verdict."""
    alerts = set()
    batch, stamp = found.batch, found.stamp
    if batch is not None and batch.recalled_at is not None:
        alerts.add(Standing.RECALLED)
    if stamp is not None and stamp.flagged:
        alerts.add(Standing.CONFIRMED_FAKE)
    if found.verdict is Verdict.VOID:
        alerts.add(Standing.VOID)
    found.expires_in = None
    if batch is not None and batch.expires_on is not None:
        if batch.expires_on < today:
            alerts.add(Standing.EXPIRED)
        elif (batch.expires_on - today).days <= EXPIRY_SOON_DAYS:
            found.expires_in = (batch.expires_on - today).days
    if found.verdict is Verdict.SUSPICIOUS and set(found.reasons) - {"reported"}:
        alerts.add(Standing.SUSPICIOUS)
    if found.verdict is Verdict.NOT_ISSUED:
        alerts.add(Standing.NOT_ISSUED)
    found.alerts = sorted(alerts, key=_STANDING_ORDER.__getitem__)
    found.standing = found.alerts[0] if found.alerts else Standing(found.verdict.value)
    return found


def preview_verdict(found: Resolution) -> Resolution:
    """The verdict without counting a scan (HEAD requests, link-preview bots, signed-in users)."""
    stamp = found.stamp
    if stamp is not None:
        if stamp.state is StampState.VOID:
            found.verdict = Verdict.VOID
        elif found.reasons:
            found.verdict = Verdict.SUSPICIOUS
        elif stamp.scan_count:
            found.verdict = Verdict.SCANNED_BEFORE
            found.scans_before = stamp.scan_count
            found.first_scan_at = stamp.first_scan_at
        else:
            found.verdict = Verdict.GENUINE
    return settle(found, province_date(utcnow()))


def counted_verdict(
    found: Resolution, counted, client: str, config, now: dt.datetime | None = None
) -> None:
    """The verdict of a stamp whose page view was just counted (`counted`: its row after it)."""
    count = counted.scan_count
    found.scans_before = count - 1
    found.first_scan_at = counted.first_scan_at if count > 1 else None
    found.reasons, found.first_place = suspicion(counted, count, client, config)
    if before_shipping(found.batch, now or utcnow()):
        found.reasons.append("before_shipping")
    if found.reasons:
        found.verdict = Verdict.SUSPICIOUS
    elif count > 1:
        found.verdict = Verdict.SCANNED_BEFORE
    else:
        found.verdict = Verdict.GENUINE


# --- suspicion: explainable rules ----------------------------------------------------------


def suspicion(stamp, scan_count: int, client: str, config) -> tuple[list[str], tuple | None]:
    """Reasons why a genuine serial looks copied or misused, and an earlier scan's place.

    The rules read the stamp's latest scans only (one indexed query, and only on a repeat scan).
    """
    reasons = []
    if stamp.flagged:
        reasons.append("reported")
    if stamp.state is StampState.ISSUED:
        reasons.append("not_released")
    if scan_count > config["STAMP_SUSPICIOUS_SCANS"]:
        reasons.append("many_scans")
    place = None
    if scan_count > 1:
        recent = (
            db.session.connection()
            .execute(_RECENT_SCANS, {"b_stamp_id": stamp.id, "b_limit": RECENT_SCANS})
            .all()
        )
        clients = {row.client_hash for row in recent} | {client}
        if len(clients) >= config["STAMP_SUSPICIOUS_CLIENTS"]:
            reasons.append("many_clients")
        placed = [(row.at, row.lat, row.lon) for row in recent if row.lat is not None]
        if far_apart(placed, config):
            reasons.append("far_apart")
        if placed:
            place = placed[-1][1:]
    return reasons, place


def before_shipping(batch: BatchCard | None, moment: dt.datetime) -> bool:
    """A batch with a recorded journey but no shipping at or before `moment`: its items should
    not be in consumers' hands yet. A batch without any trace event says nothing (we cannot
    know), so it is never suspicious by this rule. Reads the card only: no query."""
    if batch is None or batch.first_event_at is None:
        return False
    return batch.shipped_at is None or batch.shipped_at > moment


def far_apart(places: list[tuple], config) -> bool:
    """Two shared places further apart than anyone travels in the configured time."""
    window = dt.timedelta(hours=config["STAMP_SUSPICIOUS_HOURS"])
    for i, (at_a, lat_a, lon_a) in enumerate(places):
        for at_b, lat_b, lon_b in places[i + 1 :]:
            if abs(at_a - at_b) <= window and (
                _distance_km((lat_a, lon_a), (lat_b, lon_b)) > config["STAMP_SUSPICIOUS_KM"]
            ):
                return True
    return False


def _distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371 * math.asin(math.sqrt(h))
