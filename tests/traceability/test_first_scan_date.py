"""The first-scan date a consumer sees stays the first scan's, however often it is scanned."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import re
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from core.extensions import db
from core.formatting import format_datetime
from tests import factories
from traceability.stamps import serials
from traceability.stamps.models import Stamp

EN = {"Accept": "text/html", "Accept-Language": "en", "User-Agent": "Mozilla/5.0 (Android 14)"}
# The day the first scan is said to have happened (moved back after it, as if days had passed).
FIRST = dt.datetime(2026, 3, 4, 1, 30, tzinfo=dt.UTC)


def text_of(response) -> str:
    html = response.get_data(as_text=True)
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", html)).split())


@pytest.fixture
def stamp(app_ctx):
    producer, owner = factories.producer()
    product = factories.published_product(producer, owner)
    order = factories.stamp_order(factories.batch(product, owner), owner, quantity=1)
    db.session.flush()
    stamp = db.session.scalars(select(Stamp).where(Stamp.order_id == order.id)).one()
    db.session.commit()
    return stamp


def test_later_scans_show_and_keep_the_first_scan_date(client, stamp):
    path = serials.stamp_path(stamp.gtin, None, stamp.serial)
    assert client.get(path, headers=EN).status_code == 200
    db.session.execute(update(Stamp).where(Stamp.id == stamp.id).values(first_scan_at=FIRST))
    db.session.commit()
    shown = format_datetime(FIRST, "en", tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    assert shown == "4 Mar 2026 08:30"
    for scans_before in (1, 2):
        page = text_of(client.get(path, headers=EN))
        assert f"scanned {scans_before} time" in page
        assert f"First scanned on {shown}." in page
    db.session.refresh(stamp)
    assert stamp.first_scan_at == FIRST
    assert stamp.last_scan_at > FIRST
