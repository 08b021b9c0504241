"""Stamp rendering survives a killed RQ worker: the order is taken again, half-files go.

Uses the Redis server of this machine (`TEST_REDIS_URL`, database 14, and a queue of its own per
run, so no other test's worker serves these jobs) and fails, as the RQ test of test_stamps.py
does, when it is not running.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from flask_migrate import upgrade
from sqlalchemy import update

from core.db import utcnow
from core.extensions import db
from core.wards.services import load_wards
from tests import factories
from tests.conftest import make_test_app
from traceability.stamps import jobs
from traceability.stamps.models import RenderState, StampOrder

PROJECT_ROOT = Path(__file__).resolve().parents[2]
STALE_SECONDS = 2
QUEUE = f"stamps-test-{uuid.uuid4().hex[:8]}"


def redis_url() -> str:
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown

    given = urlsplit(os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"))
    url = urlunsplit(given._replace(path="/14"))
    try:
        Redis.from_url(url, socket_connect_timeout=2).ping()
    except RedisDown:
        pytest.fail(
            f"Redis is not reachable at {url}: start it (see docs/operations.md) or set "
            "TEST_REDIS_URL"
        )
    return url


def queue_of(url: str):
    from redis import Redis
    from rq import Queue

    return Queue(QUEUE, connection=Redis.from_url(url))


@pytest.fixture
def world(fresh_database, tmp_path):
    url = redis_url()
    queue = queue_of(url)
    queue.empty()
    database = fresh_database()
    app = make_test_app(
        database,
        tmp_path,
        REDIS_URL=url,
        JOB_QUEUE="rq",
        RATELIMIT_STORAGE_URI="memory://",
        STAMP_RENDER_STALE_SECONDS=STALE_SECONDS,
        STAMP_QUEUE=QUEUE,
    )
    with app.app_context():
        upgrade()
        load_wards()
        producer, owner = factories.producer()
        batch = factories.batch(factories.published_product(producer, owner), owner)
        db.session.commit()
        batch_id, owner_id = batch.id, owner.id
        db.session.remove()

    class World:
        pass

    world = World()
    world.app, world.queue, world.redis_url, world.database = app, queue, url, database
    world.folder = tmp_path / "stamps"
    world.folder.mkdir()
    world.batch_id, world.owner_id = batch_id, owner_id
    yield world
    queue.empty()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def new_order(world, quantity: int) -> int:
    from core.accounts.models import User
    from traceability.registry.models import Batch

    with world.app.app_context():
        batch = db.session.get(Batch, world.batch_id)
        order = factories.stamp_order(batch, db.session.get(User, world.owner_id), quantity)
        db.session.commit()
        order_id = order.id
        db.session.remove()
    return order_id


def state_of(world, order_id: int) -> tuple[RenderState, int, str | None]:
    with world.app.app_context():
        order = db.session.get(StampOrder, order_id)
        state = (order.render_state, order.rendered_count, order.pdf_key)
        db.session.remove()
    return state


def start_worker(world, log: Path) -> subprocess.Popen:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("FLASK_") and name not in ("BASE_URL", "APP_ENV")
    }
    env.update(
        FLASK_APP="wsgi",
        DATABASE_URL=world.database,
        REDIS_URL=world.redis_url,
        JOB_QUEUE="rq",
        STAMP_FOLDER=str(world.folder),
        UPLOAD_FOLDER=str(world.folder.parent / "uploads"),
        SECRET_KEY="test-secret-key-that-is-long-enough-for-tests",
        FLASK_STAMP_RENDER_STALE_SECONDS=str(STALE_SECONDS),
        FLASK_STAMP_SWEEP_SECONDS="0.5",
        FLASK_STAMP_QUEUE=QUEUE,
    )
    with open(log, "ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "flask", "jobs", "worker"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def wait_for(condition, seconds: float, what: str, log: Path):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.1)
    pytest.fail(f"{what} within {seconds} s; worker log:\n{log.read_text()[-3000:]}")


def stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


@pytest.mark.no_db_isolation
def test_an_order_whose_worker_was_killed_is_finished_by_the_restarted_worker(world, tmp_path):
    """kill -9 mid-render, restart at once (as systemd does): the order is re-queued once its
    progress is stale, rendered whole, and the dead worker's `.part` file is gone."""
    log = tmp_path / "workers.log"
    order_id = new_order(world, 4000)
    with world.app.app_context():
        jobs.enqueue_render(order_id)
    first = start_worker(world, log)
    try:
        wait_for(
            lambda: state_of(world, order_id)[1] >= 200,
            60,
            "the first worker made no progress",
            log,
        )
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    state, done, _key = state_of(world, order_id)
    assert state is RenderState.RENDERING and done < 4000, "rendered before it could be killed"
    assert list(world.folder.glob("*.pdf.part")), "the killed worker left no half-written file"

    second = start_worker(world, log)
    try:
        wait_for(
            lambda: state_of(world, order_id)[0] is RenderState.READY,
            120,
            "the restarted worker did not finish the order",
            log,
        )
    finally:
        stop(second)
    state, done, key = state_of(world, order_id)
    assert done == 4000
    assert (world.folder / key).read_bytes().startswith(b"%PDF")
    assert not list(world.folder.glob("*.part"))


