"""The scans page and the API's /scans/stats count the same scans (issue item 14).

A staff scope has no WHERE clause: counting it once lost the table and showed "1 scan in all"
while the period, and the API, said 22.
"""

from __future__ import annotations

import re

from core.extensions import db
from tests import factories
from traceability.stamps import scans
from traceability.stamps.models import Stamp

EN = {"Accept-Language": "en"}
PHONE = "Mozilla/5.0 (Linux; Android 14; SM-A155F) AppleWebKit/537.36 Chrome/131.0"


def _cards(page: str) -> dict[str, str]:
    return {
        label: number
        for number, label in re.findall(r'<div class="card"><b>([\d.,]+)</b>([^<]+)</div>', page)
    }


def test_staff_scans_page_and_api_show_the_same_totals(client, app_ctx):
    producer, owner = factories.producer()
    product = factories.published_product(producer, owner)
    batch = factories.batch(product, owner)
    staff = factories.staff()
    order = factories.stamp_order(batch, owner, quantity=4)
    db.session.commit()
    serials = [s.serial for s in db.session.query(Stamp).filter_by(order_id=order.id)]
    for i in range(22):
        found = scans.resolve(product.gtin, None, serials[i % 4])
        scans.record_scan(found, ip=f"198.51.100.{i}", user_agent=PHONE)
    headers = {"Authorization": f"Bearer {factories.token(staff)}", **EN}
    db.session.commit()

    api = client.get("/api/v1/scans/stats", headers=headers).get_json()
    client.login(staff.email, factories.PASSWORD)
    cards = _cards(client.get("/stamps/scans", headers=EN).get_data(as_text=True))

    assert api["total"] == 22
    assert cards["scans in the period"] == str(api["total"])
    assert cards["scans in all"] == str(api["total"])
    assert cards["scans of codes never issued"] == str(api["not_issued"])
    assert cards["suspicious scans"] == str(api["by_verdict"]["suspicious"])
