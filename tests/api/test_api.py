"""The JSON API: OpenAPI document, one error shape, validation, pagination and filters."""

from openapi_spec_validator import validate

from core.extensions import db
from tests import factories

EN = {"Accept-Language": "en"}


def _auth(make, user):
    raw = make.token(user)
    db.session.commit()
    return {"Authorization": f"Bearer {raw}", **EN}


def test_openapi_document_is_valid_and_describes_every_route(client, app):
    spec = client.get("/api/openapi.json").get_json()
    validate(spec)
    assert spec["openapi"].startswith("3.")
    documented = {
        (method.upper(), path)
        for path, ops in spec["paths"].items()
        for method in ops
        if method in ("get", "post", "put", "patch", "delete")
    }
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = rule.rule.replace("<int:", "{").replace("<", "{").replace(">", "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (method, path) in documented, f"{method} {path} is not in the OpenAPI document"
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_swagger_ui_is_served_with_its_own_assets(client):
    import re

    html = client.get("/api/docs").get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="(/static/swagger-ui/[^"]+)"', html)
    assert len(assets) == 3, html
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200, asset
        response.close()


def test_validation_errors_name_each_field(client, make):
    _producer, owner = make.producer()
    headers = _auth(make, owner)
    response = client.post(
        "/api/v1/products/",
        headers=headers,
        json={"name": "X", "category": "fruit", "ocop_stars": "many", "colour": "red"},
    )
    assert response.status_code == 422
    body = response.get_json()
    assert set(body) == {"code", "status", "message", "errors"}
    assert (body["code"], body["status"]) == (422, "Unprocessable Entity")
    fields = body["errors"]["json"]
    assert {"gtin", "category", "ocop_stars", "colour"} <= set(fields)


def test_unknown_routes_and_methods_answer_in_the_error_shape(client, make):
    _producer, owner = make.producer()
    headers = _auth(make, owner)
    missing = client.get("/api/v1/nothing-here", headers=headers)
    assert missing.status_code == 404 and missing.get_json()["code"] == 404
    wrong = client.put("/api/v1/products/", headers=headers, json={})
    assert wrong.status_code == 405 and wrong.get_json()["status"] == "Method Not Allowed"
    gone = client.get("/api/v1/products/999999", headers=headers)
    assert gone.status_code == 404 and set(gone.get_json()) == {
        "code",
        "status",
        "message",
        "errors",
    }


def test_lists_are_paginated_and_filtered(client, make):
    producer, owner = make.producer()
    for n in range(5):
        make.product(producer, owner, name=f"Sản phẩm {n}")
    submitted = make.product(producer, owner, name="Đã gửi")
    from traceability.registry import services

    services.submit_product(submitted, owner)
    headers = _auth(make, owner)
    page = client.get("/api/v1/products/?page=2&page_size=2", headers=headers)
    meta = page.headers["X-Pagination"]
    assert '"total": 6' in meta and '"page": 2' in meta
    assert len(page.get_json()) == 2
    filtered = client.get("/api/v1/products/?review_state=submitted", headers=headers).get_json()
    assert [p["name"] for p in filtered] == ["Đã gửi"]
    by_gtin = client.get(f"/api/v1/products/?gtin={submitted.gtin[1:]}", headers=headers).get_json()
    assert [p["id"] for p in by_gtin] == [submitted.id]
    bad = client.get("/api/v1/products/?review_state=maybe", headers=headers)
    assert bad.status_code == 422 and "review_state" in bad.get_json()["errors"]["query"]


def test_a_producers_token_sees_only_its_own_rows(client, make):
    mine, me = make.producer()
    theirs, them = make.producer()
    make.product(mine, me, name="Của tôi")
    make.product(theirs, them, name="Của họ")
    headers = _auth(make, me)
    names = [p["name"] for p in client.get("/api/v1/products/", headers=headers).get_json()]
    assert names == ["Của tôi"]
    producers = client.get("/api/v1/producers/", headers=headers).get_json()
    assert [p["id"] for p in producers] == [mine.id]


def test_staff_create_products_for_a_named_producer(client, make):
    producer, _owner = make.producer()
    headers = _auth(make, make.staff())
    response = client.post(
        "/api/v1/products/",
        headers=headers,
        json={
            "producer_id": producer.id,
            "gtin": factories.gtin(),
            "name": "Nhập thay",
            "category": "other",
        },
    )
    assert response.status_code == 201
    assert response.get_json()["producer_id"] == producer.id


def test_a_producers_token_cannot_add_to_another_producer(client, make):
    _mine, me = make.producer()
    theirs, _them = make.producer()
    response = client.post(
        "/api/v1/products/",
        headers=_auth(make, me),
        json={
            "producer_id": theirs.id,
            "gtin": factories.gtin(),
            "name": "Giả mạo",
            "category": "other",
        },
    )
    assert response.status_code == 403


def test_the_review_workflow_over_the_api(client, make):
    _producer, owner = make.producer()
    staff = make.staff()
    as_owner, as_staff = _auth(make, owner), _auth(make, staff)
    created = client.post(
        "/api/v1/products/",
        headers=as_owner,
        json={"gtin": factories.gtin(), "name": "Tiêu đen", "category": "agricultural"},
    ).get_json()
    pid = created["id"]
    assert created["review_state"] == "draft"
    assert (
        client.post(f"/api/v1/products/{pid}/submit", headers=as_owner).get_json()["review_state"]
        == "submitted"
    )
    rejected = client.post(
        f"/api/v1/products/{pid}/reject", headers=as_staff, json={"reason": "Thiếu ảnh"}
    )
    assert rejected.get_json()["rejection_reason"] == "Thiếu ảnh"
    client.post(f"/api/v1/products/{pid}/submit", headers=as_owner)
    verified = client.post(f"/api/v1/products/{pid}/verify", headers=as_staff).get_json()
    assert verified["review_state"] == "verified"
    listed = client.put(
        f"/api/v1/products/{pid}/portal",
        headers=as_staff,
        json={"portal_state": "listed", "portal_reference": "TXNG-0001"},
    )
    assert listed.get_json()["portal_state"] == "listed"


def test_messages_follow_accept_language(client, make):
    _producer, owner = make.producer()
    headers = _auth(make, owner)
    headers_vi = dict(headers, **{"Accept-Language": "vi"})
    body = {"gtin": "123", "name": "X", "category": "other"}
    en = client.post("/api/v1/products/", headers=headers, json=body).get_json()
    vi = client.post("/api/v1/products/", headers=headers_vi, json=body).get_json()
    assert "digits" in en["errors"]["json"]["gtin"][0]
    assert en["errors"]["json"]["gtin"] != vi["errors"]["json"]["gtin"]
