"""Measures: the numbers indicators are made of, computed from the records for one period.

Each family below runs one or two grouped queries and returns, per measure, the value of every
(ward, category) cell: `None` as the ward means "no ward" (a counterfeit report about no known
producer), `""` as the category means "whatever the category". Counts and sums are additive: a
group or the province is the sum of its wards. Medians are not; their family returns the samples
and `snapshots` takes the median of each scope's samples.

Stock measures are as of the period's day (`Window.as_of`, the records' own dates decide: a
product counts as listed on the portal from `portal_state_on`, a producer as verified from
`verified_at`); flow measures count what happened from the period's first day to that day.
What the records do not date (a product's IP protection, a shop's kind) is read as it is now:
that is why month-end snapshots are kept rather than recomputed (docs/reports.md).

Wards: products, stamps, scans and counterfeit reports count in their *producer's* ward, shops
and assessments in the *shop's*; a scan or report naming no known producer counts in the
province only. Each measure says what it counts (`Measure.counts`); the `producers_*` measures
are the bases open data checks (a figure rests on at least three of them).

Performance: no query per row; every family's statements are the same whatever the data
(tests/reports/test_indicators_queries.py). The retail family reads one row per shop and one per
assessed shop (the deployment date needs each shop's dates); the others are grouped.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import and_, case, distinct, func, or_, select

from core.db import PROVINCE_TZ
from core.extensions import db
from core.wards.models import RolloutPhase, Ward
from reports.indicators.periods import Period, instant

Cell = tuple[str | None, str]  # (ward code or None, category or "")
Values = dict[str, dict[Cell, Decimal]]
Samples = dict[str, dict[Cell, list[Decimal]]]

SUM, MEDIAN = "sum", "median"


@dataclass(frozen=True)
class Window:
    """The period a snapshot is of: stocks as of `as_of`, flows from `start` to `as_of`."""

    period: Period
    as_of: dt.date

    @property
    def start(self) -> dt.date:
        return self.period.start

    @property
    def since(self) -> dt.datetime:
        return instant(self.period.start)

    @property
    def until(self) -> dt.datetime:
        """The first instant after the window (exclusive upper bound)."""
        return instant(self.as_of + dt.timedelta(days=1))


@dataclass
class Result:
    values: Values = field(default_factory=lambda: defaultdict(dict))
    samples: Samples = field(default_factory=lambda: defaultdict(dict))

    def add(self, measure: str, ward: str | None, category: str, amount) -> None:
        cells = self.values[measure]
        key = (ward, category)
        cells[key] = cells.get(key, Decimal(0)) + Decimal(amount or 0)

    def sample(self, measure: str, ward: str | None, category: str, value: Decimal) -> None:
        self.samples[measure].setdefault((ward, category), []).append(value)


@dataclass(frozen=True)
class Measure:
    code: str
    aggregate: str = SUM  # SUM (additive) or MEDIAN (samples)
    by_category: bool = False  # also kept per product category
    unit: str = "count"
    counts: str = ""  # what it counts, in plain words (the family's docstring says how)


MEASURES: dict[str, Measure] = {}
FAMILIES: list[Callable[[Window, Result], None]] = []


def _measures(*items: Measure):
    for item in items:
        MEASURES[item.code] = item

    def register(family):
        FAMILIES.append(family)
        return family

    return register


def _count(condition):
    return func.sum(case((condition, 1), else_=0))


# --- products and producers -----------------------------------------------------------------


@_measures(
    Measure(
        "products_gtin",
        by_category=True,
        counts="products registered (submitted or verified, not withdrawn) by the day",
    ),
    Measure(
        "products_portal_listed",
        by_category=True,
        counts="of those, listed on the national portal on or before the day (portal_state_on)",
    ),
    Measure(
        "products_verified",
        by_category=True,
        counts="of those, verified by the Department by the day (reviewed_at)",
    ),
    Measure("products_ocop_key", by_category=True, counts="of those, OCOP or key products"),
    Measure(
        "products_ip_supported",
        by_category=True,
        counts="OCOP or key products whose IP protection is filed or granted (as it is now)",
    ),
    Measure("ocop_products", by_category=True, counts="of those, OCOP products"),
    Measure(
        "ocop_valid",
        by_category=True,
        counts="OCOP products whose certificate is valid on the day (from ≤ day ≤ to)",
    ),
    Measure(
        "ocop_expiring_90",
        by_category=True,
        counts="OCOP certificates valid on the day that end within 90 days of it",
    ),
    Measure("ocop_expired", by_category=True, counts="OCOP certificates that ended before the day"),
    Measure(
        "producers_with_products",
        by_category=True,
        counts="producers with at least one registered product (of the category): the privacy base",
    ),
    Measure(
        "producers_ocop_key",
        by_category=True,
        counts="producers with a registered OCOP or key product (privacy base of IP support)",
    ),
    Measure(
        "producers_ocop",
        counts="producers with a registered OCOP product (privacy base of the OCOP certificates)",
    ),
)
def products(window: Window, out: Result) -> None:
    """Products in the *producer's* ward, per category, as of the day (a stock).

    A product is registered from its submission (`submitted_at`, or `created_at` for a product
    verified without one) while it is submitted or verified now and was not withdrawn by the
    day: drafts and rejected products are not counted. Undated facts (category, IP status) are
    read as they are now. One grouped query, by ward, producer and category.
    """
    from traceability.registry.models import (
        IpStatus,
        PortalState,
        Producer,
        Product,
        ProductCategory,
        ReviewState,
    )

    day, until = window.as_of, window.until
    registered = and_(
        Product.review_state.in_((ReviewState.SUBMITTED, ReviewState.VERIFIED)),
        func.coalesce(Product.submitted_at, Product.created_at) < until,
        or_(Product.withdrawn_at.is_(None), Product.withdrawn_at >= until),
    )
    ocop_key = Product.category.in_((ProductCategory.OCOP, ProductCategory.KEY_PRODUCT))
    ocop = Product.category == ProductCategory.OCOP
    valid = and_(ocop, Product.ocop_valid_from <= day, Product.ocop_valid_to >= day)
    # One row per (ward, producer, category): counting producers is then a count of rows, with
    # no DISTINCT for the database to sort (1.6 s → 0.7 s on a million products).
    stmt = (
        select(
            Producer.ward_code,
            Product.producer_id,
            Product.category,
            func.count(),
            _count(
                and_(Product.portal_state == PortalState.LISTED, Product.portal_state_on <= day)
            ),
            _count(and_(Product.review_state == ReviewState.VERIFIED, Product.reviewed_at < until)),
            _count(ocop_key),
            _count(and_(ocop_key, Product.ip_status.in_((IpStatus.FILED, IpStatus.PROTECTED)))),
            _count(ocop),
            _count(valid),
            _count(and_(valid, Product.ocop_valid_to <= day + dt.timedelta(days=90))),
            _count(and_(ocop, Product.ocop_valid_to < day)),
        )
        .join(Producer, Producer.id == Product.producer_id)
        .where(registered)
        .group_by(Producer.ward_code, Product.producer_id, Product.category)
    )
    names = (
        "products_gtin",
        "products_portal_listed",
        "products_verified",
        "products_ocop_key",
        "products_ip_supported",
        "ocop_products",
        "ocop_valid",
        "ocop_expiring_90",
        "ocop_expired",
    )
    # A producer with products in two categories counts once in "every category".
    anywhere: dict[str | None, set[int]] = defaultdict(set)
    with_ocop_key: dict[str | None, set[int]] = defaultdict(set)
    with_ocop: dict[str | None, set[int]] = defaultdict(set)
    for ward, producer_id, category, *numbers in db.session.execute(stmt):
        for name, number in zip(names, numbers, strict=True):
            if number:
                out.add(name, ward, str(category), number)
                out.add(name, ward, "", number)
        out.add("producers_with_products", ward, str(category), 1)
        anywhere[ward].add(producer_id)
        if category in (ProductCategory.OCOP, ProductCategory.KEY_PRODUCT):
            out.add("producers_ocop_key", ward, str(category), 1)
            with_ocop_key[ward].add(producer_id)
        if category == ProductCategory.OCOP:
            with_ocop[ward].add(producer_id)
    for ward, producer_ids in anywhere.items():
        out.add("producers_with_products", ward, "", len(producer_ids))
        out.add("producers_ocop_key", ward, "", len(with_ocop_key[ward]))
        out.add("producers_ocop", ward, "", len(with_ocop[ward]))


@_measures(
    Measure("producers_registered", counts="producers registered (created) by the day"),
    Measure(
        "producers_verified",
        counts="producers verified now whose verification (verified_at) came by the day",
    ),
)
def producers(window: Window, out: Result) -> None:
    """Producers in their own ward, as of the day (a stock): one grouped query."""
    from traceability.registry.models import Producer, VerificationState

    until = window.until
    stmt = (
        select(
            Producer.ward_code,
            func.count(),
            _count(
                and_(
                    Producer.verification_state == VerificationState.VERIFIED,
                    Producer.verified_at < until,
                )
            ),
        )
        .where(Producer.created_at < until)
        .group_by(Producer.ward_code)
    )
    for ward, registered, verified in db.session.execute(stmt):
        out.add("producers_registered", ward, "", registered)
        out.add("producers_verified", ward, "", verified)


# --- stamps, scans and counterfeit reports --------------------------------------------------


@_measures(
    Measure("stamps_issued", counts="stamps of the orders placed in the period (their quantity)"),
    Measure("producers_stamping", counts="producers who placed a stamp order in the period"),
    Measure("scans", counts="scans (consumer page views) in the period"),
    Measure("producers_scanned", counts="producers whose codes were scanned in the period"),
    Measure("stamps_scanned", counts="distinct stamps scanned at least once in the period"),
    Measure("scans_suspicious", counts="scans in the period whose verdict was suspicious"),
    Measure("reports_received", counts="counterfeit reports received in the period"),
    Measure("producers_reported", counts="producers named by a counterfeit report received in it"),
    Measure(
        "reports_resolved",
        counts="counterfeit reports confirmed or dismissed in the period (handled_at)",
    ),
    Measure(
        "report_resolution_hours",
        aggregate=MEDIAN,
        unit="hours",
        counts="the median hours from receipt to resolution of the reports resolved in it",
    ),
)
def stamps(window: Window, out: Result) -> None:
    """What happened in the period (flows), in the ward of the producer the stamp, scan or
    report belongs to. A scan or a counterfeit report that names no known producer counts in
    the province only (its ward is None). Grouped queries per ward; resolution times are
    samples (one row per report resolved in the period), whose median each scope takes.
    """
    from traceability.registry.models import Producer
    from traceability.stamps.models import (
        CounterfeitReport,
        ReportState,
        Scan,
        StampOrder,
        Verdict,
    )

    since, until = window.since, window.until
    # Stamps are counted through their orders' quantities (an order issues them all at once).
    issued = (
        select(
            Producer.ward_code,
            func.sum(StampOrder.quantity),
            func.count(distinct(StampOrder.producer_id)),
        )
        .join(Producer, Producer.id == StampOrder.producer_id)
        .where(StampOrder.created_at >= since, StampOrder.created_at < until)
        .group_by(Producer.ward_code)
    )
    for ward, number, makers in db.session.execute(issued):
        out.add("stamps_issued", ward, "", number)
        out.add("producers_stamping", ward, "", makers)
    scans = (
        select(
            Producer.ward_code,
            func.count(),
            func.count(distinct(Scan.stamp_id)),
            _count(Scan.verdict == Verdict.SUSPICIOUS),
            func.count(distinct(Scan.producer_id)),
        )
        .join(Producer, Producer.id == Scan.producer_id)
        .where(Scan.at >= since, Scan.at < until)
        .group_by(Producer.ward_code)
    )
    for ward, number, distinct_stamps, suspicious, makers in db.session.execute(scans):
        out.add("scans", ward, "", number)
        out.add("stamps_scanned", ward, "", distinct_stamps)
        out.add("scans_suspicious", ward, "", suspicious)
        out.add("producers_scanned", ward, "", makers)
    # Scans of codes that name no known producer belong to no ward, but to the province.
    orphan = select(func.count(), _count(Scan.verdict == Verdict.SUSPICIOUS)).where(
        Scan.producer_id.is_(None), Scan.at >= since, Scan.at < until
    )
    number, suspicious = db.session.execute(orphan).one()
    if number:
        out.add("scans", None, "", number)
        out.add("scans_suspicious", None, "", suspicious)

    received = (
        select(
            Producer.ward_code, func.count(), func.count(distinct(CounterfeitReport.producer_id))
        )
        .select_from(CounterfeitReport)
        .outerjoin(Producer, Producer.id == CounterfeitReport.producer_id)
        .where(CounterfeitReport.at >= since, CounterfeitReport.at < until)
        .group_by(Producer.ward_code)
    )
    for ward, number, makers in db.session.execute(received):
        out.add("reports_received", ward, "", number)
        out.add("producers_reported", ward, "", makers)
    resolved = (
        select(Producer.ward_code, CounterfeitReport.at, CounterfeitReport.handled_at)
        .select_from(CounterfeitReport)
        .outerjoin(Producer, Producer.id == CounterfeitReport.producer_id)
        .where(
            CounterfeitReport.state.in_((ReportState.CONFIRMED, ReportState.DISMISSED)),
            CounterfeitReport.handled_at >= since,
            CounterfeitReport.handled_at < until,
        )
    )
    for ward, at, handled_at in db.session.execute(resolved):
        hours = Decimal((handled_at - at).total_seconds()) / 3600
        out.add("reports_resolved", ward, "", 1)
        out.sample("report_resolution_hours", ward, "", hours.quantize(Decimal("0.0001")))


# --- shops and assessments ------------------------------------------------------------------

PILLAR_PREFIX, FLAG_PREFIX, LEVEL_PREFIX = "pillar_sum_", "flag_", "shops_level_"
FLAGS = ("takes_digital_payment", "uses_einvoice", "online_presence", "sells_online")
PILLARS = ("customer", "strategy", "infrastructure", "operations", "skills", "data")
LEVELS = range(6)


@_measures(
    Measure(
        "shops_active",
        counts="shops registered by the day and open on it (not closed by then, never merged)",
    ),
    Measure(
        "shops_assessed",
        counts="of those, shops with a submitted or verified assessment by the day",
    ),
    *(
        Measure(
            f"{LEVEL_PREFIX}{level}",
            counts=f"assessed shops whose latest counted assessment by the day is level {level}",
        )
        for level in LEVELS
    ),
    *(
        Measure(
            f"{PILLAR_PREFIX}{key}",
            unit="score",
            counts=f"the sum of the assessed shops' latest '{key}' pillar scores (0–100)",
        )
        for key in PILLARS
    ),
    *(
        Measure(
            f"{FLAG_PREFIX}{name}", counts=f"assessed shops whose latest assessment flags {name}"
        )
        for name in FLAGS
    ),
    Measure("wards_total", counts="wards and communes (1 per ward)"),
    Measure(
        "wards_started",
        counts="wards planned for the roll-out (pilot or extension) whose start date is by the day",
    ),
    Measure(
        "wards_deployed",
        counts="wards whose shops met the roll-out criterion by the day (retail.rollout)",
    ),
)
def retail(window: Window, out: Result) -> None:
    """Shops and assessments in the *shop's* ward, as of the day (stocks).

    Which shops count follows the roll-out (`retail.rollout.services`): a merged shop never
    counts (its assessments were moved to the shop kept, so they count once, there); a closed
    shop counts until the day before `closed_on`; a shop counts as registered from its
    `created_at`, or from its first counted assessment if that came earlier (moved by a merge).
    A shop is assessed from its first submitted or verified assessment on; its level, pillar
    scores and flags are those of its latest counted assessment by the day (by submission time,
    then id). Deployment uses the criterion's `deployment_date` on the shops that count that day.

    Two queries: one row per shop (its dates) and one per assessed shop (its latest assessment,
    picked by a window function), plus the wards.
    """
    from retail.assessments.models import Assessment
    from retail.rollout import services as rollout
    from retail.shops.models import Shop, ShopState

    day, until = window.as_of, window.until
    submitted = func.coalesce(Assessment.submitted_at, Assessment.created_at)
    counted = and_(Assessment.state.in_(rollout.COUNTED), submitted < until)
    first = (
        select(Assessment.shop_id, func.min(submitted).label("first_at"))
        .where(counted)
        .group_by(Assessment.shop_id)
        .subquery()
    )
    open_then = and_(
        Shop.state != ShopState.MERGED,
        or_(
            Shop.state == ShopState.ACTIVE,
            and_(Shop.closed_on.is_not(None), Shop.closed_on > day),
        ),
    )
    shops = db.session.execute(
        select(Shop.id, Shop.ward_code, Shop.created_at, first.c.first_at)
        .outerjoin(first, first.c.shop_id == Shop.id)
        .where(open_then, or_(Shop.created_at < until, first.c.first_at.is_not(None)))
    )
    ward_of: dict[int, str] = {}
    registered: dict[str, list[dt.datetime]] = defaultdict(list)
    assessed: dict[str, list[dt.datetime]] = defaultdict(list)
    for shop_id, ward, created, first_at in shops:
        ward_of[shop_id] = ward
        registered[ward].append(min(created, first_at) if first_at else created)
        out.add("shops_active", ward, "", 1)
        if first_at is not None:
            assessed[ward].append(first_at)
            out.add("shops_assessed", ward, "", 1)

    order = (submitted.desc(), Assessment.id.desc())
    ranked = (
        select(
            Assessment.shop_id,
            Assessment.level,
            Assessment.pillar_scores,
            Assessment.flags,
            func.row_number().over(partition_by=Assessment.shop_id, order_by=order).label("rank"),
        )
        .where(counted)
        .subquery()
    )
    latest = select(ranked.c.shop_id, ranked.c.level, ranked.c.pillar_scores, ranked.c.flags).where(
        ranked.c.rank == 1
    )
    for shop_id, level, pillars, flags in db.session.execute(latest):
        ward = ward_of.get(shop_id)
        if ward is None:  # a shop closed or merged by the day
            continue
        pillars, flags = pillars or {}, flags or {}
        if level is not None:
            out.add(f"{LEVEL_PREFIX}{int(level)}", ward, "", 1)
        for key in PILLARS:
            if key in pillars:
                # Stored as the float of an exact Fraction; shown averaged to one place.
                out.add(f"{PILLAR_PREFIX}{key}", ward, "", Decimal(str(pillars[key])))
        for name in FLAGS:
            if flags.get(name):
                out.add(f"{FLAG_PREFIX}{name}", ward, "", 1)

    rule = rollout.current_rule()
    for ward in db.session.scalars(select(Ward)):
        out.add("wards_total", ward.code, "", 1)
        started = (
            ward.rollout_phase is not RolloutPhase.NOT_PLANNED
            and ward.rollout_started_on is not None
            and ward.rollout_started_on <= day
        )
        out.add("wards_started", ward.code, "", 1 if started else 0)
        reached = rollout.deployment_date(rule, registered[ward.code], assessed[ward.code])
        out.add("wards_deployed", ward.code, "", 1 if reached and reached <= day else 0)


def compute(window: Window) -> Result:
    """Every measure of every family for the window."""
    out = Result()
    for family in FAMILIES:
        family(window, out)
    return out


def province_day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(PROVINCE_TZ).date()
