"""/api/v1/rollout: the criterion (read; staff set it) and each ward's state."""

from __future__ import annotations

import datetime as dt

from core.accounts.models import Role
from core.audit import AuditEntry
from core.extensions import db
from tests import factories
from tests.retail.test_rollout_states import NOT_PLANNED, WARD, assessed_shops


def _headers(user) -> dict:
    token = factories.token(user)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_criterion_read_and_set_by_staff(client, app_ctx):
    assessed_shops(19, dt.date(2026, 4, 1))
    staff = _headers(factories.staff())
    got = client.get("/api/v1/rollout/criterion", headers=staff).get_json()
    assert (got["min_shops"], got["min_share_percent"]) == (20, None)
    put = client.put(
        "/api/v1/rollout/criterion",
        json={"min_shops": 19, "min_share_percent": 12.5},
        headers=staff,
    )
    assert put.status_code == 200, put.get_json()
    body = put.get_json()
    assert (body["min_shops"], body["min_share_percent"]) == (19, 12.5)
    assert body["wards_changed"] == [
        {
            "code": WARD,
            "name": "Phường Tân Triều",
            "state_before": "in_progress",
            "state_after": "deployed",
            "reached_on_before": None,
            "reached_on_after": "2026-04-19",
        }
    ]
    again = client.get("/api/v1/rollout/criterion", headers=staff).get_json()
    assert (again["min_shops"], again["min_share_percent"]) == (19, 12.5)
    entry = db.session.scalars(
        db.select(AuditEntry).where(AuditEntry.action == "rollout.criterion")
    ).one()
    assert entry.detail["after"] == {"min_shops": 19, "min_share_percent": "12.5"}


def test_criterion_refusals_name_the_field(client, app_ctx):
    staff = _headers(factories.staff())
    for body, field in (
        ({"min_shops": 0}, "min_shops"),
        ({"min_shops": 20, "min_share_percent": 12.345}, "min_share_percent"),
        ({"min_shops": 20, "min_share_percent": 0}, "min_share_percent"),
        ({"min_shops": 20, "min_share_percent": 100.5}, "min_share_percent"),
        ({"min_share_percent": 30}, "min_shops"),
    ):
        response = client.put("/api/v1/rollout/criterion", json=body, headers=staff)
        assert response.status_code == 422, (body, response.get_json())
        assert field in response.get_json()["errors"]["json"], body
    assert client.get("/api/v1/rollout/criterion", headers=staff).get_json()["min_shops"] == 20


def test_officers_may_read_but_not_set_the_criterion(client, app_ctx):
    officer = _headers(factories.user(Role.OFFICER, wards=(WARD,)))
    assert client.get("/api/v1/rollout/criterion", headers=officer).status_code == 200
    refused = client.put("/api/v1/rollout/criterion", json={"min_shops": 5}, headers=officer)
    assert refused.status_code == 403


def test_ward_states_filtered_and_scoped(client, app_ctx):
    assessed_shops(20, dt.date(2026, 4, 1))
    assessed_shops(3, dt.date(2026, 4, 1), NOT_PLANNED)
    staff = _headers(factories.staff())
    everything = client.get("/api/v1/rollout/wards", headers=staff).get_json()
    assert len(everything) == 95
    deployed = client.get("/api/v1/rollout/wards?state=deployed", headers=staff).get_json()
    assert [(w["code"], w["assessed_shops"], w["reached_on"]) for w in deployed] == [
        (WARD, 20, "2026-04-20")
    ]
    not_planned = client.get(
        "/api/v1/rollout/wards?rollout_phase=not_planned&state=in_progress", headers=staff
    ).get_json()
    assert [w["code"] for w in not_planned] == [NOT_PLANNED]
    bad = client.get("/api/v1/rollout/wards?state=finished", headers=staff)
    assert bad.status_code == 422
    officer = _headers(factories.user(Role.OFFICER, wards=(NOT_PLANNED,)))
    mine = client.get("/api/v1/rollout/wards", headers=officer).get_json()
    assert [w["code"] for w in mine] == [NOT_PLANNED]


def test_one_ward_progress(client, app_ctx):
    assessed_shops(7, dt.date(2026, 4, 1))
    staff = _headers(factories.staff())
    ward = client.get(f"/api/v1/rollout/wards/{WARD}", headers=staff).get_json()
    assert ward == {
        "code": WARD,
        "name": "Phường Tân Triều",
        "rollout_phase": "not_planned",
        "rollout_started_on": None,
        "state": "in_progress",
        "reached_on": None,
        "assessed_shops": 7,
        "registered_shops": 7,
        "needed_shops": 20,
    }
    assert client.get("/api/v1/rollout/wards/99999", headers=staff).status_code == 404


def test_rollout_is_in_the_openapi_document(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    assert {"get", "put"} <= set(paths["/api/v1/rollout/criterion"])
    assert "get" in paths["/api/v1/rollout/wards"]
    assert "get" in paths["/api/v1/rollout/wards/{code}"]
