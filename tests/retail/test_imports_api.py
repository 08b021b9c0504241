"""The import API: JSON rows or a multipart file; 422 with the row report when refused."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from core.accounts.models import Role
from core.extensions import db
from retail.shops.models import Shop
from tests.retail.data.sheets import OTHER_WARD, WARD, csv_bytes, shop_row

EN = {"Accept-Language": "en"}


def headers(make, user) -> dict:
    raw = make.token(user)
    db.session.commit()
    return {"Authorization": f"Bearer {raw}", **EN}


def shop_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Shop))


def test_json_rows_are_imported_and_the_report_returned(client, make):
    auth = headers(make, make.staff())
    rows = [shop_row(1), shop_row(2, ward="25996")]
    response = client.post("/api/v1/shop-imports/", json={"rows": rows}, headers=auth)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["state"] == "done" and body["created_shops"] == 2 and body["bad_rows"] == 0
    assert [w["row"] for w in body["warnings"]] == [2]  # JSON rows count from 1
    again = client.get(f"/api/v1/shop-imports/{body['id']}", headers=auth).get_json()
    assert again["id"] == body["id"] and again["total_rows"] == 2


def test_bad_rows_answer_422_with_the_row_report_and_save_nothing(client, make):
    auth = headers(make, make.staff())
    before = shop_count()
    rows = [shop_row(1), shop_row(2, phone="12"), shop_row(3, kind="boat")]
    response = client.post("/api/v1/shop-imports/", json={"rows": rows}, headers=auth)
    assert response.status_code == 422
    body = response.get_json()
    assert set(body) == {"code", "status", "message", "errors"}
    reported = {(e["row"], e["field"]) for e in body["errors"]["json"]["rows"]}
    assert reported == {(2, "phone"), (3, "kind")}
    assert shop_count() == before
    # The refused import can be read back.
    import_id = body["errors"]["json"]["import_id"]
    read = client.get(f"/api/v1/shop-imports/{import_id}", headers=auth).get_json()
    assert read["state"] == "refused"


def test_only_valid_over_the_api(client, make):
    auth = headers(make, make.staff())
    rows = [shop_row(1), shop_row(2, phone="12")]
    response = client.post(
        "/api/v1/shop-imports/", json={"rows": rows, "only_valid": True}, headers=auth
    )
    assert response.status_code == 201
    assert response.get_json()["created_shops"] == 1


def test_a_file_can_be_posted_as_multipart(client, make):
    auth = headers(make, make.staff())
    data = {"file": (io.BytesIO(csv_bytes([shop_row(1)])), "shops.csv"), "only_valid": "false"}
    response = client.post(
        "/api/v1/shop-imports/", data=data, headers=auth, content_type="multipart/form-data"
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["filename"] == "shops.csv"


def test_an_unreadable_file_or_unknown_fields_are_422(client, make):
    auth = headers(make, make.staff())
    data = {"file": (io.BytesIO(b"zalo\r\nx\r\n"), "x.csv")}
    response = client.post(
        "/api/v1/shop-imports/", data=data, headers=auth, content_type="multipart/form-data"
    )
    assert response.status_code == 422
    assert "zalo" in response.get_json()["errors"]["json"]["file"][0]
    response = client.post("/api/v1/shop-imports/", json={"rows": [{"nom": "x"}]}, headers=auth)
    assert response.status_code == 422
    assert "nom" in response.get_json()["errors"]["json"]["rows"]["0"]


def test_an_officer_imports_into_its_ward_and_reads_only_its_imports(client, make):
    officer = make.user(Role.OFFICER, wards=(WARD,))
    other = make.user(Role.OFFICER, wards=(OTHER_WARD,))
    auth = headers(make, officer)
    response = client.post(
        "/api/v1/shop-imports/",
        json={"rows": [shop_row(1), shop_row(2, ward=OTHER_WARD)], "only_valid": True},
        headers=auth,
    )
    body = response.get_json()
    assert body["created_shops"] == 1 and [e["row"] for e in body["errors"]] == [2]
    response = client.get(f"/api/v1/shop-imports/{body['id']}", headers=headers(make, other))
    assert response.status_code == 404
