"""The batch page: facts, journey, events with their raw EPCIS for experts; recording a step with
the form (errors next to their field, in the page's language; the same step twice is said to
be already recorded); who may see and write; the EPCIS 2.0 JSON-LD downloads."""

from __future__ import annotations

import datetime as dt
import html
import json
from decimal import Decimal

import pytest
from flask_babel import gettext
from jsonschema import Draft7Validator
from markupsafe import escape
from sqlalchemy import func, select

from core.accounts.models import Role
from core.extensions import db
from tests import factories
from tests.conftest import shared_path
from traceability.events import identifiers, recording
from traceability.events.models import TraceEvent

VN = dt.timezone(dt.timedelta(hours=7))


@pytest.fixture
def world(app_ctx):
    producer, owner = factories.producer()
    product = factories.published_product(producer, owner)
    site = factories.site(producer, owner, name="Vườn bưởi Tân Triều")
    batch = factories.batch(product, owner, site_id=site.id, produced_on=dt.date(2026, 11, 1))
    db.session.commit()
    return producer, owner, product, site, batch


def vi(app, message: str, **values) -> str:
    """`message` as a Vietnamese page shows it (HTML-escaped)."""
    with app.test_request_context("/", headers={"Accept-Language": "vi"}):
        return html.escape(str(gettext(message, **values)), quote=False)


def events_count() -> int:
    return db.session.scalar(select(func.count()).select_from(TraceEvent))


def form(site: int, **change) -> dict:
    data = {
        "step": "harvest",
        "site_id": str(site),
        "gln": "",
        "on": "2026-11-05",
        "time": "07:30",
        "quantity": "1.200,5",  # Vietnamese: 1200.5
        "unit": "kg",
        "note": "Hái đợt 1",
    }
    return data | change


def test_the_page_shows_the_batch_its_form_and_links(app, client, world):
    _producer, owner, product, site, batch = world
    client.login(owner.email, factories.PASSWORD)
    page = client.get(f"/batches/{batch.id}").get_data(as_text=True)
    assert '<html lang="vi">' in page
    assert batch.lot_code in page and product.gtin in page and site.name in page
    assert f"/batches/{batch.id}/edit" in page
    assert f"/batches/{batch.id}/stamps/new" in page
    assert f"/batches/{batch.id}/events.jsonld" in page
    assert 'name="step"' in page and 'name="csrf_token"' in page
    assert f'<option selected value="{site.id}">' in page  # the batch's own site first
    assert '<option selected value="kg">' in page  # and its unit
    assert vi(app, "No events recorded yet.") in page


def test_recording_a_step_with_the_form(app, client, world):
    _producer, owner, product, site, batch = world
    client.login(owner.email, factories.PASSWORD)
    url = f"/batches/{batch.id}"
    response = client.submit(f"{url}/events", form(site.id), token_from=url)
    assert response.status_code == 302
    assert events_count() == 1
    row = db.session.scalars(select(TraceEvent)).one()
    assert row.document["quantityList"] == [
        {
            "epcClass": identifiers.lgtin(product.gtin, batch.lot_code),
            "quantity": 1200.5,
            "uom": "KGM",
        }
    ]
    assert row.event_time == dt.datetime(2026, 11, 5, 0, 30, tzinfo=dt.UTC)
    assert row.recorded_by_id == owner.id and row.source == "page"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert vi(app, "The step has been recorded.") in page
    assert row.event_hash in page
    assert vi(app, "recorded by %(name)s", name=owner.full_name) in page

    again = client.submit(f"{url}/events", form(site.id), token_from=url)
    assert again.status_code == 302
    assert events_count() == 1
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert vi(app, "This step was already recorded: nothing new was saved.") in page


def test_the_raw_epcis_is_shown_escaped(client, world):
    _producer, owner, _product, site, batch = world
    data = {
        "site_id": site.id,
        "at": dt.datetime(2026, 11, 6, 9, 0, tzinfo=VN),
        "quantity": Decimal(3),
        "unit": "hop",
        "note": "<script>alert(1)</script>",
    }
    stored = recording.record("packing", data, batch, owner)
    db.session.commit()
    client.login(owner.email, factories.PASSWORD)
    page = client.get(f"/batches/{batch.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<details>" in page and str(escape('"bizStep": "packing"')) in page
    assert stored.event.event_hash in page


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (
            {"on": "2030-01-01"},
            "on",
            "This time is in the future: record what has already happened.",
        ),
        ({"step": ""}, "step", "Choose what happened."),
        (
            {"site_id": "", "gln": "8935000000013"},
            "gln",
            "The GLN's check digit (the last digit) is wrong.",
        ),
        (
            {"step": "shipping"},
            "destination_name",
            "Write where the goods go (a shop or a buyer).",
        ),
        ({"quantity": "12,5,5"}, "quantity", "Enter a number, e.g. %(a)s or %(b)s."),
    ],
)
def test_form_errors_are_next_to_their_field(app, client, world, change, field, message):
    _producer, owner, _product, site, batch = world
    client.login(owner.email, factories.PASSWORD)
    url = f"/batches/{batch.id}"
    response = client.submit(f"{url}/events", form(site.id, **change), token_from=url)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page
    start = page.index(f'id="{field}-error"')
    assert vi(app, message, a="1.500", b="32,5") in page[start : start + 400]
    assert events_count() == 0


