"""The stamp CSV export (page and API) never hands a spreadsheet a formula."""

from __future__ import annotations

import csv
import io

from core.extensions import db
from tests import factories

LOT = "=1+2"


def _rows(response) -> list[list[str]]:
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_a_lot_code_that_looks_like_a_formula_is_exported_as_text(client, app_ctx):
    producer, owner = factories.producer()
    product = factories.published_product(producer, owner)
    batch = factories.batch(product, owner, lot_code=LOT)
    order = factories.stamp_order(batch, owner, quantity=2)
    headers = {"Authorization": f"Bearer {factories.token(owner)}"}
    db.session.commit()

    api_rows = _rows(client.get(f"/api/v1/stamp-orders/{order.id}/csv", headers=headers))
    client.login(owner.email, factories.PASSWORD)
    page_rows = _rows(client.get(f"/stamps/orders/{order.id}/stamps.csv"))

    for rows in (api_rows, page_rows):
        assert rows[0] == ["seq", "serial", "url", "gtin", "lot"]
        assert [row[4] for row in rows[1:]] == ["'=1+2", "'=1+2"]
        assert all(not cell.startswith(tuple("=+-@")) for row in rows for cell in row)
