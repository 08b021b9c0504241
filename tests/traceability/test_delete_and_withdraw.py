"""Deleting asks first and keeps every trace: rows with stamps are withdrawn, not deleted."""

import io

import pytest
from flask_babel import force_locale
from PIL import Image
from sqlalchemy import select

from core.audit import AuditEntry
from core.errors import Conflict, ValidationFailed
from core.extensions import db
from tests import factories
from traceability.registry import images, lifecycle, services
from traceability.registry.models import Batch, Product, ProductImage, ReviewState, Site

EN = {"Accept-Language": "en"}


def api(owner) -> dict:
    return {"Authorization": f"Bearer {factories.token(owner)}", **EN}


def photo(product, actor):
    out = io.BytesIO()
    Image.new("RGB", (200, 150), "green").save(out, "JPEG")
    out.seek(0)
    return images.add_product_image(product, out, actor)


def actions(obj) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEntry.action).where(
                AuditEntry.object_type == obj.__tablename__, AuditEntry.object_id == str(obj.id)
            )
        )
    )


@pytest.fixture
def stamped(make):
    """A verified producer's published product with a batch that has stamps, and its owner."""
    producer, owner = make.producer()
    product = make.published_product(producer, owner)
    batch = make.batch(product, owner)
    make.stamp_order(batch, owner)
    db.session.commit()
    return product, batch, owner


# --- a batch with stamps: 409 and withdrawal, not a foreign-key 500 --------------------------


def test_a_batch_with_stamps_cannot_be_deleted_through_the_api(client, stamped):
    _product, batch, owner = stamped
    response = client.delete(f"/api/v1/batches/{batch.id}", headers=api(owner))
    assert response.status_code == 409
    assert "Stamps have been issued for this batch" in response.get_json()["message"]
    assert db.session.get(Batch, batch.id) is not None


def test_a_batch_with_stamps_cannot_be_deleted_on_its_page(client, stamped):
    _product, batch, owner = stamped
    client.login(owner.email, factories.PASSWORD)
    page = client.get(f"/batches/{batch.id}/delete", headers=EN).get_data(as_text=True)
    assert "Stamps have been issued for this batch" in page
    assert f'action="/batches/{batch.id}/withdraw"' in page  # withdrawal is offered instead
    response = client.submit(f"/batches/{batch.id}/delete", headers=EN)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/batches/{batch.id}/edit")
    db.session.expire_all()
    assert db.session.get(Batch, batch.id) is not None


def test_a_product_with_stamps_cannot_be_deleted_even_when_returned(make, stamped):
    product, _batch, owner = stamped
    services.reject_product(product, "Nhãn chưa đúng", factories.staff())
    assert product.review_state is ReviewState.REJECTED
    with force_locale("en"):
        assert "Stamps have been issued" in str(lifecycle.product_deletion(product).blocked_by)
    with pytest.raises(Conflict):
        lifecycle.delete_product(product, owner)


# --- a product under review or verified stays -------------------------------------------------


@pytest.mark.parametrize("state", ["submitted", "verified"])
def test_a_product_under_review_or_verified_cannot_be_deleted(client, make, state):
    producer, owner = make.producer()
    product = make.product(producer, owner)
    services.submit_product(product, owner)
    if state == "verified":
        services.verify_product(product, factories.staff())
    db.session.commit()
    response = client.delete(f"/api/v1/products/{product.id}", headers=api(owner))
    assert response.status_code == 409, response.get_json()
    assert db.session.get(Product, product.id) is not None


# --- a draft goes, with its photos and batches, after the page says so ------------------------


def test_the_confirmation_page_says_what_will_be_deleted(client, make):
    producer, owner = make.producer()
    product = make.product(producer, owner)
    photo(product, owner)
    make.batch(product, owner)
    make.batch(product, owner)
    db.session.commit()
    client.login(owner.email, factories.PASSWORD)
    page = client.get(f"/products/{product.id}/delete", headers=EN).get_data(as_text=True)
    assert "This deletes 1 product, its 1 photo and 2 batches without stamps." in page
    detail = client.get(f"/products/{product.id}", headers=EN).get_data(as_text=True)
    assert f'href="/products/{product.id}/delete"' in detail  # a link to ask, not a bare button


