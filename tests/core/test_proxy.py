"""Behind the reverse proxy: X-Forwarded-For is trusted from PROXY_COUNT proxies, never more."""

from __future__ import annotations

import pytest
from flask_migrate import upgrade
from sqlalchemy import select

from core.extensions import db
from core.wards.services import load_wards
from tests import factories
from tests.conftest import make_test_app
from traceability.stamps import serials
from traceability.stamps.models import Scan, Stamp

PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Mobile/15E148 Safari/604.1"


def serve(fresh_database, tmp_path, proxies: int):
    """An app with `proxies` trusted proxies, a two-per-minute resolver limit and one stamp."""
    app = make_test_app(
        fresh_database(), tmp_path, PROXY_COUNT=proxies, RATELIMIT_RESOLVER="2 per minute"
    )
    with app.app_context():
        upgrade()
        load_wards()
        producer, owner = factories.producer()
        batch = factories.batch(factories.published_product(producer, owner), owner)
        order = factories.stamp_order(batch, owner, quantity=1)
        db.session.commit()
        stamp = db.session.scalars(select(Stamp).where(Stamp.order_id == order.id)).one()
        path = serials.stamp_path(stamp.gtin, batch.lot_code, stamp.serial)
        db.session.remove()
    return app, path


def scan_from(app, path: str, forwarded_for: str) -> int:
    """A phone behind the proxy opens the stamp; the proxy appends the address it saw."""
    response = app.test_client().get(
        path,
        headers={"Accept": "text/html", "User-Agent": PHONE, "X-Forwarded-For": forwarded_for},
        environ_base={"REMOTE_ADDR": "10.0.0.2"},  # the proxy itself
    )
    return response.status_code


def client_hashes(app) -> list[str]:
    with app.app_context():
        hashes = list(db.session.scalars(select(Scan.client_hash).order_by(Scan.id)))
        db.session.remove()
        db.engine.dispose()
    return hashes


@pytest.mark.no_db_isolation
def test_behind_one_proxy_each_consumer_has_its_own_limit_and_identity(fresh_database, tmp_path):
    app, path = serve(fresh_database, tmp_path, proxies=1)
    statuses = [scan_from(app, path, ip) for ip in ("203.0.113.5", "203.0.113.5", "198.51.100.9")]
    # The third request comes from another consumer: not limited by the first one's two scans.
    assert statuses == [200, 200, 200]
    assert scan_from(app, path, "203.0.113.5") == 429
    first, again, other = client_hashes(app)
    assert first == again != other


@pytest.mark.no_db_isolation
def test_a_forged_header_cannot_choose_a_new_identity(fresh_database, tmp_path):
    """With one proxy, only the address the proxy appended (the right-most) counts: a client
    that sends its own X-Forwarded-For cannot pick a new identity per request."""
    app, path = serve(fresh_database, tmp_path, proxies=1)
    statuses = [scan_from(app, path, f"192.0.2.{n}, 203.0.113.5") for n in range(3)]
    assert statuses == [200, 200, 429]
    assert len(set(client_hashes(app))) == 1


@pytest.mark.no_db_isolation
def test_without_a_configured_proxy_the_header_is_ignored(fresh_database, tmp_path):
    app, path = serve(fresh_database, tmp_path, proxies=0)
    statuses = [scan_from(app, path, ip) for ip in ("203.0.113.5", "198.51.100.9", "192.0.2.1")]
    assert statuses == [200, 200, 429]
    assert len(set(client_hashes(app))) == 1
