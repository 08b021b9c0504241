"""The stamp page's transaction (scans.scan_transaction) on an app whose requests really commit:
on PostgreSQL a pooled connection of its own, elsewhere the session's; all or nothing."""

from __future__ import annotations

import pytest
from flask import g
from flask_migrate import upgrade
from sqlalchemy import func, select

from core.extensions import db
from core.wards.services import load_wards
from tests import factories
from tests.conftest import make_test_app
from traceability.stamps import scans, serials
from traceability.stamps.models import Scan, Stamp

PHONE = {"Accept": "text/html", "User-Agent": "Mozilla/5.0 (Linux; Android 14) Chrome/131.0"}


@pytest.fixture
def served(fresh_database, tmp_path):
    app = make_test_app(fresh_database(), tmp_path)
    with app.app_context():
        upgrade()
        load_wards()
        producer, owner = factories.producer()
        batch = factories.batch(factories.published_product(producer, owner), owner)
        order = factories.stamp_order(batch, owner, quantity=2)
        db.session.commit()
        stamps = db.session.scalars(select(Stamp).where(Stamp.order_id == order.id)).all()
        paths = [serials.stamp_path(s.gtin, batch.lot_code, s.serial) for s in stamps]
        db.session.remove()
    yield app, paths
    with app.app_context():
        db.engine.dispose()


def counts(app) -> tuple[list[int], int]:
    with app.app_context():
        scan_counts = list(db.session.scalars(select(Stamp.scan_count).order_by(Stamp.id)))
        scan_rows = db.session.scalar(select(func.count()).select_from(Scan))
        db.session.remove()
    return scan_counts, scan_rows


@pytest.mark.no_db_isolation
def test_a_scan_commits_its_count_and_its_row_together(served, monkeypatch):
    app, paths = served
    client = app.test_client()
    own = []
    original = scans._driver_connection
    monkeypatch.setattr(
        scans, "_driver_connection", lambda: own.append(g.get("scan_connection")) or original()
    )
    assert client.get(paths[0], headers=PHONE).status_code == 200
    assert client.get(paths[0], headers=PHONE).status_code == 200  # a repeat scan reads history
    assert counts(app) == ([2, 0], 2)
    with app.app_context():
        postgres = db.engine.dialect.name == "postgresql"
    # On PostgreSQL both statements of both pages ran on the page's own pooled connection.
    assert len(own) == (4 if postgres else 0) and all(c is not None for c in own)


@pytest.mark.no_db_isolation
def test_a_failure_after_the_count_leaves_neither_the_count_nor_the_scan(served, monkeypatch):
    app, paths = served
    client = app.test_client()

    def broken(**values):
        raise RuntimeError("disk full")

    monkeypatch.setattr(scans, "_insert_scan", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert client.get(paths[1], headers=PHONE).status_code == 500
    assert counts(app) == ([0, 0], 0)
    monkeypatch.undo()
    assert client.get(paths[1], headers=PHONE).status_code == 200  # the pool is usable again
    assert counts(app) == ([0, 1], 1)
