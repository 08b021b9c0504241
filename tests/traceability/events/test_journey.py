"""The batch's journey in plain words: steps (what, where, when, certificate) oldest first, one
step back and one step forward, on the consumer page at once after an event is recorded, cheap
and small enough for a phone."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from core.db import PROVINCE_TZ, utcnow
from core.extensions import db
from core.wards.models import Ward
from tests import factories
from traceability.events import identifiers, journey, recording, store
from traceability.events.models import TraceEvent
from traceability.gs1.gtin import check_digit
from traceability.registry.models import Batch
from traceability.stamps import serials
from traceability.stamps.models import Stamp, StampOrder

BROWSER = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "User-Agent": "Mozilla/5.0 (Linux; Android 14; SM-A155F) AppleWebKit/537.36 Chrome/131.0",
    "Accept-Language": "vi-VN,vi;q=0.9",
}
HARVESTED = dt.date(2026, 11, 2)


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=PROVINCE_TZ)


class World:
    """A producer in Tân Triều with a growing site, a published product, a stamped batch."""

    def __init__(self, *, stamps: int = 2, name: str = "Bưởi Tân Triều"):
        self.producer, self.owner = factories.producer(ward_code="26188")
        self.site = factories.site(self.producer, self.owner, name="Vườn bưởi Bình Thạch")
        self.product = factories.published_product(self.producer, self.owner, name=name)
        self.batch = factories.batch(
            self.product, self.owner, site_id=self.site.id, produced_on=HARVESTED
        )
        self.stamps = []
        if stamps:
            order = factories.stamp_order(self.batch, self.owner, quantity=stamps)
            self.stamps = list(
                db.session.scalars(
                    select(Stamp).where(Stamp.order_id == order.id).order_by(Stamp.seq)
                )
            )
        db.session.commit()

    def record(self, step: str, at: dt.datetime, batch=None, **data) -> store.Stored:
        """Store one step as the batch page does (built by `recording.build_event`)."""
        batch = batch or self.batch
        data.setdefault("site_id", self.site.id)
        event = recording.build_event(step, {"at": at, **data}, batch)
        return self.store(event)

    def store(self, event: dict, **kwargs) -> store.Stored:
        return store.store_event(
            event,
            user=self.owner,
            source="page",
            producer_id=self.producer.id,
            context=recording.CONTEXT,
            **kwargs,
        )

    def stamp_path(self, index: int = 0) -> str:
        stamp = self.stamps[index]
        return serials.stamp_path(self.product.gtin, self.batch.lot_code, stamp.serial)

    def lot_path(self) -> str:
        return serials.stamp_path(self.product.gtin, self.batch.lot_code, None)


def season(world: World, batch=None, day: dt.date = HARVESTED) -> None:
    """Harvest, packing, inspection with a VietGAP certificate and shipping to a Biên Hòa shop."""
    world.record("harvest", local(day, 6, 30), batch, quantity=1200, unit="kg")
    world.record("packing", local(day, 15), batch)
    next_day = day + dt.timedelta(days=1)
    world.record(
        "inspection",
        local(next_day, 8, 30),
        batch,
        certificate_standard="VietGAP",
        certificate_number="VietGAP-TT-24-03-75-0112",
    )
    world.record(
        "shipping",
        local(next_day, 14),
        batch,
        destination_name="Cửa hàng Nông sản sạch Trấn Biên",
        destination_ward="26041",
    )


def page(client, path: str, **headers) -> str:
    response = client.get(path, headers={**BROWSER, **headers})
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


# --- the journey in words -------------------------------------------------------------------


@pytest.fixture
def world(app_ctx):
    return World()


def section(html: str) -> str:
    """The journey's part of a page."""
    start = html.index('<section class="journey')
    return html[start : html.index("</section>", start)]


def test_steps_say_what_where_when_and_the_certificate_oldest_first(world):
    # Recorded late: the packing is entered before the harvest; the journey follows the times.
    world.record("packing", local(HARVESTED, 15))
    world.record("harvest", local(HARVESTED, 6, 30), quantity=1200, unit="kg")
    world.record(
        "inspection",
        local(HARVESTED + dt.timedelta(days=1), 8, 30),
        certificate_standard="VietGAP",
        certificate_number="VietGAP-TT-24-03-75-0112",
    )
    world.record(
        "shipping",
        local(HARVESTED + dt.timedelta(days=1), 14),
        destination_name="Cửa hàng Nông sản sạch Trấn Biên",
        destination_ward="26041",
    )
    got = journey.journey(world.batch.id)
    assert [step.code for step in got.steps] == ["harvest", "packing", "inspection", "shipping"]
    garden = journey.Place("Vườn bưởi Bình Thạch", "Phường Tân Triều")
    assert [step.place for step in got.steps] == [garden] * 4
    assert got.steps[0].when("vi") == "02/11/2026 06:30"
    assert got.steps[0].when("en") == "2 Nov 2026 06:30"
    assert [step.certificate for step in got.steps] == [
        None,
        None,
        "VietGAP-TT-24-03-75-0112",
        None,
    ]
    with force_locale("vi"):
        assert str(got.steps[0].what) == str(recording.STEPS["harvest"].label)
    assert got.came_from == (garden,)
    assert got.went_to == (journey.Place("Cửa hàng Nông sản sạch Trấn Biên", "Phường Trấn Biên"),)


