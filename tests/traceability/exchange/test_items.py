"""The ten items of Circular 02/2024/TT-BKHCN: complete for the demo's listed products, and what
is missing, item by item, for an incomplete one."""

from __future__ import annotations

import datetime as dt
import io

from flask_babel import force_locale
from PIL import Image
from sqlalchemy import select

from core.extensions import db
from tests import factories
from traceability.exchange import items as ten
from traceability.registry import demo, images
from traceability.registry.models import IpKind, IpStatus, PortalState, Product


def _photo() -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", (400, 300), "orange").save(out, "JPEG")
    out.seek(0)
    return out


def test_the_demo_products_listed_on_the_portal_have_all_ten_items(app_ctx):
    demo.load_demo()
    listed = db.session.scalars(
        select(Product).where(Product.portal_state == PortalState.LISTED)
    ).all()
    assert listed
    for product in listed:
        # The demo has no photos: a producer adds one (the only item the demo leaves out).
        before = {m.code for m in ten.missing_items(product)}
        assert before <= {"images"}, (product.name, before)
        if before:
            images.add_product_image(product, _photo(), _owner(product))
            db.session.flush()
            db.session.refresh(product)
        found = ten.product_items(product)
        assert ten.missing_items(product, found) == [], product.name
        assert set(found) == set(ten.CODES)
        stages = [s for lot in found["production_stages"] for s in lot["stages"]]
        assert stages and all(s["time"] and s["location_trace_code"] for s in stages)
        assert all(
            s["product_trace_code"].endswith(f"/01/{product.gtin}/10/{lot['lot']}")
            for lot in found["production_stages"]
            for s in lot["stages"]
        )
        assert found["trace_code"]["digital_link"].endswith(f"/01/{product.gtin}")
        assert found["expiry"] and found["production_time"]


def _owner(product):
    from core.accounts.models import User

    return db.session.scalars(select(User).where(User.producer_id == product.producer_id)).first()


def test_an_incomplete_product_says_what_is_missing_and_where_to_fix_it(app_ctx):
    producer, owner = factories.producer()
    product = factories.product(producer, owner)
    missing = ten.missing_items(product)
    assert [m.code for m in missing] == [
        "images",
        "production_stages",
        "production_time",
        "expiry",
        "brand_serial",
        "applied_standards",
    ]
    by_code = {m.code: m for m in missing}
    # In the reader's language (the Vietnamese is merged from /work/briefs/po/d1.po).
    with force_locale("en"):
        assert str(by_code["images"].message) == "No photo: add one on the product page."
    assert by_code["images"].url == f"/products/{product.id}#images"
    assert by_code["production_stages"].url == "/batches/new"


def test_each_item_filled_in_leaves_the_list(app_ctx):
    producer, owner = factories.producer()
    product = factories.product(
        producer, owner, standards=["VietGAP"], ip_status=IpStatus.FILED, ip_kind=IpKind.TRADEMARK
    )
    batch = factories.batch(product, owner, expires_on=dt.date(2027, 1, 1))
    images.add_product_image(product, _photo(), owner)
    db.session.flush()
    db.session.refresh(product)
    missing = ten.missing_items(product)
    assert [m.code for m in missing] == ["production_stages"]
    assert missing[0].url == f"/batches/{batch.id}"
    batch.expires_on = None
    db.session.flush()
    db.session.refresh(product)
    assert [m.code for m in ten.missing_items(product)] == ["production_stages", "expiry"]


def test_a_product_with_missing_items_cannot_be_submitted(app_ctx):
    import pytest

    from core.errors import Conflict

    producer, owner = factories.producer()
    product = factories.product(producer, owner)
    with pytest.raises(Conflict):
        ten.require_complete(product)
