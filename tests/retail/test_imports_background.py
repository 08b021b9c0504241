"""Big imports run in the background: progress reaches the total, one runner saves, a runner that
died is reported, and 10,000 rows import through the page."""

from __future__ import annotations

import datetime as dt
import io
import time
import uuid

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select, update

from core.db import utcnow
from core.extensions import db
from core.wards.services import load_wards
from retail.shops import import_jobs, imports
from retail.shops.models import ImportState, Shop, ShopImport
from tests import factories
from tests.conftest import Client, make_test_app
from tests.retail.data.sheets import csv_bytes, shop_row, xlsx_bytes

TEN_THOUSAND = 10_000


def upload(client, data: bytes, name: str = "shops.csv"):
    return client.submit(
        "/retail/imports?lang=en",
        {"file": (io.BytesIO(data), name)},
        token_from="/retail/imports",
        content_type="multipart/form-data",
    )


def shop_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Shop))


@pytest.fixture
def small_threshold(app, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "SHOP_IMPORT_BACKGROUND_ROWS", 1)
    monkeypatch.setitem(app.config, "SHOP_IMPORT_FOLDER", str(tmp_path / "imports"))
    return tmp_path / "imports"


def test_a_file_above_the_threshold_takes_the_background_path(client, make, small_threshold):
    client.login(make.staff().email, factories.PASSWORD)
    upload(client, csv_bytes([shop_row(n) for n in range(1, 6)]))
    record = db.session.scalars(select(ShopImport).order_by(ShopImport.id.desc())).first()
    # JOB_QUEUE is "sync" in tests: the job ran right after the upload was committed.
    assert record.state is ImportState.DONE and record.created_shops == 5
    assert record.done_rows == record.total_rows == 5
    assert record.stored_path == "" and list(small_threshold.iterdir()) == []


def test_a_refused_background_import_saves_nothing(client, make, small_threshold):
    client.login(make.staff().email, factories.PASSWORD)
    before = shop_count()
    upload(client, csv_bytes([shop_row(1), shop_row(2, phone="1"), shop_row(3)]))
    record = db.session.scalars(select(ShopImport).order_by(ShopImport.id.desc())).first()
    assert record.state is ImportState.REFUSED and shop_count() == before
    assert [e["row"] for e in record.report["errors"]] == [3]


def stored_import(staff, rows) -> ShopImport:
    """An import stored for its job (the small_threshold fixture makes 2 rows a big file)."""
    record = import_jobs.start(csv_bytes(rows), "big.csv", staff, only_valid=False)
    db.session.commit()
    return record


def test_a_second_runner_of_the_same_import_saves_nothing(app, make, small_threshold):
    staff = make.staff()
    record = stored_import(staff, [shop_row(1), shop_row(2)])
    assert record.state is ImportState.CHECKING
    assert import_jobs.run_stored(record.id) is True
    assert import_jobs.run_stored(record.id) is False  # nothing left to do
    assert db.session.get(ShopImport, record.id).created_shops == 2


def test_a_runner_that_loses_the_race_after_checking_stops(app, make, small_threshold, monkeypatch):
    staff = make.staff()
    record = stored_import(staff, [shop_row(1), shop_row(2)])
    real_check = imports.check

    def check_while_another_runner_finishes(*args, **kwargs):
        report = real_check(*args, **kwargs)
        db.session.execute(
            update(ShopImport).where(ShopImport.id == record.id).values(state=ImportState.DONE)
        )
        db.session.commit()
        return report

    monkeypatch.setattr(import_jobs.imports, "check", check_while_another_runner_finishes)
    before = shop_count()
    import_jobs.run_stored(record.id)
    assert shop_count() == before


def test_a_failing_job_is_marked_failed_and_saves_nothing(app, make, small_threshold, monkeypatch):
    staff = make.staff()
    record = stored_import(staff, [shop_row(1), shop_row(2)])
    from retail.shops.imports import saving

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(saving.audit, "record", broken)
    before = shop_count()
    import_jobs.run_stored(record.id)
    record = db.session.get(ShopImport, record.id)
    assert record.state is ImportState.FAILED and shop_count() == before
    assert "disk full" not in record.report["message"]  # no internals shown to the user
    assert list(small_threshold.iterdir()) == []


def test_an_import_whose_runner_died_says_so(client, make):
    staff = make.staff()
    record = imports.new_record(staff, filename="big.csv", only_valid=False, total=900, locale="en")
    record.stored_path = "gone.csv"
    old = (utcnow() - dt.timedelta(hours=1)).isoformat()
    record.report = {"locale": "en", "progress_at": old}
    db.session.commit()
    client.login(staff.email, factories.PASSWORD)
    status = client.get(f"/retail/imports/{record.id}/status").get_json()
    assert status["stalled"] is True and status["finished"] is False
    page = client.get(f"/retail/imports/{record.id}?lang=en").get_data(as_text=True)
    assert "Nothing was saved: upload the file again." in page
    assert 'http-equiv="refresh"' not in page


