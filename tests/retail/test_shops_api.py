"""The shops API: filters, registering with 409 for duplicates and similar shops, changes,
closing, merging, and officers kept to their wards."""

from __future__ import annotations

import datetime as dt

import pytest

from core.accounts.models import Role
from core.extensions import db
from retail.assessments import frameworks
from retail.assessments.models import Assessment, AssessmentState
from retail.shops import services
from retail.shops.models import Shop, ShopKind, ShopState
from tests import factories

WARD = "26188"  # Phường Tân Triều
OTHER_WARD = "25993"  # Phường Trảng Dài


class World:
    def __init__(self):
        self.officer = factories.user(Role.OFFICER, wards=(WARD,))
        self.officer_b = factories.user(Role.OFFICER, wards=(OTHER_WARD,))
        self.staff = factories.staff()
        self.here = services.create_shop(
            {
                "name": "Tạp hóa Cô Ba",
                "owner_name": "Nguyễn Thị Ba",
                "phone": "+84912345678",
                "registration_no": "0312345678",
                "ward_code": WARD,
                "address": "12 Đường số 3",
                "kind": ShopKind.GROCERY,
            },
            self.officer,
        )
        self.there = services.create_shop(
            {
                "name": "Tạp hóa Trảng Dài",
                "phone": "+84912345678",
                "ward_code": OTHER_WARD,
                "kind": ShopKind.GROCERY,
            },
            self.officer_b,
        )
        db.session.commit()
        self.headers = {
            name: {"Authorization": f"Bearer {factories.token(user)}", "Accept-Language": "en"}
            for name, user in (
                ("officer", self.officer),
                ("officer_b", self.officer_b),
                ("staff", self.staff),
            )
        }
        db.session.commit()


@pytest.fixture
def world(app_ctx):
    return World()


def _assess(shop: Shop, level: int, day: dt.date) -> Assessment:
    row = Assessment(
        shop=shop,
        framework=frameworks.seed_default(),
        state=AssessmentState.SUBMITTED,
        answers={},
        level=level,
        assessed_on=day,
        submitted_at=dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC),
    )
    db.session.add(row)
    db.session.commit()
    return row


def _ids(client, world, who: str, query: str = "") -> set[int]:
    response = client.get(f"/api/v1/shops/{query}", headers=world.headers[who])
    assert response.status_code == 200, response.get_json()
    return {row["id"] for row in response.get_json()}


def test_an_officer_lists_and_searches_only_its_wards(client, world):
    assert _ids(client, world, "officer") == {world.here.id}
    assert _ids(client, world, "officer", "?q=0912%20345%20678") == {world.here.id}
    assert _ids(client, world, "officer", f"?ward_code={OTHER_WARD}") == set()
    assert _ids(client, world, "officer_b", "?q=T%E1%BA%A1p") == {world.there.id}
    assert _ids(client, world, "staff", "?q=%2B84%20912%20345%20678") == {
        world.here.id,
        world.there.id,
    }


def test_the_list_filters_by_assessment_and_level(client, world):
    _assess(world.here, 3, dt.date(2026, 6, 1))
    assert _ids(client, world, "staff", "?assessed=true") == {world.here.id}
    assert _ids(client, world, "staff", "?assessed=false") == {world.there.id}
    assert _ids(client, world, "staff", "?level=3") == {world.here.id}
    assert _ids(client, world, "staff", "?level=2&assessed=true") == set()
    rows = client.get("/api/v1/shops/?level=3", headers=world.headers["staff"]).get_json()
    assert (rows[0]["assessed"], rows[0]["level"]) == (True, 3)
    assert rows[0]["phone_display"] == "0912 345 678" and rows[0]["kind"] == "grocery"


def test_registering_parses_the_phone_and_answers_201(client, world):
    body = {
        "name": "  Quán  Cơm Bà Tư ",
        "phone": "0987.654.321",
        "ward_code": WARD,
        "kind": "food_service",
        "latitude": 10.9574131,
        "longitude": 106.842687,
    }
    response = client.post("/api/v1/shops/", json=body, headers=world.headers["officer"])
    assert response.status_code == 201, response.get_json()
    shop = response.get_json()
    assert (shop["name"], shop["phone"], shop["state"]) == (
        "Quán Cơm Bà Tư",
        "+84987654321",
        "active",
    )
    assert shop["latitude"] == pytest.approx(10.957413)


def test_invalid_fields_answer_422_naming_each_field(client, world):
    body = {
        "name": "",
        "phone": "12345",
        "registration_no": "12",
        "ward_code": WARD,
        "kind": "mall",
    }
    response = client.post("/api/v1/shops/", json=body, headers=world.headers["officer"])
    assert response.status_code == 422
    assert {"name", "phone", "registration_no", "kind"} <= set(
        response.get_json()["errors"]["json"]
    )


