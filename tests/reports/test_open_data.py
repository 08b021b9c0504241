"""Open data: the rows worked out by hand, suppression below 3, no personal data, caching."""

from __future__ import annotations

import csv
import io

import pytest

from core.extensions import db
from reports.indicators import snapshots
from reports.indicators.models import PeriodKind, SnapshotKind
from reports.indicators.periods import Period
from reports.opendata import services
from retail.shops.models import Shop
from tests.reports import engine_data as data
from tests.reports.engine_data import TAN_TRIEU, TRANG_DAI

FEBRUARY = Period.parse("2026-02")
OWNER, OWNER_PHONE = "Nguyễn Thị Bí Mật", "+84912000111"


@pytest.fixture
def world(app_ctx):
    """Tân Triều: 16 shops, 5 assessed in February (2 take digital payment); Trảng Dài: 2 shops,
    1 assessed (taking digital payment). A producer with a product in Tân Triều. February is
    closed."""
    shops_a = [data.shop(TAN_TRIEU, "2026-01-05") for _ in range(16)]
    for index, row in enumerate(shops_a[:5]):
        flags = {"takes_digital_payment": index < 2}
        data.assessment(row, "2026-02-10", flags=flags)
    shops_a[0].owner_name, shops_a[0].phone = OWNER, OWNER_PHONE
    shops_b = [data.shop(TRANG_DAI, "2026-01-06") for _ in range(2)]
    data.assessment(shops_b[0], "2026-02-11", flags={"takes_digital_payment": True})
    maker, owner = data.producer(TAN_TRIEU, "2026-01-03", verified="2026-01-04")
    data.product(maker, owner, submitted="2026-01-10")
    closing = snapshots.take(FEBRUARY)
    db.session.commit()
    return {"closing": closing, "producer": maker, "owner": owner, "shops": shops_a + shops_b}


def find(rows, period, scope, key, indicator):
    matches = [
        r
        for r in rows
        if (r["period"], r["scope"], r["scope_key"], r["indicator"])
        == (period, scope, key, indicator)
    ]
    assert len(matches) == 1, (period, scope, key, indicator)
    return matches[0]


