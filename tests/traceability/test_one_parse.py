"""Parse once: the forms and schemas turn text into types; the services only check rules.

A service handed text where a type belongs raises TypeError and stores nothing (it never parses
the text again, nor stores it as something it is not: "ocop" == ProductCategory.OCOP is true of
a StrEnum, so only a type check tells them apart). Bad text typed by a person or sent by a
machine is refused at the edge, with the same message per field as when the services parsed it.
"""

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.extensions import db
from tests import factories
from traceability.registry import places, services
from traceability.registry.models import (
    Batch,
    PortalState,
    ProducerKind,
    Product,
    ProductCategory,
    Site,
)

EN = {"Accept-Language": "en"}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- services take typed values only ---------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"category": "ocop"},  # equal to ProductCategory.OCOP, yet text
        {"ocop_valid_from": "2026-01-01"},
        {"ocop_valid_from": dt.datetime(2026, 1, 1, 8, 0)},  # a datetime is a date, not a day
        {"ocop_stars": "4"},
        {"ocop_stars": True},  # bool is an int, not a number of stars
        {"standards": "VietGAP, HACCP"},
        {"name": 42},
    ],
)
def test_a_product_service_refuses_text_where_a_type_belongs(make, fields):
    producer, owner = make.producer()
    before = count(Product)
    with pytest.raises(TypeError):
        make.ocop_product(producer, owner, **fields)
    assert count(Product) == before


def test_updates_refuse_text_too_and_change_nothing(make):
    producer, owner = make.producer()
    product = make.ocop_product(producer, owner)
    with pytest.raises(TypeError):
        services.update_product(product, {"ocop_stars": "5"}, owner)
    db.session.refresh(product)
    assert product.ocop_stars == 4
    with pytest.raises(TypeError):
        services.update_producer(producer, {"kind": "enterprise"}, make.staff())
    with pytest.raises(TypeError):
        services.set_portal_status(
            product, state="listed", reference="TXNG-1", on=None, actor=make.staff()
        )
    assert product.portal_state is PortalState.NOT_SUBMITTED


@pytest.mark.parametrize(
    "fields",
    [{"latitude": "11.04", "longitude": Decimal("106.8")}, {"area_ha": 32.5}, {"kind": "x"}],
)
def test_a_site_service_refuses_text_and_floats(make, fields):
    producer, owner = make.producer()
    before = count(Site)
    with pytest.raises(TypeError):
        make.site(producer, owner, **fields)
    assert count(Site) == before


@pytest.mark.parametrize(
    "fields",
    [
        {"product_id": "1"},
        {"site_id": "1"},
        {"produced_on": "2026-11-01"},
        {"quantity": "1.500"},
    ],
)
def test_a_batch_service_refuses_text(make, fields):
    producer, owner = make.producer()
    product = make.product(producer, owner)
    data = {"product_id": product.id, "lot_code": "L1", **fields}
    with pytest.raises(TypeError):
        places.create_batch(data, owner)
    assert count(Batch) == 0


def test_sign_up_refuses_a_kind_given_as_text(make):
    account = {"email": "moi@example.vn", "password": factories.PASSWORD, "full_name": "Chủ"}
    data = {
        "legal_name": "HTX Mới",
        "kind": "cooperative",
        "tax_code": factories.tax_code(),
        "ward_code": "26188",
        "address": "Ấp 1",
    }
    with pytest.raises(TypeError):
        services.register_producer(account, data)
    data["kind"] = ProducerKind.COOPERATIVE
    assert services.register_producer(account, data).producer.kind is ProducerKind.COOPERATIVE


# --- pages: bad text is refused by the form, with the messages people saw before -------------


@pytest.fixture
def owner(client, make):
    producer, owner = make.producer()
    make.product(producer, owner)
    db.session.commit()
    client.login(owner.email, factories.PASSWORD)
    return owner


PRODUCT = {"gtin": "", "name": "Bưởi", "category": "agricultural", "ip_status": "none"}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"category": "fruit"}, "Not a valid choice."),
        ({"category": ""}, "Not a valid choice."),
        ({"ip_status": "maybe"}, "Not a valid choice."),
        (
            {"category": "ocop", "ocop_group": "jewellery"},
            "Choose one of: food, drinks, herbal, handicrafts, ornamentals, tourism.",
        ),
        (
            {"ip_status": "filed", "ip_kind": "patent"},
            "Choose one of: trademark, geographical_indication, collective_mark, "
            "certification_mark.",
        ),
        ({"category": "ocop", "ocop_stars": "many"}, "OCOP stars are 3, 4 or 5."),
        ({"category": "ocop", "ocop_stars": "6"}, "OCOP stars are 3, 4 or 5."),
        ({"ocop_valid_from": "soon"}, "Not a valid date value."),
        ({"name": "   "}, "This field is required."),
    ],
)
def test_the_product_form_refuses_bad_text_as_before(client, owner, fields, message):
    before = count(Product)
    data = {**PRODUCT, "gtin": factories.gtin(), **fields}
    page = client.submit("/products/new", data, token_from="/products/new", headers=EN)
    assert page.status_code == 200
    assert message in page.get_data(as_text=True)
    assert count(Product) == before


