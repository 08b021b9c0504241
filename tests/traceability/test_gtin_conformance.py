"""Every GTIN of the shared conformance data, through the API as a producer would send it."""

import json

import pytest

from core.extensions import db
from tests import factories
from tests.conftest import SHARED

VECTORS = SHARED / "conformance" / "gtin_check_digit_vectors.json"
EN = {"Accept-Language": "en"}


def _vectors():
    if not VECTORS.exists():
        return []
    return json.loads(VECTORS.read_text())["full_values"]


def _reason(value: str) -> str:
    """The phrase the English message must contain for this kind of mistake."""
    if value == "":
        return "Enter the GTIN"
    if not value.isdigit():
        return "digits only"
    if len(value) not in (8, 12, 13, 14):
        return "8, 12, 13 or 14 digits"
    return "check digit"


INVALID = [v["value"] for v in _vectors() if not v["valid"]]
# A valid check digit is not enough for a GTIN: it must also have a GTIN's length.
VALID = [v["value"] for v in _vectors() if v["valid"] and len(v["value"]) in (8, 12, 13, 14)]
NOT_A_GTIN_LENGTH = [
    v["value"] for v in _vectors() if v["valid"] and len(v["value"]) not in (8, 12, 13, 14)
]


@pytest.fixture
def producer_token(make):
    _producer, owner = make.producer()
    raw = make.token(owner)
    db.session.commit()
    return {"Authorization": f"Bearer {raw}", **EN}


def test_the_conformance_file_is_present():
    if not VECTORS.exists():
        pytest.skip(f"{VECTORS} not found: the shared conformance data is not beside the project")
    assert INVALID and VALID


@pytest.mark.parametrize("value", INVALID + NOT_A_GTIN_LENGTH, ids=repr)
def test_invalid_gtins_are_refused_naming_the_field_and_reason(client, producer_token, value):
    response = client.post(
        "/api/v1/products/",
        json={"gtin": value, "name": "Thử", "category": "agricultural"},
        headers=producer_token,
    )
    assert response.status_code == 422
    body = response.get_json()
    messages = body["errors"]["json"]["gtin"]
    assert any(_reason(value) in m for m in messages), messages
    assert body["message"].startswith("gtin:")


@pytest.mark.parametrize("value", VALID, ids=repr)
def test_valid_gtins_are_accepted_and_stored_as_14_digits(client, producer_token, value):
    response = client.post(
        "/api/v1/products/",
        json={"gtin": value, "name": "Thử", "category": "agricultural"},
        headers=producer_token,
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["gtin"] == value.rjust(14, "0")


def test_a_wrong_check_digit_names_the_right_one(client, producer_token):
    response = client.post(
        "/api/v1/products/",
        json={"gtin": "5901234123458", "name": "Thử", "category": "agricultural"},
        headers=producer_token,
    )
    assert response.status_code == 422, response.get_json()
    message = response.get_json()["errors"]["json"]["gtin"][0]
    assert "should be 7, not 8" in message


def test_a_gtin_outside_gs1_vietnam_is_allowed_with_a_warning(client, producer_token):
    foreign = client.post(
        "/api/v1/products/",
        json={"gtin": "5901234123457", "name": "Nhập khẩu", "category": "other"},
        headers=producer_token,
    ).get_json()
    assert any("893" in w for w in foreign["warnings"])
    local = client.post(
        "/api/v1/products/",
        json={"gtin": factories.gtin(), "name": "Nội địa", "category": "other"},
        headers=producer_token,
    ).get_json()
    assert not any("893" in w for w in local["warnings"])


def test_the_same_gtin_cannot_be_registered_twice(client, producer_token, make):
    other, other_user = make.producer()
    taken = factories.gtin()
    make.product(other, other_user, gtin=taken[1:])  # entered as GTIN-13, stored as GTIN-14
    db.session.commit()
    response = client.post(
        "/api/v1/products/",
        json={"gtin": taken, "name": "Trùng", "category": "other"},
        headers=producer_token,
    )
    assert response.status_code == 422
    assert "already registered" in response.get_json()["errors"]["json"]["gtin"][0]
