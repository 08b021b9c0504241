"""Shop operations: duplicates, the similarity warning, wards, closing, merging, personal data."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.accounts.models import Role
from core.audit import AuditEntry
from core.errors import Conflict, NotFound, ValidationFailed
from core.extensions import db
from retail.assessments import frameworks
from retail.assessments.models import Assessment, AssessmentState
from retail.shops import services
from retail.shops.models import Shop, ShopKind, ShopState
from tests import factories

WARD = "26188"  # Phường Tân Triều
OTHER_WARD = "25993"  # Phường Trảng Dài


@pytest.fixture
def people(app_ctx):
    return {
        "officer": factories.user(Role.OFFICER, wards=(WARD,)),
        "officer_b": factories.user(Role.OFFICER, wards=(OTHER_WARD,)),
        "staff": factories.staff(),
    }


def shop_data(**fields) -> dict:
    data = {
        "name": "Tạp hóa Cô Ba",
        "owner_name": "Nguyễn Thị Ba",
        "phone": "+84912345678",
        "registration_no": None,
        "ward_code": WARD,
        "address": "12 Đường số 3",
        "market": "",
        "kind": ShopKind.GROCERY,
        "latitude": None,
        "longitude": None,
    }
    return data | fields


def assessment(shop: Shop, level: int, day: dt.date, state=AssessmentState.SUBMITTED):
    """An assessment row written directly (the assessment services are another part's)."""
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
    db.session.flush()
    return row


# --- duplicates ---------------------------------------------------------------------------


def test_the_same_registration_number_in_any_ward_is_refused(people):
    existing = services.create_shop(shop_data(registration_no="0312345678"), people["officer"])
    with pytest.raises(services.DuplicateShop) as refused:
        services.create_shop(
            shop_data(name="Khác", phone=None, ward_code=OTHER_WARD, registration_no="0312345678"),
            people["staff"],
        )
    assert refused.value.existing.id == existing.id
    assert refused.value.visible
    assert set(refused.value.errors) == {"registration_no"}
    assert existing.name in refused.value.errors["registration_no"][0]


def test_a_duplicate_in_a_ward_the_officer_does_not_look_after_is_not_named(people):
    services.create_shop(shop_data(registration_no="0312345678"), people["officer"])
    with pytest.raises(services.DuplicateShop) as refused:
        services.create_shop(
            shop_data(ward_code=OTHER_WARD, phone=None, registration_no="0312345678"),
            people["officer_b"],
        )
    assert not refused.value.visible
    message = refused.value.errors["registration_no"][0]
    assert "Tạp hóa Cô Ba" not in message and str(refused.value.existing.id) not in message


def test_the_same_phone_in_the_same_ward_is_refused(people):
    existing = services.create_shop(shop_data(), people["officer"])
    with pytest.raises(services.DuplicateShop) as refused:
        services.create_shop(shop_data(name="Quán Nước Út", address="99 Khác"), people["officer"])
    assert refused.value.existing.id == existing.id
    assert set(refused.value.errors) == {"phone"}


def test_the_same_phone_in_another_ward_is_another_shop(people):
    services.create_shop(shop_data(), people["officer"])
    other = services.create_shop(shop_data(ward_code=OTHER_WARD), people["officer_b"])
    assert other.ward_code == OTHER_WARD


def test_a_merged_shop_is_no_duplicate(people):
    first = services.create_shop(shop_data(), people["officer"])
    keep = services.create_shop(shop_data(name="Cô Ba", phone="+84911111111"), people["officer"])
    services.merge_shops(keep, first, people["staff"])
    assert keep.phone == "+84911111111"  # the kept shop keeps its own phone
    again = services.create_shop(shop_data(name="Cô Ba mới", address="1 Khác"), people["officer"])
    assert again.phone == first.phone


def test_a_similar_name_and_address_warns_until_confirmed(people):
    existing = services.create_shop(shop_data(), people["officer"])
    similar = shop_data(name="TẠP HÓA CÔ BA", phone="+84987654321", address="12 đường số 3")
    with pytest.raises(services.SimilarShops) as warned:
        services.create_shop(similar, people["officer"], warn_similar=True)
    assert [s.id for s in warned.value.similar] == [existing.id]
    created = services.create_shop(similar, people["officer"], warn_similar=False)
    assert created.id != existing.id


def test_a_similar_name_elsewhere_or_at_another_address_does_not_warn(people):
    services.create_shop(shop_data(), people["officer"])
    services.create_shop(
        shop_data(phone="+84987654321", ward_code=OTHER_WARD), people["staff"], warn_similar=True
    )
    services.create_shop(
        shop_data(phone="+84911111111", address="300 Quốc lộ 1"),
        people["officer"],
        warn_similar=True,
    )


def test_an_update_is_no_duplicate_of_itself_but_of_others(people):
    shop = services.create_shop(shop_data(registration_no="0312345678"), people["officer"])
    services.update_shop(
        shop, shop_data(address="14 Đường số 3", registration_no="0312345678"), people["officer"]
    )
    assert shop.address == "14 Đường số 3"
    other = services.create_shop(shop_data(name="Quán Út", phone=None), people["officer"])
    with pytest.raises(services.DuplicateShop) as refused:
        services.update_shop(other, {"phone": "+84912345678"}, people["officer"])
    assert refused.value.existing.id == shop.id
    with pytest.raises(services.DuplicateShop):
        services.update_shop(other, {"registration_no": "0312345678"}, people["officer"])


def test_an_update_that_makes_a_shop_read_like_another_warns(people):
    services.create_shop(shop_data(), people["officer"])
    other = services.create_shop(
        shop_data(name="Quán Út", phone=None, address="5 Khác"), people["officer"]
    )
    with pytest.raises(services.SimilarShops):
        services.update_shop(
            other,
            {"name": "Tạp hóa Cô Ba", "address": "12 Đường số 3"},
            people["officer"],
            warn_similar=True,
        )
    # A change of something else does not ask again.
    services.update_shop(other, {"owner_name": "Trần Út"}, people["officer"], warn_similar=True)


# --- wards --------------------------------------------------------------------------------


def test_an_officer_registers_shops_in_its_wards_only(people):
    with pytest.raises(ValidationFailed) as refused:
        services.create_shop(shop_data(ward_code=OTHER_WARD), people["officer"])
    assert set(refused.value.errors) == {"ward_code"}


def test_an_officer_cannot_move_a_shop_into_another_ward(people):
    shop = services.create_shop(shop_data(), people["officer"])
    with pytest.raises(ValidationFailed) as refused:
        services.update_shop(shop, {"ward_code": OTHER_WARD}, people["officer"])
    assert set(refused.value.errors) == {"ward_code"}
    services.update_shop(shop, {"ward_code": OTHER_WARD}, people["staff"])
    assert shop.ward_code == OTHER_WARD


def test_a_service_refuses_a_shop_of_another_ward_even_if_a_caller_loaded_it(people):
    shop = services.create_shop(shop_data(), people["officer"])
    for change in (
        lambda: services.update_shop(shop, {"name": "X"}, people["officer_b"]),
        lambda: services.close_shop(shop, people["officer_b"]),
    ):
        with pytest.raises(NotFound):
            change()


# --- the other rules ----------------------------------------------------------------------


def test_a_market_stall_needs_its_market(people):
    with pytest.raises(ValidationFailed) as refused:
        services.create_shop(shop_data(kind=ShopKind.MARKET_STALL), people["officer"])
    assert set(refused.value.errors) == {"market"}
    stall = services.create_shop(
        shop_data(kind=ShopKind.MARKET_STALL, market="Chợ Tân Triều"), people["officer"]
    )
    assert stall.market == "Chợ Tân Triều"


def test_coordinates_come_together_and_in_vietnam(people):
    with pytest.raises(ValidationFailed) as refused:
        services.create_shop(shop_data(latitude=Decimal("10.95")), people["officer"])
    assert set(refused.value.errors) == {"latitude"}
    with pytest.raises(ValidationFailed):
        services.create_shop(
            shop_data(latitude=Decimal("106.84"), longitude=Decimal("10.95")), people["officer"]
        )
    shop = services.create_shop(
        shop_data(latitude=Decimal("10.957413"), longitude=Decimal("106.842687")),
        people["officer"],
    )
    assert shop.latitude == Decimal("10.957413")


def test_a_shop_is_closed_then_reopened_and_each_only_once(people):
    shop = services.create_shop(shop_data(), people["officer"])
    services.close_shop(shop, people["officer"])
    assert shop.state is ShopState.CLOSED and shop.closed_on is not None
    with pytest.raises(Conflict):
        services.close_shop(shop, people["officer"])
    services.reopen_shop(shop, people["officer"])
    assert shop.state is ShopState.ACTIVE and shop.closed_on is None
    with pytest.raises(Conflict):
        services.reopen_shop(shop, people["officer"])


# --- merging ------------------------------------------------------------------------------


def test_a_merge_moves_the_assessments_and_marks_the_duplicate(people):
    keep = services.create_shop(shop_data(phone=None, owner_name=""), people["officer"])
    duplicate = services.create_shop(
        shop_data(name="Tạp hóa Cô Ba (nhập lại)", registration_no="0312345678"),
        people["officer"],
    )
    first = assessment(duplicate, 2, dt.date(2026, 3, 2))
    second = assessment(duplicate, 3, dt.date(2026, 9, 2))
    own = assessment(keep, 1, dt.date(2026, 1, 5))
    moved = services.merge_shops(keep, duplicate, people["staff"])
    db.session.flush()
    db.session.expire_all()
    assert moved == 2
    rows = db.session.scalars(select(Assessment.id).where(Assessment.shop_id == keep.id)).all()
    assert sorted(rows) == sorted([first.id, second.id, own.id])
    assert duplicate.state is ShopState.MERGED and duplicate.merged_into_id == keep.id
    # The kept shop takes what it lacked; the unique registration number moved, not copied.
    assert (keep.phone, keep.owner_name) == ("+84912345678", "Nguyễn Thị Ba")
    assert keep.registration_no == "0312345678" and duplicate.registration_no is None
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "shop.merge")).one()
    assert entry.detail["merged_shop"] == duplicate.id and entry.detail["moved_assessments"] == 2