def test_the_number_error_is_in_vietnamese(app):
    """The catalogue is the Vietnamese one: a message it translates differs from its English."""
    message = "Enter a number, e.g. %(a)s or %(b)s."
    assert vi(app, message, a="1.500", b="32,5") != message % {"a": "1.500", "b": "32,5"}


def test_before_the_production_date_is_refused(app, client, world):
    _producer, owner, _product, site, batch = world
    client.login(owner.email, factories.PASSWORD)
    url = f"/batches/{batch.id}"
    response = client.submit(f"{url}/events", form(site.id, on="2026-10-31"), token_from=url)
    page = response.get_data(as_text=True)
    start = page.index('id="on-error"')
    assert "01/11/2026" in page[start : start + 400]
    assert events_count() == 0


def test_english_pages_say_it_in_english(client, world):
    _producer, owner, _product, _site, batch = world
    client.login(owner.email, factories.PASSWORD)
    url = f"/batches/{batch.id}?lang=en"
    page = client.get(url).get_data(as_text=True)
    assert "Record a step" in page and "Harvest" in page


def test_another_producer_and_officers_cannot_reach_the_batch(client, world):
    _producer, _owner, _product, site, batch = world
    _other, other_user = factories.producer()
    officer = factories.user(Role.OFFICER)
    db.session.commit()
    client.login(other_user.email, factories.PASSWORD)
    assert client.get(f"/batches/{batch.id}").status_code == 404
    response = client.submit(f"/batches/{batch.id}/events", form(site.id))
    assert response.status_code == 404
    assert client.get(f"/batches/{batch.id}/events.jsonld").status_code == 404
    assert events_count() == 0
    client.post("/logout", data={"csrf_token": client.csrf_token("/batches")})
    client.login(officer.email, factories.PASSWORD)
    assert client.get(f"/batches/{batch.id}").status_code == 403


def test_staff_may_record_for_the_producer(client, world):
    producer, _owner, _product, site, batch = world
    staff = factories.staff()
    db.session.commit()
    client.login(staff.email, factories.PASSWORD)
    url = f"/batches/{batch.id}"
    assert client.submit(f"{url}/events", form(site.id), token_from=url).status_code == 302
    row = db.session.scalars(select(TraceEvent)).one()
    assert (row.producer_id, row.recorded_by_id) == (producer.id, staff.id)


@pytest.fixture(scope="module")
def validator():
    path = shared_path("conformance", "epcis", "schema", "epcis-json-schema-2.0.1.json")
    schema = json.loads(path.read_text(encoding="utf-8"))
    return Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)


def test_batch_and_product_exports_download_valid_documents(client, world, validator):
    _producer, owner, product, site, batch = world
    data = {"site_id": site.id, "at": dt.datetime(2026, 11, 5, 7, 30, tzinfo=VN)}
    harvest = recording.record("harvest", data, batch, owner).event
    ship = {
        **data,
        "at": dt.datetime(2026, 11, 8, 14, 0, tzinfo=VN),
        "destination_name": "Cửa hàng Nông sản Biên Hòa",
        "destination_ward": "26041",
    }
    shipping = recording.record("shipping", ship, batch, owner).event
    db.session.commit()
    client.login(owner.email, factories.PASSWORD)
    for url in (f"/batches/{batch.id}/events.jsonld", f"/products/{product.id}/events.jsonld"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.mimetype == "application/ld+json"
        assert response.headers["Content-Disposition"].startswith("attachment; filename=")
        document = json.loads(response.get_data(as_text=True))
        errors = [e.message for e in validator.iter_errors(document)]
        assert errors == [], url
        ids = [event["eventID"] for event in document["epcisBody"]["eventList"]]
        assert ids == [harvest.event_id, shipping.event_id]
        shipped = document["epcisBody"]["eventList"][1]
        assert shipped["dnt:destinationName"] == "Cửa hàng Nông sản Biên Hòa"


def test_the_template_csv_downloads(client, world):
    _producer, owner, _product, _site, _batch = world
    client.login(owner.email, factories.PASSWORD)
    response = client.get("/events/template.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeffstep,date,time,site,gln,quantity,unit,")


def test_the_registry_pages_link_to_the_batch_page_and_exports(client, world):
    _producer, owner, product, _site, batch = world
    client.login(owner.email, factories.PASSWORD)
    for url in ("/batches", f"/batches/{batch.id}/edit", f"/products/{product.id}"):
        assert f'href="/batches/{batch.id}"' in client.get(url).get_data(as_text=True), url
    page = client.get(f"/products/{product.id}").get_data(as_text=True)
    assert f'href="/products/{product.id}/events.jsonld"' in page
