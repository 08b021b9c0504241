"""X-Pagination carries JSON text, and the OpenAPI document says so (content, not a schema)."""

import json

from jsonschema import validate

from core.extensions import db


def test_the_pagination_header_matches_its_documented_schema(client, make):
    producer, owner = make.producer()
    for _ in range(3):
        make.product(producer, owner)
    raw = make.token(owner)
    db.session.commit()
    spec = client.get("/api/openapi.json").get_json()
    header = spec["components"]["headers"]["PAGINATION"]
    assert "schema" not in header  # a header "object" would be sent as total,3,page,1
    documented = header["content"]["application/json"]["schema"]
    name = documented["$ref"].rsplit("/", 1)[1]

    response = client.get(
        "/api/v1/products/?page=2&page_size=2", headers={"Authorization": f"Bearer {raw}"}
    )
    assert response.status_code == 200
    sent = json.loads(response.headers["X-Pagination"])
    validate(sent, {**spec["components"]["schemas"][name], "additionalProperties": False})
    assert sent == {
        "total": 3,
        "total_pages": 2,
        "first_page": 1,
        "last_page": 2,
        "page": 2,
        "previous_page": 1,
    }


def test_a_page_past_what_an_offset_can_hold_is_empty(client, make):
    _producer, owner = make.producer()
    raw = make.token(owner)
    db.session.commit()
    response = client.get(
        "/api/v1/products/?page=374603543784106756145152",
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert response.status_code == 200
    assert response.get_json() == []
