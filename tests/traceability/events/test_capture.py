"""The capture interface: jobs, rollback and proceed, idempotence, limits, headers and problems.

Documents are built by hand about a staff import (staff may capture any event), so each rule is
seen alone; the producer's rights are in test_capture_rights.py.
"""

from __future__ import annotations

import copy
import json

import pytest
from sqlalchemy import func, select

from core.accounts.models import Role
from core.extensions import db
from tests import factories
from traceability.events import validation
from traceability.events.models import Capture, TraceEvent

CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
PROBLEM = "application/problem+json"


def event(serial: str, **fields) -> dict:
    body = {
        "type": "ObjectEvent",
        "action": "OBSERVE",
        "eventTime": "2026-11-02T08:00:00.000+07:00",
        "eventTimeZoneOffset": "+07:00",
        "epcList": [f"urn:epc:id:sgtin:0614141.107346.{serial}"],
        "bizStep": "shipping",
        "disposition": "in_transit",
        "readPoint": {"id": "urn:epc:id:sgln:0614141.07346.1234"},
    }
    body.update(fields)
    return body


def document(*events) -> dict:
    return {
        "@context": [CONTEXT, {"ex": "https://example.com/epcis/"}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-11-02T09:00:00.000+07:00",
        "epcisBody": {"eventList": list(events)},
    }


@pytest.fixture
def staff_token(app_ctx):
    token = factories.token(factories.staff())
    db.session.commit()
    return token


def auth(token: str, **headers) -> dict:
    return {"Authorization": f"Bearer {token}", **headers}


def post(client, token, doc, url="/api/epcis/capture", **headers):
    return client.post(url, json=doc, headers=auth(token, **headers))


def count_events() -> int:
    return db.session.scalar(select(func.count()).select_from(TraceEvent))


def job_of(client, token, response) -> dict:
    location = (
        response.headers.get("Location") or f"/api/epcis/capture/{response.json['captureID']}"
    )
    answer = client.get(location, headers=auth(token))
    assert answer.status_code == 200
    return answer.get_json()


def test_capture_answers_202_with_the_finished_job(client, staff_token):
    response = post(client, staff_token, document(event("1"), event("2")))
    assert response.status_code == 202, response.get_json()
    location = response.headers["Location"]
    assert location.startswith("/api/epcis/capture/")
    job = job_of(client, staff_token, response)
    assert job["captureID"] == location.rsplit("/", 1)[1]
    assert job["running"] is False and job["success"] is True
    assert job["captureErrorBehaviour"] == "rollback"
    assert job["createdAt"].endswith("Z") and job["finishedAt"].endswith("Z")
    assert (job["eventCount"], job["storedCount"], job["duplicateCount"]) == (2, 2, 0)
    assert count_events() == 2
    rows = db.session.scalars(select(TraceEvent)).all()
    capture = db.session.scalar(select(Capture).where(Capture.capture_id == job["captureID"]))
    assert {row.capture_pk for row in rows} == {capture.id}
    assert {row.source for row in rows} == {"api"}
    assert rows[0].context == [{"ex": "https://example.com/epcis/"}]


def test_rollback_stores_nothing_when_one_event_is_bad(client, staff_token):
    bad = event("2", bizStep="transforming")
    response = post(client, staff_token, document(event("1"), bad, event("3")))
    body = response.get_json()
    assert response.status_code == 400 and response.mimetype == PROBLEM
    assert body["type"] == "epcisException:ValidationException"
    assert body["instance"] == "/epcisBody/eventList/1/bizStep"
    assert "transforming" in body["detail"]
    assert [e["instance"] for e in body["errors"]] == ["/epcisBody/eventList/1/bizStep"]
    assert count_events() == 0
    job = job_of(client, staff_token, response)  # the job survives the rollback
    assert job["success"] is False and job["running"] is False
    assert job["captureErrorBehaviour"] == "rollback"
    assert (job["eventCount"], job["storedCount"]) == (3, 0)
    assert job["errors"][0]["instance"] == "/epcisBody/eventList/1/bizStep"


def test_proceed_stores_the_good_events_and_lists_the_bad(client, staff_token):
    bad = event("2", eventTimeZoneOffset="+07:10")
    doc = document(event("1"), bad, event("3"))
    response = post(client, staff_token, doc, **{"GS1-Capture-Error-Behaviour": "proceed"})
    assert response.status_code == 202, response.get_json()
    job = job_of(client, staff_token, response)
    assert job["success"] is False and job["captureErrorBehaviour"] == "proceed"
    assert (job["eventCount"], job["storedCount"]) == (3, 2)
    assert [e["instance"] for e in job["errors"]] == ["/epcisBody/eventList/1/eventTimeZoneOffset"]
    assert count_events() == 2


def test_capturing_again_stores_nothing_new(client, staff_token):
    doc = document(event("1"), event("2"))
    assert post(client, staff_token, doc).status_code == 202
    again = post(client, staff_token, copy.deepcopy(doc))
    assert again.status_code == 202
    job = job_of(client, staff_token, again)
    assert job["success"] is True
    assert (job["storedCount"], job["duplicateCount"]) == (0, 2)
    assert count_events() == 2


def test_a_document_that_repeats_an_event_stores_it_once(client, staff_token):
    response = post(client, staff_token, document(event("1"), event("1")))
    job = job_of(client, staff_token, response)
    assert (job["storedCount"], job["duplicateCount"]) == (1, 1)


def test_capture_limit(client, staff_token, app):
    app.config["EPCIS_CAPTURE_LIMIT"] = 2
    try:
        response = post(client, staff_token, document(event("1"), event("2"), event("3")))
    finally:
        app.config["EPCIS_CAPTURE_LIMIT"] = 10_000
    assert response.status_code == 413 and response.mimetype == PROBLEM
    assert response.json["type"] == "epcisException:CaptureLimitExceededException"
    assert response.headers["GS1-EPCIS-Capture-Limit"] == "2"
    assert count_events() == 0
    assert db.session.scalar(select(func.count()).select_from(Capture)) == 0


def test_file_size_limit_is_checked_before_parsing(client, staff_token, app):
    app.config["EPCIS_CAPTURE_FILE_SIZE_LIMIT"] = 1000
    try:
        response = client.post(
            "/api/epcis/capture",
            data=b"{" + b" " * 2000,  # not even JSON: refused for its size alone
            content_type="application/json",
            headers=auth(staff_token),
        )
    finally:
        app.config["EPCIS_CAPTURE_FILE_SIZE_LIMIT"] = 16 * 1024 * 1024
    assert response.status_code == 413 and response.mimetype == PROBLEM
    assert response.json["type"] == "epcisException:CaptureLimitExceededException"
    assert response.headers["GS1-EPCIS-Capture-File-Size-Limit"] == "1000"


def test_documents_larger_than_other_json_bodies_are_taken(client, staff_token, app):
    """The edge refuses API bodies above MAX_JSON_BYTES; capture has its own, larger limit."""
    note = "x" * (app.config["MAX_JSON_BYTES"] + 1000)
    response = post(client, staff_token, document(event("1", **{"ex:note": note})))
    assert response.status_code == 202, response.get_data(as_text=True)[:300]
    assert count_events() == 1


def test_options_and_every_answer_announce_the_limits(client, staff_token):
    options = client.options("/api/epcis/capture", headers=auth(staff_token))
    assert options.status_code == 204
    assert set(options.headers["Allow"].replace(" ", "").split(",")) == {"OPTIONS", "GET", "POST"}
    for response in (
        options,
        client.get("/api/epcis/capture", headers=auth(staff_token)),
        post(client, staff_token, document(event("1"))),
        post(client, staff_token, document(event("2", bizStep="nope"))),
    ):
        assert response.headers["GS1-EPCIS-Capture-Limit"] == "10000"
        assert response.headers["GS1-EPCIS-Capture-File-Size-Limit"] == str(16 * 1024 * 1024)
        assert response.headers["GS1-EPCIS-Version"] == "2.0.0"
        assert response.headers["GS1-CBV-Version"] == "2.0.0"


def test_error_behaviour_header_is_checked(client, staff_token):
    response = post(
        client, staff_token, document(event("1")), **{"GS1-Capture-Error-Behaviour": "all"}
    )
    assert response.status_code == 400 and response.mimetype == PROBLEM
    assert "rollback" in response.json["detail"] and "'all'" in response.json["detail"]
    assert count_events() == 0


def test_media_types(client, staff_token):
    raw = json.dumps(document(event("1")))
    plain = client.post(
        "/api/epcis/capture", data=raw, content_type="text/plain", headers=auth(staff_token)
    )
    assert plain.status_code == 415 and plain.mimetype == PROBLEM
    assert plain.json["type"] == "epcisException:UnsupportedMediaTypeException"
    linked = client.post(
        "/api/epcis/capture",
        data=raw,
        content_type="application/ld+json",
        headers=auth(staff_token),
    )
    assert linked.status_code == 202
    broken = client.post(
        "/api/epcis/capture", data="{", content_type="application/json", headers=auth(staff_token)
    )
    assert broken.status_code == 400 and broken.json["type"] == "epcisException:ValidationException"


def test_a_bare_event_is_not_a_document(client, staff_token):
    response = post(client, staff_token, {"@context": CONTEXT, **event("1")})
    assert response.status_code == 400
    assert response.json["instance"] == "/type"
    assert "/events" in response.json["detail"]


def test_post_events_captures_one_event(client, staff_token):
    single = {"@context": CONTEXT, **event("1")}
    response = post(client, staff_token, single, url="/api/epcis/events")
    assert response.status_code == 201, response.get_json()
    row = db.session.scalars(select(TraceEvent)).one()
    assert response.headers["Location"].startswith("/api/epcis/events/ni%3A%2F%2F%2Fsha-256%3B")
    assert response.json["eventID"] == row.event_id
    again = post(client, staff_token, single, url="/api/epcis/events")
    assert again.status_code == 409 and again.mimetype == PROBLEM
    assert again.json["type"] == "epcisException:ResourceAlreadyExistsException"
    assert again.headers["Location"] == response.headers["Location"]
    without_context = post(client, staff_token, event("2"), url="/api/epcis/events")
    assert without_context.status_code == 400
    assert without_context.json["instance"] == "/@context"
    assert count_events() == 1


def test_jobs_list_newest_first_with_pages(client, staff_token):
    ids = [
        post(client, staff_token, document(event(str(n)))).headers["Location"].rsplit("/", 1)[1]
        for n in range(3)
    ]
    first = client.get("/api/epcis/capture?perPage=2", headers=auth(staff_token))
    assert [job["captureID"] for job in first.json] == ids[::-1][:2]
    link = first.headers["Link"]
    assert link.endswith('>; rel="next"')
    second = client.get(link[1 : link.index(">")], headers=auth(staff_token))
    assert [job["captureID"] for job in second.json] == ids[:1]
    assert "Link" not in second.headers
    bad = client.get("/api/epcis/capture?nextPageToken=xyz", headers=auth(staff_token))
    assert bad.status_code == 400
    assert bad.json["type"] == "epcisException:QueryParameterException"
    unknown = client.get("/api/epcis/capture?EQ_bizStep=shipping", headers=auth(staff_token))
    assert unknown.status_code == 400


def test_unknown_job_is_404(client, staff_token):
    response = client.get("/api/epcis/capture/no-such-job", headers=auth(staff_token))
    assert response.status_code == 404 and response.mimetype == PROBLEM
    assert response.json["type"] == "epcisException:NoSuchResourceException"


def test_every_error_under_epcis_is_a_problem(client, app_ctx):
    anonymous = client.post("/api/epcis/capture", json=document(event("1")))
    assert anonymous.status_code == 401 and anonymous.mimetype == PROBLEM
    assert anonymous.headers["WWW-Authenticate"].startswith("Bearer")
    assert anonymous.json["type"] == "epcisException:SecurityException"
    unknown = client.get("/api/epcis/capture", headers=auth("dnt_not-a-token"))
    assert unknown.status_code == 401 and unknown.mimetype == PROBLEM
    officer = factories.token(factories.user(Role.OFFICER))
    staff = factories.token(factories.staff())
    db.session.commit()
    refused = client.get("/api/epcis/capture", headers=auth(officer))
    assert refused.status_code == 403 and refused.json["type"] == "epcisException:SecurityException"
    method = client.delete("/api/epcis/capture", headers=auth(staff))
    assert method.status_code == 405 and method.mimetype == PROBLEM
    assert method.json["type"] == "epcisException:MethodNotAllowedException"
    assert "POST" in method.headers["Allow"]
    assert method.headers["GS1-EPCIS-Version"] == "2.0.0"
    missing = client.get("/api/epcis/no-such-resource", headers=auth(staff))
    assert missing.status_code == 404 and missing.mimetype == PROBLEM
    # Elsewhere the app's own error shapes are untouched.
    other = client.get("/api/v1/no-such-resource", headers=auth(staff))
    assert other.status_code == 404 and set(other.json) == {"code", "status", "message", "errors"}
    page = client.get("/no-such-page", headers={"Accept": "text/html"})
    assert page.status_code == 404 and page.mimetype == "text/html"


def test_the_edges_refusals_are_problems_too(client, staff_token, app):
    nul = post(client, staff_token, document(event("1", **{"ex:note": "a\x00b"})))
    assert nul.status_code == 400 and nul.mimetype == PROBLEM
    assert nul.json["type"] == "epcisException:ValidationException"
    deep: dict = {}
    for _ in range(app.config["MAX_JSON_DEPTH"] + 1):
        deep = {"ex:inner": deep}
    nested = post(client, staff_token, document(event("2", **{"ex:deep": deep})))
    assert nested.status_code == 400 and nested.mimetype == PROBLEM
    assert count_events() == 0


def test_session_cookies_are_not_credentials(client, app_ctx):
    user = factories.staff()
    db.session.commit()
    client.login(user.email, factories.PASSWORD)
    assert client.get("/api/epcis/capture").status_code == 401


# The rules a schema cannot say (validation.validate_event on bare events).


def bare(**fields) -> dict:
    return {"@context": CONTEXT, **event("1", **fields)}


def instances(errors) -> list[str]:
    return [e["instance"] for e in errors]


def test_rules_accept_a_good_event():
    assert validation.validate_event(bare()) == []


@pytest.mark.parametrize(
    ("fields", "where"),
    [
        ({"eventTimeZoneOffset": "+07:10"}, "/eventTimeZoneOffset"),
        ({"eventTime": "2026-11-02T08:00:00.000+15:00"}, "/eventTime"),
        ({"epcList": ["urn:epc:id:sgtin:0614141.10734.1"]}, "/epcList/0"),  # one digit short
        ({"epcList": ["https://id.gs1.org/01/09520123456781/21/1"]}, "/epcList/0"),  # check digit
        (
            {"quantityList": [{"epcClass": "urn:epc:class:lgtin:0614141.10734.L1", "quantity": 1}]},
            "/quantityList/0/epcClass",
        ),
        ({"ex:unknown": 1, "weight": 2}, "/weight"),  # a field of no namespace
        ({"readPoint": {"id": "urn:epc:id:sgln:0614141.0734.1"}}, "/readPoint/id"),
        (
            {"bizTransactionList": [{"type": "invoice", "bizTransaction": "urn:x:1"}]},
            "/bizTransactionList/0/type",
        ),
        (
            {"destinationList": [{"type": "shop", "destination": "urn:x:shop"}]},
            "/destinationList/0/type",
        ),
    ],
)
def test_rules_refuse(fields, where):
    errors = validation.validate_event(bare(**fields), "/epcisBody/eventList/4")
    assert instances(errors) == ["/epcisBody/eventList/4" + where], errors
    assert errors[0]["type"] == "epcisException:ValidationException"
    assert errors[0]["detail"]


def test_rules_check_the_parent_id():
    aggregation = bare(type="AggregationEvent", parentID="urn:epc:id:sscc:0614141.12345")
    aggregation["childEPCs"] = aggregation.pop("epcList")
    aggregation["action"] = "ADD"
    assert instances(validation.validate_event(aggregation)) == ["/parentID"]
    aggregation["parentID"] = "urn:epc:id:sscc:0614141.1234567890"
    assert validation.validate_event(aggregation) == []


def test_rules_accept_uris_and_standard_words():
    fields = {
        "bizStep": "https://example.com/steps/harvesting",
        "disposition": "cbv:Disp-in_progress",
        "epcList": [
            "urn:epc:id:sgtin:0614141.107346.2017",
            "https://id.gs1.org/01/09520123456788/21/12345",
            "https://example.com/things/1",  # not a GS1 key: any URI is an identifier
        ],
        "bizTransactionList": [{"type": "po", "bizTransaction": "urn:x:po:1"}],
        "eventTimeZoneOffset": "+05:45",
    }
    assert validation.validate_event(bare(**fields)) == []


def test_real_offsets():
    assert validation.real_offset("+07:00") and validation.real_offset("-09:30")
    assert validation.real_offset("+14:00") and validation.real_offset("+05:45")
    assert not validation.real_offset("+14:30")
    assert not validation.real_offset("+07:10")
    assert not validation.real_offset("07:00")


def test_pointer_escapes():
    assert validation.pointer("a/b", "c~d", 3) == "/a~1b/c~0d/3"


def test_the_validator_is_built_once():
    assert validation._validator() is validation._validator()
    assert validation._event_validator() is validation._event_validator()
