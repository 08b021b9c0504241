"""Open data: the aggregated indicators by ward and period, read from the stored snapshots.

What is published: one row per (period, scope, scope key, indicator), for every period that has a
final snapshot (its closing one, or else its newest backfill) and, marked provisional, every
running period's newest current snapshot. Only ward and indicator figures leave the service: no
shop, owner, producer, phone or email is read here. A figure that rests on fewer than three shops
or producers (`Figure.publishable`) is published as suppressed, with no value, numerator or
denominator.

The public files never compute anything: they read the snapshots cron and the staff pages take,
so a burst of anonymous requests cannot make the service count its records.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from flask import current_app
from sqlalchemy import select

from core.extensions import db
from core.wards.models import AreaGroup, RolloutPhase, Ward
from reports import tables
from reports.indicators import definitions
from reports.indicators.models import PeriodKind, Scope, Snapshot, SnapshotKind
from reports.indicators.values import Figures

FORMAT_VERSION = "1"  # part of the ETag: a change to the files' shape changes it too
PROVINCE_CODE, PROVINCE_NAME = "75", "Tỉnh Đồng Nai"  # the GSO code of the province
GROUP_NAMES = {AreaGroup.URBAN: "Phường (đô thị)", AreaGroup.RURAL: "Xã (nông thôn)"}
PHASE_NAMES = {
    RolloutPhase.PILOT_2026: "Thí điểm 2026",
    RolloutPhase.EXTENSION_2030: "Mở rộng đến 2030",
    RolloutPhase.NOT_PLANNED: "Chưa có kế hoạch",
}
KIND_ORDER = {PeriodKind.MONTH: 0, PeriodKind.QUARTER: 1, PeriodKind.YEAR: 2}


@dataclass(frozen=True)
class Field:
    """A column of the files: its name, Table Schema type, Vietnamese title and description."""

    name: str
    type: str
    title: str
    description: str
    enum: tuple[str, ...] = ()


FIELDS = (
    Field("period", "string", "Kỳ", "The period: a month 2026-11, a quarter 2026-Q4, a year 2026."),
    Field("period_kind", "string", "Loại kỳ", "month, quarter or year.", tuple(PeriodKind)),
    Field("period_start", "date", "Ngày đầu kỳ", "The period's first day."),
    Field("period_end", "date", "Ngày cuối kỳ", "The period's last day."),
    Field(
        "as_of",
        "date",
        "Số liệu tính đến ngày",
        "The day stock figures are of: the period's last day, or the day a provisional "
        "snapshot was taken while the period was running.",
    ),
    Field(
        "provisional",
        "boolean",
        "Tạm tính",
        "True for a period still running (its figures will change until it closes).",
    ),
    Field(
        "scope",
        "string",
        "Phạm vi",
        "province; ward (a commune-level unit, xã or phường); group (urban: phường, rural: xã, "
        "by the unit's type on the as-of day); phase (the retail programme's roll-out phase).",
        tuple(Scope),
    ),
    Field(
        "scope_key",
        "string",
        "Mã phạm vi",
        "province: its GSO code 75; ward: the unit's 5-digit GSO code; group: urban or rural; "
        "phase: pilot_2026, extension_2030 or not_planned.",
    ),
    Field(
        "scope_name",
        "string",
        "Tên phạm vi",
        "The province's or the unit's name on the as-of day, or the group's or phase's name.",
    ),
    Field("indicator", "string", "Mã chỉ tiêu", "The indicator's code."),
    Field("indicator_name", "string", "Tên chỉ tiêu", "The indicator's name in Vietnamese."),
    Field(
        "unit",
        "string",
        "Đơn vị",
        "percent (0-100), count, score (0-100) or hours.",
        definitions.UNITS,
    ),
    Field(
        "value",
        "number",
        "Giá trị",
        "numerator ÷ denominator (× 100 for a percent), or the count; rounded half-up to one "
        "decimal place (counts to whole numbers). Empty when suppressed or without a denominator.",
    ),
    Field("numerator", "number", "Tử số", "What is counted (exact). Empty when suppressed."),
    Field(
        "denominator",
        "number",
        "Mẫu số",
        "What it is counted out of (exact); empty for a count, or when suppressed.",
    ),
    Field(
        "suppressed",
        "boolean",
        "Ẩn số liệu",
        "True when the figure rests on fewer than 3 shops or producers: then no value, "
        "numerator or denominator is published.",
    ),
)
PRIMARY_KEY = ("period", "scope", "scope_key", "indicator")


@dataclass(frozen=True)
class Published:
    """A period as open data publishes it: the snapshot read, and whether it is provisional."""

    snapshot: Snapshot

    @property
    def provisional(self) -> bool:
        return self.snapshot.kind is SnapshotKind.CURRENT


def published() -> list[Published]:
    """One snapshot per period: the final one if any (closing, else the newest backfill), else
    the newest current one (provisional); months first, then quarters, then years, in order."""
    stmt = (
        select(Snapshot)
        .where(
            Snapshot.kind.in_((SnapshotKind.CLOSING, SnapshotKind.BACKFILL, SnapshotKind.CURRENT))
        )
        .order_by(Snapshot.id)
    )
    rank = {SnapshotKind.CLOSING: 2, SnapshotKind.BACKFILL: 1, SnapshotKind.CURRENT: 0}
    chosen: dict[tuple[PeriodKind, str], Snapshot] = {}
    for snapshot in db.session.scalars(stmt):
        period = (snapshot.period_kind, snapshot.period_key)
        held = chosen.get(period)
        # Ordered by id: the newest of the best kind wins, as `snapshots.for_period` reads it.
        if held is None or rank[snapshot.kind] >= rank[held.kind]:
            chosen[period] = snapshot
    ordered = sorted(
        chosen.values(), key=lambda s: (KIND_ORDER[s.period_kind], s.period_start, s.id)
    )
    return [Published(snapshot) for snapshot in ordered]


def etag(items: list[Published]) -> str:
    """Changes whenever a published snapshot does (its id, and when it was taken), or the
    files' shape."""
    ids = ",".join(f"{item.snapshot.id}@{item.snapshot.taken_at.isoformat()}" for item in items)
    text = f"{FORMAT_VERSION}|{_definitions_digest()}|{ids}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def max_age() -> int:
    """Seconds a copy may be reused: as long as a provisional snapshot is kept."""
    return int(current_app.config["REPORTS_CURRENT_MAX_AGE_MINUTES"]) * 60


