""" "Scanned before the batch was shipped": a consumer's scan of a stamp whose batch has a recorded
journey but no shipping at or before the scan is suspicious; a batch without any event is not
(we cannot know). The rule reads the batch card only, and a shipping recorded later counts at
the next scan."""

from __future__ import annotations

import datetime as dt

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _

from core.db import utcnow
from core.extensions import db
from tests.traceability.events.test_journey import (
    HARVESTED,
    World,
    _statements,
    local,
    page,
)
from traceability.stamps import cards, scans, verdicts
from traceability.stamps.models import Scan, Verdict

NOW = dt.datetime(2026, 11, 10, 3, 0, tzinfo=dt.UTC)
EXPLANATION = (
    "This batch had not been recorded as shipped when this stamp was scanned: goods for sale "
    "leave the producer with a shipping record first."
)


def _card(**fields) -> cards.BatchCard:
    values = {"id": 1, "lot_code": "L1", "produced_on": None, "expires_on": None,
              "site_name": None, "site_ward_name": None}  # fmt: skip
    return cards.BatchCard(**{**values, **fields})


@pytest.mark.parametrize(
    ("first_event_at", "shipped_at", "suspicious"),
    [
        (None, None, False),  # no journey: we cannot know
        (NOW - dt.timedelta(days=3), None, True),  # harvested, never shipped
        (NOW - dt.timedelta(days=3), NOW - dt.timedelta(days=1), False),
        (NOW - dt.timedelta(days=3), NOW, False),  # shipped at the very moment: not before
        (NOW - dt.timedelta(days=3), NOW + dt.timedelta(hours=2), True),  # shipped later
    ],
)
def test_the_rule_reads_the_batch_cards_first_event_and_shipping(
    first_event_at, shipped_at, suspicious
):
    card = _card(first_event_at=first_event_at, shipped_at=shipped_at)
    assert verdicts.before_shipping(card, NOW) is suspicious
    assert verdicts.before_shipping(None, NOW) is False


@pytest.fixture
def world(app_ctx):
    return World()


def _scan(client, world, index: int = 0) -> str:
    return page(client, world.stamp_path(index))


def _last_scan(world) -> Scan:
    return (
        db.session.query(Scan)
        .filter(Scan.serial == world.stamps[0].serial)
        .order_by(Scan.id.desc())
        .first()
    )


def test_a_batch_without_events_is_not_suspicious_by_this_rule(client, world):
    assert 'class="verdict genuine"' in _scan(client, world)
    assert _last_scan(world).reason is None


def test_a_scan_before_shipping_is_suspicious_and_a_later_shipping_clears_the_next(client, world):
    world.record("harvest", local(HARVESTED, 6, 30))
    world.record("packing", local(HARVESTED, 15))
    db.session.commit()
    html = _scan(client, world)
    assert 'class="verdict suspicious"' in html
    with force_locale("vi"):
        assert str(_(EXPLANATION)) in html
    scan = _last_scan(world)
    assert (scan.verdict, scan.reason) == (Verdict.SUSPICIOUS, "before_shipping")
    # The card cached by that scan must not keep the old shipped_at.
    world.record(
        "shipping",
        local(HARVESTED + dt.timedelta(days=1), 14),
        destination_name="Cửa hàng Nông sản sạch Trấn Biên",
        destination_ward="26041",
    )
    db.session.commit()
    html = _scan(client, world)
    assert 'class="verdict scanned_before"' in html
    assert _last_scan(world).reason is None


def test_a_shipping_dated_after_the_scan_does_not_make_it_shipped(client, world):
    world.record("harvest", local(HARVESTED, 6, 30))
    # Recorded ahead of time (a planned shipping): not shipped yet when the consumer scans.
    world.record("shipping", utcnow() + dt.timedelta(minutes=5), destination_name="Cửa hàng")
    db.session.commit()
    assert 'class="verdict suspicious"' in _scan(client, world)
    assert _last_scan(world).reason == "before_shipping"


def test_an_erroneous_shipping_event_is_ignored(client, world):
    world.record("harvest", local(HARVESTED, 6, 30))
    shipping = world.record(
        "shipping",
        local(HARVESTED + dt.timedelta(days=1), 14),
        destination_name="Cửa hàng Nông sản sạch Trấn Biên",
        destination_ward="26041",
    ).event
    db.session.commit()
    assert 'class="verdict genuine"' in _scan(client, world)
    declaration = {k: v for k, v in shipping.document.items() if k != "recordTime"}
    declaration["errorDeclaration"] = {
        "declarationTime": "2026-11-05T08:00:00.000+07:00",
        "reason": "incorrect_data",
    }
    assert world.store(declaration).created
    db.session.commit()
    assert 'class="verdict suspicious"' in _scan(client, world)
    assert _last_scan(world).reason == "before_shipping"


def test_previews_and_other_rules_are_unchanged(client, world):
    world.record("harvest", local(HARVESTED, 6, 30))
    db.session.commit()
    # A signed-in look (a preview) counts no scan and judges no consumer scan.
    found = verdicts.preview_verdict(
        scans.resolve(world.product.gtin, world.batch.lot_code, world.stamps[0].serial)
    )
    assert found.verdict is Verdict.GENUINE
    # The lot's own page has no stamp to judge.
    assert 'class="verdict product"' in page(client, world.lot_path())


def test_the_rule_adds_no_statement_to_a_scan(client, world):
    bare = World(name="Bưởi không hành trình")
    world.record("harvest", local(HARVESTED, 6, 30))
    db.session.commit()
    counts = []
    for other, path in ((bare, bare.stamp_path(1)), (world, world.stamp_path(1))):
        page(client, other.stamp_path(0))  # warms the cards (and the journey)
        counts.append(_statements(lambda p=path: page(client, p)))
    assert counts[0] == counts[1]


def test_recording_an_event_moves_the_cards_version(client, world):
    world.record("harvest", local(HARVESTED, 6, 30))
    db.session.commit()
    assert _last_reason(client, world) == "before_shipping"
    before = cards.cards_version()
    world.record("shipping", local(HARVESTED + dt.timedelta(days=1), 14), destination_name="Shop")
    db.session.commit()
    assert cards.cards_version() > before  # every worker reloads its cards
    assert _last_reason(client, world) is None


def _last_reason(client, world) -> str | None:
    _scan(client, world)
    return _last_scan(world).reason
