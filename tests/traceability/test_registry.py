"""The registry's rules and review workflow, through the services, pages and API."""

import datetime as dt
from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from core.accounts.models import User
from core.audit import AuditEntry
from core.db import province_today
from core.errors import Conflict, Forbidden, ValidationFailed
from core.extensions import db
from tests import factories
from traceability.registry import lifecycle, places, services
from traceability.registry.models import (
    Batch,
    IpKind,
    IpStatus,
    Producer,
    Product,
    ProductCategory,
    ReviewState,
    VerificationState,
)

EN = {"Accept-Language": "en"}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def audit_actions(obj) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.object_type == obj.__tablename__, AuditEntry.object_id == str(obj.id))
            .order_by(AuditEntry.id)
        )
    )


# --- sign-up ---------------------------------------------------------------------------------

SIGNUP = {
    "account_name": "Nguyễn Văn A",
    "account_email": "htx.moi@example.vn",
    "password": "mat-khau-2026",
    "legal_name": "HTX Bưởi Mới",
    "kind": "cooperative",
    "tax_code": "3603999888",
    "ward_code": "26188",
    "address": "Ấp 2, Tân Bình",
    "gs1_company_prefix": "8938599",
}


def test_signup_creates_a_pending_producer_who_can_log_in(client, app_ctx):
    response = client.submit("/signup", SIGNUP, token_from="/signup")
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "htx.moi@example.vn"))
    assert user.producer.verification_state is VerificationState.PENDING
    assert user.producer.tax_code == "3603999888"
    # Sign-up does not log in (that would tell new emails from taken ones): log in right away.
    assert response.headers["Location"] == "/login"
    client.login(SIGNUP["account_email"], SIGNUP["password"])
    assert client.get("/producer").status_code == 200


def test_a_failed_signup_leaves_nothing_behind(client, make):
    make.producer(tax_code="3603999888")
    db.session.commit()
    producers, users = count(Producer), count(User)
    response = client.submit("/signup", SIGNUP, token_from="/signup", headers=EN)
    assert response.status_code == 200
    assert "A producer with this tax code is already registered." in response.get_data(as_text=True)
    assert (count(Producer), count(User)) == (producers, users)


def test_signup_shows_every_problem_at_once(client, app_ctx):
    data = dict(SIGNUP, password="short", tax_code="12", account_email="not-an-email")
    html = client.submit("/signup", data, token_from="/signup", headers=EN).get_data(as_text=True)
    assert "Use at least 10 characters." in html
    assert "A tax code has 10 digits" in html
    assert (count(Producer), count(User)) == (0, 0)


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("3603999888", "3603999888"),
        ("3603999888-001", "3603999888-001"),
        ("3603999888001", "3603999888-001"),
        ("075186001234", "075186001234"),
    ],
)
def test_tax_code_forms(make, given, stored):
    producer, _ = make.producer(tax_code=given)
    assert producer.tax_code == stored


@pytest.mark.parametrize("bad", ["123", "36039998881", "3603-999888", "abcdefghij"])
def test_bad_tax_codes_are_refused(make, bad):
    with pytest.raises(ValidationFailed) as exc:
        make.producer(tax_code=bad)
    assert "tax_code" in exc.value.errors


# --- review workflow -------------------------------------------------------------------------


def test_an_unverified_producer_cannot_publish(make):
    producer, owner = make.producer(verified=False)
    product = make.product(producer, owner)
    with force_locale("en"), pytest.raises(Forbidden, match="not been verified"):
        services.submit_product(product, owner)
    assert product.review_state is ReviewState.DRAFT
    assert not product.is_published


def test_an_unverified_producers_product_cannot_be_verified(make):
    producer, owner = make.producer(verified=False)
    product = make.product(producer, owner)
    product.review_state = ReviewState.SUBMITTED  # even if it got there somehow
    with pytest.raises(Conflict):
        services.verify_product(product, make.staff())


