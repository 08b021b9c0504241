"""The shop pages: the list and its search scoped to the officer's wards, registering with the
duplicate and similarity answers, editing, closing and reopening, merging."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from core.accounts.models import Role
from core.extensions import db
from retail.assessments import frameworks
from retail.assessments.models import Assessment, AssessmentState
from retail.shops import services
from retail.shops.models import Shop, ShopKind, ShopState
from tests import factories

WARD = "26188"  # Phường Tân Triều
OTHER_WARD = "25993"  # Phường Trảng Dài
EN = {"Accept-Language": "en"}


class Shops:
    """Two officers of different wards, staff, and shops on both sides of the ward line."""

    def __init__(self):
        self.officer = factories.user(Role.OFFICER, wards=(WARD,))
        self.officer_b = factories.user(Role.OFFICER, wards=(OTHER_WARD,))
        self.staff = factories.staff()
        self.here = services.create_shop(
            _data(name="Tạp hóa Cô Ba", phone="+84912345678", registration_no="0312345678"),
            self.officer,
        )
        self.there = services.create_shop(
            _data(name="Tạp hóa Cô Ba Trảng Dài", phone="+84912345678", ward_code=OTHER_WARD),
            self.officer_b,
        )
        self.pharmacy = services.create_shop(
            _data(name="Nhà thuốc An Bình", kind=ShopKind.PHARMACY, address="7 Đồng Khởi"),
            self.officer,
        )
        db.session.commit()


def _data(**fields) -> dict:
    data = {"name": "Shop", "ward_code": WARD, "kind": ShopKind.GROCERY, "address": "12 Đường số 3"}
    return data | fields


def _assess(shop: Shop, level: int, day: dt.date, state=AssessmentState.SUBMITTED):
    row = Assessment(
        shop=shop,
        framework=frameworks.seed_default(),
        state=state,
        answers={},
        level=level,
        assessed_on=day,
        submitted_at=dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC),
    )
    db.session.add(row)
    db.session.commit()
    return row


@pytest.fixture
def world(app_ctx):
    return Shops()


def _login(client, user):
    client.login(user.email, factories.PASSWORD)


def _names_listed(client, query: str = "") -> set[str]:
    html = client.get(f"/retail/shops{query}", headers=EN).get_data(as_text=True)
    return set(re.findall(r'class="shop-name" href="[^"]+">([^<]+)</a>', html))


def _form(**fields) -> dict:
    form = {
        "name": "Quán Nước Út",
        "kind": "food_service",
        "market": "",
        "owner_name": "Trần Văn Út",
        "phone": "0987 654 321",
        "registration_no": "",
        "ward_code": WARD,
        "address": "40 Đường số 5",
        "latitude": "",
        "longitude": "",
    }
    return form | fields


# --- the list -----------------------------------------------------------------------------


def test_an_officer_lists_and_finds_only_the_shops_of_its_wards(client, world):
    _login(client, world.officer)
    assert _names_listed(client) == {"Tạp hóa Cô Ba", "Nhà thuốc An Bình"}
    # The other ward's shop has the same phone and a name that matches: still never shown.
    for query in ("?q=0912345678", "?q=%2B84+912+345+678", "?q=T%E1%BA%A1p+h%C3%B3a"):
        assert _names_listed(client, query) == {"Tạp hóa Cô Ba"}, query
    assert _names_listed(client, f"?ward_code={OTHER_WARD}") == set()


def test_staff_find_a_phone_typed_in_any_form_in_every_ward(client, world):
    _login(client, world.staff)
    both = {"Tạp hóa Cô Ba", "Tạp hóa Cô Ba Trảng Dài"}
    for typed in ("0912 345 678", "84912345678", "%2B84912345678", "345678"):
        assert _names_listed(client, f"?q={typed}") == both, typed
    assert _names_listed(client, "?q=0312345678") == {"Tạp hóa Cô Ba"}  # registration number
    assert _names_listed(client, f"?q=0912345678&ward_code={OTHER_WARD}") == {
        "Tạp hóa Cô Ba Trảng Dài"
    }


def test_the_list_filters_by_kind_state_and_the_latest_submitted_level(client, world):
    _assess(world.here, 2, dt.date(2026, 3, 1))
    _assess(world.here, 4, dt.date(2026, 9, 1))  # the latest: level 4
    _assess(world.pharmacy, 1, dt.date(2026, 9, 5), state=AssessmentState.DRAFT)  # not counted
    services.close_shop(world.pharmacy, world.officer)
    db.session.commit()
    _login(client, world.officer)
    assert _names_listed(client, "?assessed=yes") == {"Tạp hóa Cô Ba"}
    assert _names_listed(client, "?assessed=no") == {"Nhà thuốc An Bình"}
    assert _names_listed(client, "?level=4") == {"Tạp hóa Cô Ba"}
    assert _names_listed(client, "?level=2") == set()
    assert _names_listed(client, "?kind=pharmacy") == {"Nhà thuốc An Bình"}
    assert _names_listed(client, "?state=active") == {"Tạp hóa Cô Ba"}
    assert _names_listed(client, "?state=closed") == {"Nhà thuốc An Bình"}
    html = client.get("/retail/shops", headers=EN).get_data(as_text=True)
    assert "Level 4" in html and "Not assessed yet" in html


def test_the_list_shows_kinds_in_vietnamese_and_phones_as_written(client, world):
    _login(client, world.officer)
    html = client.get("/retail/shops").get_data(as_text=True)
    assert "0912 345 678" in html and "+84912345678" not in html
    assert "Nhà thuốc" in html and "Pharmacy" not in html


# --- registering --------------------------------------------------------------------------


def test_an_officer_registers_a_shop_with_its_phone_normalised(client, world):
    _login(client, world.officer)
    response = client.submit("/retail/shops/new", _form())
    assert response.status_code == 302, response.get_data(as_text=True)
    shop = db.session.scalars(select(Shop).where(Shop.name == "Quán Nước Út")).one()
    assert (shop.phone, shop.ward_code, shop.kind) == ("+84987654321", WARD, ShopKind.FOOD_SERVICE)
    html = client.get(response.location).get_data(as_text=True)
    assert "0987 654 321" in html and "Trần Văn Út" in html


def test_a_typed_value_a_rule_refuses_is_shown_next_to_its_field(client, world):
    _login(client, world.officer)
    html = client.submit(
        "/retail/shops/new",
        _form(phone="0912 345", registration_no="12345", latitude="abc"),
        headers=EN,
    ).get_data(as_text=True)
    assert 'id="phone-error"' in html and 'id="registration_no-error"' in html
    assert 'id="latitude-error"' in html and "not a Vietnamese phone number" in html
    assert db.session.scalars(select(Shop).where(Shop.name == "Quán Nước Út")).first() is None


def test_a_duplicate_phone_links_to_the_registered_shop(client, world):
    _login(client, world.officer)
    response = client.submit("/retail/shops/new", _form(phone="0912.345.678"), headers=EN)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'href="/retail/shops/{world.here.id}"' in html and 'id="phone-error"' in html


def test_a_duplicate_in_another_ward_is_not_named_to_an_officer(client, world):
    _login(client, world.officer_b)
    response = client.submit(
        "/retail/shops/new",
        _form(ward_code=OTHER_WARD, registration_no="0312345678"),
        headers=EN,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "ward you do not look after" in html
    assert "Tạp hóa Cô Ba" not in html and f"/retail/shops/{world.here.id}" not in html


def test_a_similar_shop_is_shown_and_registering_anyway_needs_the_checkbox(client, world):
    _login(client, world.officer)
    similar = _form(name="TAP HOA CO BA", kind="grocery", address="12 đường số 3")
    html = client.submit("/retail/shops/new", similar, headers=EN).get_data(as_text=True)
    assert "Is it one of these shops?" in html and 'name="confirm_similar"' in html
    assert f'href="/retail/shops/{world.here.id}"' in html
    assert db.session.scalars(select(Shop).where(Shop.name == "TAP HOA CO BA")).first() is None
    response = client.submit("/retail/shops/new", similar | {"confirm_similar": "y"})
    assert response.status_code == 302
    assert db.session.scalars(select(Shop).where(Shop.name == "TAP HOA CO BA")).one()


def test_an_officer_cannot_register_a_shop_in_another_ward(client, world):
    _login(client, world.officer)
    html = client.submit("/retail/shops/new", _form(ward_code=OTHER_WARD), headers=EN).get_data(
        as_text=True
    )
    assert 'id="ward_code-error"' in html and "Choose one of your wards" in html
    # The select offers the officer's own ward only.
    assert re.findall(r'<option[^>]*value="(\d{5})"', html) == [WARD]


def test_a_market_stall_asks_for_its_market(client, world):
    _login(client, world.officer)
    html = client.submit("/retail/shops/new", _form(kind="market_stall"), headers=EN).get_data(
        as_text=True
    )
    assert 'id="market-error"' in html


# --- editing, closing, reopening ----------------------------------------------------------


def test_editing_applies_the_rules_ignoring_the_shop_itself(client, world):
    _login(client, world.officer)
    url = f"/retail/shops/{world.here.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert 'value="0912 345 678"' in page  # shown as written, not as stored
    edited = _form(
        name="Tạp hóa Cô Ba",
        kind="grocery",
        phone="0912 345 678",
        registration_no="0312345678",
        address="12 Đường số 3",
        latitude="10,957413",
        longitude="106.842687",
    )
    assert client.submit(url, edited).status_code == 302
    db.session.refresh(world.here)
    assert str(world.here.latitude) == "10.957413" and world.here.owner_name == "Trần Văn Út"
    taken = edited | {"phone": "", "registration_no": "", "name": "Nhà thuốc An Bình"}
    taken |= {"address": "7 Đồng Khởi", "kind": "pharmacy"}
    html = client.submit(url, taken, headers=EN).get_data(as_text=True)
    assert "Is it one of these shops?" in html  # it now reads like the pharmacy


def test_closing_asks_first_then_reopening_undoes_it(client, world):
    _login(client, world.officer)
    url = f"/retail/shops/{world.here.id}/close"
    page = client.get(url, headers=EN).get_data(as_text=True)
    assert "Close Tạp hóa Cô Ba?" in page
    db.session.refresh(world.here)
    assert world.here.state is ShopState.ACTIVE  # asking changed nothing
    assert client.submit(url, {}).status_code == 302
    db.session.refresh(world.here)
    assert world.here.state is ShopState.CLOSED
    assert client.submit(f"/retail/shops/{world.here.id}/reopen", {}).status_code == 302
    db.session.refresh(world.here)
    assert world.here.state is ShopState.ACTIVE


# --- merging ------------------------------------------------------------------------------


def test_staff_merge_a_duplicate_after_seeing_how_many_assessments_move(client, world):
    duplicate = services.create_shop(
        _data(name="Tạp hóa Cô Ba", address="12 Đường số 3", owner_name="Nguyễn Thị Ba"),
        world.staff,
    )
    moving = [
        _assess(duplicate, 2, dt.date(2026, 4, 1)),
        _assess(duplicate, 3, dt.date(2026, 10, 1)),
    ]
    _login(client, world.staff)
    url = f"/retail/shops/{world.here.id}/merge"
    choose = client.get(url, headers=EN).get_data(as_text=True)
    assert f"{url}?other={duplicate.id}" in choose  # suggested: same name and address
    confirm = client.get(f"{url}?other={duplicate.id}", headers=EN).get_data(as_text=True)
    assert "2 assessments will move to this shop." in confirm
    assert client.submit(url, {"other": str(duplicate.id)}).status_code == 302
    db.session.expire_all()
    assert {a.shop_id for a in moving} == {world.here.id}
    merged = db.session.get(Shop, duplicate.id)
    assert merged.state is ShopState.MERGED and merged.merged_into_id == world.here.id
    assert db.session.get(Shop, world.here.id).owner_name == "Nguyễn Thị Ba"
    detail = client.get(f"/retail/shops/{duplicate.id}", headers=EN).get_data(as_text=True)
    assert f'href="/retail/shops/{world.here.id}"' in detail


def test_a_merge_refused_says_why_and_changes_nothing(client, world):
    other = services.create_shop(_data(name="Khác", registration_no="0312345679"), world.staff)
    db.session.commit()
    _login(client, world.staff)
    url = f"/retail/shops/{world.here.id}/merge"
    response = client.submit(url, {"other": str(other.id)}, follow_redirects=True, headers=EN)
    assert "different registration numbers" in response.get_data(as_text=True)
    db.session.refresh(other)
    assert other.state is ShopState.ACTIVE


def test_an_officer_cannot_merge_even_in_its_ward(client, world):
    _login(client, world.officer)
    response = client.submit(
        f"/retail/shops/{world.here.id}/merge", {"other": str(world.pharmacy.id)}
    )
    assert response.status_code == 403
    db.session.refresh(world.pharmacy)
    assert world.pharmacy.state is ShopState.ACTIVE


@pytest.mark.parametrize("other", ["99999999999999", "-3", "abc", "0"])
def test_a_duplicate_id_that_is_no_row_id_asks_for_the_duplicate_again(client, world, other):
    _login(client, world.staff)
    url = f"/retail/shops/{world.here.id}/merge"
    assert client.get(f"{url}?other={other}").status_code == 200
    response = client.submit(url, {"other": other})
    assert response.status_code == 302 and response.location.endswith(url)
