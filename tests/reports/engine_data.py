"""Small hand-built records for the indicator engine's tests, every date set explicitly.

Rows are made through the factories (producers, products, stamp orders) and then given the dates
a test needs; rows no service makes with a chosen date (shops, assessments, scans, counterfeit
reports) are written directly, as `tests/retail/test_rollout_states.py` does.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

from core.db import PROVINCE_TZ
from core.extensions import db
from core.wards.models import RolloutPhase, Ward
from reports.indicators import definitions, snapshots
from reports.indicators.models import Scope, SnapshotKind
from reports.indicators.periods import Period
from reports.indicators.values import Figures
from tests import factories

# Wards of the reference list (core/wards/dong_nai_units.csv).
TAN_TRIEU = "26188"  # Phường Tân Triều: a phường throughout
TRANG_DAI = "25993"  # Phường Trảng Dài: a phường throughout
TRANG_BOM = "26248"  # Xã Trảng Bom, a phường from 30/4/2026
AFTER_ALL = dt.date(2027, 1, 15)  # "today" for periods of 2026: every one of them is over


def at(day: dt.date, hour: int = 12, minute: int = 0) -> dt.datetime:
    """A moment on a province calendar day, as the UTC time the database keeps."""
    local = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=PROVINCE_TZ)
    return local.astimezone(dt.UTC)


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


# --- registry ---------------------------------------------------------------------------------


def producer(ward: str = TAN_TRIEU, created: str = "2026-01-05", verified: str | None = None):
    """A producer registered on `created`, verified on `verified` (or pending)."""
    from traceability.registry.models import VerificationState

    made, owner = factories.producer(ward_code=ward)
    made.created_at = at(d(created))
    if verified:
        made.verification_state = VerificationState.VERIFIED
        made.verified_at = at(d(verified))
    else:
        made.verification_state = VerificationState.PENDING
        made.verified_at = None
    db.session.flush()
    return made, owner


def product(maker, owner, *, submitted: str | None = "2026-01-10", **fields):
    """A product submitted on `submitted` (None: a draft); fields set afterwards (dates as text)."""
    from traceability.registry.models import ProductCategory, ReviewState

    category = fields.pop("category", ProductCategory.AGRICULTURAL)
    if category is ProductCategory.OCOP:
        made = factories.ocop_product(maker, owner)
    else:
        made = factories.product(maker, owner, category=category)
    made.created_at = at(d(submitted or "2026-01-02"))
    if submitted:
        made.review_state = ReviewState.SUBMITTED
        made.submitted_at = at(d(submitted))
    reviewed = fields.pop("verified", None)
    if reviewed:
        made.review_state = ReviewState.VERIFIED
        made.reviewed_at = at(d(reviewed))
    for name, value in fields.items():
        if isinstance(value, str) and name.endswith(("_on", "_from", "_to")):
            value = d(value)
        elif isinstance(value, str) and name.endswith("_at"):
            value = at(d(value))
        setattr(made, name, value)
    db.session.flush()
    return made


# --- stamps -----------------------------------------------------------------------------------


def stamp_order(maker, owner, quantity: int, placed: str):
    """An order of `quantity` stamps for a published product of the producer, placed that day."""
    item = factories.published_product(maker, owner)
    lot = factories.batch(item, owner)
    order = factories.stamp_order(lot, owner, quantity=quantity)
    order.created_at = at(d(placed))
    db.session.flush()
    return order


def stamps_of(order):
    from sqlalchemy import select

    from traceability.stamps.models import Stamp

    return list(db.session.scalars(select(Stamp).where(Stamp.order_id == order.id)))


def scan(stamp=None, when: dt.datetime | None = None, *, verdict=None, producer_id=None, gtin=None):
    """A scan of a stamp (or of a code naming `producer_id`, or no known producer)."""
    from traceability.stamps.models import Scan, Verdict

    row = Scan(
        at=when,
        stamp_id=stamp.id if stamp else None,
        producer_id=stamp.producer_id if stamp else producer_id,
        gtin=stamp.gtin if stamp else (gtin or "08938501999993"),
        serial=stamp.serial if stamp else None,
        verdict=verdict or Verdict.SCANNED_BEFORE,
        client_hash=f"h{factories.unique()}",
    )
    db.session.add(row)
    db.session.flush()
    return row


def counterfeit_report(received: dt.datetime, *, producer_id=None, handled=None, state=None):
    from traceability.stamps.models import CounterfeitReport, ReportState

    row = CounterfeitReport(
        reference=f"R{factories.unique():09d}",
        at=received,
        producer_id=producer_id,
        gtin="08938501999993",
        message="Tem có vẻ in lại, màu nhạt.",
        client_hash=f"h{factories.unique()}",
        state=state or (ReportState.CONFIRMED if handled else ReportState.NEW),
        handled_at=handled,
    )
    db.session.add(row)
    db.session.flush()
    return row


# --- shops and assessments --------------------------------------------------------------------


def shop(ward: str = TAN_TRIEU, created: str = "2026-01-05", **fields):
    from retail.shops.models import Shop, ShopKind

    n = factories.unique()
    row = Shop(
        name=f"Tạp hóa Thử {n}",
        ward_code=ward,
        kind=ShopKind.GROCERY,
        address=f"{n} Đường số 3",
        market="",
        created_at=at(d(created)),
        **fields,
    )
    db.session.add(row)
    db.session.flush()
    return row


def assessment(
    shop_row,
    submitted: str | None,
    *,
    level: int = 2,
    pillars: dict | None = None,
    flags: dict | None = None,
    state=None,
):
    """An assessment of the shop with the scores given (not recomputed), submitted that day."""
    from retail.assessments import frameworks
    from retail.assessments.models import Assessment, AssessmentState

    row = Assessment(
        shop=shop_row,
        framework=frameworks.seed_default(),
        answers={},
        state=state or AssessmentState.SUBMITTED,
        submitted_at=at(d(submitted)) if submitted else None,
        assessed_on=d(submitted) if submitted else None,
        pillar_scores=pillars or {},
        level=level,
        flags=flags or {},
    )
    if submitted is None:
        row.created_at = at(d("2026-01-02"))
    db.session.add(row)
    db.session.flush()
    return row


def set_phase(code: str, phase: RolloutPhase, started: str | None = None) -> None:
    ward = db.session.get(Ward, code)
    ward.rollout_phase = phase
    ward.rollout_started_on = d(started) if started else None
    db.session.flush()


def set_criterion(min_shops: int, share: str | None = None) -> None:
    from retail.rollout import services as rollout

    row = rollout.criterion()
    row.min_shops = min_shops
    row.min_share_percent = None if share is None else Decimal(share)
    db.session.flush()


# --- reading ----------------------------------------------------------------------------------


class Read:
    """One period's figures, computed now from the records: `read.value("scans", ward="26188")`.

    A past period is rebuilt as a backfill (a closing snapshot is taken only once)."""

    def __init__(self, period: str, today: dt.date = AFTER_ALL):
        period = Period.parse(period)
        kind = SnapshotKind.BACKFILL if period.is_over(today) else SnapshotKind.CURRENT
        self.snapshot = snapshots.take(period, kind=kind, today=today)
        self.figures = Figures.of(self.snapshot)

    def figure(self, code: str, *, ward=None, group=None, phase=None, category: str = ""):
        if ward is not None:
            scope, key = Scope.WARD, ward
        elif group is not None:
            scope, key = Scope.GROUP, group
        elif phase is not None:
            scope, key = Scope.PHASE, phase
        else:
            scope, key = Scope.PROVINCE, ""
        return self.figures.get(definitions.get(code), scope, key, category)

    def value(self, code: str, **where) -> Fraction | None:
        return self.figure(code, **where).value

    def measure(self, code: str, scope=Scope.PROVINCE, key: str = "", category: str = ""):
        return self.figures.measure(code, scope, key, category)