def test_a_time_in_another_offset_is_shown_as_it_was_there_and_receiving_is_a_step_back(world):
    world.record(
        "receiving",
        dt.datetime(2026, 11, 5, 1, 0, tzinfo=dt.UTC),
        offset="+09:00",
        source_name="Kho lạnh Hòa An",
        source_ward="26068",
    )
    got = journey.journey(world.batch.id)
    assert got.steps[0].when("vi") == "05/11/2026 10:00 (UTC+09:00)"
    ward = db.session.get(Ward, "26068").name  # "Phường Biên Hoà" since 30/4/2026
    assert got.came_from == (journey.Place("Kho lạnh Hòa An", ward),)
    assert got.went_to == ()


def _api_event(world, **fields) -> dict:
    event = {
        "type": "ObjectEvent",
        "action": "OBSERVE",
        "eventTime": "2026-11-04T09:00:00.000+07:00",
        "eventTimeZoneOffset": "+07:00",
        "quantityList": [{"epcClass": identifiers.lgtin(world.product.gtin, world.batch.lot_code)}],
    }
    return {**event, **fields}


def test_other_steps_and_event_types_get_plain_labels_and_glns_their_producers_name(world):
    body = "893851299999"
    known = body + str(check_digit(body))
    buyer, _ = factories.producer(legal_name="Công ty TNHH Trái cây Biên Hòa", gln=known)
    unknown_body = "893000000001"
    unknown = unknown_body + str(check_digit(unknown_body))
    world.store(
        _api_event(
            world,
            bizStep="storing",
            readPoint={"id": identifiers.gln(known)},
            certificationInfo=recording.certificate_uri("GlobalGAP", "GGN 4063061875123"),
        )
    )
    world.store(
        _api_event(
            world,
            eventTime="2026-11-04T10:00:00.000+07:00",
            bizStep="https://example.com/steps/ripening",
            readPoint={"id": identifiers.gln(unknown)},
        )
    )
    lot = identifiers.lgtin(world.product.gtin, world.batch.lot_code)
    world.store(
        {
            "type": "AggregationEvent",
            "action": "ADD",
            "eventTime": "2026-11-04T11:00:00.000+07:00",
            "eventTimeZoneOffset": "+07:00",
            "parentID": "urn:epc:id:sscc:8938512.0000000001",
            "childQuantityList": [{"epcClass": lot, "quantity": 20, "uom": "KGM"}],
        }
    )
    got = journey.journey(world.batch.id)
    assert [step.code for step in got.steps] == ["other", "other", "other"]
    with force_locale("en"):
        assert [str(step.what) for step in got.steps] == [
            "Stored in a warehouse",
            "Recorded step: https://example.com/steps/ripening",
            "Packed together with other items",
        ]
    assert got.steps[0].place == journey.Place(buyer.legal_name, buyer.ward.name)
    assert got.steps[0].certificate == "GlobalGAP GGN 4063061875123"  # from certificationInfo
    assert got.steps[1].place == journey.Place(f"GLN {unknown}")
    assert got.steps[2].place is None
    assert (got.came_from, got.went_to) == ((), ())


def test_a_batch_made_from_other_lots_links_back_to_them_and_they_forward_to_it(world):
    jam = factories.published_product(world.producer, world.owner, name="Mứt vỏ bưởi")
    made = factories.batch(jam, world.owner, lot_code="MUT2611")
    secret = factories.product(world.producer, world.owner, name="Bưởi chưa công bố")
    hidden = factories.batch(secret, world.owner)
    world.store(
        {
            "type": "TransformationEvent",
            "eventTime": "2026-11-06T08:00:00.000+07:00",
            "eventTimeZoneOffset": "+07:00",
            "bizStep": "creating_class_instance",
            "readPoint": {"id": identifiers.site(world.site.id)},
            "inputQuantityList": [
                {
                    "epcClass": identifiers.lgtin(world.product.gtin, world.batch.lot_code),
                    "quantity": 300,
                    "uom": "KGM",
                },
                {"epcClass": identifiers.lgtin(secret.gtin, hidden.lot_code)},
            ],
            "outputQuantityList": [{"epcClass": identifiers.lgtin(jam.gtin, made.lot_code)}],
        }
    )
    pomelo = journey.Place("Bưởi Tân Triều", None, world.batch.lot_code, world.lot_path())
    got = journey.journey(made.id)
    assert [step.code for step in got.steps] == ["processing"]
    # The unpublished product is not named to consumers.
    assert got.came_from == (pomelo,)
    forward = journey.journey(world.batch.id).went_to
    assert forward == (
        journey.Place(
            "Mứt vỏ bưởi", None, "MUT2611", serials.stamp_path(jam.gtin, "MUT2611", None)
        ),
    )


