"""The EPCIS repository adapter against a second instance of our own EPCIS endpoint, over HTTP.

Two applications on two fresh databases (SQLite files, or PostgreSQL databases on the server of
TEST_DATABASE_URL): "here", whose events are pushed and into which events are pulled, and
"there", served by werkzeug in a thread. Neither is the session application, so these tests opt
out of the per-test rollback; each test makes its own rows (new GTINs, new batches).
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from decimal import Decimal

import pytest
import requests
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import func, select
from werkzeug.serving import make_server

from core.extensions import db
from core.wards.services import load_wards
from tests import factories
from tests.conftest import make_test_app
from traceability.events import identifiers, recording, store
from traceability.events.models import EventIdentifier, TraceEvent
from traceability.exchange import adapters
from traceability.exchange.adapters.base import ItemResult
from traceability.registry.models import Batch, Product

pytestmark = pytest.mark.no_db_isolation


@dataclass
class Instance:
    app: Flask
    url: str = ""
    token: str = ""


def _migrated(url: str, tmp, **config) -> Flask:
    app = make_test_app(url, tmp, **config)
    with app.app_context():
        upgrade()
        load_wards()
        db.session.commit()
    return app


@pytest.fixture(scope="module")
def there(fresh_database, tmp_path_factory):
    """The second instance, with a staff API token, served over HTTP."""
    app = _migrated(fresh_database(), tmp_path_factory.mktemp("there"), RATELIMIT_ENABLED=False)
    with app.app_context():
        token = factories.token(factories.staff())
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="epcis-there", daemon=True)
    thread.start()
    try:
        yield Instance(app, f"http://127.0.0.1:{server.server_port}/api/epcis", token)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="module")
def here(fresh_database, tmp_path_factory, there):
    app = _migrated(fresh_database(), tmp_path_factory.mktemp("here"))
    app.config["EXCHANGE_SYSTEMS"] = {
        "there": {"adapter": "epcis_repository", "url": there.url, "token": there.token},
        "stopped": {"adapter": "epcis_repository", "url": _stopped_url(), "timeout": 2},
    }
    yield Instance(app)
    with app.app_context():
        db.engine.dispose()


def _stopped_url() -> str:
    """The address of a server that was started and stopped (nothing listens there)."""
    server = make_server("127.0.0.1", 0, Flask("stopped"))
    port = server.server_port
    server.server_close()
    return f"http://127.0.0.1:{port}/api/epcis"


@pytest.fixture
def ctx(here):
    with here.app.test_request_context("/"):
        yield
        db.session.rollback()
        db.session.remove()


def _demo_batch(steps=("harvest", "packing", "shipping")) -> tuple[Batch, list[TraceEvent]]:
    """A producer's batch with a demo-like journey recorded here (committed)."""
    producer, owner = factories.producer()
    product = factories.published_product(producer, owner)
    site = factories.site(producer, owner)
    batch = factories.batch(product, owner, quantity=Decimal(100), unit="kg")
    start = dt.datetime(2026, 11, 2, 6, 30, tzinfo=dt.UTC)
    events = []
    for hours, step in enumerate(steps):
        data = {"site_id": site.id, "at": start + dt.timedelta(hours=hours), "offset": "+07:00"}
        event = recording.build_event(step, data, batch)
        stored = store.store_event(
            event, user=owner, source="demo", producer_id=producer.id, context=recording.CONTEXT
        )
        events.append(stored.event)
    db.session.commit()
    return batch, events


def _count_there(there: Instance, event_ids) -> int:
    with there.app.app_context():
        count = db.session.scalar(
            select(func.count()).select_from(TraceEvent).where(TraceEvent.event_id.in_(event_ids))
        )
        db.session.remove()
        return count


def _statuses(results: list[ItemResult]) -> dict[str, str]:
    return {r.item: r.status for r in results}


def _capture_there(there: Instance, events: list[dict]) -> requests.Response:
    document = {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-11-05T08:00:00.000Z",
        "epcisBody": {"eventList": events},
    }
    response = requests.post(
        f"{there.url}/capture",
        json=document,
        headers={"Authorization": f"Bearer {there.token}"},
        timeout=10,
    )
    assert response.status_code == 202, response.text
    return response


def _retail_event(epc_class: str, minute: int) -> dict:
    """An event a shop records on the other repository about one of our lots."""
    return {
        "type": "ObjectEvent",
        "eventTime": f"2026-11-05T09:{minute:02d}:00.000+07:00",
        "eventTimeZoneOffset": "+07:00",
        "action": "OBSERVE",
        "bizStep": "receiving",
        "disposition": "in_progress",
        "readPoint": {"id": "https://id.gs1.org/414/8934567000017"},
        "quantityList": [{"epcClass": epc_class, "quantity": 20, "uom": "KGM"}],
    }


