"""The pages and the API: a producer's ten-item check and downloads, the staff's preview then
confirmation of the listing results (with the CSRF token), and the API's import."""

from __future__ import annotations

import io
import re

from core.extensions import db
from tests import factories
from traceability.registry.models import PortalState, Product


def _published(app_ctx_unused=None):
    producer, owner = factories.producer()
    product = factories.published_product(producer, owner)
    staff = factories.staff()
    db.session.commit()
    return product, owner, staff


def test_the_producer_sees_the_check_and_downloads(client, app_ctx):
    product, owner, _staff = _published()
    client.login(owner.email, factories.PASSWORD)
    page = client.get(f"/products/{product.id}/portal", headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f"/products/{product.id}#images" in html
    csv_file = client.get(f"/products/{product.id}/portal.csv")
    assert csv_file.mimetype == "text/csv"
    assert csv_file.get_data(as_text=True).startswith("\ufeff")
    assert client.get(f"/products/{product.id}/portal.json").get_json()["gtin"] == product.gtin


def test_staff_preview_then_confirm_the_listing_results(client, app_ctx):
    product, _owner, staff = _published()
    client.login(staff.email, factories.PASSWORD)
    token = client.csrf_token("/staff/portal/")
    data = f"GTIN,Trạng thái,Mã hồ sơ\n{product.gtin},đã niêm yết,HS-1\n".encode()
    preview = client.post(
        "/staff/portal/listing-results",
        data={"csrf_token": token, "file": (io.BytesIO(data), "ket-qua.csv")},
        content_type="multipart/form-data",
        headers={"Accept-Language": "en"},
    )
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "This will change 1 product." in html
    db.session.expire_all()
    assert db.session.get(Product, product.id).portal_state is PortalState.NOT_SUBMITTED
    payload = re.search(r'name="payload" type="hidden" value="([^"]+)"', html) or re.search(
        r'id="payload" name="payload" type="hidden" value="([^"]+)"', html
    )
    assert payload, html[:2000]
    confirmed = client.post(
        "/staff/portal/listing-results/confirm",
        data={"csrf_token": token, "payload": payload.group(1), "only_valid": ""},
    )
    assert confirmed.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Product, product.id)
    assert (saved.portal_state, saved.portal_reference) == (PortalState.LISTED, "HS-1")


def test_a_confirmation_without_the_token_is_refused(client, app_ctx):
    _product, _owner, staff = _published()
    client.login(staff.email, factories.PASSWORD)
    response = client.post("/staff/portal/listing-results/confirm", data={"payload": "eA=="})
    assert response.status_code == 400


def test_the_api_import_answers_the_row_report_or_the_error_shape(client, app_ctx):
    product, _owner, staff = _published()
    headers = {"Authorization": f"Bearer {factories.token(staff)}", "Content-Type": "text/csv"}
    db.session.commit()
    bad = client.post(
        "/api/v1/portal/listing-results",
        data=f"GTIN,state\n{product.gtin},listed\n",
        headers=headers,
    )
    assert bad.status_code == 422
    body = bad.get_json()
    assert set(body) == {"code", "status", "message", "errors"}
    assert body["errors"]["json"]["rows"][0]["line"] == 2
    good = client.post(
        "/api/v1/portal/listing-results",
        data=f"GTIN,state,reference\n{product.gtin},listed,R-9\n",
        headers=headers,
    )
    assert good.status_code == 200, good.get_data(as_text=True)
    assert good.get_json()["saved"] == 1
    again = client.post(
        "/api/v1/portal/listing-results",
        data=f"GTIN,state,reference\n{product.gtin},listed,R-9\n",
        headers=headers,
    )
    assert again.get_json()["saved"] == 0
    assert again.get_json()["rows"][0]["status"] == "unchanged"


def test_the_api_check_lists_the_missing_items(client, app_ctx):
    product, owner, _staff = _published()
    headers = {"Authorization": f"Bearer {factories.token(owner)}"}
    db.session.commit()
    body = client.get(f"/api/v1/products/{product.id}/portal-check", headers=headers).get_json()
    assert body["complete"] is False
    assert next(m["code"] for m in body["missing"]) == "images"


def test_the_cli_exports_and_imports(app, app_ctx, tmp_path):
    product, _owner, staff = _published()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["portal", "export", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert list(tmp_path.glob("portal-export-*.zip"))
    bad = tmp_path / "bad.csv"
    bad.write_text(f"GTIN,state\n{product.gtin},listed\n", encoding="utf-8")
    result = runner.invoke(args=["portal", "import", str(bad), "--as", staff.email])
    assert result.exit_code == 1
    good = tmp_path / "good.csv"
    good.write_text(f"GTIN,state,reference\n{product.gtin},listed,C-1\n", encoding="utf-8")
    result = runner.invoke(args=["portal", "import", str(good), "--as", staff.email])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(Product, product.id).portal_state is PortalState.LISTED