def test_deleting_a_draft_removes_its_photos_and_batches(client, make):
    producer, owner = make.producer()
    product = make.product(producer, owner)
    image = photo(product, owner)
    stored = images.media_dir() / images.variant_name(image.key, 320)
    batch = make.batch(product, owner)
    product_id, batch_id = product.id, batch.id
    db.session.commit()
    assert stored.exists()
    client.login(owner.email, factories.PASSWORD)
    response = client.submit(f"/products/{product_id}/delete", headers=EN)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/products")
    db.session.expire_all()
    assert db.session.get(Product, product_id) is None
    assert db.session.get(Batch, batch_id) is None
    assert not db.session.scalars(
        select(ProductImage).where(ProductImage.product_id == product_id)
    ).all()
    assert not stored.exists()
    deleted = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.action.in_(["product.delete", "batch.delete"]))
    ).all()
    assert sorted(deleted) == ["batch.delete", "product.delete"]


# --- withdrawal ------------------------------------------------------------------------------


def test_withdrawing_and_restoring_a_product_is_audited_and_hides_it(client, make):
    producer, owner = make.producer()
    product = make.product(producer, owner, name="Bưởi rút lại")
    db.session.commit()
    headers = api(owner)
    response = client.post(f"/api/v1/products/{product.id}/withdraw", headers=headers)
    assert response.status_code == 200
    assert response.get_json()["withdrawn_at"]
    listed = [p["id"] for p in client.get("/api/v1/products/", headers=headers).get_json()]
    assert product.id not in listed
    listed = client.get("/api/v1/products/?withdrawn=true", headers=headers).get_json()
    assert product.id in [p["id"] for p in listed]
    client.login(owner.email, factories.PASSWORD)
    assert "Bưởi rút lại" not in client.get("/products").get_data(as_text=True)
    assert "Bưởi rút lại" in client.get("/products?withdrawn=1").get_data(as_text=True)
    again = client.post(f"/api/v1/products/{product.id}/withdraw", headers=headers)
    assert again.status_code == 409
    response = client.post(f"/api/v1/products/{product.id}/restore", headers=headers)
    assert response.status_code == 200
    assert response.get_json()["withdrawn_at"] is None
    assert "Bưởi rút lại" in client.get("/products").get_data(as_text=True)
    db.session.expire_all()
    assert actions(product)[-2:] == ["product.withdraw", "product.restore"]


def test_a_withdrawn_product_gets_no_new_batches_and_no_stamps(make, stamped):
    product, batch, owner = stamped
    lifecycle.withdraw_product(product, owner)
    with pytest.raises(ValidationFailed) as failed:
        make.batch(product, owner)
    assert "product_id" in failed.value.errors
    with pytest.raises(Conflict):
        make.stamp_order(batch, owner)


def test_a_withdrawn_batch_gets_no_stamps_until_restored(make, stamped):
    _product, batch, owner = stamped
    lifecycle.withdraw_batch(batch, owner)
    with pytest.raises(Conflict):
        make.stamp_order(batch, owner)
    lifecycle.restore_batch(batch, owner)
    assert make.stamp_order(batch, owner).batch_id == batch.id


def test_a_withdrawn_site_gets_no_new_batches_but_keeps_its_own(client, make):
    producer, owner = make.producer()
    product = make.product(producer, owner)
    site = make.site(producer, owner)
    batch = make.batch(product, owner, site_id=site.id)
    db.session.commit()
    headers = api(owner)
    assert client.delete(f"/api/v1/sites/{site.id}", headers=headers).status_code == 409
    assert client.post(f"/api/v1/sites/{site.id}/withdraw", headers=headers).status_code == 200
    response = client.post(
        "/api/v1/batches/",
        json={"product_id": product.id, "lot_code": "MOI1", "site_id": site.id},
        headers=headers,
    )
    assert response.status_code == 422
    assert "site_id" in response.get_json()["errors"]["json"]
    kept = client.patch(
        f"/api/v1/batches/{batch.id}", json={"site_id": site.id, "notes": "ok"}, headers=headers
    )
    assert kept.status_code == 200, kept.get_json()
    assert site.id not in [
        s["id"] for s in client.get("/api/v1/sites/", headers=headers).get_json()
    ]
    db.session.expire_all()
    assert db.session.get(Site, site.id).withdrawn_at is not None
