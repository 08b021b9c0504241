"""Scan statistics for the producers' and staff's dashboards and the API (read-only queries).

Every function takes a `Select` of scans already restricted by `core.access` (e.g.
`access.visible(Scan, user)`), so object-level authorisation stays in one place.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Select, func, select

from core import access
from core.accounts.models import User
from core.db import utcnow
from core.extensions import db
from traceability.stamps.models import Scan, Stamp, Verdict


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def _local_day(column):
    """The calendar day of a UTC timestamp in the service's time zone, in SQL."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone(current_app.config["BABEL_DEFAULT_TIMEZONE"], column))
    # SQLite keeps UTC text; Việt Nam has no daylight saving, so a fixed offset is exact.
    offset = _zone().utcoffset(dt.datetime.now()) or dt.timedelta()
    return func.date(column, f"{int(offset.total_seconds()) // 60:+d} minutes")


def _as_date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def local_midnight(day: dt.date) -> dt.datetime:
    """The UTC instant a local calendar day starts."""
    return dt.datetime.combine(day, dt.time(), tzinfo=_zone()).astimezone(dt.UTC)


def today() -> dt.date:
    return utcnow().astimezone(_zone()).date()


def filter_scans(
    scans: Select,
    *,
    producer_id: int | None = None,
    gtin: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> Select:
    """Narrow a scope of scans to one producer, one product and local days (both included)."""
    if producer_id is not None:
        scans = scans.where(Scan.producer_id == producer_id)
    if gtin is not None:
        scans = scans.where(Scan.gtin == gtin)
    if date_from is not None:
        scans = scans.where(Scan.at >= local_midnight(date_from))
    if date_to is not None:
        scans = scans.where(Scan.at < local_midnight(date_to + dt.timedelta(days=1)))
    return scans


def visible_scans(user: User, *, producer_id: int | None = None, gtin: str | None = None) -> Select:
    """The scans a user may see (`core.access`), narrowed to one producer or product.

    The page and the API both start here, so they count the same rows.
    """
    return filter_scans(access.visible(Scan, user), producer_id=producer_id, gtin=gtin)


def _columns(scans: Select, *columns) -> Select:
    """The scope with other columns, keeping its FROM: a staff scope has no WHERE, and
    `count()` alone would select from no table at all (and count 1)."""
    return scans.with_only_columns(*columns, maintain_column_froms=True)


def total(scans: Select) -> int:
    return db.session.scalar(_columns(scans, func.count()).order_by(None)) or 0


def by_verdict(scans: Select) -> dict[Verdict, int]:
    stmt = _columns(scans, Scan.verdict, func.count()).group_by(Scan.verdict)
    return {Verdict(v): n for v, n in db.session.execute(stmt.order_by(None))}


# Scans whose stored verdict is the stamp's (genuine, scanned before) while the page warned in
# red about the batch: the reason says what it warned of.
BATCH_WARNINGS = ("recalled", "expired")


def batch_warnings(scans: Select) -> dict[str, int]:
    """How many scans showed each batch warning (a recalled batch, one past its use-by date)."""
    stmt = (
        _columns(scans, Scan.reason, func.count())
        .where(Scan.reason.in_(BATCH_WARNINGS))
        .group_by(Scan.reason)
    )
    found = dict(db.session.execute(stmt.order_by(None)).all())
    return {reason: found.get(reason, 0) for reason in BATCH_WARNINGS}


def day_counts(scans: Select) -> dict[dt.date, int]:
    day = _local_day(Scan.at)
    stmt = _columns(scans, day, func.count()).group_by(day).order_by(day)
    return {_as_date(on): n for on, n in db.session.execute(stmt)}


@dataclass
class Day:
    on: dt.date
    count: int


def per_day(scans: Select, first: dt.date, last: dt.date) -> list[Day]:
    """One entry per local day from first to last, days without scans included."""
    counts = day_counts(filter_scans(scans, date_from=first, date_to=last))
    days = (last - first).days + 1
    return [
        Day(on, counts.get(on, 0)) for on in (first + dt.timedelta(days=i) for i in range(days))
    ]


def by_place(scans: Select, limit: int = 50) -> list[tuple[float, float, int]]:
    """Scans by the coarse (0.1°) cell consumers agreed to share, busiest first."""
    count = func.count()
    stmt = (
        scans.where(Scan.lat.is_not(None), Scan.lon.is_not(None))
        .with_only_columns(Scan.lat, Scan.lon, count)
        .group_by(Scan.lat, Scan.lon)
        .order_by(count.desc(), Scan.lat, Scan.lon)
        .limit(limit)
    )
    return [(lat, lon, n) for lat, lon, n in db.session.execute(stmt)]


def by_client_family(scans: Select) -> list[tuple[str, int]]:
    count = func.count()
    stmt = (
        _columns(scans, Scan.client_family, count)
        .group_by(Scan.client_family)
        .order_by(count.desc(), Scan.client_family)
    )
    return [(family, n) for family, n in db.session.execute(stmt)]


@dataclass
class SuspiciousStamp:
    stamp: Stamp
    reasons: list[str]
    scans: int
    last_at: dt.datetime


def _suspicious(scans: Select) -> Select:
    return scans.where(Scan.verdict == Verdict.SUSPICIOUS, Scan.stamp_id.is_not(None))


def suspicious_count(scans: Select) -> int:
    stmt = _columns(_suspicious(scans), func.count(func.distinct(Scan.stamp_id)))
    return db.session.scalar(stmt.order_by(None)) or 0


def suspicious_stamps(scans: Select, limit: int = 50) -> list[SuspiciousStamp]:
    """Stamps with at least one scan judged suspicious, most recent first, with the reasons."""
    last_at = func.max(Scan.at)
    rows = db.session.execute(
        _columns(_suspicious(scans), Scan.stamp_id, func.count(), last_at)
        .group_by(Scan.stamp_id)
        .order_by(last_at.desc())
        .limit(limit)
    ).all()
    if not rows:
        return []
    ids = [stamp_id for stamp_id, _n, _at in rows]
    stamps = {s.id: s for s in db.session.scalars(select(Stamp).where(Stamp.id.in_(ids)))}
    reasons: dict[int, list[str]] = {}
    for stamp_id, reason in db.session.execute(
        _columns(
            _suspicious(scans).where(Scan.stamp_id.in_(ids), Scan.reason.is_not(None)),
            Scan.stamp_id,
            Scan.reason,
        )
        .distinct()
        .order_by(Scan.stamp_id, Scan.reason)
    ):
        reasons.setdefault(stamp_id, []).append(reason)
    return [
        SuspiciousStamp(stamps[stamp_id], reasons.get(stamp_id, []), n, at)
        for stamp_id, n, at in rows
        if stamp_id in stamps
    ]


@dataclass
class NotIssued:
    scans: int
    clients: int
    last_at: dt.datetime | None


def not_issued(scans: Select) -> NotIssued:
    """Scans of serials or lots never issued under the producers' GTINs: copies or guessing."""
    scans_, clients, last_at = db.session.execute(
        scans.where(Scan.verdict == Verdict.NOT_ISSUED)
        .with_only_columns(
            func.count(), func.count(func.distinct(Scan.client_hash)), func.max(Scan.at)
        )
        .order_by(None)
    ).one()
    return NotIssued(scans_ or 0, clients or 0, last_at)


def scan_summary(scans: Select) -> dict:
    """Everything the API's ScanStatsOut shows, for a scope of scans."""
    unissued = not_issued(scans)
    verdicts = by_verdict(scans)
    return {
        "total": total(scans),
        "by_verdict": {v.value: verdicts.get(v, 0) for v in Verdict},
        "batch_warnings": batch_warnings(scans),
        "per_day": [{"day": on, "scans": n} for on, n in day_counts(scans).items()],
        "by_client_family": dict(by_client_family(scans)),
        "by_place": [{"lat": lat, "lon": lon, "scans": n} for lat, lon, n in by_place(scans)],
        "suspicious_stamps": suspicious_count(scans),
        "not_issued": unissued.scans,
        "not_issued_clients": unissued.clients,
    }