def test_submit_verify_and_reject_are_audited_with_the_actor(make):
    producer, owner = make.producer()
    staff = make.staff()
    product = make.product(producer, owner)
    services.submit_product(product, owner)
    services.verify_product(product, staff)
    assert product.is_published
    services.reject_product(product, "Nhãn sai tên cơ sở", staff)
    assert product.review_state is ReviewState.REJECTED
    assert product.rejection_reason == "Nhãn sai tên cơ sở"
    assert audit_actions(product) == [
        "product.create",
        "product.submit",
        "product.verify",
        "product.reject",
    ]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "product.reject"))
    assert entry.actor_id == staff.id and entry.detail["reason"] == "Nhãn sai tên cơ sở"
    services.submit_product(product, owner)  # fixed and sent again
    assert product.review_state is ReviewState.SUBMITTED


def test_rejecting_needs_a_reason(make):
    producer, owner = make.producer()
    product = make.product(producer, owner)
    services.submit_product(product, owner)
    with pytest.raises(ValidationFailed) as exc:
        services.reject_product(product, "  ", make.staff())
    assert "reason" in exc.value.errors


def test_producers_cannot_verify_their_own_products(make):
    producer, owner = make.producer()
    product = make.product(producer, owner)
    services.submit_product(product, owner)
    with pytest.raises(Forbidden):
        services.verify_product(product, owner)


def test_staff_refuse_then_the_producer_resubmits(client, make):
    producer, owner = make.producer(verified=False)
    staff = make.staff()
    db.session.commit()
    client.login(staff.email, factories.PASSWORD)
    client.submit(
        f"/staff/producers/{producer.id}/reject",
        {"reason": "Thiếu giấy phép kinh doanh"},
        token_from="/staff/review",
    )
    db.session.refresh(producer)
    assert producer.verification_state is VerificationState.REJECTED
    client.submit("/logout", token_from="/account")
    client.login(owner.email, factories.PASSWORD)
    assert "Thiếu giấy phép kinh doanh" in client.get("/producer").get_data(as_text=True)
    client.submit("/producer/resubmit", token_from="/producer")
    db.session.refresh(producer)
    assert producer.verification_state is VerificationState.PENDING
    assert audit_actions(producer) == ["producer.register", "producer.reject", "producer.resubmit"]


def test_the_review_queue_lists_what_waits(client, make):
    _pending, _ = make.producer(verified=False, legal_name="HTX Chờ Duyệt")
    producer, owner = make.producer()
    product = make.product(producer, owner, name="Bưởi chờ duyệt")
    services.submit_product(product, owner)
    staff = make.staff()
    db.session.commit()
    client.login(staff.email, factories.PASSWORD)
    html = client.get("/staff/review").get_data(as_text=True)
    assert "HTX Chờ Duyệt" in html and "Bưởi chờ duyệt" in html
    client.submit(f"/staff/products/{product.id}/verify", token_from="/staff/review")
    db.session.refresh(product)
    assert product.review_state is ReviewState.VERIFIED


def test_verified_identity_is_locked_for_the_producer(make):
    producer, owner = make.producer()
    with pytest.raises(ValidationFailed) as exc:
        services.update_producer(producer, {"tax_code": "3609999999", "phone": "0909"}, owner)
    assert "tax_code" in exc.value.errors
    services.update_producer(producer, {"tax_code": "3609999999"}, make.staff())
    assert producer.tax_code == "3609999999"


def test_the_gtin_of_a_verified_product_is_fixed(make):
    producer, owner = make.producer()
    product = make.product(producer, owner)
    services.submit_product(product, owner)
    services.verify_product(product, make.staff())
    with pytest.raises(ValidationFailed) as exc:
        services.update_product(product, {"gtin": factories.gtin()}, owner)
    assert "gtin" in exc.value.errors
    with pytest.raises(Conflict):
        lifecycle.delete_product(product, owner)


# --- OCOP, IP, portal ------------------------------------------------------------------------


def test_ocop_certificates_last_36_months_by_default(make):
    producer, owner = make.producer()
    product = make.ocop_product(producer, owner, ocop_valid_from=dt.date(2024, 3, 15))
    assert product.ocop_valid_to == dt.date(2027, 3, 14)
    with pytest.raises(ValidationFailed) as exc:
        services.update_product(product, {"ocop_valid_to": dt.date(2027, 3, 16)}, owner)
    assert "ocop_valid_to" in exc.value.errors


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ocop_stars": None}, "ocop_stars"),
        ({"ocop_stars": 6}, "ocop_stars"),
        ({"ocop_group": None}, "ocop_group"),
        ({"ocop_certificate_no": ""}, "ocop_certificate_no"),
    ],
)
def test_ocop_products_need_their_ocop_details(make, changes, field):
    producer, owner = make.producer()
    with pytest.raises(ValidationFailed) as exc:
        make.ocop_product(producer, owner, **changes)
    assert field in exc.value.errors