def test_pushed_events_are_stored_there_and_pushed_again_are_duplicates(here, there, ctx):
    _batch, events = _demo_batch()
    ids = [e.event_id for e in events]
    adapter = adapters.get("there")

    first = adapter.push_events(events)
    assert [r.item for r in first] == ids
    assert {r.status for r in first} == {"stored"}, first
    assert all(r.reference and "/capture/" in r.reference for r in first)
    assert _count_there(there, ids) == 3

    again = adapter.push_events(events)
    assert {r.status for r in again} == {"duplicate"}, again
    assert _count_there(there, ids) == 3


def test_a_push_in_chunks_of_the_remote_capture_limit_says_which_events_were_new(
    here, there, ctx, monkeypatch
):
    _batch, events = _demo_batch(("harvest", "packing", "inspection", "shipping", "receiving"))
    adapter = adapters.get("there")
    adapter.push_events([events[0], events[3]])  # two already there
    monkeypatch.setitem(there.app.config, "EPCIS_CAPTURE_LIMIT", 2)
    captures = []
    real_post = adapter.http.post
    monkeypatch.setattr(
        adapter.http, "post", lambda *a, **kw: captures.append(kw["json"]) or real_post(*a, **kw)
    )

    assert adapter.capture_limit() == 2
    results = adapter.push_events(events)

    assert [len(c["epcisBody"]["eventList"]) for c in captures] == [2, 2, 1]
    assert [r.status for r in results] == ["duplicate", "stored", "stored", "duplicate", "stored"]
    assert _count_there(there, [e.event_id for e in events]) == 5


def test_events_there_about_our_gtin_are_pulled_once_as_remote(here, there, ctx):
    batch, events = _demo_batch(("harvest", "packing"))
    product = batch.product
    adapter = adapters.get("there")
    adapter.push_events(events)
    lot = identifiers.lgtin(product.gtin, batch.lot_code)
    other_gtin = factories.gtin()
    _capture_there(there, [_retail_event(lot, 1), _retail_event(f"{lot[:-1]}Z", 2)])
    _capture_there(there, [_retail_event(identifiers.lgtin(other_gtin, "L1"), 3)])

    pulled = adapter.pull_status([product])
    db.session.commit()

    by_status = sorted(r.status for r in pulled)
    assert by_status == ["duplicate", "duplicate", "stored", "stored"], pulled
    assert {r.item for r in pulled if r.status == "duplicate"} == {e.event_id for e in events}
    remote = db.session.scalars(select(TraceEvent).where(TraceEvent.source == "remote")).all()
    remote = [e for e in remote if e.producer_id == product.producer_id]
    assert len(remote) == 2
    assert {e.event_id for e in remote} == {r.item for r in pulled if r.status == "stored"}
    assert batch.id in {i.batch_id for e in remote for i in e.identifiers}
    other = select(EventIdentifier.event_pk).where(EventIdentifier.gtin == other_gtin)
    assert db.session.scalar(select(func.count()).where(TraceEvent.id.in_(other))) == 0

    again = adapter.pull_status([product])
    assert sorted(r.status for r in again) == ["duplicate"] * 4
    assert (
        db.session.scalar(
            select(func.count()).select_from(TraceEvent).where(TraceEvent.source == "remote")
        )
        == 2
    )


def test_a_stopped_repository_gives_failed_results_with_the_reason(here, ctx):
    batch, events = _demo_batch(("harvest",))
    adapter = adapters.get("stopped")

    pushed = adapter.push_events(events)
    pulled = adapter.pull_status([batch.product])

    assert [(r.item, r.status) for r in pushed] == [(events[0].event_id, "failed")]
    assert "ConnectionError" in pushed[0].detail
    assert [(r.item, r.status) for r in pulled] == [(batch.product.gtin, "failed")]
    assert "ConnectionError" in pulled[0].detail


def test_the_cli_pushes_a_batch_and_exits_1_when_the_repository_is_down(here, there, ctx):
    batch, events = _demo_batch(("harvest", "packing"))
    runner = here.app.test_cli_runner()

    done = runner.invoke(args=["exchange", "push", "there", "--batch", str(batch.id)])
    assert done.exit_code == 0, done.output
    lines = done.output.strip().splitlines()
    assert [line.split()[:2] for line in lines[:2]] == [
        ["stored", events[0].event_id],
        ["stored", events[1].event_id],
    ]
    assert "stored 2" in lines[-1]

    down = runner.invoke(args=["exchange", "push", "stopped", "--batch", str(batch.id)])
    assert down.exit_code == 1
    assert down.output.count("failed") >= 3