@pytest.mark.no_db_isolation
def test_a_sweep_requeues_stale_orders_once_and_removes_abandoned_partials(world):
    stale_id, live_id, waiting_id = (new_order(world, 2) for _ in range(3))
    long_ago = utcnow() - dt.timedelta(minutes=10)
    dead = world.folder / f"order-{stale_id}-0123456789abcdef.pdf.part"
    being_written = world.folder / f"order-{live_id}-fedcba9876543210.pdf.part"
    for path in (dead, being_written):
        path.write_bytes(b"%PDF-1.7 half")
        os.utime(path, (long_ago.timestamp(), long_ago.timestamp()))
    with world.app.app_context():
        db.session.execute(
            update(StampOrder)
            .where(StampOrder.id.in_([stale_id, live_id]))
            .values(render_state=RenderState.RENDERING, updated_at=long_ago)
        )
        db.session.execute(
            update(StampOrder).where(StampOrder.id == live_id).values(updated_at=utcnow())
        )
        db.session.commit()
        jobs.enqueue_render(waiting_id)  # already on the queue: not queued twice
        first = jobs.requeue_orders(world.queue)
        again = jobs.requeue_orders(world.queue)
        db.session.remove()
    assert first == [stale_id]
    assert again == []
    assert sorted(job.args[0] for job in world.queue.get_jobs()) == [stale_id, waiting_id]
    assert not dead.exists()
    assert being_written.exists()  # its renderer is alive: progress is recent


@pytest.mark.no_db_isolation
def test_claiming_an_order_removes_its_own_leftovers_only(world):
    order_id, other_id = new_order(world, 2), new_order(world, 2)
    mine = world.folder / f"order-{order_id}-0123456789abcdef.pdf.part"
    other = world.folder / f"order-{other_id}-0123456789abcdef.pdf.part"
    for path in (mine, other):
        path.write_bytes(b"half")
    with world.app.app_context():
        assert jobs.claim(order_id)
        db.session.remove()
    assert not mine.exists()
    assert other.exists()


def test_sheets_are_rendered_again_when_base_url_changes(app, make, monkeypatch, tmp_path):
    """`make run`, then `HOST=0.0.0.0 BASE_URL=http://192.168.1.20:8000 make run`: the printed
    demo sheet must carry the LAN address the phones can reach, not the old one."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    producer, owner = make.producer()
    batch = make.batch(make.published_product(producer, owner), owner)
    order = make.stamp_order(batch, owner, quantity=2)

    def rendered():
        db.session.execute(
            update(StampOrder)
            .where(StampOrder.id == order.id)
            .values(render_state=RenderState.READY)
        )

    rendered()
    assert jobs.follow_base_url() == 1  # first time: nothing says which address they carry
    rendered()
    assert jobs.follow_base_url() == 0  # same BASE_URL: nothing to do
    monkeypatch.setitem(app.config, "BASE_URL", "http://192.168.1.20:8000")
    assert jobs.follow_base_url() == 1
    db.session.refresh(order)
    assert order.render_state is RenderState.PENDING
    assert order.id in jobs.pending_orders()
