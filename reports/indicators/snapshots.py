"""Taking and reading snapshots.

- `take(period)` computes every measure for the period and stores it per scope. A period still
  running gets a `current` snapshot, which the next one of the same period replaces; a period that
  is over gets a `closing` one, which is never replaced (a second one is refused): reports of a
  past period read it, so editing a record afterwards does not change a report already sent.
- `for_period(period)` is what pages and reports read: the closing snapshot of a past period
  (taken now, from the records' own dates, if the month-end run missed it), or the newest
  current snapshot of a running one (taken now if there is none, or if it is older than
  `REPORTS_CURRENT_MAX_AGE_MINUTES`).
- `backfill(first, last)` rebuilds past months from the records' own dates (`flask reports
  backfill`), replacing earlier backfills but never a closing snapshot.
- `take(period, kind=SnapshotKind.REPORT)` freezes the figures a ward report was submitted with
  (a running quarter's); such snapshots are never replaced and never read as the period's figures.

Services flush and never commit; the edge commits (`pages.record`, the CLI, the API).
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections import defaultdict
from decimal import Decimal

from flask import current_app
from sqlalchemy import delete, insert, select, text

from core.db import province_today, utcnow
from core.errors import Conflict
from core.extensions import db
from core.wards.models import Ward
from reports.indicators import measures
from reports.indicators.models import PeriodKind, Scope, Snapshot, SnapshotKind, SnapshotValue
from reports.indicators.periods import Period, months_back

FOUR_PLACES = Decimal("0.0001")


def _scopes_of(as_of: dt.date) -> dict[str, list[tuple[Scope, str]]]:
    """Each ward's scopes on a day: itself, its group (by its type that day), its phase."""
    out = {}
    for ward in db.session.scalars(select(Ward)):
        out[ward.code] = [
            (Scope.WARD, ward.code),
            (Scope.GROUP, ward.group_on(as_of).value),
            (Scope.PHASE, ward.rollout_phase.value),
        ]
    return out


def rollup(result: measures.Result, as_of: dt.date) -> dict[tuple[str, Scope, str, str], Decimal]:
    """Every measure per scope: sums of the wards' cells, or medians of their samples."""
    scopes = _scopes_of(as_of)
    province = [(Scope.PROVINCE, "")]
    rows: dict[tuple[str, Scope, str, str], Decimal] = defaultdict(Decimal)
    for measure, cells in result.values.items():
        for (ward, category), value in cells.items():
            for scope, key in scopes.get(ward, []) + province:
                rows[(measure, scope, key, category)] += value
    for measure, cells in result.samples.items():
        pooled: dict[tuple[Scope, str, str], list[Decimal]] = defaultdict(list)
        for (ward, category), values in cells.items():
            for scope, key in scopes.get(ward, []) + province:
                pooled[(scope, key, category)].extend(values)
        for (scope, key, category), values in pooled.items():
            rows[(measure, scope, key, category)] = statistics.median(values)
    # Zeros are not stored (a missing count reads as 0), but a median of 0 hours is a figure.
    return {
        key: value.quantize(FOUR_PLACES)
        for key, value in rows.items()
        if value or measures.MEASURES[key[0]].aggregate == measures.MEDIAN
    }


def take(
    period: Period,
    *,
    actor=None,
    kind: SnapshotKind | None = None,
    today: dt.date | None = None,
) -> Snapshot:
    """Compute and store a snapshot of the period (see the module's docstring)."""
    from retail.rollout import services as rollout

    today = today or province_today()
    if not period.has_started(today):
        raise Conflict(f"{period.key} has not started yet: there is nothing to count")
    over = period.is_over(today)
    if kind is None:
        kind = SnapshotKind.CLOSING if over else SnapshotKind.CURRENT
    if kind in (SnapshotKind.CLOSING, SnapshotKind.BACKFILL) and not over:
        raise Conflict(f"{period.key} is still running: only a current snapshot can be taken")
    if kind is SnapshotKind.CLOSING:
        closed = latest(period, (SnapshotKind.CLOSING,))
        if closed is not None:
            raise Conflict(
                f"{period.key} was closed on {closed.taken_at:%Y-%m-%d %H:%M} UTC: its closing "
                "snapshot is kept as reported and is never taken again"
            )
    as_of = period.as_of(today)
    started = time.perf_counter()
    if db.session.get_bind().dialect.name == "postgresql":
        # A year's distinct stamps scanned sorts ~400 MB at province size: in memory, not on disk
        # (for this transaction only).
        db.session.execute(text("SET LOCAL work_mem = '256MB'"))
    rows = rollup(measures.compute(measures.Window(period, as_of)), as_of)
    rule = rollout.current_rule()
    snapshot = Snapshot(
        period_kind=period.kind,
        period_key=period.key,
        period_start=period.start,
        period_end=period.end,
        as_of=as_of,
        kind=kind,
        taken_at=utcnow(),
        taken_by_id=getattr(actor, "id", None),
        notes={
            "rollout_rule": {
                "min_shops": rule.min_shops,
                "min_share_percent": None
                if rule.min_share_percent is None
                else str(rule.min_share_percent),
            }
        },
    )
    db.session.add(snapshot)
    db.session.flush()
    if rows:
        db.session.execute(
            insert(SnapshotValue),
            [
                {
                    "snapshot_id": snapshot.id,
                    "measure": measure,
                    "scope": scope,
                    "scope_key": key,
                    "category": category,
                    "value": value,
                }
                for (measure, scope, key, category), value in rows.items()
            ],
        )
    snapshot.seconds = Decimal(time.perf_counter() - started).quantize(Decimal("0.001"))
    if kind in (SnapshotKind.CURRENT, SnapshotKind.BACKFILL):
        _drop_older(period, kind, keep=snapshot.id)
    db.session.flush()
    return snapshot


