"""A producer adds a product from a phone, as a person would: log in, mistype, fix, save."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from core.extensions import db
from traceability.gs1.gtin import check_digit
from traceability.registry.models import Product, ProductCategory

pytestmark = [pytest.mark.browser, pytest.mark.no_db_isolation]

# A GTIN-13 as printed under a barcode, inside the factory producer's GS1 prefix 8938501.
GTIN_BODY = "893850100042"
GOOD_DIGIT = check_digit(GTIN_BODY)
BAD_DIGIT = (GOOD_DIGIT + 1) % 10
GOOD_GTIN13 = f"{GTIN_BODY}{GOOD_DIGIT}"
BAD_GTIN13 = f"{GTIN_BODY}{BAD_DIGIT}"
GOOD_GTIN14 = GOOD_GTIN13.zfill(14)
PRODUCT_NAME = "Bưởi Tân Triều loại 1"


def product_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Product))


def no_horizontal_scroll(page, where: str, shot: str) -> None:
    # A mobile browser zooms out to fit content wider than the screen, which widens
    # window.innerWidth too: compare with the phone's width as well, or overflow goes unseen.
    sizes = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth,"
        " client: document.documentElement.clientWidth})"
    )
    width = page.viewport_size["width"]
    assert sizes["scroll"] <= sizes["inner"] and sizes["scroll"] <= width, (
        f"{where} scrolls sideways on a {width}px-wide phone: {sizes}; screenshot: {shot}"
    )


def test_producer_adds_product_on_a_phone(live_server, phone, tmp_path):
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import expect

    page, t = phone, live_server.t
    failure_shot = tmp_path / "failure.png"

    def shot(name: str) -> str:
        path = tmp_path / f"{name}.png"
        page.screenshot(path=path, full_page=True)
        return str(path)

    try:
        # Log in with the form, as a person would.
        page.goto("/login")
        expect(page.locator("html")).to_have_attribute("lang", re.compile(r"^vi"))
        page.get_by_label(t("Email"), exact=True).fill(live_server.email)
        page.get_by_label(t("Password"), exact=True).fill(live_server.password)
        page.get_by_role("button", name=t("Log in"), exact=True).click()

        # The dashboard, then "Add a product".
        page.wait_for_url(re.compile(r"/producer$"))
        no_horizontal_scroll(page, "the dashboard", shot("dashboard"))
        page.get_by_role("link", name=t("Add a product"), exact=True).click()
        page.wait_for_url(re.compile(r"/products/new$"))

        gtin = page.get_by_label(t("GTIN (barcode number)"), exact=True)
        name = page.get_by_label(t("Product name"), exact=True)
        category = page.get_by_label(t("Category"), exact=True)
        expect(gtin).to_have_attribute("name", "gtin")
        expect(name).to_have_attribute("name", "name")
        expect(category).to_have_attribute("name", "category")

        # A GTIN with a wrong check digit: the error shows next to the field, nothing is saved.
        gtin.fill(BAD_GTIN13)
        name.fill(PRODUCT_NAME)
        category.select_option(label=t("Provincial key product"))
        page.get_by_role("button", name=t("Save"), exact=True).click()

        gtin_field = page.locator(".field").filter(has=page.locator('[name="gtin"]'))
        error = gtin_field.locator(".error")
        expect(error).to_be_visible()
        error_shot = shot("gtin-error")
        assert str(GOOD_DIGIT) in error.inner_text(), (
            f"the GTIN error should say the right check digit ({GOOD_DIGIT}); "
            f"screenshot: {error_shot}"
        )
        expect(page.locator('[name="gtin"]')).to_have_attribute("aria-invalid", "true")
        expect(page.locator('[name="gtin"]')).to_have_value(BAD_GTIN13)
        expect(page.locator('[name="name"]')).to_have_value(PRODUCT_NAME)
        assert product_count(live_server.app) == 0, (
            f"a product with a wrong GTIN check digit was saved; screenshot: {error_shot}"
        )
        no_horizontal_scroll(page, "the product form with an error", error_shot)

        # Fix the check digit and save.
        page.locator('[name="gtin"]').fill(GOOD_GTIN13)
        page.get_by_role("button", name=t("Save"), exact=True).click()

        page.wait_for_url(re.compile(r"/products/\d+$"))
        detail_shot = shot("product-detail")
        expect(page.get_by_role("heading", level=1)).to_contain_text(PRODUCT_NAME)
        expect(page.locator("main")).to_contain_text(GOOD_GTIN14)

        with live_server.app.app_context():
            products = db.session.scalars(select(Product)).all()
            assert len(products) == 1, f"expected one product; screenshot: {detail_shot}"
            product = products[0]
            assert (product.gtin, product.name, product.producer_id, product.category) == (
                GOOD_GTIN14,
                PRODUCT_NAME,
                live_server.producer_id,
                ProductCategory.KEY_PRODUCT,
            ), f"screenshot: {detail_shot}"
            assert page.url.endswith(f"/products/{product.id}"), page.url

        no_horizontal_scroll(page, "the product page", detail_shot)
    except (AssertionError, PlaywrightError) as exc:
        page.screenshot(path=failure_shot, full_page=True)
        exc.add_note(f"screenshot of the page at the failure: {failure_shot}")
        raise
