"""The stamp API: orders and their files, stamps, scan statistics and counterfeit reports."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from core.accounts.models import Role
from core.extensions import db
from traceability.stamps import counterfeit, orders, scans
from traceability.stamps.models import (
    CounterfeitReport,
    RenderState,
    ReportState,
    Stamp,
    StampOrder,
    StampState,
)

EN = {"Accept-Language": "en"}
BASE_URL = "https://trace.example.vn"
IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1"
ANDROID = "Mozilla/5.0 (Linux; Android 14; SM-A155F) Chrome/126.0 Mobile Safari/537.36"
ZALO = "Mozilla/5.0 (Linux; Android 13) Zalo android/12 ZaloTheme/light"


def _auth(make, user):
    raw = make.token(user)
    db.session.commit()
    return {"Authorization": f"Bearer {raw}", **EN}


def _shop(make):
    """A verified producer with a published product and a batch of it, and its API headers."""
    producer, owner = make.producer()
    product = make.published_product(producer, owner)
    batch = make.batch(product, owner)
    return producer, owner, product, batch


def _order(make, batch, owner, quantity=5, **fields):
    order = make.stamp_order(batch, owner, quantity=quantity, **fields)
    db.session.commit()
    return order


def _stamps(order) -> list[Stamp]:
    db.session.expire_all()
    return db.session.scalars(
        select(Stamp).where(Stamp.order_id == order.id).order_by(Stamp.seq)
    ).all()


def _scan(stamp_or_gtin, serial=None, *, ip="198.51.100.7", ua=IPHONE, lot=None):
    if isinstance(stamp_or_gtin, Stamp):
        found = scans.resolve(stamp_or_gtin.gtin, lot, stamp_or_gtin.serial)
    else:
        found = scans.resolve(stamp_or_gtin, lot, serial)
    return scans.record_scan(found, ip=ip, user_agent=ua)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _local_today() -> dt.date:
    return dt.datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()


def test_a_producer_orders_stamps_and_downloads_the_pdf_and_csv(client, make):
    _producer, owner, product, batch = _shop(make)
    headers = _auth(make, owner)
    response = client.post(
        "/api/v1/stamp-orders/",
        headers=headers,
        json={
            "batch_id": batch.id,
            "quantity": 5,
            "kind": "sheet",
            "rows": 4,
            "cols": 3,
            "size_mm": 30,
            "note": "Lô Tết",
        },
    )
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["quantity"] == 5
    assert (created["gtin"], created["lot_code"]) == (product.gtin, batch.lot_code)
    assert created["layout"] == {
        "kind": "sheet",
        "rows": 4,
        "cols": 3,
        "size_mm": 30.0,
        "show_caption": True,
        "scan_hint": False,
    }
    # JOB_QUEUE is "sync" in tests: the PDF is rendered before the answer.
    assert (created["render_state"], created["rendered_count"], created["progress"]) == (
        "ready",
        5,
        100,
    )
    order_id = created["id"]
    assert created["links"]["pdf"].endswith(f"/api/v1/stamp-orders/{order_id}/pdf")

    order = db.session.get(StampOrder, order_id)
    issued = _stamps(order)
    assert [s.seq for s in issued] == [1, 2, 3, 4, 5]
    assert {s.state.value for s in issued} == {"active"}
    assert len({s.serial for s in issued}) == 5

    status = client.get(f"/api/v1/stamp-orders/{order_id}", headers=headers).get_json()
    assert (status["render_state"], status["progress"], status["note"]) == ("ready", 100, "Lô Tết")

    pdf = client.get(created["links"]["pdf"], headers=headers)
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    pdf.close()

    csv = client.get(created["links"]["csv"], headers=headers)
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    lines = csv.get_data(as_text=True).splitlines()
    assert lines[0] == "seq,serial,url,gtin,lot"
    assert len(lines) == 5 + 1
    for line, stamp in zip(lines[1:], issued, strict=True):
        seq, serial, url, gtin, lot = line.split(",")
        assert (int(seq), serial, gtin, lot) == (
            stamp.seq,
            stamp.serial,
            product.gtin,
            batch.lot_code,
        )
        assert url == f"{BASE_URL}/01/{product.gtin}/10/{batch.lot_code}/21/{stamp.serial}"


def test_the_pdf_is_a_conflict_until_it_is_rendered(client, make):
    _producer, owner, _product, batch = _shop(make)
    order = _order(make, batch, owner, quantity=3)  # not queued: stays pending
    headers = _auth(make, owner)
    status = client.get(f"/api/v1/stamp-orders/{order.id}", headers=headers).get_json()
    assert (status["render_state"], status["rendered_count"], status["progress"]) == (
        "pending",
        0,
        0,
    )
    response = client.get(f"/api/v1/stamp-orders/{order.id}/pdf", headers=headers)
    assert response.status_code == 409
    body = response.get_json()
    assert set(body) == {"code", "status", "message", "errors"}
    assert "not ready" in body["message"] and "0 of 3" in body["message"]


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"quantity": 0}, 422, "quantity"),
        ({"quantity": 100_001}, 422, "quantity"),
        ({"quantity": "many"}, 422, "quantity"),
        ({"size_mm": 50}, 422, "size_mm"),
        ({"kind": "poster"}, 422, "kind"),
        ({"cols": 40}, 422, "cols"),
        ({"batch_id": 999_999}, 422, "batch_id"),
        ({"batch_id": "draft"}, 409, None),
        ({"batch_id": "theirs"}, 422, "batch_id"),
    ],
)
def test_invalid_orders_answer_the_error_shape_and_issue_nothing(
    client, make, change, status, field
):
    producer, owner, _product, batch = _shop(make)
    draft_batch = make.batch(make.product(producer, owner), owner)
    other, other_owner = make.producer()
    their_batch = make.batch(make.published_product(other, other_owner), other_owner)
    body = {"batch_id": batch.id, "quantity": 3, "size_mm": 25, **change}
    body["batch_id"] = {"draft": draft_batch.id, "theirs": their_batch.id}.get(
        body["batch_id"], body["batch_id"]
    )
    headers = _auth(make, owner)
    placed, issued = _count(StampOrder), _count(Stamp)

    response = client.post("/api/v1/stamp-orders/", headers=headers, json=body)

    assert response.status_code == status, response.get_json()
    error = response.get_json()
    assert set(error) == {"code", "status", "message", "errors"}
    assert error["code"] == status
    if field:
        assert field in error["errors"]["json"], error
    else:
        assert "verified" in error["message"]
    assert (_count(StampOrder), _count(Stamp)) == (placed, issued)


def test_void_a_range_of_an_order_and_one_stamp(client, make):
    _producer, owner, _product, batch = _shop(make)
    order = _order(make, batch, owner, quantity=5)
    headers = _auth(make, owner)
    url = f"/api/v1/stamp-orders/{order.id}/void"

    voided = client.post(url, headers=headers, json={"reason": "Tờ in lỗi", "first": 2, "last": 3})
    assert voided.status_code == 200 and voided.get_json() == {"voided": 2}
    again = client.post(url, headers=headers, json={"reason": "Lần nữa", "first": 1, "last": 3})
    assert again.get_json() == {"voided": 1}
    assert [s.state.value for s in _stamps(order)] == ["void", "void", "void", "active", "active"]
    assert _stamps(order)[1].void_reason == "Tờ in lỗi"

    fifth = _stamps(order)[4]
    one = client.post(f"/api/v1/stamps/{fifth.id}/void", headers=headers, json={"reason": "Rách"})
    assert one.status_code == 200
    assert (one.get_json()["state"], one.get_json()["void_reason"]) == ("void", "Rách")
    assert [s.state.value for s in _stamps(order)][3:] == ["active", "void"]

    outside = client.post(url, headers=headers, json={"reason": "x", "first": 4, "last": 9})
    assert outside.status_code == 422 and "first" in outside.get_json()["errors"]["json"]
    no_reason = client.post(url, headers=headers, json={"first": 4, "last": 4})
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["errors"]["json"]
    blank = client.post(url, headers=headers, json={"reason": " ", "first": 4, "last": 4})
    assert blank.status_code == 422 and "reason" in blank.get_json()["errors"]["json"]
    assert _stamps(order)[3].state.value == "active"


def test_activate_released_stamps_and_filter_the_list(client, make):
    _producer, owner, _product, batch = _shop(make)
    order = _order(make, batch, owner, quantity=5, activation_required=True)
    headers = _auth(make, owner)
    base = f"/api/v1/stamp-orders/{order.id}"
    assert {s.state.value for s in _stamps(order)} == {"issued"}

    activated = client.post(f"{base}/activate", headers=headers, json={"first": 1, "last": 2})
    assert activated.status_code == 200 and activated.get_json() == {"activated": 2}
    assert client.post(f"{base}/activate", headers=headers, json={"last": 2}).get_json() == {
        "activated": 0
    }

    issued = client.get(f"{base}/stamps?state=issued", headers=headers)
    assert [s["seq"] for s in issued.get_json()] == [3, 4, 5]
    assert '"total": 3' in issued.headers["X-Pagination"]
    active = client.get(f"{base}/stamps?state=active", headers=headers).get_json()
    assert [s["seq"] for s in active] == [1, 2]
    assert all(s["activated_at"] for s in active)
    page = client.get(f"{base}/stamps?page=2&page_size=2", headers=headers).get_json()
    assert [s["seq"] for s in page] == [3, 4]
    third = _stamps(order)[2]
    assert page[0]["url"] == f"{BASE_URL}/01/{third.gtin}/10/{batch.lot_code}/21/{third.serial}"
    bad = client.get(f"{base}/stamps?state=lost", headers=headers)
    assert bad.status_code == 422 and "state" in bad.get_json()["errors"]["query"]

    everything = client.post(f"{base}/activate", headers=headers, json={})
    assert everything.get_json() == {"activated": 3}
    assert {s.state.value for s in _stamps(order)} == {"active"}


def test_scan_statistics_count_the_producers_own_scans(client, make):
    producer, owner, product, batch = _shop(make)
    second = make.published_product(producer, owner)
    order = _order(make, batch, owner, quantity=4)
    other_order = _order(make, make.batch(second, owner), owner, quantity=1)
    first, twice, voided, flagged = _stamps(order)
    orders.void_stamp(voided, owner, "Hỏng")

    one = _scan(first, ua=IPHONE)
    scans.share_place(one.scan_id, 10.94, 106.84)
    _scan(twice, ua=ANDROID)
    again = _scan(twice, ip="198.51.100.8", ua=ZALO)
    scans.share_place(again.scan_id, 10.91, 106.82)
    assert again.verdict.value == "scanned_before"
    assert _scan(voided, ua=ANDROID).verdict.value == "void"
    report = counterfeit.create_report(
        scans.resolve(flagged.gtin, None, flagged.serial),
        {"message": "Bao bì khác hẳn hàng thật"},
        client="test",
    )
    counterfeit.change_report_state(report, ReportState.CONFIRMED, "", make.staff())
    assert _scan(flagged, ua=IPHONE).verdict.value == "suspicious"
    assert _scan(product.gtin, "NOTISSUED23", ip="203.0.113.1").verdict.value == "not_issued"
    assert _scan(product.gtin, "NOTISSUED24", ip="203.0.113.2").verdict.value == "not_issued"
    assert _scan(product.gtin, "NOTISSUED25", ip="203.0.113.2").verdict.value == "not_issued"
    _scan(_stamps(other_order)[0], ua=ANDROID)

    # Producer B's scans are not A's.
    b, b_owner, _b_product, b_batch = _shop(make)
    _scan(_stamps(_order(make, b_batch, b_owner, quantity=1))[0], ua=IPHONE)
    db.session.commit()
    headers = _auth(make, owner)

    response = client.get("/api/v1/scans/stats", headers=headers)
    assert response.status_code == 200
    numbers = response.get_json()
    assert "client_hash" not in response.get_data(as_text=True)
    assert numbers["total"] == 9
    assert numbers["by_verdict"] == {
        "genuine": 3,
        "scanned_before": 1,
        "suspicious": 1,
        "void": 1,
        "not_issued": 3,
        "product": 0,
    }
    assert numbers["per_day"] == [{"day": _local_today().isoformat(), "scans": 9}]
    assert numbers["by_client_family"] == {"ios": 5, "android": 3, "zalo": 1}
    assert numbers["by_place"] == [{"lat": 10.9, "lon": 106.8, "scans": 2}]
    assert (numbers["suspicious_stamps"], numbers["not_issued"]) == (1, 3)
    assert numbers["not_issued_clients"] == 2

    second_only = client.get(
        f"/api/v1/scans/stats?product_id={second.id}", headers=headers
    ).get_json()
    assert (second_only["total"], second_only["by_verdict"]["genuine"]) == (1, 1)
    tomorrow = (_local_today() + dt.timedelta(days=1)).isoformat()
    later = client.get(f"/api/v1/scans/stats?date_from={tomorrow}", headers=headers).get_json()
    assert (later["total"], later["per_day"]) == (0, [])
    today = _local_today().isoformat()
    assert (
        client.get(
            f"/api/v1/scans/stats?date_from={today}&date_to={today}", headers=headers
        ).get_json()["total"]
        == 9
    )

    b_numbers = client.get("/api/v1/scans/stats", headers=_auth(make, b_owner)).get_json()
    assert (b_numbers["total"], b_numbers["by_verdict"]["genuine"]) == (1, 1)
    assert client.get(f"/api/v1/scans/stats?producer_id={b.id}", headers=headers).status_code == 404
    assert (
        client.get(f"/api/v1/scans/stats?product_id={second.id}", headers=_auth(make, b_owner))
    ).status_code == 404

    as_staff = _auth(make, make.staff())
    staff_a = client.get(f"/api/v1/scans/stats?producer_id={producer.id}", headers=as_staff)
    assert staff_a.get_json() == numbers
    staff_all = client.get("/api/v1/scans/stats", headers=as_staff).get_json()
    assert staff_all["total"] == 10


def test_counterfeit_reports_workflow(client, make):
    _producer, owner, _product, batch = _shop(make)
    stamp = _stamps(_order(make, batch, owner, quantity=2))[0]
    found = _scan(stamp)
    report = counterfeit.create_report(
        found,
        {"message": "Tem bị bóc ra dán lại", "where_bought": "Chợ Biên Hòa", "contact": "0909"},
        client="x",
    )
    db.session.commit()
    as_owner, as_staff = _auth(make, owner), _auth(make, make.staff())
    url = f"/api/v1/counterfeit-reports/{report.id}"

    listed = client.get("/api/v1/counterfeit-reports/?state=new", headers=as_owner).get_json()
    assert [r["id"] for r in listed] == [report.id]
    assert listed[0]["where_bought"] == "Chợ Biên Hòa"
    assert "client_hash" not in listed[0]
    assert listed[0]["contact"] is None  # the consumer's contact is for the Department only
    assert client.get(url, headers=as_staff).get_json()["contact"] == "0909"
    own = client.get(url, headers=as_owner).get_json()
    assert own["stamp_id"] == stamp.id and own["contact"] is None
    staff_list = client.get("/api/v1/counterfeit-reports/", headers=as_staff).get_json()
    assert staff_list[0]["contact"] == "0909"
    refused = client.patch(url, headers=as_owner, json={"state": "dismissed"})
    assert refused.status_code == 403

    moved = client.patch(url, headers=as_staff, json={"state": "investigating", "note": "Gọi HTX"})
    assert moved.status_code == 200
    body = moved.get_json()
    assert (body["state"], body["staff_note"]) == ("investigating", "Gọi HTX")
    assert body["handled_by_id"] is not None and body["handled_at"]
    assert client.get("/api/v1/counterfeit-reports/?state=new", headers=as_staff).get_json() == []

    confirmed = client.patch(url, headers=as_staff, json={"state": "confirmed", "note": "Giả"})
    assert confirmed.get_json()["staff_note"] == "Gọi HTX\nGiả"
    assert client.get(f"/api/v1/stamps/{stamp.id}", headers=as_owner).get_json()["flagged"] is True

    invalid = client.patch(url, headers=as_staff, json={"state": "new"})
    assert invalid.status_code == 409
    error = invalid.get_json()
    assert set(error) == {"code", "status", "message", "errors"}
    assert "state" in error["errors"]["json"]
    unknown = client.patch(url, headers=as_staff, json={"state": "maybe"})
    assert unknown.status_code == 422 and "state" in unknown.get_json()["errors"]["json"]
    db.session.expire_all()
    assert db.session.get(CounterfeitReport, report.id).state.value == "confirmed"


def test_another_producer_sees_none_of_a_producers_stamps(client, make):
    _producer, owner, _product, batch = _shop(make)
    order = _order(make, batch, owner, quantity=2)
    stamp = _stamps(order)[0]
    report = counterfeit.create_report(_scan(stamp), {"message": "Màu tem khác lạ"}, client="x")
    db.session.commit()
    _other, other_owner = make.producer()
    theirs = _auth(make, other_owner)

    for url in (
        f"/api/v1/stamp-orders/{order.id}",
        f"/api/v1/stamp-orders/{order.id}/pdf",
        f"/api/v1/stamp-orders/{order.id}/csv",
        f"/api/v1/stamp-orders/{order.id}/stamps",
        f"/api/v1/stamps/{stamp.id}",
        f"/api/v1/counterfeit-reports/{report.id}",
    ):
        response = client.get(url, headers=theirs)
        assert response.status_code == 404, url
        assert set(response.get_json()) == {"code", "status", "message", "errors"}
    void = client.post(f"/api/v1/stamps/{stamp.id}/void", headers=theirs, json={"reason": "x"})
    assert void.status_code == 404
    assert _stamps(order)[0].state.value == "active"
    assert client.get("/api/v1/stamp-orders/", headers=theirs).get_json() == []
    assert client.get("/api/v1/counterfeit-reports/", headers=theirs).get_json() == []
    assert client.get("/api/v1/scans/stats", headers=theirs).get_json()["total"] == 0

    mine = client.get(f"/api/v1/stamp-orders/?batch_id={batch.id}", headers=_auth(make, owner))
    assert [o["id"] for o in mine.get_json()] == [order.id]


def test_staff_list_every_producers_orders_and_filter_them(client, make):
    _a, a_owner, a_product, a_batch = _shop(make)
    _b, b_owner, _b_product, b_batch = _shop(make)
    a_order = _order(make, a_batch, a_owner, quantity=1)
    b_order = _order(make, b_batch, b_owner, quantity=1)
    as_staff = _auth(make, make.staff())
    listed = client.get("/api/v1/stamp-orders/?page_size=100", headers=as_staff).get_json()
    assert {a_order.id, b_order.id} <= {o["id"] for o in listed}
    by_product = client.get(
        f"/api/v1/stamp-orders/?product_id={a_product.id}", headers=as_staff
    ).get_json()
    assert [o["id"] for o in by_product] == [a_order.id]
    officer = _auth(make, make.user(Role.OFFICER))
    assert client.get("/api/v1/stamp-orders/", headers=officer).status_code == 403
    assert client.get("/api/v1/stamp-orders/").status_code == 401


def test_the_openapi_document_lists_the_values_of_every_state(client):
    """Enums are parsed by value at the edge, and the document says which values there are."""
    spec = client.get("/api/openapi.json").get_json()

    def query(path: str) -> dict:
        return {p["name"]: p["schema"] for p in spec["paths"][path]["get"]["parameters"]}

    body = spec["components"]["schemas"]["ReportStateIn"]["properties"]
    assert body["state"]["enum"] == [s.value for s in ReportState]
    assert query("/api/v1/stamp-orders/")["render_state"]["enum"] == [s.value for s in RenderState]
    stamps_query = query("/api/v1/stamp-orders/{order_id}/stamps")
    assert stamps_query["state"]["enum"] == [s.value for s in StampState]
    assert query("/api/v1/counterfeit-reports/")["state"]["enum"] == [s.value for s in ReportState]


def test_a_state_that_is_none_is_refused_naming_the_field(client, make):
    _producer, owner, _product, _batch = _shop(make)
    headers = _auth(make, owner)
    for url in ("/api/v1/stamp-orders/?render_state=done", "/api/v1/counterfeit-reports/?state=x"):
        refused = client.get(url, headers=headers)
        assert refused.status_code == 422, url
        error = refused.get_json()
        assert set(error) == {"code", "status", "message", "errors"}
        assert list(error["errors"]["query"]) == [url.rsplit("?", 1)[1].split("=")[0]]


def test_the_api_reads_text_without_the_spaces_around_it(client, make):
    _producer, owner, _product, batch = _shop(make)
    headers = _auth(make, owner)
    created = client.post(
        "/api/v1/stamp-orders/",
        headers=headers,
        json={"batch_id": batch.id, "quantity": 2, "note": "  Lô Tết  ", "show_caption": False},
    )
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["note"] == "Lô Tết"
    assert created.get_json()["layout"]["show_caption"] is False
    order_id = created.get_json()["id"]
    voided = client.post(
        f"/api/v1/stamp-orders/{order_id}/void",
        headers=headers,
        json={"reason": "  Tờ in lỗi ", "first": 1},
    )
    assert voided.get_json() == {"voided": 1}
    first = _stamps(db.session.get(StampOrder, order_id))[0]
    assert first.void_reason == "Tờ in lỗi"
