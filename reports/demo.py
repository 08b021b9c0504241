"""Reports demo data: months of history for the registry and stamps, ward reports, snapshots.

Loaded by `flask --app wsgi reports demo load` (after `flask demo load` and `flask retail demo
load`, as `make run` does); a second run changes nothing. The registry demo makes its producers,
products, stamp orders and counterfeit report "now"; this demo dates them back to when a real
programme would have made them, adds producers and products registered, verified and listed on
the national portal month by month since June, IP filings, OCOP certificates (one expiring soon,
one expired in October), batches with stamp orders and scans in every month (some suspicious),
counterfeit reports received and resolved, and a few wards of the 2030 extension started since
September. Then it takes the snapshots the month-end runs would have taken: closing ones for the
six finished months and the finished quarters among them, current ones for the running month,
quarter and year, and the ward reports of the running quarter with the snapshots they were
submitted with.

Dates are written as of DEMO_WRITTEN_ON and move forward with the day the demo is loaded, as the
other demos' do. A product's IP protection is not dated in the records (it is read as it is now,
docs/reports.md): the snapshots are taken month by month with each product's IP status as it
was at that month's end, so the history shows the filings as they came.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from decimal import Decimal

from sqlalchemy import insert, select, update

from core.accounts.models import User
from core.db import PROVINCE_TZ, province_today
from core.extensions import db
from core.wards.models import RolloutPhase, Ward
from reports.demo_story import (
    DEMO_WRITTEN_ON,
    EXTENSION_STARTS,
    MARKER_TAX_CODE,
    MONTHS_CLOSED,
    NARRATIVES,
    OFFICER_EMAIL,
    PRODUCERS,
    REGISTRY_LISTED,
    REGISTRY_PRODUCERS,
    REGISTRY_PRODUCTS,
    REPORT_ENDINGS,
    REPORT_MESSAGES,
    REPORT_STAFF_NOTES,
    RETURN_COMMENT,
    SEED,
    STAFF_EMAIL,
    ProducerPlan,
    ProductPlan,
)
from reports.indicators import snapshots
from reports.indicators.models import PeriodKind, Snapshot, SnapshotKind
from reports.indicators.periods import Period
from reports.quarterly.models import WardReport, WardReportState
from retail.shops.models import Shop
from traceability.registry import demo as registry_demo
from traceability.registry import places, services
from traceability.registry.models import (
    Batch,
    IpStatus,
    PortalState,
    Producer,
    Product,
)
from traceability.stamps import counterfeit, orders, scans
from traceability.stamps.models import (
    CounterfeitReport,
    ReportState,
    Scan,
    Stamp,
    StampOrder,
    Verdict,
)

SITES: dict[int, int] = {}  # a new producer's id -> its site's, for its batches (one load)


class _Demo:
    """One load: the day it is loaded, the shift of the written dates, the seeded choices."""

    def __init__(self, today: dt.date, staff: User):
        self.today = today
        self.shift = max(dt.timedelta(0), today - DEMO_WRITTEN_ON)
        self.staff = staff
        self.rng = random.Random(SEED)  # noqa: S311 - the same demo on every load, not secrets
        self.clients = 0

    def day(self, written: dt.date) -> dt.date:
        return written + self.shift

    def at(self, day: dt.date, hour: int | None = None, minute: int | None = None) -> dt.datetime:
        """A moment of a province day (a working hour unless given), in UTC."""
        hour = self.rng.randint(7, 17) if hour is None else hour
        minute = self.rng.randint(0, 59) if minute is None else minute
        local = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=PROVINCE_TZ)
        return local.astimezone(dt.UTC)

    def when(self, written: dt.date, hour: int | None = None) -> dt.datetime:
        return self.at(self.day(written), hour)

    def past(self, day: dt.date) -> bool:
        """Days before the load day are history; the load day itself is still going on."""
        return day < self.today

    def client(self) -> str:
        self.clients += 1
        return hashlib.sha256(f"reports-demo-{self.clients}".encode()).hexdigest()[:24]


def _account(email: str, command: str) -> User:
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        raise RuntimeError(f"load the other demos first: {command}")
    return user


def _require_other_demos() -> User:
    staff = _account(STAFF_EMAIL, "flask --app wsgi demo load")
    if db.session.scalar(select(Producer.id).where(Producer.tax_code == "3603456781")) is None:
        raise RuntimeError("load the registry demo first: flask --app wsgi demo load")
    if db.session.scalar(select(Shop.id).limit(1)) is None:
        raise RuntimeError("load the retail demo first: flask --app wsgi retail demo load")
    return staff


def load_demo(today: dt.date | None = None) -> bool:
    """Load the reports demo unless it is there already. Returns True when something was added."""
    staff = _require_other_demos()
    if db.session.scalar(select(Producer.id).where(Producer.tax_code == MARKER_TAX_CODE)):
        return False
    demo = _Demo(today or province_today(), staff)
    _date_the_registry_demo(demo)
    _start_extension_wards(demo)
    made = [_add_producer(demo, plan) for plan in PRODUCERS]
    ip_plans = [(product, plan) for items in made for product, plan in items if plan.ip]
    order_list = _add_batches_and_orders(demo, [pair for items in made for pair in items])
    suspicious = _add_scans(demo, order_list)
    _add_reports(demo, suspicious)
    db.session.flush()
    _take_snapshots(demo, ip_plans)
    _ward_reports(demo)
    db.session.flush()
    return True


# --- the registry demo's records, dated back ------------------------------------------------


def _date_the_registry_demo(demo: _Demo) -> None:
    """The registry demo made everything "now": give its records the dates of a real programme."""
    producers = db.session.scalars(
        select(Producer).where(Producer.tax_code.in_(REGISTRY_PRODUCERS))
    ).all()
    for producer in producers:
        registered, verified = REGISTRY_PRODUCERS[producer.tax_code]
        producer.created_at = demo.when(registered)
        if verified is not None and producer.verified_at is not None:
            producer.verified_at = demo.when(verified)
        producer.updated_at = producer.verified_at or producer.created_at
        for site in producer.sites:
            site.created_at = site.updated_at = producer.created_at
        for product in producer.products:
            dates = REGISTRY_PRODUCTS.get(product.name)
            if dates is None:  # drafts: prepared soon after registering
                product.created_at = producer.created_at + dt.timedelta(days=6)
                product.updated_at = product.created_at
                continue
            submitted, reviewed = dates
            if product.submitted_at is not None:
                product.submitted_at = demo.when(submitted)
                product.created_at = product.submitted_at - dt.timedelta(days=5)
            if reviewed is not None and product.reviewed_at is not None:
                product.reviewed_at = demo.when(reviewed)
            if product.portal_state is PortalState.LISTED and product.name in REGISTRY_LISTED:
                product.portal_state_on = demo.day(REGISTRY_LISTED[product.name])
            product.updated_at = product.reviewed_at or product.submitted_at or product.created_at
    # Stamps are ordered when a batch is made, not all on the day the demo was loaded.
    for order in db.session.scalars(
        select(StampOrder).where(StampOrder.producer_id.in_([p.id for p in producers]))
    ):
        made = order.batch.produced_on or demo.today
        day = min(made + dt.timedelta(days=2), demo.today - dt.timedelta(days=1))
        order.created_at = order.updated_at = demo.at(day, 9, 30)
    # The confirmed counterfeit report came in ten days ago and was settled in three.
    for report in db.session.scalars(
        select(CounterfeitReport).where(
            CounterfeitReport.producer_id.in_([p.id for p in producers])
        )
    ):
        report.at = demo.at(demo.today - dt.timedelta(days=10), 16, 20)
        if report.handled_at is not None:
            report.handled_at = demo.at(demo.today - dt.timedelta(days=7), 10, 5)


def _start_extension_wards(demo: _Demo) -> None:
    for code, started in EXTENSION_STARTS:
        ward = db.session.get(Ward, code)
        if ward is not None and ward.rollout_phase is RolloutPhase.NOT_PLANNED:
            day = demo.day(started)
            if demo.past(day):
                ward.rollout_phase = RolloutPhase.EXTENSION_2030
                ward.rollout_started_on = day


# --- new producers and products -------------------------------------------------------------


def _add_producer(demo: _Demo, plan: ProducerPlan) -> list[tuple[Product, ProductPlan]]:
    staff = demo.staff
    producer = services.create_producer(
        {
            "legal_name": plan.legal_name,
            "kind": plan.kind,
            "tax_code": plan.tax_code,
            "gs1_company_prefix": plan.prefix,
            "ward_code": plan.ward_code,
            "address": plan.address,
            "contact_name": plan.contact_name,
            "phone": plan.phone,
        },
        staff,
    )
    if plan.verified is not None:
        services.verify_producer(producer, staff)
        producer.verified_at = demo.when(plan.verified)
    producer.created_at = demo.when(plan.registered)
    producer.updated_at = producer.verified_at or producer.created_at
    name, kind, crop, certifications = plan.site
    site = places.create_site(
        producer,
        {
            "name": name,
            "kind": kind,
            "ward_code": plan.ward_code,
            "crop_or_species": crop,
            "certifications": certifications,
        },
        staff,
    )
    site.created_at = site.updated_at = producer.created_at
    made = []
    for item in plan.products:
        product = _add_product(demo, producer, item)
        made.append((product, item))
    SITES[producer.id] = site.id
    return made


def _add_product(demo: _Demo, producer: Producer, plan: ProductPlan) -> Product:
    staff = demo.staff
    data = {
        "gtin": registry_demo.gtin(producer.gs1_company_prefix, plan.item),
        "name": plan.name,
        "category": plan.category,
        "standards": list(plan.standards),
        "ip_status": IpStatus.NONE,
    }
    if plan.ocop:
        group, stars, certificate, valid_from = plan.ocop
        data.update(
            ocop_group=group,
            ocop_stars=stars,
            ocop_certificate_no=certificate,
            ocop_valid_from=demo.day(valid_from),
        )
    if plan.ip:
        status, kind, number, _filed, _protected = plan.ip
        data.update(ip_status=status, ip_kind=kind, ip_number=number)
    product = services.create_product(producer, data, staff)
    prepared = plan.submitted or (producer.created_at.date() + dt.timedelta(days=3))
    if plan.submitted is not None:
        services.submit_product(product, staff)
        product.submitted_at = demo.when(plan.submitted)
        prepared = plan.submitted - dt.timedelta(days=4)
        if plan.verified is not None:
            services.verify_product(product, staff)
            product.reviewed_at = demo.when(plan.verified)
            if plan.listed is not None:
                # The portal's date is set afterwards: on a later load day it may be after the
                # server's clock, which the service (rightly) refuses.
                services.set_portal_status(
                    product,
                    state=PortalState.LISTED,
                    reference=f"TXNG-{product.gtin[-6:]}",
                    on=None,
                    actor=staff,
                )
                product.portal_state_on = demo.day(plan.listed)
    product.created_at = demo.at(demo.day(prepared) if plan.submitted else prepared)
    product.updated_at = product.reviewed_at or product.submitted_at or product.created_at
    return product


# --- batches, stamp orders, scans, counterfeit reports ----------------------------------------


def _add_batches_and_orders(demo: _Demo, made: list[tuple[Product, ProductPlan]]) -> list:
    """A batch about every five weeks from a product's verification, each with a stamp order."""
    rng, staff = demo.rng, demo.staff
    made_orders = []
    for product, plan in made:
        if plan.verified is None:
            continue
        day = demo.day(plan.verified) + dt.timedelta(days=rng.randint(3, 9))
        number = 1
        while demo.past(day + dt.timedelta(days=1)):
            keeps = 45 if plan.fresh else 365
            batch = places.create_batch(
                {
                    "product_id": product.id,
                    "site_id": SITES.get(product.producer_id),
                    "lot_code": f"{product.gtin[-5:-1]}{day:%y%m}{number}",
                    "quantity": Decimal(rng.choice((300, 450, 600, 800, 1200))),
                    "unit": "kg",
                },
                staff,
            )
            # Ordered when the batch was fresh (as the registry demo does for its June fruit);
            # its dates are set afterwards, as loaded on a later day they may be after the
            # server's clock, which the services (rightly) refuse.
            order = orders.create_order(
                batch, {"quantity": rng.choice((48, 60, 72, 96, 120))}, staff
            )
            batch.produced_on, batch.expires_on = day, day + dt.timedelta(days=keeps)
            ordered = day + dt.timedelta(days=1)
            batch.created_at = batch.updated_at = demo.at(day, 8)
            order.created_at = order.updated_at = demo.at(ordered, 10)
            made_orders.append((order, ordered))
            day += dt.timedelta(days=rng.randint(28, 42))
            number += 1
    db.session.flush()
    return made_orders