def test_only_staff_merge_and_never_a_shop_into_itself_or_twice(people):
    keep = services.create_shop(shop_data(), people["officer"])
    duplicate = services.create_shop(shop_data(name="Khác", phone=None), people["officer"])
    with pytest.raises(Exception) as refused:
        services.merge_shops(keep, duplicate, people["officer"])
    assert refused.value.status == 403
    with pytest.raises(Conflict):
        services.merge_shops(keep, keep, people["staff"])
    services.merge_shops(keep, duplicate, people["staff"])
    with pytest.raises(Conflict):
        services.merge_shops(keep, duplicate, people["staff"])


def test_two_shops_with_different_registration_numbers_are_not_merged(people):
    keep = services.create_shop(shop_data(registration_no="0312345678"), people["officer"])
    other = services.create_shop(
        shop_data(name="Khác", phone=None, registration_no="0312345679"), people["officer"]
    )
    with pytest.raises(Conflict):
        services.merge_shops(keep, other, people["staff"])
    assert other.state is ShopState.ACTIVE


def test_merge_candidates_are_similar_shops_or_the_same_phone(people):
    shop = services.create_shop(shop_data(), people["officer"])
    similar = services.create_shop(shop_data(phone=None), people["officer"])
    same_phone = services.create_shop(
        shop_data(name="Cửa hàng B", ward_code=OTHER_WARD), people["staff"]
    )
    unrelated = services.create_shop(
        shop_data(name="Nhà thuốc An", phone=None, owner_name="Lê An", address="7 Khác"),
        people["officer"],
    )
    found = {s.id for s in services.merge_candidates(shop)}
    assert {similar.id, same_phone.id} <= found and unrelated.id not in found