def test_only_ocop_products_have_stars(make):
    producer, owner = make.producer()
    with pytest.raises(ValidationFailed) as exc:
        make.product(producer, owner, category=ProductCategory.AGRICULTURAL, ocop_stars=4)
    assert "ocop_stars" in exc.value.errors


@pytest.mark.parametrize(
    ("days_left", "expected"), [(200, None), (60, "expires on"), (-1, "has expired")]
)
def test_ocop_expiry_warnings(make, days_left, expected):
    producer, owner = make.producer()
    today = dt.date(2026, 11, 23)
    valid_to = today + dt.timedelta(days=days_left)
    product = make.ocop_product(
        producer, owner, ocop_valid_from=valid_to - dt.timedelta(days=600), ocop_valid_to=valid_to
    )
    with force_locale("en"):
        warnings = [str(w) for w in services.product_warnings(product, today)]
    assert any(expected in w for w in warnings) if expected else not warnings


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"ip_status": IpStatus.NONE, "ip_number": "4-0001"}, "ip_status"),
        ({"ip_status": IpStatus.FILED}, "ip_kind"),
        ({"ip_status": IpStatus.PROTECTED, "ip_kind": IpKind.TRADEMARK}, "ip_number"),
    ],
)
def test_ip_protection_details_fit_the_status(make, fields, field):
    producer, owner = make.producer()
    with pytest.raises(ValidationFailed) as exc:
        make.product(producer, owner, **fields)
    assert field in exc.value.errors


def test_a_listed_product_needs_the_portal_reference(make):
    from traceability.registry.models import PortalState

    producer, owner = make.producer()
    product = make.product(producer, owner)
    staff = make.staff()
    with pytest.raises(ValidationFailed):
        services.set_portal_status(
            product, state=PortalState.LISTED, reference="", on=None, actor=staff
        )
    services.set_portal_status(
        product, state=PortalState.LISTED, reference="TXNG-1", on=None, actor=staff
    )
    assert (
        product.portal_state is PortalState.LISTED and product.portal_state_on == province_today()
    )
    with pytest.raises(Forbidden):
        services.set_portal_status(
            product, state=PortalState.REJECTED, reference="", on=None, actor=owner
        )


# --- sites and batches -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "lot",
    ["LÔ-01", "LOT 01", "A" * 21, "", "lot#1"],
)
def test_lot_codes_follow_gs1_ai_10(make, lot):
    producer, owner = make.producer()
    product = make.product(producer, owner)
    with pytest.raises(ValidationFailed) as exc:
        make.batch(product, owner, lot_code=lot)
    assert "lot_code" in exc.value.errors


def test_lot_codes_are_unique_per_product_whatever_the_case(make):
    producer, owner = make.producer()
    product = make.product(producer, owner)
    make.batch(product, owner, lot_code="BTT2611A")
    with pytest.raises(ValidationFailed):
        make.batch(product, owner, lot_code="btt2611a")
    make.batch(make.product(producer, owner), owner, lot_code="BTT2611A")  # another product: fine


def test_a_batch_cannot_use_another_producers_site_or_product(make):
    producer, owner = make.producer()
    other, other_user = make.producer()
    product = make.product(producer, owner)
    foreign_site = make.site(other, other_user)
    with pytest.raises(ValidationFailed) as exc:
        make.batch(product, owner, site_id=foreign_site.id)
    assert "site_id" in exc.value.errors
    with pytest.raises(ValidationFailed) as exc:
        places.create_batch({"product_id": product.id, "lot_code": "X1"}, other_user)
    assert "product_id" in exc.value.errors


def test_expiry_cannot_precede_production(make):
    producer, owner = make.producer()
    product = make.product(producer, owner)
    with pytest.raises(ValidationFailed) as exc:
        make.batch(
            product, owner, produced_on=dt.date(2026, 11, 1), expires_on=dt.date(2026, 10, 1)
        )
    assert "expires_on" in exc.value.errors


