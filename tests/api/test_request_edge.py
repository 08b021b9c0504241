"""The API and request edge answer every odd input with a 4xx in the one error shape, never 500.

From the fuzz run of the security review: ids above the database's INTEGER, NUL characters and
lone surrogates, dates at the ends of the calendar, JSON nested 100,000 deep, unknown query
parameters. Each is refused at one place (core/edge.py, core/fields.py, api/auth.py).
"""

import json

import pytest

from core.extensions import db
from core.fields import INT_MAX
from tests import factories

EN = {"Accept-Language": "en"}
SHAPE = {"code", "status", "message", "errors"}


def _auth(make, user) -> dict:
    raw = make.token(user)
    db.session.commit()
    return {"Authorization": f"Bearer {raw}", **EN}


@pytest.fixture
def owner_headers(make):
    _producer, owner = make.producer()
    return _auth(make, owner)


@pytest.fixture
def staff_headers(make):
    return _auth(make, make.staff())


def _error(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    body = response.get_json()
    assert set(body) == SHAPE
    assert body["code"] == status
    return body


# Unknown query parameters ------------------------------------------------------------------


def test_an_unknown_query_parameter_is_refused_naming_it(client, owner_headers):
    body = _error(client.get("/api/v1/wards/?phase=2&colour=red", headers=owner_headers), 422)
    assert set(body["errors"]["query"]) == {"colour", "phase"}
    assert "colour" in body["message"] and "phase" in body["message"]


def test_an_operation_without_filters_refuses_any_query_parameter(client, make, owner_headers):
    body = _error(client.get("/api/v1/products/1?expand=all", headers=owner_headers), 422)
    assert set(body["errors"]["query"]) == {"expand"}


def test_documented_filters_pagination_and_language_are_accepted(client, owner_headers):
    response = client.get("/api/v1/products/?q=x&page=1&page_size=5&lang=vi", headers=owner_headers)
    assert response.status_code == 200, response.get_json()
    assert (
        client.get("/api/v1/wards/?rollout_phase=pilot_2026", headers=owner_headers).status_code
        == 200
    )


def test_unknown_parameters_are_checked_after_the_token(client):
    assert client.get("/api/v1/products/?phase=1", headers=EN).status_code == 401


# Integers above the database's INTEGER -----------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/api/v1/products/99999999999", f"/api/v1/batches/{INT_MAX + 1}", "/api/v1/stamps/2147483648"],
)
def test_an_id_above_int_max_in_an_api_path_is_not_found(client, staff_headers, path):
    _error(client.get(path, headers=staff_headers), 404)


def test_the_largest_id_is_still_looked_up(client, staff_headers):
    _error(client.get(f"/api/v1/products/{INT_MAX}", headers=staff_headers), 404)


def test_an_id_above_int_max_in_a_page_path_is_not_found(client, make):
    _producer, owner = make.producer()
    db.session.commit()
    client.login(owner.email, factories.PASSWORD)
    response = client.get("/products/99999999999")
    assert response.status_code == 404
    assert "text/html" in response.content_type


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/batches/?product_id=99999999999",
        "/api/v1/products/?producer_id=2147483648",
        "/api/v1/stamp-orders/?batch_id=-99999999999",
        "/api/v1/scans/stats?product_id=99999999999",
        "/api/v1/counterfeit-reports/?stamp_id=99999999999",
    ],
)
def test_an_integer_filter_above_int_max_is_refused(client, staff_headers, path):
    body = _error(client.get(path, headers=staff_headers), 422)
    assert body["errors"]["query"]


def test_an_integer_above_int_max_in_a_body_is_refused(client, owner_headers):
    response = client.post(
        "/api/v1/batches/",
        headers=owner_headers,
        json={"product_id": 1099511627776, "lot_code": "L1"},
    )
    body = _error(response, 422)
    assert "product_id" in body["errors"]["json"]


# NUL characters and lone surrogates --------------------------------------------------------


def test_a_nul_in_a_json_text_field_is_refused(client, owner_headers):
    response = client.post(
        "/api/v1/products/",
        headers=owner_headers,
        json={"gtin": "08938501234560", "name": "a\u0000b", "category": "other"},
    )
    body = _error(response, 400)
    assert "name" in body["errors"]["json"]


def test_a_lone_surrogate_in_a_json_body_is_refused(client, owner_headers):
    raw = '{"gtin": "08938501234560", "name": "\\ud800", "category": "other"}'
    response = client.post(
        "/api/v1/products/",
        headers={**owner_headers, "Content-Type": "application/json"},
        data=raw,
    )
    body = _error(response, 400)
    assert "name" in body["errors"]["json"]