def test_a_running_import_shows_a_progress_bar_and_refreshes_without_js(client, make):
    staff = make.staff()
    record = imports.new_record(staff, filename="big.csv", only_valid=False, total=900, locale="en")
    record.done_rows = 400
    db.session.commit()
    client.login(staff.email, factories.PASSWORD)
    page = client.get(f"/retail/imports/{record.id}?lang=en").get_data(as_text=True)
    assert '<progress value="400" max="900">' in page
    assert '<noscript><meta http-equiv="refresh"' in page
    assert "import-progress.js" in page and "400 of 900 rows checked." in page


@pytest.mark.no_db_isolation
def test_ten_thousand_rows_import_in_the_background_with_progress(fresh_database, tmp_path):
    """Through the page, with the in-process thread runner (the default without Redis)."""
    app = make_test_app(
        fresh_database(),
        tmp_path,
        JOB_QUEUE="thread",
        SHOP_IMPORT_FOLDER=str(tmp_path / "i"),
    )
    app.test_client_class = Client
    with app.app_context():
        upgrade()
        load_wards()
        staff = factories.staff()
        db.session.commit()
        email = staff.email
        db.session.remove()
    client = app.test_client()
    client.login(email, factories.PASSWORD)
    # XLSX: 390 kB, under the test client's 500 kB threshold for spooling the body to a file.
    data = xlsx_bytes([shop_row(n) for n in range(1, TEN_THOUSAND + 1)])
    started = time.perf_counter()
    response = upload(client, data, "shops.xlsx")
    assert response.status_code == 302
    status_url = response.headers["Location"] + "/status"
    seen = []
    for _ in range(1200):
        status = client.get(status_url).get_json()
        seen.append(status["done_rows"])
        if status["finished"] or status["stalled"]:
            break
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    with app.app_context():
        record = db.session.get(ShopImport, status["id"])
        state, created = record.state, record.created_shops
        done, total = record.done_rows, record.total_rows
        shops = shop_count()
        thread = app.extensions["shop_import_threads"].get(record.id)
        db.session.remove()
    if thread is not None:
        thread.join(10)
    with app.app_context():
        db.engine.dispose()
    print(f"\n10,000 rows imported in the background in {elapsed:.1f} s")
    assert state is ImportState.DONE, status
    assert created == shops == TEN_THOUSAND
    assert done == total == TEN_THOUSAND
    assert any(0 < value < TEN_THOUSAND for value in seen), seen  # the bar moved on its way
    assert seen == sorted(seen)


def _redis_url() -> str:
    import os

    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        Redis.from_url(url, socket_connect_timeout=2).ping()
    except RedisDown:
        pytest.fail(f"Redis is not reachable at {url}: start it or set TEST_REDIS_URL")
    return url


@pytest.mark.no_db_isolation
def test_with_redis_the_worker_runs_the_import(fresh_database, tmp_path):
    """With REDIS_URL the upload only queues; `flask jobs worker` checks and saves."""
    from traceability.stamps import jobs as stamp_jobs

    queue_name = f"imports-test-{uuid.uuid4().hex[:8]}"
    app = make_test_app(
        fresh_database(),
        tmp_path,
        REDIS_URL=_redis_url(),
        JOB_QUEUE="rq",
        STAMP_QUEUE=queue_name,
        SHOP_IMPORT_BACKGROUND_ROWS=1,
        SHOP_IMPORT_FOLDER=str(tmp_path / "i"),
    )
    with app.test_request_context():
        upgrade()
        load_wards()
        staff = factories.staff()
        db.session.commit()
        record = import_jobs.start(
            csv_bytes([shop_row(1), shop_row(2)]), "two.csv", staff, only_valid=False
        )
        db.session.commit()
        import_jobs.run_if_waiting(record)
        import_id = record.id
        assert stamp_jobs._rq_queue().count == 1
        db.session.remove()
        stamp_jobs.run_worker(burst=True)
        db.session.remove()
        record = db.session.get(ShopImport, import_id)
        state, created = record.state, record.created_shops
        stamp_jobs._rq_queue().empty()
        db.session.remove()
        db.engine.dispose()
    assert state is ImportState.DONE and created == 2


def test_a_stored_upload_whose_import_is_rolled_back_is_removed(make, small_threshold):
    staff = make.staff()
    import_jobs.start(csv_bytes([shop_row(1), shop_row(2)]), "a.csv", staff, only_valid=False)
    assert len(list(small_threshold.iterdir())) == 1
    db.session.rollback()
    assert list(small_threshold.iterdir()) == []