def test_an_event_declared_erroneous_leaves_the_journey(world):
    season(world)
    shipping = db.session.scalars(
        store.batch_events(world.batch.id).where(TraceEvent.biz_step.like("%shipping"))
    ).one()
    declaration = {k: v for k, v in shipping.document.items() if k != "recordTime"}
    declaration["errorDeclaration"] = {
        "declarationTime": "2026-11-04T08:00:00.000+07:00",
        "reason": "incorrect_data",
    }
    assert world.store(declaration).created
    got = journey.journey(world.batch.id)
    assert [step.code for step in got.steps] == ["harvest", "packing", "inspection"]
    assert got.went_to == ()


def test_a_long_journey_is_short_on_the_consumer_page(client, world):
    for hour in range(6, 16):
        world.record("inspection", local(HARVESTED, hour), certificate_standard="VietGAP")
    db.session.commit()
    got = journey.journey(world.batch.id)
    assert (len(got.head), len(got.tail), got.more) == (4, 4, 2)
    assert got.tail[-1].at == local(HARVESTED, 15)
    part = section(page(client, world.lot_path()))
    assert part.count("<li>") == journey.SHOWN_STEPS
    assert '<ol start="7">' in part
    assert "10:00" not in part and "11:00" not in part  # the two left out


# --- on the consumer page -------------------------------------------------------------------


def test_no_events_no_invented_journey(client, world):
    html = page(client, world.stamp_path())
    with force_locale("vi"):
        said = str(_("No journey has been recorded for this batch yet: we show only what the "
                     "producer records."))  # fmt: skip
    assert said in section(html)
    assert "<ol" not in section(html)


def test_a_new_event_shows_on_the_consumer_page_at_once(client, world):
    assert "<ol" not in section(page(client, world.lot_path()))
    world.record("harvest", local(HARVESTED, 6, 30))
    db.session.commit()
    part = section(page(client, world.lot_path()))
    assert part.count("<li>") == 1 and "02/11/2026 06:30" in part
    world.record("packing", local(HARVESTED, 15))
    db.session.commit()
    assert section(page(client, world.lot_path())).count("<li>") == 2  # not the cached one


def test_the_page_with_six_steps_is_within_30_kb_in_both_languages(client, world):
    season(world)
    world.record("receiving", local(HARVESTED + dt.timedelta(days=2), 9), source_name="Kho")
    world.record("packing", local(HARVESTED + dt.timedelta(days=2), 10))
    db.session.commit()
    for lang in ("vi", "en"):
        response = client.get(world.stamp_path(), headers=BROWSER, query_string={"lang": lang})
        assert response.status_code == 200
        assert len(response.data) <= 30 * 1024, len(response.data)
        part = section(response.get_data(as_text=True))
        assert part.count("<li>") == 6
        assert "Cửa hàng Nông sản sạch Trấn Biên, Phường Trấn Biên" in part
        assert "VietGAP-TT-24-03-75-0112" in part
        with force_locale(lang):
            assert all(str(_(msg)) in part for msg in ("Where it came from", "Shipped to"))


def test_a_warm_page_with_a_journey_costs_no_more_statements_than_one_without(client, world):
    bare = World(name="Bưởi không hành trình")
    season(world)
    db.session.commit()
    counts = []
    for path in (bare.lot_path(), world.lot_path()):
        page(client, path)  # warms the cards (and the journey)
        counts.append(_statements(lambda p=path: page(client, p)))
    assert counts[0] == counts[1]


def _statements(run) -> int:
    seen = []

    def note(*args):
        seen.append(args[2])

    sa_event.listen(db.engine, "before_cursor_execute", note)
    try:
        run()
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", note)
    return len(seen)


# --- the demo -------------------------------------------------------------------------------


def test_the_demo_stamps_show_their_journeys_and_stay_genuine(client, app_ctx):
    from traceability.events.demo import load_demo_journeys
    from traceability.registry.demo import demo_stamp_urls, load_demo

    assert load_demo()
    db.session.commit()
    events = db.session.scalar(select(func.count()).select_from(TraceEvent))
    assert load_demo_journeys() == 0  # a second run adds nothing
    assert db.session.scalar(select(func.count()).select_from(TraceEvent)) == events
    stamped = db.session.scalars(
        select(Batch).where(Batch.id.in_(select(StampOrder.batch_id)))
    ).all()
    assert stamped and all(b.shipped_at is not None and b.shipped_at < utcnow() for b in stamped)
    what, url = demo_stamp_urls()[0]
    assert what == "genuine"
    html = page(client, urlsplit(url).path)
    assert 'class="verdict genuine"' in html
    part = section(html)
    assert part.count("<li>") == 4
    assert "Vườn bưởi Bình Thạch, Phường Tân Triều" in part
    assert "Nhà sơ chế và đóng gói HTX Bưởi Tân Triều, Phường Tân Triều" in part
    assert "VietGAP-TT-24-03-75-0112" in part
    assert "Cửa hàng Nông sản sạch Trấn Biên, Phường Trấn Biên" in part
