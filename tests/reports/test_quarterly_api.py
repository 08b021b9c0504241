"""The ward reports' API: the same state machine as the pages, the one error shape, officers
limited to their wards, and every operation in the OpenAPI document."""

from __future__ import annotations

import datetime as dt

import pytest

from core.accounts.models import Role
from core.db import province_today
from core.extensions import db
from reports.indicators.models import PeriodKind
from reports.indicators.periods import Period
from tests import factories
from tests.reports.test_quarterly_services import (
    NARRATIVE,
    OTHER_WARD,
    WARD,
    add_assessment,
    add_shop,
)

API = "/api/v1/ward-reports"


def quarter() -> Period:
    return Period.containing(PeriodKind.QUARTER, province_today())


@pytest.fixture
def tokens(app_ctx):
    users = {
        "officer": factories.user(Role.OFFICER, wards=(WARD,)),
        "officer_b": factories.user(Role.OFFICER, wards=(OTHER_WARD,)),
        "staff": factories.staff(),
    }
    db.session.commit()
    out = {name: {"Authorization": f"Bearer {factories.token(u)}"} for name, u in users.items()}
    db.session.commit()
    return out


def one(client, headers, method="GET", suffix="", ward=WARD, **kw):
    return client.open(
        f"{API}/{ward}/{quarter().key}{suffix}", method=method, headers=headers, **kw
    )


def test_the_whole_round_trip_and_illegal_moves(client, tokens):
    officer, staff = tokens["officer"], tokens["staff"]
    yesterday = province_today() - dt.timedelta(days=1)
    add_assessment(add_shop(), yesterday, best=True)
    add_assessment(add_shop(), yesterday, best=False)
    add_shop()
    db.session.commit()

    fresh = one(client, officer).get_json()
    assert (fresh["state"], fresh["figures_frozen"], fresh["activities"]) == (None, False, "")
    assert fresh["due_on"] == quarter().quarterly_due.isoformat()
    figures = {f["code"]: f for f in fresh["figures"]}
    assert figures["shops_active"]["value"] == 3
    assert figures["shops_assessed_share"] | {"name": ""} == {
        "code": "shops_assessed_share",
        "name": "",
        "unit": "percent",
        "numerator": 2,
        "denominator": 3,
        "value": 66.6667,
    }
    assert figures["digital_payment_share"]["value"] == 50

    blank = one(client, officer, "POST", "/submit")  # nothing written yet
    assert blank.status_code == 422
    assert set(blank.get_json()["errors"]["json"]) == {"activities", "difficulties", "proposals"}

    saved = one(client, officer, "PUT", json={"activities": " Khảo sát ", "difficulties": "Ít"})
    assert saved.status_code == 200
    assert (saved.get_json()["state"], saved.get_json()["activities"]) == ("draft", "Khảo sát")
    assert set(one(client, officer, "POST", "/submit").get_json()["errors"]["json"]) == {
        "proposals"
    }

    assert one(client, officer, "PUT", json=NARRATIVE).status_code == 200
    assert one(client, staff, "POST", "/accept").status_code == 409  # a draft
    sent = one(client, officer, "POST", "/submit")
    assert sent.status_code == 200
    body = sent.get_json()
    assert (body["state"], body["status"], body["figures_frozen"]) == (
        "submitted",
        "submitted",
        True,
    )
    assert body["snapshot_id"] is not None

    again = one(client, officer, "PUT", json=NARRATIVE)
    assert again.status_code == 409
    assert set(again.get_json()) == {"code", "status", "message", "errors"}
    english = one(client, officer, "PUT", json=NARRATIVE, query_string={"lang": "en"})
    assert "cannot be changed unless the Department sends it back" in english.get_json()["message"]
    assert one(client, officer, "POST", "/submit").status_code == 409

    add_shop()  # a record edited after submitting
    db.session.commit()
    frozen = {f["code"]: f["value"] for f in one(client, staff).get_json()["figures"]}
    assert frozen["shops_active"] == 3

    assert one(client, staff, "POST", "/return", json={}).status_code == 422
    blank_comment = one(client, staff, "POST", "/return", json={"comment": "  "})
    assert blank_comment.status_code == 422
    assert "comment" in blank_comment.get_json()["errors"]["json"]
    returned = one(client, staff, "POST", "/return", json={"comment": "Bổ sung số liệu."})
    assert returned.status_code == 200
    assert (returned.get_json()["state"], returned.get_json()["return_comment"]) == (
        "returned",
        "Bổ sung số liệu.",
    )
    assert one(client, staff, "POST", "/accept").status_code == 409  # returned, not submitted
    seen = one(client, officer).get_json()
    assert seen["return_comment"] == "Bổ sung số liệu." and seen["figures_frozen"] is False
    assert seen["figures"][0]["code"]  # live figures again, frozen at the next submission

    assert (
        one(client, officer, "PUT", json=NARRATIVE | {"proposals": "Thêm tập huấn"}).status_code
        == 200
    )
    assert one(client, officer, "POST", "/submit").status_code == 200
    accepted = one(client, staff, "POST", "/accept")
    assert accepted.status_code == 200 and accepted.get_json()["state"] == "accepted"
    assert one(client, staff, "POST", "/return", json={"comment": "Sai"}).status_code == 409


