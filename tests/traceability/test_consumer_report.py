"""A consumer reports a suspected fake and shares a coarse place: no account, no app."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from core.extensions import db
from tests import factories
from traceability.stamps import serials
from traceability.stamps.models import CounterfeitReport, Scan, Stamp

BROWSER = {"Accept": "text/html", "User-Agent": "Mozilla/5.0 (Linux; Android 14) Chrome/131.0"}


@pytest.fixture
def stamp(app_ctx):
    producer, owner = factories.producer()
    product = factories.published_product(producer, owner, name="Hạt điều Bù Đăng")
    batch = factories.batch(product, owner, lot_code="HD-01")
    order = factories.stamp_order(batch, owner, quantity=1)
    db.session.commit()
    return db.session.scalars(select(Stamp).where(Stamp.order_id == order.id)).one()


def report_url(stamp) -> str:
    return "/report" + serials.stamp_path(stamp.gtin, "HD-01", stamp.serial)


def reports() -> list[CounterfeitReport]:
    return list(db.session.scalars(select(CounterfeitReport).order_by(CounterfeitReport.id)))


def photo_with_gps() -> bytes:
    image = Image.new("RGB", (400, 300), "orange")
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (10.0, 57.0, 0.0)}  # GPSInfo: where the consumer lives
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_the_page_links_to_the_report_form(client, stamp):
    path = serials.stamp_path(stamp.gtin, "HD-01", stamp.serial)
    html = client.get(path, headers=BROWSER).get_data(as_text=True)
    assert f'href="{report_url(stamp)}"' in html


def test_report_with_a_photo_reaches_staff_without_exif_or_ip(client, stamp, app):
    url = report_url(stamp)
    form = client.get(url, headers=BROWSER)
    assert form.status_code == 200 and "Hạt điều Bù Đăng" in form.get_data(as_text=True)
    response = client.submit(
        url,
        {
            "message": "Tem dán lệch, chữ in mờ, giá rẻ bất thường",
            "where_bought": "Chợ Biên Hòa",
            "contact": "0909 000 111",
            "photo": (io.BytesIO(photo_with_gps()), "tem.jpg"),
        },
        token_from=url,
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:400]
    (report,) = reports()
    assert (report.stamp_id, report.gtin, report.serial) == (stamp.id, stamp.gtin, stamp.serial)
    assert report.producer_id == stamp.producer_id and report.where_bought == "Chợ Biên Hòa"
    assert report.client_hash and "127.0.0.1" not in report.client_hash
    stored = app.config["UPLOAD_FOLDER"] + "/reports/" + report.photo_key
    with Image.open(stored) as image:
        assert image.size == (400, 300)
        assert not image.getexif()  # no GPS, no device


def test_a_short_message_is_refused_on_the_form_and_nothing_is_kept(client, stamp):
    url = report_url(stamp)
    response = client.submit(
        url, {"message": "fake"}, token_from=url, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 200
    # Says how long a message must be ("10" alone is always there: the page's link has /10/).
    assert "what looks wrong (at least 10 characters)." in response.get_data(as_text=True)
    assert reports() == []


def test_a_bad_photo_is_refused_and_nothing_is_kept(client, stamp, app):
    url = report_url(stamp)
    response = client.submit(
        url,
        {"message": "Tem dán lệch, chữ in mờ", "photo": (io.BytesIO(b"not an image"), "x.jpg")},
        token_from=url,
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert "JPEG" in response.get_data(as_text=True)
    assert reports() == []


def test_bots_filling_the_hidden_field_are_thanked_and_ignored(client, stamp):
    url = report_url(stamp)
    response = client.submit(
        url, {"message": "Buy cheap watches now!!!", "website": "http://spam"}, token_from=url
    )
    assert response.status_code == 200
    assert reports() == []


def test_reports_are_rate_limited(client, stamp, app, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_REPORT", "2 per hour")
    url = report_url(stamp)
    statuses = [
        client.submit(url, {"message": f"Hàng giả lần thứ {n} rồi"}, token_from=url).status_code
        for n in range(3)
    ]
    assert statuses == [200, 200, 429]
    assert len(reports()) == 2


def test_report_without_csrf_token_is_refused(client, stamp):
    response = client.post(report_url(stamp), data={"message": "Tem dán lệch, chữ in mờ"})
    assert response.status_code == 200  # the form again, with its error
    assert reports() == []


def test_share_place_over_http(client, stamp):
    path = serials.stamp_path(stamp.gtin, "HD-01", stamp.serial)
    html = client.get(path, headers=BROWSER).get_data(as_text=True)
    token = html.split('action="/scan/')[1].split("/place")[0]
    assert (
        client.post(f"/scan/{token}/place", data={"lat": "10.9468", "lon": "106.824"}).status_code
        == 204
    )
    scan = db.session.scalars(select(Scan).where(Scan.stamp_id == stamp.id)).one()
    assert (scan.lat, scan.lon) == (10.9, 106.8)
    assert client.post(f"/scan/{token}/place", data={"lat": "1", "lon": "1"}).status_code == 409
    assert client.post("/scan/forged/place", data={"lat": "1", "lon": "1"}).status_code == 404
    bad = client.post(f"/scan/{token}/place", data={"lat": "north", "lon": "1"})
    assert bad.status_code == 422
    count = db.session.scalar(select(func.count()).select_from(Scan))
    assert count == 1


def test_a_place_that_cannot_be_read_is_refused_and_nothing_is_kept(client, stamp):
    path = serials.stamp_path(stamp.gtin, "HD-01", stamp.serial)
    html = client.get(path, headers=BROWSER).get_data(as_text=True)
    url = "/scan/" + html.split('action="/scan/')[1].split("/place")[0] + "/place"
    for lat, lon in (("nan", "1"), ("91", "1"), ("1", "-181"), ("", "1"), ("10.9", "")):
        assert client.post(url, data={"lat": lat, "lon": lon}).status_code == 422, (lat, lon)
    scan = db.session.scalars(select(Scan).where(Scan.stamp_id == stamp.id)).one()
    assert (scan.lat, scan.lon, scan.place_at) == (None, None, None)
    assert client.post(url, data={"lat": "-10.94", "lon": "180"}).status_code == 204
    db.session.refresh(scan)
    assert (scan.lat, scan.lon) == (-10.9, 180.0)