def test_the_cli_pulls_a_products_events(here, there, ctx):
    batch, _events = _demo_batch(("harvest",))
    gtin = batch.product.gtin
    _capture_there(there, [_retail_event(identifiers.lgtin(gtin, batch.lot_code), 7)])
    runner = here.app.test_cli_runner()

    done = runner.invoke(args=["exchange", "pull", "there", "--product", gtin])

    assert done.exit_code == 0, done.output
    assert done.output.splitlines()[0].startswith("stored")
    stored = db.session.scalar(
        select(func.count())
        .select_from(TraceEvent)
        .where(TraceEvent.source == "remote", TraceEvent.producer_id == batch.producer_id)
    )
    assert stored == 1
    assert db.session.get(Product, batch.product_id) is not None


def test_events_the_remote_refuses_are_failed_with_its_reason(here, there, ctx):
    with there.app.app_context():
        _producer, owner = factories.producer()
        token = factories.token(owner)  # a producer's token: our GTINs are not its own
        db.session.commit()
        db.session.remove()
    _batch, events = _demo_batch(("harvest", "packing"))
    adapter = adapters.get("there")
    adapter.http.headers["Authorization"] = f"Bearer {token}"

    results = adapter.push_events(events)

    assert [(r.item, r.status) for r in results] == [(e.event_id, "failed") for e in events]
    assert all(r.detail for r in results), results
    assert _count_there(there, [e.event_id for e in events]) == 0


def test_an_invalid_event_from_the_remote_is_refused_and_the_valid_ones_stored(here, there, ctx):
    batch, _events = _demo_batch(("harvest",))
    lot = identifiers.lgtin(batch.product.gtin, batch.lot_code)
    bad = _retail_event(lot, 30) | {"bizStep": "teleporting"}
    with there.app.app_context():
        # Written past the capture's checks, as a repository that checks nothing might hold it.
        store.store_events([(bad, None), (_retail_event(lot, 31), None)], user=None, source="api")
        db.session.commit()
        db.session.remove()

    pulled = adapters.get("there").pull_status([batch.product])

    statuses = sorted((r.status, r.detail) for r in pulled if r.status != "duplicate")
    assert [s for s, _ in statuses] == ["failed", "stored"], pulled
    assert "teleporting" in statuses[0][1]
    remote = db.session.scalars(
        select(TraceEvent).where(
            TraceEvent.source == "remote", TraceEvent.producer_id == batch.producer_id
        )
    ).all()
    assert [e.biz_step for e in remote] == ["https://ref.gs1.org/cbv/BizStep-receiving"]


def test_a_capture_job_still_running_after_the_last_check_is_failed(here, there, ctx, monkeypatch):
    from traceability.events import capture

    real = capture.job_document
    reads = []
    monkeypatch.setattr(
        capture, "job_document", lambda job: reads.append(1) or real(job) | {"running": True}
    )
    _batch, events = _demo_batch(("harvest",))
    adapter = adapters.get("there")
    adapter.poll_attempts, adapter.poll_interval = 3, 0

    [result] = adapter.push_events(events)

    assert (result.item, result.status) == (events[0].event_id, "failed")
    assert "3" in result.detail and "/capture/" in result.reference
    assert len(reads) == 1 + 3  # the 202 answer, then three reads of its Location


def test_the_cli_exports_a_product_and_pushes_our_events_since_a_day(here, there, ctx):
    batch, events = _demo_batch(("harvest", "packing"))
    runner = here.app.test_cli_runner()

    exported = runner.invoke(args=["exchange", "export", "there", "--product", batch.product.gtin])
    assert exported.exit_code == 0, exported.output
    assert [line.split()[:2] for line in exported.output.splitlines()[:2]] == [
        ["stored", e.event_id] for e in events
    ]

    ours = db.session.scalars(select(TraceEvent.event_id).where(TraceEvent.source != "remote"))
    ours = list(ours)
    missing = len(ours) - _count_there(there, ours)  # events earlier tests never pushed
    assert missing > 0
    since = runner.invoke(args=["exchange", "push", "there", "--since", "2000-01-01"])
    assert since.exit_code == 0, since.output
    assert len(since.output.splitlines()) == len(ours) + 1  # one line per event, and the summary
    summary = since.output.splitlines()[-1]
    assert f"duplicate {len(ours) - missing}, stored {missing}." in summary
    assert _count_there(there, ours) == len(ours)
    later = runner.invoke(args=["exchange", "push", "there", "--since", "2999-01-01"])
    assert later.exit_code == 0 and later.output.startswith("0 ")
