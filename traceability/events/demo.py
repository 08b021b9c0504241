"""Demo journeys: the registry demo's stamped batches get the trace events a real season leaves.

Harvest at the producer's site (the pomelos in Phường Tân Triều), processing where there is a
factory, packing at the co-operative's packing house, inspection with the producer's certificate
(VietGAP for the pomelos), shipping to a shop in a ward of the former Biên Hòa city. Every event
is dated from the batch's production day (which the registry demo moves with the day it is
loaded) and shipped the next day, long before any demo scan: the demo stamps stay genuine under
the "scanned before the batch was shipped" rule. No event is dated after now.

Called by `traceability.registry.demo.load_demo`; a second run adds nothing (a batch that has
events is left alone, and the store stores the same event only once).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from core import db as clock  # read at call time: the demo's "now" is the loading day's
from core.accounts.models import User
from core.db import PROVINCE_TZ
from core.extensions import db
from traceability.events import recording, store
from traceability.registry import places
from traceability.registry.models import Batch, Producer, Site, SiteKind
from traceability.stamps.models import StampOrder


@dataclass(frozen=True)
class Plan:
    """One demo producer's season: its certificate, where it ships, and optional extra sites."""

    certificate: tuple[str, str]  # standard, number
    destination: tuple[str, str]  # a shop's name, its ward (GSO code)
    packing_site: dict | None = None  # a packing house to create (the co-operative's)
    processing_site: str | None = None  # an existing site where the product is processed


# By the registry demo producers' tax codes.
PLANS = {
    "3603456781": Plan(  # HTX Bưởi Tân Triều: the journey of the issue
        certificate=("VietGAP", "VietGAP-TT-24-03-75-0112"),
        destination=("Cửa hàng Nông sản sạch Trấn Biên", "26041"),
        packing_site={
            "name": "Nhà sơ chế và đóng gói HTX Bưởi Tân Triều",
            "kind": SiteKind.PROCESSING,
            "ward_code": "26188",
            "address": "Ấp Bình Thạch, Tân Bình",
        },
    ),
    "3603567892": Plan(  # HTX Chôm chôm Bảo Vinh
        certificate=("GlobalGAP", "GGN 4063061875123"),
        destination=("Cửa hàng trái cây Tam Hiệp", "26017"),
    ),
    "3801234563": Plan(  # Hạt điều Bù Đăng: grown at Minh Hưng, roasted at the factory
        certificate=("HACCP", "HACCP-VN-2025-0417"),
        destination=("Siêu thị mini Long Bình", "26020"),
        processing_site="Nhà máy chế biến Đức Phong",
    ),
    "075186001234": Plan(  # Hồ tiêu Xuân Mỹ
        certificate=("Organic (TCVN 11041)", "HC-2025-0086"),
        destination=("Cửa hàng đặc sản Biên Hòa", "26068"),
    ),
    "3603678903": Plan(  # HTX Cà phê Xuân Lộc
        certificate=("Rainforest Alliance", "RA-C-0148923"),
        destination=("Quán cà phê Hố Nai", "26005"),
    ),
}


def load_demo_journeys() -> int:
    """Give every stamped batch of the demo producers its journey; returns the events stored."""
    stored = 0
    producers = db.session.scalars(select(Producer).where(Producer.tax_code.in_(PLANS))).all()
    for producer in producers:
        owner = db.session.scalars(select(User).where(User.producer_id == producer.id)).first()
        if owner is None:
            continue
        plan = PLANS[producer.tax_code]
        stamped = db.session.scalars(
            select(Batch)
            .where(
                Batch.producer_id == producer.id,
                Batch.id.in_(select(StampOrder.batch_id)),
                Batch.first_event_at.is_(None),
            )
            .order_by(Batch.id)
        ).all()
        if not stamped:
            continue
        packing = _packing_site(producer, plan, owner)
        processing = _site_named(producer, plan.processing_site)
        for batch in stamped:
            for step, data in _season(batch, plan, packing, processing):
                event = recording.build_event(step, data, batch)
                done = store.store_event(
                    event,
                    user=owner,
                    source="demo",
                    producer_id=producer.id,
                    context=recording.CONTEXT,
                )
                stored += done.created
    db.session.flush()
    return stored


def _packing_site(producer: Producer, plan: Plan, owner: User) -> Site | None:
    if plan.packing_site is None:
        return None
    return _site_named(producer, plan.packing_site["name"]) or places.create_site(
        producer, dict(plan.packing_site), owner
    )


def _site_named(producer: Producer, name: str | None) -> Site | None:
    if name is None:
        return None
    return db.session.scalars(
        select(Site).where(Site.producer_id == producer.id, Site.name == name)
    ).first()


def _season(batch: Batch, plan: Plan, packing: Site | None, processing: Site | None):
    """(step, data) of one batch's journey, oldest first, none after now."""
    day = batch.produced_on or (
        clock.utcnow().astimezone(PROVINCE_TZ).date() - dt.timedelta(days=3)
    )
    grown = batch.site_id
    packed = (packing or processing).id if (packing or processing) else grown
    amount = {"quantity": batch.quantity, "unit": batch.unit if batch.quantity else None}
    standard, number = plan.certificate
    shop, ward = plan.destination
    steps = [("harvest", grown, day, dt.time(6, 30), amount)]
    next_day = day + dt.timedelta(days=1)
    if processing is not None:
        steps.append(("processing", processing.id, day, dt.time(13, 0), amount))
        day, next_day = next_day, next_day + dt.timedelta(days=1)
    steps += [
        ("packing", packed, day, dt.time(15, 0), amount),
        (
            "inspection",
            packed,
            next_day,
            dt.time(8, 30),
            {"certificate_standard": standard, "certificate_number": number},
        ),
        (
            "shipping",
            packed,
            next_day,
            dt.time(14, 0),
            {**amount, "destination_name": shop, "destination_ward": ward},
        ),
    ]
    now = clock.utcnow()
    for step, site_id, on, at, extra in steps:
        moment = dt.datetime.combine(on, at, tzinfo=PROVINCE_TZ)
        if site_id is None or moment > now:
            return
        data = {"site_id": site_id, "at": moment, "offset": recording.PROVINCE_OFFSET}
        yield step, {**data, **{k: v for k, v in extra.items() if v is not None}}