def last_modified(items: list[Published]) -> dt.datetime | None:
    return max((item.snapshot.taken_at for item in items), default=None)


@cache
def _definitions_digest() -> str:
    names = "|".join(f"{i.code}:{i.name_vi}:{i.name_en}:{i.unit}" for i in _indicators())
    return hashlib.sha256(names.encode()).hexdigest()[:12]


def _indicators():
    return definitions.all_indicators()


def _plain(value: Decimal | None) -> int | Decimal | None:
    """A stored number without the database's trailing zeros (12.0000 → 12, 2.5000 → 2.5)."""
    if value is None:
        return None
    if value == value.to_integral_value():
        return int(value)
    return value.normalize()


def _scopes(as_of: dt.date, wards: list[Ward]) -> Iterator[tuple[Scope, str, str, str]]:
    """(scope, key the snapshot stores, key published, name) in the files' order."""
    yield Scope.PROVINCE, "", PROVINCE_CODE, PROVINCE_NAME
    for ward in wards:
        yield Scope.WARD, ward.code, ward.code, ward.name_on(as_of)
    for group in AreaGroup:
        yield Scope.GROUP, group.value, group.value, GROUP_NAMES[group]
    for phase in RolloutPhase:
        yield Scope.PHASE, phase.value, phase.value, PHASE_NAMES[phase]


def rows(items: list[Published]) -> list[dict]:
    """Every published row, typed (dates, Decimals, booleans), in the files' order."""
    wards = list(db.session.scalars(select(Ward).order_by(Ward.code)))
    out = []
    for item in items:
        snapshot = item.snapshot
        figures = Figures.of(snapshot)
        head = {
            "period": snapshot.period_key,
            "period_kind": snapshot.period_kind.value,
            "period_start": snapshot.period_start,
            "period_end": snapshot.period_end,
            "as_of": snapshot.as_of,
            "provisional": item.provisional,
        }
        for scope, stored_key, key, name in _scopes(snapshot.as_of, wards):
            for indicator in _indicators():
                figure = figures.get(indicator, scope, stored_key)
                suppressed = not figure.publishable
                row = head | {
                    "scope": scope.value,
                    "scope_key": key,
                    "scope_name": name,
                    "indicator": indicator.code,
                    "indicator_name": indicator.name_vi,
                    "unit": indicator.unit,
                    "value": None,
                    "numerator": None,
                    "denominator": None,
                    "suppressed": suppressed,
                }
                if not suppressed:
                    row["value"] = tables.rounded(figure.value, indicator.unit)
                    row["numerator"] = _plain(figure.numerator)
                    if indicator.denominator is not None:
                        row["denominator"] = _plain(figure.denominator)
                out.append(row)
    return out


def table(items: list[Published]) -> tables.Table:
    """The open-data rows as the one `Table` the CSV is written from (headers: field names)."""
    kinds = {"date": "date"}
    # `value` mixes units (already rounded per unit); numerators are exact: no column rounds.
    columns = [tables.Column(f.name, f.name, kinds.get(f.type, "text")) for f in FIELDS]
    return tables.Table("indicators", "indicators", columns, rows(items))


def filtered(
    items: list[Published], *, period: str | None = None, kind: PeriodKind | None = None
) -> list[Published]:
    return [
        item
        for item in items
        if (period is None or item.snapshot.period_key == period)
        and (kind is None or item.snapshot.period_kind is kind)
    ]
