"""The framework API: officers read the published versions, staff publish, problems as a 422."""

from __future__ import annotations

import pytest

from core.accounts.models import Role
from core.extensions import db
from retail.assessments import frameworks
from tests.retail.test_framework_checks import valid


@pytest.fixture
def people(make):
    staff, officer = make.staff(), make.user(Role.OFFICER, wards=("25993",))
    seed = frameworks.seed_default()
    draft = frameworks.create_draft(valid(), staff)
    tokens = {"staff": make.token(staff), "officer": make.token(officer)}
    db.session.commit()
    return {"seed": seed, "draft": draft, "tokens": tokens}


def call(client, people, role, method, url, body=None):
    headers = {"Authorization": f"Bearer {people['tokens'][role]}"}
    return client.open(url, method=method, json=body, headers=headers)


def test_officers_list_the_published_versions_only(client, people):
    response = call(client, people, "officer", "GET", "/api/v1/frameworks/")
    assert response.status_code == 200
    listed = response.get_json()
    assert [(f["key"], f["version"], f["state"]) for f in listed] == [("retail-dx", 1, "published")]
    assert listed[0]["is_current"] is True
    assert "document" not in listed[0]


def test_officers_read_a_published_version_with_its_questions_and_advice(client, people):
    seed = people["seed"]
    response = call(client, people, "officer", "GET", f"/api/v1/frameworks/{seed.id}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["document"] == seed.document
    first = body["document"]["pillars"][0]["questions"][0]["options"][0]
    assert first["advice"]["vi"].startswith("Đăng ký mã VietQR")


def test_a_draft_is_not_served(client, people):
    response = call(client, people, "staff", "GET", f"/api/v1/frameworks/{people['draft'].id}")
    assert response.status_code == 404


def test_staff_publish_a_document_as_the_next_version(client, people):
    document = valid() | {"key": "retail-dx"}
    response = call(client, people, "staff", "POST", "/api/v1/frameworks/", document)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["key"], body["version"], body["state"]) == ("retail-dx", 2, "published")
    assert body["is_current"] is True
    assert body["document"]["pillars"] == document["pillars"]
    current = call(client, people, "officer", "GET", "/api/v1/frameworks/?current=true")
    assert [f["version"] for f in current.get_json() if f["key"] == "retail-dx"] == [2]
    earlier = call(
        client, people, "officer", "GET", "/api/v1/frameworks/?key=retail-dx&current=false"
    )
    assert [f["version"] for f in earlier.get_json()] == [1]


def test_a_document_with_problems_is_a_422_listing_each(client, people):
    document = valid()
    document["pillars"][0]["weight"] = 10
    document["levels"][1]["min"] = 101
    response = call(client, people, "staff", "POST", "/api/v1/frameworks/?lang=en", document)
    assert response.status_code == 422
    body = response.get_json()
    assert set(body) == {"code", "status", "message", "errors"}
    assert body["errors"]["json"]["document"] == [
        "levels[1]: min 101 is above 100; totals run from 0 to 100",
        "pillars: the weights sum to 50, not 100; change them so that they add up to exactly 100",
    ]
    assert frameworks.versions("small") == [people["draft"]]  # nothing published


def test_problems_come_in_vietnamese_when_asked(client, people):
    document = valid()
    document["levels"][1]["min"] = 101
    response = call(client, people, "staff", "POST", "/api/v1/frameworks/?lang=vi", document)
    assert response.get_json()["errors"]["json"]["document"] == [
        "levels[1]: min 101 lớn hơn 100; tổng điểm chỉ từ 0 đến 100"
    ]


def test_a_body_that_is_not_an_object_is_refused(client, people):
    response = call(client, people, "staff", "POST", "/api/v1/frameworks/", [valid()])
    assert response.status_code == 422


def test_officers_may_not_publish(client, people):
    response = call(client, people, "officer", "POST", "/api/v1/frameworks/", valid())
    assert response.status_code == 403
    assert frameworks.current("small") is None


def test_the_operations_are_in_the_openapi_document(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/frameworks/"])
    assert "get" in paths["/api/v1/frameworks/{framework_id}"]