def test_a_market_stall_without_its_market_is_422_on_market(client, world):
    body = {"name": "Sạp Rau", "ward_code": WARD, "kind": "market_stall"}
    response = client.post("/api/v1/shops/", json=body, headers=world.headers["officer"])
    assert response.status_code == 422
    assert set(response.get_json()["errors"]["json"]) == {"market"}


def test_a_duplicate_is_409_with_the_existing_shop_when_the_caller_may_see_it(client, world):
    body = {"name": "Khác", "phone": "0912 345 678", "ward_code": WARD, "kind": "grocery"}
    response = client.post("/api/v1/shops/", json=body, headers=world.headers["officer"])
    assert response.status_code == 409
    payload = response.get_json()
    assert set(payload) == {"code", "status", "message", "errors"}
    assert payload["errors"]["existing_shop_id"] == world.here.id
    assert set(payload["errors"]["json"]) == {"phone"}


def test_a_duplicate_in_another_ward_is_409_without_naming_it(client, world):
    body = {"name": "Khác", "registration_no": "0312345678", "ward_code": OTHER_WARD}
    response = client.post(
        "/api/v1/shops/", json=body | {"kind": "other"}, headers=world.headers["officer_b"]
    )
    assert response.status_code == 409
    payload = response.get_json()
    assert "existing_shop_id" not in payload["errors"]
    assert "Tạp hóa Cô Ba" not in str(payload)


def test_a_similar_shop_is_409_listing_it_until_confirm_similar(client, world):
    body = {"name": "TẠP HÓA CÔ BA", "address": "12 đường số 3", "ward_code": WARD}
    body |= {"kind": "grocery"}
    warned = client.post("/api/v1/shops/", json=body, headers=world.headers["officer"])
    assert warned.status_code == 409
    assert [s["id"] for s in warned.get_json()["errors"]["similar"]] == [world.here.id]
    assert "confirm_similar" in warned.get_json()["message"]
    confirmed = client.post(
        "/api/v1/shops/", json=body | {"confirm_similar": True}, headers=world.headers["officer"]
    )
    assert confirmed.status_code == 201


def test_patch_changes_some_fields_with_the_same_rules(client, world):
    url = f"/api/v1/shops/{world.here.id}"
    changed = client.patch(url, json={"address": "14 Đường số 3"}, headers=world.headers["officer"])
    assert changed.status_code == 200 and changed.get_json()["address"] == "14 Đường số 3"
    assert changed.get_json()["phone"] == "+84912345678"  # untouched
    moved = client.patch(url, json={"ward_code": OTHER_WARD}, headers=world.headers["officer"])
    assert moved.status_code == 422 and set(moved.get_json()["errors"]["json"]) == {"ward_code"}
    hidden = client.patch(url, json={"address": "x"}, headers=world.headers["officer_b"])
    assert hidden.status_code == 404


def test_close_reopen_and_a_second_close_refused(client, world):
    url = f"/api/v1/shops/{world.here.id}"
    closed = client.post(f"{url}/close", headers=world.headers["officer"])
    assert closed.status_code == 200 and closed.get_json()["state"] == "closed"
    assert closed.get_json()["closed_on"]
    assert client.post(f"{url}/close", headers=world.headers["officer"]).status_code == 409
    reopened = client.post(f"{url}/reopen", headers=world.headers["officer"])
    assert reopened.get_json()["state"] == "active"


def test_staff_merge_through_the_api(client, world):
    duplicate = services.create_shop(
        {"name": "Tạp hóa Cô Ba", "ward_code": WARD, "kind": ShopKind.GROCERY}, world.staff
    )
    moving = _assess(duplicate, 2, dt.date(2026, 5, 1))
    url = f"/api/v1/shops/{world.here.id}/merge"
    body = {"duplicate_id": duplicate.id}
    assert client.post(url, json=body, headers=world.headers["officer"]).status_code == 403
    merged = client.post(url, json=body, headers=world.headers["staff"])
    assert merged.status_code == 200, merged.get_json()
    assert merged.get_json()["moved_assessments"] == 1
    db.session.expire_all()
    assert db.session.get(Assessment, moving.id).shop_id == world.here.id
    assert db.session.get(Shop, duplicate.id).state is ShopState.MERGED
    listed = _ids(client, world, "staff")
    assert duplicate.id not in listed  # merged shops are not in the list by default
    assert duplicate.id in _ids(client, world, "staff", "?state=merged")