def _drop_older(period: Period, kind: SnapshotKind, keep: int) -> None:
    older = select(Snapshot.id).where(
        Snapshot.period_kind == period.kind,
        Snapshot.period_key == period.key,
        Snapshot.kind == kind,
        Snapshot.id != keep,
    )
    ids = list(db.session.scalars(older))
    if ids:
        db.session.execute(delete(SnapshotValue).where(SnapshotValue.snapshot_id.in_(ids)))
        db.session.execute(delete(Snapshot).where(Snapshot.id.in_(ids)))


def latest(period: Period, kinds: tuple[SnapshotKind, ...] | None = None) -> Snapshot | None:
    stmt = select(Snapshot).where(
        Snapshot.period_kind == period.kind, Snapshot.period_key == period.key
    )
    if kinds:
        stmt = stmt.where(Snapshot.kind.in_(kinds))
    return db.session.scalars(stmt.order_by(Snapshot.id.desc()).limit(1)).first()


FINAL = (SnapshotKind.CLOSING, SnapshotKind.BACKFILL)


def _closing(period: Period) -> Snapshot | None:
    """A past period's snapshot: its closing one, or else its newest backfill."""
    return latest(period, (SnapshotKind.CLOSING,)) or latest(period, (SnapshotKind.BACKFILL,))


def is_stale(snapshot: Snapshot, now: dt.datetime | None = None) -> bool:
    """Whether a reader should take a running period's snapshot again. 0 minutes: never (a
    large database leaves it to cron and to staff's "Refresh now", as docs/reports.md says)."""
    minutes = current_app.config["REPORTS_CURRENT_MAX_AGE_MINUTES"]
    if minutes == 0:
        return False
    return (now or utcnow()) - snapshot.taken_at > dt.timedelta(minutes=minutes)


def for_period(period: Period, *, today: dt.date | None = None, refresh: bool = True) -> Snapshot:
    """The snapshot pages and reports read for a period (taking one when needed)."""
    today = today or province_today()
    if period.is_over(today):
        return _closing(period) or take(period, today=today)
    found = latest(period, (SnapshotKind.CURRENT,))
    if found is None:
        return take(period, today=today)
    if current_app.config["REPORTS_CURRENT_MAX_AGE_MINUTES"] == 0:
        return found  # readers never count: cron and "Refresh now" do (its page says as of when)
    if (refresh and is_stale(found)) or found.as_of != period.as_of(today):
        return take(period, today=today)
    return found


def close_finished(today: dt.date | None = None) -> list[Snapshot]:
    """The month-end run (`flask reports snapshot`): close every month, quarter and year that has
    ended and has no closing snapshot yet, up to 24 months back, and refresh the running ones."""
    today = today or province_today()
    taken = []
    for month in months_back(25, today):
        for period in {month, Period.containing(PeriodKind.QUARTER, month.start)} | {
            Period.containing(PeriodKind.YEAR, month.start)
        }:
            missing = period.is_over(today) and latest(period, (SnapshotKind.CLOSING,)) is None
            if missing and _has_any_record_before(period.end):
                taken.append(take(period, today=today))
    for kind in PeriodKind:
        taken.append(take(Period.containing(kind, today), today=today))
    return taken


def _has_any_record_before(day: dt.date) -> bool:
    """Closing months before the service held any record would only store zeros."""
    from reports.indicators.periods import instant
    from retail.shops.models import Shop
    from traceability.registry.models import Producer

    until = instant(day + dt.timedelta(days=1))
    for model in (Producer, Shop):
        if db.session.scalar(select(model.id).where(model.created_at < until).limit(1)):
            return True
    return False


def backfill(first: Period, last: Period, *, today: dt.date | None = None) -> list[Snapshot]:
    """Rebuild the months from `first` to `last` (and the quarters and years they end) from the
    records' own dates. Closing snapshots are kept; a backfill replaces an earlier backfill."""
    today = today or province_today()
    if first.kind is not PeriodKind.MONTH or last.kind is not PeriodKind.MONTH:
        raise Conflict("backfill takes months: write them as 2026-01")
    if last < first:
        raise Conflict("the last month comes before the first")
    taken = []
    month = first
    while month <= last and month.is_over(today):
        periods = [month]
        for kind in (PeriodKind.QUARTER, PeriodKind.YEAR):
            wider = Period.containing(kind, month.start)
            if wider.end == month.end:
                periods.append(wider)
        for period in periods:
            taken.append(take(period, kind=SnapshotKind.BACKFILL, today=today))
        month = month.next()
    return taken


def series(kind: PeriodKind, count: int, *, today: dt.date | None = None) -> list[Snapshot]:
    """The last `count` periods' snapshots, oldest first (taking those missing)."""
    today = today or province_today()
    period = Period.containing(kind, today)
    periods = [period]
    while len(periods) < count:
        periods.append(periods[-1].previous())
    return [for_period(item, today=today) for item in reversed(periods)]
