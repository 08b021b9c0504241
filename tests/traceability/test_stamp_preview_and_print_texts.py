"""The order form's preview (one sheet of sample codes, nothing issued) and the texts of an
order's PDF: a header per page, numbers in Vietnamese, "Quét để kiểm tra" when chosen."""

from __future__ import annotations

import subprocess

from sqlalchemy import func, select

from core.extensions import db
from tests import factories
from tests.traceability.test_stamp_render import poppler
from traceability.stamps import jobs
from traceability.stamps.models import Stamp, StampOrder

FORM = {"quantity": "", "kind": "sheet", "rows": "3", "cols": "4", "size_mm": "25"}


def _text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    return subprocess.run(  # noqa: S603 (a fixed tool on a file the test wrote)
        [poppler("pdftotext"), "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True
    ).stdout.decode()


def _shop():
    producer, owner = factories.producer()
    product = factories.published_product(producer, owner, name="Bưởi Tân Triều")
    batch = factories.batch(product, owner, lot_code="LOT-7")
    db.session.commit()
    return owner, batch


def test_the_preview_draws_one_sheet_of_samples_and_issues_nothing(client, app_ctx, tmp_path):
    owner, batch = _shop()
    client.login(owner.email, factories.PASSWORD)
    form_url = f"/batches/{batch.id}/stamps/new"
    assert f"/batches/{batch.id}/stamps/preview.pdf" in client.get(form_url).get_data(as_text=True)
    data = {**FORM, "show_caption": "y", "scan_hint": "y"}
    response = client.submit(f"/batches/{batch.id}/stamps/preview.pdf", data, token_from=form_url)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = _text(response.data, tmp_path)
    assert "MẪU" in text  # the header says the codes are samples (Vietnamese page)
    assert text.count("Quét để kiểm tra") == 12  # a full first sheet: 3 × 4
    assert text.count("SAMPLE") == 12
    assert db.session.scalar(select(func.count()).select_from(StampOrder)) == 0
    assert db.session.scalar(select(func.count()).select_from(Stamp)) == 0

    too_many = client.submit(
        f"/batches/{batch.id}/stamps/preview.pdf", {**FORM, "rows": "30"}, token_from=form_url
    )
    assert too_many.status_code == 422  # the form again, with the layout error
    assert "rows" in too_many.get_data(as_text=True)


def test_the_order_pdf_has_a_vietnamese_header_on_every_page(client, app_ctx, tmp_path):
    owner, batch = _shop()
    layout = {"kind": "sheet", "rows": 5, "cols": 6, "scan_hint": True}
    order = factories.stamp_order(batch, owner, quantity=1500, **layout)
    db.session.commit()
    assert jobs.render_order(order.id)
    db.session.refresh(order)
    assert jobs.pdf_path(order) is not None
    text = _text(jobs.pdf_path(order).read_bytes(), tmp_path)
    assert f"Đơn tem #{order.id}" in text
    assert "1.500 tem" in text  # Vietnamese thousands separator
    assert "Trang 1 / 50" in text and "Trang 50 / 50" in text
    assert text.count("Quét để kiểm tra") == 1500