def json_rows(client):
    response = client.get("/open-data/indicators.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


def csv_rows(client):
    response = client.get("/open-data/indicators.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    text = response.get_data().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_the_json_rows_are_the_figures_worked_out_by_hand(client, world):
    rows = json_rows(client)
    # 5 of Tân Triều's 16 shops assessed: 31.25 % → 31.3 (half-up, not half-even's 31.2).
    share = find(rows, "2026-02", "ward", TAN_TRIEU, "shops_assessed_share")
    assert share["value"] == 31.3
    assert (share["numerator"], share["denominator"], share["suppressed"]) == (5, 16, False)
    assert share["scope_name"] == "Phường Tân Triều"
    assert share["unit"] == "percent" and share["provisional"] is False
    assert (share["period_start"], share["period_end"], share["as_of"]) == (
        "2026-02-01",
        "2026-02-28",
        "2026-02-28",
    )
    # 2 of its 5 assessed shops take digital payment: 40 %.
    paying = find(rows, "2026-02", "ward", TAN_TRIEU, "digital_payment_share")
    assert (paying["value"], paying["numerator"], paying["denominator"]) == (40, 2, 5)
    # The province: 6 of 18 shops assessed (33.33… → 33.3), 3 of 6 paying digitally (50 %).
    province = find(rows, "2026-02", "province", "75", "shops_assessed_share")
    assert (province["value"], province["numerator"], province["denominator"]) == (33.3, 6, 18)
    assert province["scope_name"] == "Tỉnh Đồng Nai"
    assert find(rows, "2026-02", "province", "75", "digital_payment_share")["value"] == 50
    # A count: 16 shops in Tân Triều, no denominator.
    count = find(rows, "2026-02", "ward", TAN_TRIEU, "shops_active")
    assert (count["value"], count["numerator"], count["denominator"]) == (16, 16, None)
    # Both wards are phường: the urban group holds all 18 shops.
    assert find(rows, "2026-02", "group", "urban", "shops_active")["value"] == 18


def test_a_figure_from_fewer_than_three_shops_or_producers_is_suppressed(client, world):
    rows = json_rows(client)
    # Trảng Dài: 2 shops, 1 assessed; every shop figure there rests on fewer than 3.
    for code in ("shops_active", "shops_assessed", "shops_assessed_share", "digital_payment_share"):
        row = find(rows, "2026-02", "ward", TRANG_DAI, code)
        assert row["suppressed"] is True, code
        assert (row["value"], row["numerator"], row["denominator"]) == (None, None, None), code
    # Exactly 3 is enough: the province's digital-payment numerator is 3 of 6.
    assert find(rows, "2026-02", "province", "75", "digital_payment_share")["suppressed"] is False
    # One producer with products in Tân Triều: its product figures are suppressed.
    assert find(rows, "2026-02", "ward", TAN_TRIEU, "portal_listed_share")["suppressed"] is True
    # The rural group has no shop at all in February: 0 < 3.
    assert find(rows, "2026-02", "group", "rural", "shops_active")["suppressed"] is True
    # Ward counts rest on no shop or producer: never suppressed.
    assert find(rows, "2026-02", "ward", TRANG_DAI, "wards_deployed")["suppressed"] is False


def test_the_csv_carries_the_same_rows_as_the_json(client, world):
    rows = csv_rows(client)
    assert len(rows) == len(json_rows(client))
    share = find(rows, "2026-02", "ward", TAN_TRIEU, "shops_assessed_share")
    assert (share["value"], share["numerator"], share["denominator"]) == ("31.3", "5", "16")
    assert share["suppressed"] == "False" and share["as_of"] == "2026-02-28"
    hidden = find(rows, "2026-02", "ward", TRANG_DAI, "shops_active")
    assert (hidden["value"], hidden["numerator"], hidden["suppressed"]) == ("", "", "True")
    assert find(rows, "2026-02", "ward", TAN_TRIEU, "shops_active")["denominator"] == ""


def test_no_personal_data_reaches_any_file(client, world):
    maker, owner = world["producer"], world["owner"]
    personal = {OWNER, OWNER_PHONE, owner.email, owner.full_name, maker.legal_name, maker.tax_code}
    personal |= {maker.contact_name, maker.phone, maker.email, maker.address}
    personal |= {s.name for s in world["shops"]} | {s.address for s in world["shops"]}
    personal.discard("")
    bodies = {
        url: client.get(url).get_data(as_text=True)
        for url in (
            "/open-data/indicators.csv",
            "/open-data/indicators.json",
            "/open-data/datapackage.json",
            "/open-data/",
            "/api/v1/open-data/indicators",
        )
    }
    for url, body in bodies.items():
        for text in personal:
            assert text not in body, (url, text)
    assert db.session.get(Shop, world["shops"][0].id).owner_name == OWNER  # it was there


def test_the_files_are_cacheable_and_answer_304_until_a_snapshot_changes(client, world):
    for url in ("/open-data/indicators.csv", "/open-data/indicators.json"):
        first = client.get(url)
        tag = first.headers["ETag"]
        assert first.headers["Cache-Control"] in ("public, max-age=900", "max-age=900, public")
        assert first.headers["Last-Modified"]
        assert first.headers["Access-Control-Allow-Origin"] == "*"
        again = client.get(url, headers={"If-None-Match": tag})
        assert again.status_code == 304 and again.get_data() == b""
        assert again.headers["ETag"] == tag
    before = client.get("/open-data/datapackage.json").headers["ETag"]
    snapshots.take(Period.parse("2026-03"))  # a new month is published
    db.session.commit()
    after = client.get("/open-data/datapackage.json", headers={"If-None-Match": before})
    assert after.status_code == 200 and after.headers["ETag"] != before
    assert any(r["period"] == "2026-03" for r in json_rows(client))


def test_each_period_publishes_its_closing_snapshot_else_its_backfill_else_provisional(world):
    march, april = Period.parse("2026-03"), Period.parse("2026-04")
    closing = world["closing"]
    # February also gets a backfill afterwards: its closing snapshot still wins.
    snapshots.take(FEBRUARY, kind=SnapshotKind.BACKFILL)
    backfill = snapshots.take(march, kind=SnapshotKind.BACKFILL)
    snapshots.take(april, kind=SnapshotKind.REPORT)  # a ward report's: never published
    running = Period.containing(PeriodKind.MONTH, data.AFTER_ALL)
    current = snapshots.take(running, today=data.AFTER_ALL)
    chosen = {item.snapshot.period_key: item for item in services.published()}
    assert chosen["2026-02"].snapshot.id == closing.id
    assert chosen["2026-03"].snapshot.id == backfill.id
    assert not chosen["2026-03"].provisional
    assert "2026-04" not in chosen
    assert chosen[running.key].snapshot.id == current.id and chosen[running.key].provisional


def test_a_running_period_is_marked_provisional(client, world):
    today = data.d("2026-12-02")
    running = Period.containing(PeriodKind.MONTH, today)
    snapshots.take(running, today=today)
    db.session.commit()
    rows = json_rows(client)
    assert find(rows, running.key, "province", "75", "shops_active")["provisional"] is True
    assert find(rows, "2026-02", "province", "75", "shops_active")["provisional"] is False


def test_the_open_data_api_needs_no_token_and_gives_the_files_rows(client, world):
    response = client.get("/api/v1/open-data/indicators")
    assert response.status_code == 200
    assert response.get_json() == json_rows(client)
    one = client.get("/api/v1/open-data/indicators?period=2026-02&period_kind=month").get_json()
    assert {r["period"] for r in one} == {"2026-02"}
    share = find(one, "2026-02", "ward", TAN_TRIEU, "shops_assessed_share")
    assert (share["value"], share["numerator"], share["denominator"]) == (31.3, 5, 16)
    assert client.get("/api/v1/open-data/indicators?period=2026-03").get_json() == []


@pytest.mark.parametrize(
    ("query", "field"),
    [("period=2026-13", "period"), ("period=last", "period"), ("period_kind=week", "period_kind")],
)
def test_a_bad_period_is_a_422_in_the_one_error_shape(client, world, query, field):
    response = client.get(f"/api/v1/open-data/indicators?{query}")
    assert response.status_code == 422
    body = response.get_json()
    assert set(body) == {"code", "status", "message", "errors"}
    assert field in body["errors"]["query"]


def test_an_unknown_query_parameter_is_refused(client, world):
    response = client.get("/api/v1/open-data/indicators?ward=26188")
    assert response.status_code == 422
    assert "ward" in response.get_json()["errors"]["query"]


def test_the_page_explains_licence_rhythm_and_rule_and_links_the_files(client, world):
    page = client.get("/open-data/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for link in ("/open-data/indicators.csv", "/open-data/indicators.json", "datapackage.json"):
        assert f'href="{link}' in html or link in html
    assert "https://creativecommons.org/licenses/by/4.0/" in html
    assert 'lang="vi"' in html  # Vietnamese by default (the words come from translations/vi)
    assert "2026-02" in html  # the published periods
    english = client.get("/open-data/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Suppression rule" in english and "Creative Commons Attribution 4.0" in english


@pytest.mark.parametrize("url", ["/open-data/", "/open-data/indicators.csv"])
def test_the_open_data_routes_are_rate_limited_like_the_resolver(client, app, monkeypatch, url):
    monkeypatch.setitem(app.config, "RATELIMIT_RESOLVER", "2 per minute")
    statuses = [client.get(url).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
