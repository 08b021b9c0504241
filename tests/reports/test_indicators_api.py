"""The indicators API: definitions with targets, values with their standing, targets, snapshots."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from sqlalchemy import select

from core.accounts.models import Role
from core.audit import AuditEntry
from core.db import province_today
from core.extensions import db
from reports.indicators import definitions, snapshots, targets
from reports.indicators.models import PeriodKind, Snapshot, SnapshotKind
from reports.indicators.periods import Period
from tests import factories
from tests.reports import engine_data as data
from tests.reports.engine_data import TAN_TRIEU, TRANG_DAI


class World:
    def __init__(self):
        # Tân Triều: 4 shops, 3 assessed in February, 2 of them taking digital payment.
        for index in range(4):
            row = data.shop(TAN_TRIEU, "2026-01-05")
            if index < 3:
                data.assessment(row, "2026-02-10", flags={"takes_digital_payment": index < 2})
        self.february = snapshots.take(Period.parse("2026-02"))
        self.staff = factories.staff()
        self.officer = factories.user(Role.OFFICER, wards=(TAN_TRIEU,))
        db.session.commit()
        self.tokens = {
            "staff": factories.token(self.staff),
            "officer": factories.token(self.officer),
        }
        db.session.commit()

    def headers(self, who: str) -> dict:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


@pytest.fixture
def world(app_ctx):
    return World()


def by_indicator(values: list[dict]) -> dict[str, dict]:
    return {v["indicator"]: v for v in values}


def test_definitions_come_with_their_targets(client, world):
    targets.set_target("portal_listed_share", 2027, Decimal("40"), world.staff)
    db.session.commit()
    response = client.get("/api/v1/indicators", headers=world.headers("officer"))
    assert response.status_code == 200
    items = {item["code"]: item for item in response.get_json()}
    assert len(items) == len(definitions.all_indicators())
    listed = items["portal_listed_share"]
    assert (listed["unit"], listed["numerator"], listed["denominator"]) == (
        "percent",
        "products_portal_listed",
        "products_gtin",
    )
    years = {t["year"]: t for t in listed["targets"]}
    assert sorted(years) == [2026, 2027, 2030]
    assert (years[2026]["value"], years[2026]["is_default"]) == (35, True)
    assert (years[2027]["value"], years[2027]["is_default"]) == (40, False)
    assert years[2027]["default"] is None and years[2027]["updated_by"] == world.staff.full_name
    assert items["wards_started"]["targets"] == []


def test_a_wards_values_with_target_trajectory_and_standing(client, world):
    response = client.get(
        f"/api/v1/indicators/values?period=2026-02&scope=ward&key={TAN_TRIEU}",
        headers=world.headers("officer"),
    )
    assert response.status_code == 200
    body = response.get_json()
    assert (body["period"], body["as_of"], body["scope"], body["key"]) == (
        "2026-02",
        "2026-02-28",
        "ward",
        TAN_TRIEU,
    )
    assert body["snapshot"]["id"] == world.february.id
    assert body["snapshot"]["kind"] == "closing"
    values = by_indicator(body["values"])
    # 2 of 3 assessed shops pay digitally: 200/3 %. Target 90 % in 2026 from 0 on 31/12/2025:
    # on 28/2/2026 (day 59 of 365) the trajectory stands at 90 × 59/365 = 1062/73.
    paying = values["digital_payment_share"]
    expected = Fraction(1062, 73)
    assert paying["value"] == pytest.approx(float(Fraction(200, 3)))
    assert (paying["numerator"], paying["denominator"], paying["target"]) == (2, 3, 90)
    assert paying["expected"] == pytest.approx(float(expected))
    assert paying["gap"] == pytest.approx(float(Fraction(200, 3) - expected))
    assert paying["standing"] == "on_track"
    # 3 of 4 shops assessed: 75 %, no target.
    assessed = values["shops_assessed_share"]
    assert (assessed["value"], assessed["standing"], assessed["expected"]) == (
        75,
        "no_target",
        None,
    )
    # No product with a GTIN: no value, against a 35 % target (35 × 59/365 = 413/73 by then).
    listed = values["portal_listed_share"]
    assert listed["value"] is None and listed["standing"] == "no_data"
    assert listed["expected"] == pytest.approx(float(Fraction(413, 73)))
    assert values["shops_active"]["denominator"] is None


def test_a_category_gives_only_the_indicators_broken_down_by_it(client, world):
    response = client.get(
        "/api/v1/indicators/values?period=2026-02&category=ocop", headers=world.headers("staff")
    )
    assert response.status_code == 200
    codes = {v["indicator"] for v in response.get_json()["values"]}
    assert codes == {i.code for i in definitions.all_indicators() if i.by_category}


@pytest.mark.parametrize(
    "query",
    ["period=2026-02", f"period=2026-02&scope=ward&key={TRANG_DAI}", "scope=group&key=urban"],
)
def test_an_officer_reads_only_the_values_of_their_wards(client, world, query):
    response = client.get(f"/api/v1/indicators/values?{query}", headers=world.headers("officer"))
    assert response.status_code == 404
    assert "Cán bộ chỉ xem được các xã, phường mình phụ trách" in response.get_json()["message"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("period=2026-13", "period"),
        ("period=next", "period"),
        ("period=2099-01", "period"),  # not started yet
        ("scope=district&key=1", "scope"),
        ("scope=group&key=suburban", "key"),
        ("scope=ward&key=99999", "key"),
        ("scope=province&key=75", "key"),
        ("scope=ward", "key"),
        ("category=fish", "category"),
        ("ward=26188", "ward"),  # not a parameter of this operation
    ],
)
def test_bad_values_queries_are_422_in_the_one_error_shape(client, world, query, field):
    response = client.get(f"/api/v1/indicators/values?{query}", headers=world.headers("staff"))
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert set(body) == {"code", "status", "message", "errors"}
    assert field in body["errors"]["query"], body


def test_staff_set_and_reset_a_target(client, world):
    url = "/api/v1/indicators/portal_listed_share/targets/2028"
    saved = client.put(url, json={"value": 52.5}, headers=world.headers("staff"))
    assert saved.status_code == 200
    years = {t["year"]: t for t in saved.get_json()["targets"]}
    assert (years[2028]["value"], years[2028]["is_default"]) == (52.5, False)
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "indicator.target_set")
    ).one()
    assert entry.actor_id == world.staff.id
    assert (entry.detail["year"], entry.detail["after"]) == (2028, "52.5")
    listed = client.get(
        "/api/v1/indicators/portal_listed_share/targets", headers=world.headers("staff")
    ).get_json()
    assert [t["year"] for t in listed["targets"]] == [2026, 2028, 2030]
    assert client.delete(url, headers=world.headers("staff")).status_code == 204
    again = client.delete(url, headers=world.headers("staff"))
    assert again.status_code == 404 and set(again.get_json()) >= {"code", "message"}
    listed = client.get(
        "/api/v1/indicators/portal_listed_share/targets", headers=world.headers("staff")
    ).get_json()
    assert [t["year"] for t in listed["targets"]] == [2026, 2030]


@pytest.mark.parametrize(
    ("body", "field"),
    [({"value": 120}, "value"), ({"value": -1}, "value"), ({}, "value"), ({"value": "x"}, "value")],
)
def test_a_bad_target_is_a_422(client, world, body, field):
    url = "/api/v1/indicators/portal_listed_share/targets/2028"
    response = client.put(url, json=body, headers=world.headers("staff"))
    assert response.status_code == 422
    assert field in response.get_json()["errors"]["json"]


def test_a_target_year_out_of_range_and_an_unknown_indicator(client, world):
    year = client.put(
        "/api/v1/indicators/portal_listed_share/targets/2040",
        json={"value": 50},
        headers=world.headers("staff"),
    )
    assert year.status_code == 422 and "year" in year.get_json()["errors"]["json"]
    unknown = client.get("/api/v1/indicators/nothing/targets", headers=world.headers("staff"))
    assert unknown.status_code == 404


def test_snapshots_are_listed_and_taken(client, world):
    listed = client.get(
        "/api/v1/indicators/snapshots?period=2026-02", headers=world.headers("officer")
    )
    assert listed.status_code == 200
    assert [(s["id"], s["kind"], s["as_of"]) for s in listed.get_json()] == [
        (world.february.id, "closing", "2026-02-28")
    ]
    running = Period.containing(PeriodKind.MONTH, province_today())
    taken = client.post(
        "/api/v1/indicators/snapshots", json={"period": running.key}, headers=world.headers("staff")
    )
    assert taken.status_code == 201
    body = taken.get_json()
    assert (body["period"], body["kind"], body["as_of"]) == (
        running.key,
        "current",
        province_today().isoformat(),
    )
    row = db.session.get(Snapshot, body["id"])
    assert row.taken_by_id == world.staff.id
    months = client.get(
        "/api/v1/indicators/snapshots?period_kind=month", headers=world.headers("staff")
    ).get_json()
    assert [s["period"] for s in months] == [running.key, "2026-02"]  # newest first


def test_a_finished_period_is_closed_once(client, world):
    march = client.post(
        "/api/v1/indicators/snapshots", json={"period": "2026-03"}, headers=world.headers("staff")
    )
    assert march.status_code == 201 and march.get_json()["kind"] == "closing"
    again = client.post(
        "/api/v1/indicators/snapshots", json={"period": "2026-03"}, headers=world.headers("staff")
    )
    assert again.status_code == 409
    closing = snapshots.latest(Period.parse("2026-03"), (SnapshotKind.CLOSING,))
    assert closing.id == march.get_json()["id"]


@pytest.mark.parametrize("period", ["2026-14", "2099-01", ""])
def test_a_bad_snapshot_period_is_a_422(client, world, period):
    response = client.post(
        "/api/v1/indicators/snapshots", json={"period": period}, headers=world.headers("staff")
    )
    assert response.status_code == 422
    assert "period" in response.get_json()["errors"]["json"]


def test_the_operations_are_in_the_openapi_document(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    for path in (
        "/api/v1/indicators",
        "/api/v1/indicators/values",
        "/api/v1/indicators/{code}/targets",
        "/api/v1/indicators/{code}/targets/{year}",
        "/api/v1/indicators/snapshots",
        "/api/v1/open-data/indicators",
    ):
        assert path in paths, path
    assert paths["/api/v1/open-data/indicators"]["get"]["security"] == []
    assert set(paths["/api/v1/indicators/{code}/targets/{year}"]) >= {"put", "delete"}
