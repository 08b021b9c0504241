"""The assessments API: the same rules and error shape as the pages, in the OpenAPI document."""

from __future__ import annotations

import datetime as dt

import pytest

from core.accounts.models import Role
from core.extensions import db
from retail.assessments import frameworks, scoring
from tests import factories
from tests.retail.test_assessments_services import (
    OTHER_WARD,
    WARD,
    answers_where_best,
    assessed,
    make_shop,
)

BASE = "/api/v1/assessments"


@pytest.fixture
def officer(app_ctx):
    return factories.user(Role.OFFICER, wards=(WARD,))


@pytest.fixture
def document(app_ctx):
    return frameworks.seed_default().document


@pytest.fixture
def shop(officer, document):
    shop = make_shop(officer)
    db.session.commit()
    return shop


@pytest.fixture
def headers(officer):
    token = factories.token(officer)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def error_shape(response) -> dict:
    body = response.get_json()
    assert set(body) == {"code", "status", "message", "errors"}, body
    assert body["code"] == response.status_code
    return body


def test_an_assessment_through_the_api(client, headers, shop, document):
    created = client.post(f"{BASE}/", json={"shop_id": shop.id}, headers=headers)
    assert created.status_code == 201
    draft = created.get_json()
    assert draft["state"] == "draft" and draft["shop_id"] == shop.id
    assert draft["framework"]["key"] == document["key"]
    again = client.post(f"{BASE}/", json={"shop_id": shop.id}, headers=headers)
    assert again.get_json()["id"] == draft["id"]  # one open draft per shop

    answers = answers_where_best(document, "infrastructure", "data")
    patched = client.patch(f"{BASE}/{draft['id']}", json={"answers": answers}, headers=headers)
    assert patched.status_code == 200
    assert patched.get_json()["answers"] == answers

    submitted = client.post(f"{BASE}/{draft['id']}/submit", headers=headers)
    assert submitted.status_code == 200
    body = submitted.get_json()
    expected = scoring.score(document, answers).as_json()
    assert body["state"] == "submitted"
    assert body["pillar_scores"] == expected["pillars"]
    assert body["total"] == expected["total"] and body["level"] == expected["level"]
    assert body["flags"] == expected["flags"]
    assert body["assessed_on"] is not None

    verified = client.post(f"{BASE}/{draft['id']}/verify", headers=headers)
    assert verified.status_code == 200 and verified.get_json()["state"] == "verified"
    refused = client.patch(
        f"{BASE}/{draft['id']}", json={"answers": {"cashless_methods": 4}}, headers=headers
    )
    assert refused.status_code == 409
    error_shape(refused)

    correction = client.post(f"{BASE}/{draft['id']}/correct", headers=headers)
    assert correction.status_code == 201
    assert correction.get_json()["corrects_id"] == draft["id"]
    assert correction.get_json()["answers"] == answers


def test_submitting_an_incomplete_draft_names_the_pillars_left(client, headers, shop, document):
    draft = client.post(f"{BASE}/", json={"shop_id": shop.id}, headers=headers).get_json()
    answers = answers_where_best(document)
    del answers["plan"]
    client.patch(f"{BASE}/{draft['id']}", json={"answers": answers}, headers=headers)
    response = client.post(f"{BASE}/{draft['id']}/submit", headers=headers)
    assert response.status_code == 422
    body = error_shape(response)
    assert list(body["errors"]["json"]) == ["strategy"]


@pytest.mark.parametrize(
    "body",
    [
        {"answers": {"cashless_methods": "2"}},  # strings are not option values
        {"answers": {"cashless_methods": 9}},
        {"answers": {"einvoice": 1}, "step": 1},  # another pillar's question
        {"answers": {"cashless_methods": 1}, "step": 99},
        {"step": 1},
        {"answers": {"cashless_methods": 1}, "extra": True},
    ],
)
def test_answers_that_are_not_options_are_refused(client, headers, shop, body):
    draft = client.post(f"{BASE}/", json={"shop_id": shop.id}, headers=headers).get_json()
    response = client.patch(f"{BASE}/{draft['id']}", json=body, headers=headers)
    assert response.status_code == 422
    error_shape(response)
    assert client.get(f"{BASE}/{draft['id']}", headers=headers).get_json()["answers"] == {}


def test_the_list_per_shop(client, headers, shop, officer, document):
    other = make_shop(officer)
    mine = assessed(shop, answers_where_best(document), officer, dt.date(2026, 3, 1))
    theirs = assessed(other, answers_where_best(document), officer, dt.date(2026, 3, 2))
    db.session.commit()
    listed = client.get(f"{BASE}/?shop_id={shop.id}", headers=headers)
    assert [a["id"] for a in listed.get_json()] == [mine.id]
    everything = client.get(f"{BASE}/", headers=headers).get_json()
    assert {a["id"] for a in everything} >= {mine.id, theirs.id}
    drafts = client.get(f"{BASE}/?state=draft", headers=headers).get_json()
    assert mine.id not in {a["id"] for a in drafts}


def test_an_officer_of_another_ward_sees_nothing_of_the_shop(client, shop, officer, document):
    done = assessed(shop, answers_where_best(document), officer, dt.date(2026, 3, 1))
    stranger = factories.user(Role.OFFICER, wards=(OTHER_WARD,))
    token = factories.token(stranger)
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get(f"{BASE}/", headers=headers).get_json() == []
    for response in (
        client.get(f"{BASE}/?shop_id={shop.id}", headers=headers),
        client.get(f"{BASE}/{done.id}", headers=headers),
        client.post(f"{BASE}/", json={"shop_id": shop.id}, headers=headers),
    ):
        assert response.status_code == 404
        error_shape(response)


def test_an_unknown_query_parameter_is_refused(client, headers):
    response = client.get(f"{BASE}/?ward=26188", headers=headers)
    assert response.status_code == 422
    error_shape(response)


def test_the_operations_are_in_the_openapi_document(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    assert {"get", "post"} <= set(paths[f"{BASE}/"])
    assert {"get", "patch"} <= set(paths[f"{BASE}/{{assessment_id}}"])
    for action in ("submit", "verify", "correct"):
        assert "post" in paths[f"{BASE}/{{assessment_id}}/{action}"]