# --- personal data ------------------------------------------------------------------------


def test_owner_names_and_phones_stay_out_of_the_audit_log_and_the_logs(people, caplog):
    caplog.set_level(logging.DEBUG)
    owner, phone = "Nguyễn Thị Ba", "+84912345678"
    shop = services.create_shop(shop_data(registration_no="075123456789"), people["officer"])
    services.update_shop(
        shop, {"owner_name": "Nguyễn Thị Bé", "phone": "+84912000111"}, people["officer"]
    )
    duplicate = services.create_shop(
        shop_data(name="Cô Ba 2", owner_name=owner, phone=phone), people["officer"]
    )
    services.merge_shops(shop, duplicate, people["staff"])
    db.session.flush()
    entries = db.session.scalars(select(AuditEntry)).all()
    actions = {e.action for e in entries if e.object_type == "shops"}
    assert actions == {"shop.create", "shop.update", "shop.merge", "shop.merged_into"}
    details = [str(e.detail) for e in entries]
    # The query log of SQLAlchemy, if an operator turned it on, is the database's, not ours.
    lines = [r.getMessage() for r in caplog.records if not r.name.startswith("sqlalchemy")]
    for secret in (owner, "Nguyễn Thị Bé", phone, "912345678", "912000111", "075123456789"):
        assert not any(secret in text for text in details + lines), secret
