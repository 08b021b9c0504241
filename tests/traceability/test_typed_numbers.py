"""Numbers typed in forms the reader's way: 32,5 and 1.500 in Vietnamese, 1,500 in English."""

from decimal import Decimal

import pytest

from core.extensions import db
from tests import factories
from traceability.registry import rules
from traceability.registry.models import Batch, Site

VI = {"Accept-Language": "vi"}
EN = {"Accept-Language": "en"}


@pytest.mark.parametrize(
    ("typed", "language", "number"),
    [
        ("32,5", "vi", "32.5"),
        ("1.500", "vi", "1500"),  # the dot groups thousands in Vietnamese
        ("1.500.000", "vi", "1500000"),
        ("1.500,25", "vi", "1500.25"),
        ("1.5", "vi", "1.5"),  # not three digits after the dot: a keypad's decimal point
        ("0.125", "vi", "0.125"),  # a first group of 0 is never grouping
        ("32.75", "vi", "32.75"),
        (" 2 500 ", "vi", "2500"),
        ("1,500", "en", "1500"),
        ("32.5", "en", "32.5"),
        ("1,500.25", "en", "1500.25"),
    ],
)
def test_typed_numbers_follow_the_language(typed, language, number):
    assert rules.parse_typed_number(typed, language) == Decimal(number)


@pytest.mark.parametrize("typed", ["", "abc", "1..5", "1.50.0", "1,5,5", "1e3", "12.34,5"])
def test_malformed_numbers_are_refused(typed):
    with pytest.raises(ValueError):
        rules.parse_typed_number(typed, "vi")


def test_coordinates_take_either_separator_as_the_decimal_point():
    assert rules.parse_typed_number("10.957", "vi", grouping=False) == Decimal("10.957")
    assert rules.parse_typed_number("10,957", "vi", grouping=False) == Decimal("10.957")


def _site_form(**fields):
    data = {"name": "Vườn bưởi", "kind": "growing_area", "ward_code": "26188"}
    data.update(fields)
    return data


def test_a_vietnamese_form_reads_decimal_commas_and_thousand_dots(client, make):
    producer, owner = make.producer()
    product = make.product(producer, owner)
    db.session.commit()
    client.login(owner.email, factories.PASSWORD)
    response = client.submit(
        "/sites/new",
        _site_form(area_ha="32,5", latitude="10.957123", longitude="106,8"),
        token_from="/sites/new",
        headers=VI,
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    site = db.session.scalars(db.select(Site).where(Site.producer_id == producer.id)).one()
    assert (site.area_ha, site.latitude, site.longitude) == (
        Decimal("32.5"),
        Decimal("10.957123"),
        Decimal("106.8"),
    )
    edit = client.get(f"/sites/{site.id}/edit", headers=VI).get_data(as_text=True)
    assert 'value="32,5"' in edit  # shown back as typed
    response = client.submit(
        "/batches/new",
        {"product_id": str(product.id), "lot_code": "L1500", "quantity": "1.500", "unit": "kg"},
        token_from="/batches/new",
        headers=VI,
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    batch = db.session.scalars(db.select(Batch).where(Batch.lot_code == "L1500")).one()
    assert batch.quantity == Decimal("1500")
    assert "1.500 kg" in client.get("/batches", headers=VI).get_data(as_text=True)


def test_an_english_form_reads_thousand_commas(client, make):
    producer, owner = make.producer()
    product = make.product(producer, owner)
    db.session.commit()
    client.login(owner.email, factories.PASSWORD)
    response = client.submit(
        "/batches/new",
        {"product_id": str(product.id), "lot_code": "E1500", "quantity": "1,500.5"},
        token_from="/batches/new",
        headers=EN,
    )
    assert response.status_code == 302
    assert db.session.scalars(db.select(Batch.quantity).where(Batch.lot_code == "E1500")).one() == (
        Decimal("1500.5")
    )
    bad = client.submit(
        "/batches/new",
        {"product_id": str(product.id), "lot_code": "E2", "quantity": "1..5"},
        token_from="/batches/new",
        headers=EN,
    )
    assert "Enter a number, e.g. 1,500 or 32.5." in bad.get_data(as_text=True)
