"""Rendering stamp PDFs in the background.

The database is the queue's memory: an order waits in `render_state = pending` until a worker
claims it with one conditional UPDATE, and a worker that dies mid-way stops refreshing
`updated_at`, so its order becomes claimable again. That is what makes rendering survive a
restart, whichever runner is used:

- "thread" (default without Redis): a daemon thread in each web process, woken by new orders and
  sweeping the table every SWEEP_SECONDS for pending or stale orders;
- "rq" (when REDIS_URL is set): jobs go to an RQ queue served by `flask jobs worker`, which also
  sweeps the table when it starts;
- "sync": rendering happens inside the request (tests, and one-off CLI use).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import threading
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import or_, select, update

from core.db import utcnow
from core.extensions import db
from traceability.stamps import render, services
from traceability.stamps.models import RenderState, StampOrder

log = logging.getLogger(__name__)

STALE_AFTER = dt.timedelta(minutes=2)  # no progress for this long: the worker is gone
SWEEP_SECONDS = 30
QUEUE_NAME = "stamps"


def pdf_path(order: StampOrder) -> Path | None:
    if not order.pdf_key:
        return None
    return Path(current_app.config["STAMP_FOLDER"]) / order.pdf_key


def _claimable():
    stale = utcnow() - STALE_AFTER
    return or_(
        StampOrder.render_state == RenderState.PENDING,
        (StampOrder.render_state == RenderState.RENDERING) & (StampOrder.updated_at < stale),
    )


def claim(order_id: int) -> bool:
    """Take an order for rendering; False if another worker has it or it is done."""
    now = utcnow()
    result = db.session.execute(
        update(StampOrder)
        .where(StampOrder.id == order_id, _claimable())
        .values(
            render_state=RenderState.RENDERING,
            render_started_at=now,
            rendered_count=0,
            render_error="",
            updated_at=now,
        )
    )
    db.session.commit()
    return result.rowcount == 1


def render_order(order_id: int) -> bool:
    """Claim and render one order's PDF; returns False if there was nothing to do."""
    if not claim(order_id):
        return False
    order = db.session.get(StampOrder, order_id)
    folder = Path(current_app.config["STAMP_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    key = f"order-{order.id}-{secrets.token_hex(8)}.pdf"
    partial = folder / (key + ".part")
    layout = render.Layout(**order.layout)
    title = f"{order.product.name} — {order.batch.lot_code} — #{order.id}"

    def progress(done: int) -> None:
        db.session.execute(
            update(StampOrder)
            .where(StampOrder.id == order_id)
            .values(rendered_count=done, updated_at=utcnow())
        )
        db.session.commit()

    try:
        with open(partial, "wb") as out:
            render.render_pdf(
                services.order_labels(order), layout, out, progress=progress, title=title
            )
        os.replace(partial, folder / key)
    except Exception as exc:
        log.exception("rendering stamp order %s failed", order_id)
        db.session.rollback()
        partial.unlink(missing_ok=True)
        db.session.execute(
            update(StampOrder)
            .where(StampOrder.id == order_id)
            .values(render_state=RenderState.FAILED, render_error=str(exc)[:500])
        )
        db.session.commit()
        return True
    old = db.session.get(StampOrder, order_id)
    previous = pdf_path(old)
    old.pdf_key, old.render_state, old.rendered_at = key, RenderState.READY, utcnow()
    old.rendered_count = old.quantity
    db.session.commit()
    if previous is not None:
        previous.unlink(missing_ok=True)
    return True


def pending_orders() -> list[int]:
    return list(
        db.session.scalars(select(StampOrder.id).where(_claimable()).order_by(StampOrder.id))
    )


# --- runners -------------------------------------------------------------------------------


class ThreadRunner:
    """One daemon thread per web process: woken by new orders, sweeping for orphaned ones."""

    def __init__(self, app: Flask):
        self.app = app
        self.wake = threading.Event()
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()

    def start(self) -> None:
        with self.lock:
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._loop, name="stamp-render", daemon=True)
                self.thread.start()

    def notify(self) -> None:
        self.start()
        self.wake.set()

    def _loop(self) -> None:
        while True:
            self.wake.clear()
            with self.app.app_context():
                try:
                    for order_id in pending_orders():
                        render_order(order_id)
                except Exception:
                    log.exception("stamp render sweep failed")
                finally:
                    db.session.remove()
            self.wake.wait(SWEEP_SECONDS)


def _rq_queue():
    from redis import Redis
    from rq import Queue

    return Queue(QUEUE_NAME, connection=Redis.from_url(current_app.config["REDIS_URL"]))


def rq_render(order_id: int) -> bool:
    """The RQ job: runs in `flask jobs worker`, which provides the application context."""
    return render_order(order_id)


def enqueue_render(order_id: int) -> None:
    """Ask for an order's PDF; call after the order is committed."""
    mode = current_app.config["JOB_QUEUE"]
    if mode == "sync":
        render_order(order_id)
    elif mode == "rq":
        _rq_queue().enqueue(rq_render, order_id, job_timeout=3600)
    else:
        current_app.extensions["stamp_runner"].notify()


def init_app(app: Flask) -> None:
    if app.config["JOB_QUEUE"] == "thread":
        runner = ThreadRunner(app)
        app.extensions["stamp_runner"] = runner
        started = []

        @app.before_request
        def _start_runner_once():
            # Started by the first request, not at import, so CLI commands and gunicorn's master
            # don't render; each worker's thread also picks up orders left by a restart.
            if not started:
                started.append(True)
                runner.start()


def run_worker(burst: bool = False) -> None:
    """`flask jobs worker`: re-queue orders a restart left behind, then serve the RQ queue."""
    from rq import SimpleWorker

    queue = _rq_queue()
    for order_id in pending_orders():
        queue.enqueue(rq_render, order_id, job_timeout=3600)
    db.session.remove()  # jobs get their own sessions; hold no transaction (or SQLite lock)
    app = current_app._get_current_object()

    class AppWorker(SimpleWorker):
        def perform_job(self, *args, **kwargs):
            with app.app_context():
                return super().perform_job(*args, **kwargs)

    AppWorker([queue], connection=queue.connection).work(burst=burst)