def test_sites_need_both_coordinates_and_valid_ranges(make):
    producer, owner = make.producer()
    with pytest.raises(ValidationFailed) as exc:
        make.site(producer, owner, latitude=Decimal("11.04"))
    assert "longitude" in exc.value.errors
    with pytest.raises(ValidationFailed) as exc:
        make.site(producer, owner, latitude=Decimal("95"), longitude=Decimal("106.8"))
    assert "latitude" in exc.value.errors


def test_a_site_with_batches_cannot_be_deleted(make):
    producer, owner = make.producer()
    site = make.site(producer, owner)
    make.batch(make.product(producer, owner), owner, site_id=site.id)
    with pytest.raises(Conflict):
        lifecycle.delete_site(site, owner)


# --- pages -----------------------------------------------------------------------------------


def test_a_producer_adds_a_product_and_a_batch_through_the_pages(client, make):
    producer, owner = make.producer()
    site = make.site(producer, owner)
    db.session.commit()
    client.login(owner.email, factories.PASSWORD)
    gtin = factories.gtin()
    response = client.submit(
        "/products/new",
        {
            "gtin": gtin[1:],
            "name": "Bưởi da xanh",
            "category": "ocop",
            "ocop_group": "food",
            "ocop_stars": "4",
            "ocop_certificate_no": "12/OCOP",
            "ocop_valid_from": "2025-06-01",
            "standards": ["VietGAP"],
            "other_standards": "TCVN 11888:2017",
            "ip_status": "none",
        },
        token_from="/products/new",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    product = db.session.scalar(select(Product).where(Product.gtin == gtin))
    assert product.producer_id == producer.id
    assert product.standards == ["VietGAP", "TCVN 11888:2017"]
    assert product.ocop_valid_to == dt.date(2028, 5, 31)
    response = client.submit(
        "/batches/new",
        {
            "product_id": str(product.id),
            "site_id": str(site.id),
            "lot_code": "BDX2611",
            "produced_on": "2026-11-02",
            "quantity": "120.5",
            "unit": "kg",
        },
        token_from="/batches/new",
    )
    assert response.status_code == 302
    batch = db.session.scalar(select(Batch).where(Batch.lot_code == "BDX2611"))
    assert (batch.product_id, batch.site_id, batch.producer_id) == (
        product.id,
        site.id,
        producer.id,
    )


def test_a_failed_api_write_leaves_nothing_half_written(client, make):
    _producer, owner = make.producer()
    headers = {"Authorization": f"Bearer {make.token(owner)}"}
    db.session.commit()
    before = (count(Product), count(AuditEntry))
    response = client.post(
        "/api/v1/products/",
        headers=headers,
        json={
            "gtin": factories.gtin(),
            "name": "OCOP thiếu sao",
            "category": "ocop",
            "ocop_group": "food",
        },
    )
    assert response.status_code == 422
    assert set(response.get_json()["errors"]["json"]) >= {"ocop_stars", "ocop_certificate_no"}
    assert (count(Product), count(AuditEntry)) == before


def test_every_page_of_the_portal_renders_in_both_languages(client, make):
    producer, owner = make.producer()
    product = make.ocop_product(producer, owner)
    site = make.site(producer, owner)
    batch = make.batch(product, owner, site_id=site.id)
    db.session.commit()
    client.login(owner.email, factories.PASSWORD)
    pages = [
        "/producer",
        "/producer/profile",
        "/products",
        "/products/new",
        f"/products/{product.id}",
        f"/products/{product.id}/edit",
        "/sites",
        "/sites/new",
        f"/sites/{site.id}/edit",
        "/batches",
        "/batches/new",
        f"/batches/{batch.id}/edit",
        "/wards/",
        "/account",
        "/account/tokens",
    ]
    for lang in ("vi", "en"):
        for page in pages:
            response = client.get(page, headers={"Accept-Language": lang})
            assert response.status_code == 200, page
            assert f'<html lang="{lang}">' in response.get_data(as_text=True)


def test_moving_a_batch_to_another_site_is_audited(make):
    producer, owner = make.producer()
    first, second = make.site(producer, owner), make.site(producer, owner)
    batch = make.batch(make.product(producer, owner), owner, site_id=first.id)
    places.update_batch(batch, {"site_id": second.id}, owner)
    assert batch.site_id == second.id
    assert audit_actions(batch) == ["batch.create", "batch.update"]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "batch.update"))
    assert entry.detail["changes"]["site_id"] == [str(first.id), str(second.id)]