def test_officers_are_limited_to_their_wards(client, tokens):
    officer, other = tokens["officer"], tokens["officer_b"]
    assert one(client, other).status_code == 404
    assert one(client, other, "PUT", json=NARRATIVE).status_code == 404
    assert one(client, other, "POST", "/submit").status_code == 404
    assert one(client, officer, "POST", "/accept").status_code == 403
    assert one(client, tokens["staff"], "PUT", json=NARRATIVE).status_code == 403

    listed = client.get(f"{API}/", headers=officer).get_json()
    assert [(r["ward_code"], r["quarter"]) for r in listed] == [(WARD, quarter().key)]
    assert client.get(f"{API}/?ward={OTHER_WARD}", headers=officer).get_json() == []


def test_the_list_filters_by_quarter_ward_state_and_status(client, tokens):
    one(client, tokens["officer"], "PUT", json=NARRATIVE)
    one(client, tokens["officer"], "POST", "/submit")
    staff = tokens["staff"]
    everything = client.get(f"{API}/?quarter={quarter().key}", headers=staff).get_json()
    assert len(everything) == 95
    submitted = client.get(f"{API}/?state=submitted", headers=staff).get_json()
    assert [r["ward_code"] for r in submitted] == [WARD]
    assert submitted[0]["status"] == "submitted" and submitted[0]["late"] is False
    waiting = "late" if province_today() > quarter().quarterly_due else "not_due"
    assert len(client.get(f"{API}/?status={waiting}", headers=staff).get_json()) == 94
    ward = client.get(f"{API}/?ward={OTHER_WARD}", headers=staff).get_json()
    assert [(r["ward_code"], r["state"]) for r in ward] == [(OTHER_WARD, None)]
    before = client.get(f"{API}/?quarter={quarter().previous().key}&state=submitted", headers=staff)
    assert before.get_json() == []
    bad = client.get(f"{API}/?quarter=2026-13", headers=staff)
    assert bad.status_code == 422 and "quarter" in bad.get_json()["errors"]["query"]
    assert client.get(f"{API}/?colour=red", headers=staff).status_code == 422


def test_a_quarter_not_started_or_malformed(client, tokens):
    officer = tokens["officer"]
    future = quarter().next().key
    assert client.put(f"{API}/{WARD}/{future}", headers=officer, json=NARRATIVE).status_code == 409
    assert client.get(f"{API}/{WARD}/{future}", headers=officer).status_code == 409
    assert client.get(f"{API}/{WARD}/2026", headers=officer).status_code == 404


def test_every_operation_is_in_the_openapi_document(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    base = f"{API}/{{code}}/{{quarter_key}}"
    assert set(paths[f"{API}/"]) >= {"get"}
    assert set(paths[base]) >= {"get", "put"}
    for action in ("submit", "return", "accept"):
        assert "post" in paths[f"{base}/{action}"]