SITE = {"name": "Vườn bưởi", "kind": "growing_area", "ward_code": "26188"}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "orchard"}, "Not a valid choice."),
        ({"latitude": "north", "longitude": "106.8"}, "Enter a number, e.g. 1,500 or 32.5."),
        ({"latitude": "95", "longitude": "106.8"}, "Enter a number of at most 90."),
        ({"latitude": "11.04"}, "Give both latitude and longitude, or neither."),
    ],
)
def test_the_site_form_refuses_bad_text_as_before(client, owner, fields, message):
    page = client.submit("/sites/new", {**SITE, **fields}, token_from="/sites/new", headers=EN)
    assert page.status_code == 200
    assert message in page.get_data(as_text=True)
    assert count(Site) == 0


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"product_id": "abc"}, "Choose one of your own products."),
        ({"product_id": "99999999999"}, "Choose one of your own products."),
        ({"site_id": "abc"}, "Choose one of your own records."),
        ({"produced_on": "yesterday"}, "Not a valid date value."),
    ],
)
def test_the_batch_form_refuses_bad_text_as_before(client, owner, fields, message):
    product_id = owner.producer.products[0].id
    data = {"product_id": str(product_id), "lot_code": "L1", **fields}
    page = client.submit("/batches/new", data, token_from="/batches/new", headers=EN)
    assert page.status_code == 200
    assert message in page.get_data(as_text=True)
    assert count(Batch) == 0


def test_the_profile_and_portal_forms_refuse_unknown_choices(client, make, owner):
    page = client.submit(
        "/producer/profile", {"kind": "corporation"}, token_from="/producer/profile", headers=EN
    )
    assert "Not a valid choice." in page.get_data(as_text=True)
    db.session.refresh(owner.producer)
    assert owner.producer.kind is ProducerKind.COOPERATIVE
    product = owner.producer.products[0]
    staff = make.staff()
    db.session.commit()
    client.post("/logout", data={"csrf_token": client.csrf_token("/account")})
    client.login(staff.email, factories.PASSWORD)
    url = f"/staff/products/{product.id}/portal"
    page = client.submit(url, {"portal_state": "maybe"}, token_from=url, headers=EN)
    assert page.status_code == 200 and "Not a valid choice." in page.get_data(as_text=True)


def test_a_typed_form_round_trip_stores_types(client, owner):
    """What the edge parsed is what is stored: members, dates and Decimals, not their text."""
    data = {
        **PRODUCT,
        "gtin": factories.gtin(),
        "category": "ocop",
        "ocop_group": "drinks",
        "ocop_stars": "5",
        "ocop_certificate_no": " 7/OCOP ",
        "ocop_valid_from": "2025-02-01",
    }
    saved = client.submit("/products/new", data, token_from="/products/new", headers=EN)
    assert saved.status_code == 302, saved.get_data(as_text=True)
    product = db.session.scalar(select(Product).where(Product.gtin == data["gtin"]))
    assert product.category is ProductCategory.OCOP
    assert (product.ocop_stars, product.ocop_certificate_no) == (5, "7/OCOP")
    assert product.ocop_valid_from == dt.date(2025, 2, 1)


# --- the API: 422 in the one error shape, the field named ------------------------------------


def _bearer(make, user) -> dict:
    raw = make.token(user)
    db.session.commit()
    return {"Authorization": f"Bearer {raw}", **EN}


@pytest.mark.parametrize(
    ("url", "body", "field", "message"),
    [
        (
            "/api/v1/products/",
            {"category": "fruit"},
            "category",
            "Must be one of: ocop, key_product, agricultural, other.",
        ),
        ("/api/v1/products/", {"ocop_valid_from": "soon"}, "ocop_valid_from", "Not a valid date."),
        ("/api/v1/products/", {"name": "   "}, "name", "This field is required."),
        (
            "/api/v1/sites/",
            {"kind": "orchard"},
            "kind",
            "Must be one of: growing_area, farming_area, processing.",
        ),
        ("/api/v1/sites/", {"latitude": "north"}, "latitude", "Not a valid number."),
        ("/api/v1/batches/", {"product_id": "abc"}, "product_id", "Not a valid integer."),
    ],
)
def test_the_api_refuses_bad_values_naming_the_field(client, make, url, body, field, message):
    producer, owner = make.producer()
    product = make.product(producer, owner)
    headers = _bearer(make, owner)
    base = {
        "/api/v1/products/": {"gtin": factories.gtin(), "name": "Tiêu", "category": "other"},
        "/api/v1/sites/": {"name": "Vườn", "kind": "growing_area", "ward_code": "26188"},
        "/api/v1/batches/": {"product_id": product.id, "lot_code": "L1"},
    }[url]
    before = (count(Product), count(Site), count(Batch))
    response = client.post(url, json={**base, **body}, headers=headers)
    assert response.status_code == 422
    error = response.get_json()
    assert set(error) == {"code", "status", "message", "errors"}
    assert error["errors"]["json"][field] == [message]
    assert (count(Product), count(Site), count(Batch)) == before


def test_the_api_stores_what_its_schemas_parsed(client, make):
    _producer, owner = make.producer()
    headers = _bearer(make, owner)
    response = client.post(
        "/api/v1/sites/",
        json={"name": " Vườn ", "kind": "processing", "ward_code": "26188", "area_ha": 2.5},
        headers=headers,
    )
    assert response.status_code == 201, response.get_json()
    site = db.session.get(Site, response.get_json()["id"])
    assert (site.name, site.area_ha) == ("Vườn", Decimal("2.5"))
    assert response.get_json()["kind"] == "processing"
    query = client.get("/api/v1/producers/?kind=corporation", headers=headers)
    assert query.status_code == 422 and "kind" in query.get_json()["errors"]["query"]


def test_the_openapi_document_lists_each_enums_values(client):
    schemas = client.get("/api/openapi.json").get_json()["components"]["schemas"]
    category = schemas["ProductIn"]["properties"]["category"]
    assert category["enum"] == [m.value for m in ProductCategory]
    assert category["type"] == "string"
    assert schemas["ProducerIn"]["properties"]["kind"]["enum"] == [m.value for m in ProducerKind]
    assert schemas["PortalIn"]["properties"]["portal_state"]["enum"] == [
        m.value for m in PortalState
    ]