def test_a_nul_deep_in_a_json_list_is_refused(client, owner_headers):
    response = client.post(
        "/api/v1/sites/",
        headers=owner_headers,
        json={"name": "S", "kind": "growing_area", "ward_code": "26188", "certifications": ["\0"]},
    )
    assert "certifications" in _error(response, 400)["errors"]["json"]


def test_paired_surrogates_are_ordinary_text(client, owner_headers):
    gtin = factories.gtin()
    raw = '{"gtin": "' + gtin + '", "name": "Xoai \\ud83e\\udd6d", "category": "other"}'
    response = client.post(
        "/api/v1/products/",
        headers={**owner_headers, "Content-Type": "application/json"},
        data=raw,
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["name"] == "Xoai \U0001f96d"


def test_a_nul_in_the_query_string_is_refused(client, owner_headers):
    body = _error(client.get("/api/v1/products/?q=%00", headers=owner_headers), 400)
    assert body["errors"] == {"query": {"q": [body["message"]]}}


def test_a_nul_in_a_path_is_refused(client, owner_headers):
    _error(client.get("/api/v1/wards/26%0088", headers=owner_headers), 400)


def test_a_nul_in_a_page_form_gets_the_friendly_error_page(client, make):
    _producer, owner = make.producer()
    db.session.commit()
    client.login(owner.email, factories.PASSWORD)
    response = client.submit(
        "/sites/new",
        {"name": "Vườn\x00", "kind": "growing_area", "ward_code": "26188"},
        token_from="/sites/new",
    )
    assert response.status_code == 400
    assert "text/html" in response.content_type
    assert "<html" in response.get_data(as_text=True)


def test_a_nul_on_the_public_report_page_is_refused(client):
    response = client.get("/report/status?reference=AB%00CD")
    assert response.status_code == 400
    assert "text/html" in response.content_type


# Dates at the ends of the calendar ---------------------------------------------------------


@pytest.mark.parametrize("query", ["date_to=9999-12-31", "date_from=0001-01-01"])
def test_dates_out_of_range_are_refused(client, staff_headers, query):
    body = _error(client.get(f"/api/v1/scans/stats?{query}", headers=staff_headers), 422)
    assert body["errors"]["query"]


def test_dates_in_range_are_accepted(client, staff_headers):
    response = client.get(
        "/api/v1/scans/stats?date_from=1900-01-01&date_to=2999-12-31", headers=staff_headers
    )
    assert response.status_code == 200, response.get_json()


# JSON bodies -------------------------------------------------------------------------------


def test_json_nested_100000_levels_deep_is_refused_before_parsing(client, owner_headers):
    raw = "[" * 100_000 + "]" * 100_000
    response = client.post(
        "/api/v1/products/",
        headers={**owner_headers, "Content-Type": "application/json"},
        data=raw,
    )
    _error(response, 400)


def test_brackets_inside_strings_do_not_count_as_nesting(client, owner_headers):
    name = "[" * 150 + '\\"{'
    raw = json.dumps({"gtin": factories.gtin(), "name": name, "category": "other"})
    response = client.post(
        "/api/v1/products/",
        headers={**owner_headers, "Content-Type": "application/json"},
        data=raw,
    )
    assert response.status_code == 201, response.get_json()


def test_a_json_body_over_the_limit_is_refused(client, app, owner_headers):
    raw = json.dumps({"name": "x" * app.config["MAX_JSON_BYTES"]})
    response = client.post(
        "/api/v1/products/",
        headers={**owner_headers, "Content-Type": "application/json"},
        data=raw,
    )
    _error(response, 413)


# Lists -------------------------------------------------------------------------------------


def test_a_list_longer_than_its_maximum_is_refused_by_the_schema(client, owner_headers):
    response = client.post(
        "/api/v1/products/",
        headers=owner_headers,
        json={
            "gtin": "08938501234560",
            "name": "N",
            "category": "other",
            "standards": [f"S{i}" for i in range(100_000)],
        },
    )
    body = _error(response, 422)
    assert "standards" in body["errors"]["json"]


def test_list_maximums_are_documented(client):
    schemas = client.get("/api/openapi.json").get_json()["components"]["schemas"]
    assert schemas["ProductIn"]["properties"]["standards"]["maxItems"] == 12
    assert schemas["SiteIn"]["properties"]["certifications"]["maxItems"] == 12