def _add_scans(demo: _Demo, made_orders: list) -> list[tuple[Stamp, Batch, dt.date]]:
    """Consumers scan about half of each order's stamps in the weeks after it; a few stamps
    are scanned from many phones (copied), and those scans are suspicious."""
    rng = demo.rng
    rows, counters, copied = [], [], []
    families = ("android", "android", "android", "ios", "zalo", "zalo", "other")
    for order, ordered in made_orders:
        stamps = db.session.scalars(
            select(Stamp).where(Stamp.order_id == order.id).order_by(Stamp.seq)
        ).all()
        chosen = rng.sample(stamps, k=round(len(stamps) * rng.uniform(0.35, 0.6)))
        for index, stamp in enumerate(chosen):
            first = ordered + dt.timedelta(days=rng.randint(2, 40))
            if not demo.past(first):
                continue
            copies = index == 0 and rng.random() < 0.55
            times = []
            if copies:
                # The same code from six or more phones within a few days: a copied stamp.
                for step in range(rng.randint(6, 9)):
                    times.append((first + dt.timedelta(days=step // 3), demo.client(), step))
            else:
                client = demo.client()
                for step in range(rng.choice((1, 1, 1, 2, 2, 3))):
                    times.append(
                        (first + dt.timedelta(days=step * rng.randint(0, 3)), client, step)
                    )
            seen: set[str] = set()
            stamp_scans = []
            for day, client, step in times:
                if not demo.past(day):
                    continue
                seen.add(client)
                if step == 0:
                    verdict, reason = Verdict.GENUINE, None
                elif len(seen) >= 5:
                    verdict, reason = Verdict.SUSPICIOUS, "many_clients"
                else:
                    verdict, reason = Verdict.SCANNED_BEFORE, None
                stamp_scans.append(
                    {
                        "at": demo.at(day),
                        "stamp_id": stamp.id,
                        "producer_id": stamp.producer_id,
                        "gtin": stamp.gtin,
                        "lot": order.batch.lot_code,
                        "serial": stamp.serial,
                        "verdict": verdict,
                        "reason": reason,
                        "client_family": rng.choice(families),
                        "client_hash": client,
                    }
                )
            if not stamp_scans:
                continue
            stamp_scans.sort(key=lambda row: row["at"])
            rows.extend(stamp_scans)
            counters.append(
                {
                    "id": stamp.id,
                    "scan_count": len(stamp_scans),
                    "first_scan_at": stamp_scans[0]["at"],
                    "last_scan_at": stamp_scans[-1]["at"],
                }
            )
            if any(row["verdict"] is Verdict.SUSPICIOUS for row in stamp_scans):
                copied.append((stamp, order.batch, stamp_scans[-1]["at"].date()))
    if rows:
        db.session.execute(insert(Scan), rows)
        db.session.execute(update(Stamp), counters)
    return copied


def _add_reports(demo: _Demo, copied: list[tuple[Stamp, Batch, dt.date]]) -> None:
    """Consumers report some copied stamps; staff settle most of them within days."""
    rng = demo.rng
    copied = sorted(copied, key=lambda item: item[2])
    # Spread over the months: every n-th copied stamp is reported, the newest ones last.
    step = max(1, len(copied) // len(REPORT_MESSAGES))
    reported = copied[::step][-len(REPORT_MESSAGES) :]
    for number, (stamp, batch, last_seen) in enumerate(reported):
        at_day = last_seen + dt.timedelta(days=rng.randint(0, 2))
        if not demo.past(at_day):
            continue
        message, where = REPORT_MESSAGES[number]
        found = scans.resolve(stamp.gtin, batch.lot_code, stamp.serial)
        report = counterfeit.create_report(
            found, {"message": message, "where_bought": where}, client=demo.client()
        )
        report.at = demo.at(at_day)
        ending = REPORT_ENDINGS[number] if number < len(REPORT_ENDINGS) else ReportState.NEW
        if ending is not ReportState.NEW:
            counterfeit.change_report_state(report, ending, REPORT_STAFF_NOTES[ending], demo.staff)
            hours = rng.randint(20, 24 * 9)
            handled = report.at + dt.timedelta(hours=hours)
            if not demo.past(handled.astimezone(PROVINCE_TZ).date()):
                handled = demo.at(demo.today - dt.timedelta(days=1), 17, 30)
            report.handled_at = max(handled, report.at + dt.timedelta(hours=1))


# --- snapshots ------------------------------------------------------------------------------


def _ip_as_of(demo: _Demo, ip_plans: list, day: dt.date | None) -> None:
    """Each product's IP status as it was on `day` (None: as it is now): filed from its filing
    day, protected from its grant (a product protected before the demo's months is so all along).
    """
    for product, plan in ip_plans:
        status, _kind, _number, filed, protected = plan.ip
        if day is None or (status is IpStatus.PROTECTED and protected is None):
            product.ip_status = status
        elif protected is not None and demo.day(protected) <= day:
            product.ip_status = IpStatus.PROTECTED
        elif demo.day(filed) <= day:
            product.ip_status = IpStatus.FILED
        else:
            product.ip_status = IpStatus.NONE
    db.session.flush()


def _finished_periods(demo: _Demo) -> list[Period]:
    """The six finished months before the current one, each followed by the quarter and the
    year it ends (if any)."""
    month = Period.containing(PeriodKind.MONTH, demo.today)
    months = []
    for _ in range(MONTHS_CLOSED):
        month = month.previous()
        months.append(month)
    out = []
    for month in reversed(months):
        out.append(month)
        for kind in (PeriodKind.QUARTER, PeriodKind.YEAR):
            wider = Period.containing(kind, month.start)
            if wider.end == month.end:
                out.append(wider)
    return out


def _take_snapshots(demo: _Demo, ip_plans: list[tuple[Product, ProductPlan]]) -> None:
    for period in _finished_periods(demo):
        _ip_as_of(demo, ip_plans, period.end)
        snapshots.take(period, kind=SnapshotKind.CLOSING, today=demo.today)
    _ip_as_of(demo, ip_plans, None)
    for kind in PeriodKind:
        snapshots.take(Period.containing(kind, demo.today), today=demo.today)


# --- quarterly ward reports -----------------------------------------------------------------


def _ward_reports(demo: _Demo) -> None:
    """The running quarter's reports: two pilot wards submitted (the second one late once the
    due date has passed), one returned with a comment, one accepted, the demo officer's first
    ward still in draft."""
    quarter = Period.containing(PeriodKind.QUARTER, demo.today)
    due = quarter.quarterly_due
    officer = db.session.scalar(select(User).where(User.email == OFFICER_EMAIL))
    officer_id = officer.id if officer is not None else None
    yesterday = demo.today - dt.timedelta(days=1)
    # Reports are written in the weeks before the due date; none is dated in the future.
    base = min(due, yesterday)
    plans = [
        ("26188", WardReportState.DRAFT, None),
        ("26098", WardReportState.RETURNED, base - dt.timedelta(days=12)),
        ("26341", WardReportState.ACCEPTED, base - dt.timedelta(days=14)),
        ("26080", WardReportState.SUBMITTED, base - dt.timedelta(days=3)),
    ]
    late = due + dt.timedelta(days=2)
    plans.append(
        (
            "25396",
            WardReportState.SUBMITTED,
            late if late <= yesterday else base - dt.timedelta(days=1),
        )
    )
    if yesterday < quarter.start:  # loaded on a quarter's first day: nothing sent yet
        plans = plans[:1]
    for code, state, submitted in plans:
        if submitted is not None and submitted < quarter.start:
            submitted = quarter.start
        mine = code in ("26188", "26098")
        author = officer_id if mine else demo.staff.id
        report = WardReport(
            ward_code=code,
            year=quarter.year,
            quarter=quarter.number,
            state=state,
            created_by_id=author,
            updated_by_id=author,
            **NARRATIVES,
        )
        if state is WardReportState.DRAFT:
            report.difficulties = report.proposals = ""
        created = submitted or yesterday
        report.created_at = demo.at(created - dt.timedelta(days=2) if submitted else created, 8)
        report.updated_at = report.created_at
        if submitted is not None:
            frozen = snapshots.take(quarter, kind=SnapshotKind.REPORT, today=submitted)
            report.snapshot_id = frozen.id
            report.submitted_at = demo.at(submitted, 16, 15)
            report.submitted_by_id = author
            report.updated_at = report.submitted_at
        if state is WardReportState.RETURNED:
            report.returned_at = min(
                report.submitted_at + dt.timedelta(days=2, hours=-6), demo.at(yesterday, 17, 45)
            )
            report.returned_by_id = demo.staff.id
            report.return_comment = RETURN_COMMENT
            report.updated_at = report.returned_at
        if state is WardReportState.ACCEPTED:
            report.accepted_at = min(
                report.submitted_at + dt.timedelta(days=3, hours=-7), demo.at(yesterday, 17, 50)
            )
            report.accepted_by_id = demo.staff.id
            report.updated_at = report.accepted_at
        db.session.add(report)


def demo_snapshots() -> list[Snapshot]:
    """The closing month snapshots, oldest first (what the tests and the dashboard read)."""
    stmt = select(Snapshot).where(
        Snapshot.period_kind == PeriodKind.MONTH, Snapshot.kind == SnapshotKind.CLOSING
    )
    return list(db.session.scalars(stmt.order_by(Snapshot.period_start)))
