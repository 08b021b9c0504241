"""Rendering stamp PDFs in the background.

The database is the queue's memory: an order waits in `render_state = pending` until a worker
claims it with one conditional UPDATE, and a worker that dies mid-way stops refreshing
`updated_at`, so its order becomes claimable again. That is what makes rendering survive a
restart, whichever runner is used:

- "thread" (default without Redis): a daemon thread in each web process, woken by new orders and
  sweeping the table every SWEEP_SECONDS for pending or stale orders;
- "rq" (when REDIS_URL is set): jobs go to an RQ queue served by `flask jobs worker`, which
  sweeps the table when it starts and every SWEEP_SECONDS while it runs, re-queueing pending and
  stale orders: a worker killed mid-render loses its RQ job, and only the table remembers it;
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
from traceability.stamps import printing, render
from traceability.stamps.models import RenderState, StampOrder

log = logging.getLogger(__name__)

# Defaults of STAMP_RENDER_STALE_SECONDS and STAMP_SWEEP_SECONDS.
STALE_AFTER = dt.timedelta(minutes=2)  # no progress for this long: the worker is gone
SWEEP_SECONDS = 30
QUEUE_NAME = "stamps"
PARTIAL_SUFFIX = ".pdf.part"


def stale_after() -> dt.timedelta:
    """How long a rendering order may go without progress (its heartbeat, `updated_at`)."""
    seconds = current_app.config.get("STAMP_RENDER_STALE_SECONDS")
    return dt.timedelta(seconds=seconds) if seconds else STALE_AFTER


def sweep_seconds() -> float:
    return float(current_app.config.get("STAMP_SWEEP_SECONDS") or SWEEP_SECONDS)


def pdf_path(order: StampOrder) -> Path | None:
    if not order.pdf_key:
        return None
    return Path(current_app.config["STAMP_FOLDER"]) / order.pdf_key


def _claimable():
    stale = utcnow() - stale_after()
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
    if result.rowcount != 1:
        return False
    # Ours now: whatever an earlier, dead renderer of this order left half-written goes.
    for leftover in _partial_files(order_id):
        leftover.unlink(missing_ok=True)
    return True


def _partial_files(order_id: int | None = None) -> list[Path]:
    folder = Path(current_app.config["STAMP_FOLDER"])
    if not folder.is_dir():
        return []
    return list(folder.glob(f"order-{order_id if order_id else '*'}-*{PARTIAL_SUFFIX}"))


def _order_of(path: Path) -> int | None:
    number = path.name.split("-")[1] if path.name.count("-") >= 2 else ""
    return int(number) if number.isdigit() else None


def remove_abandoned_partials() -> int:
    """Delete `*.pdf.part` files no live renderer writes to any more; returns how many.

    A file is abandoned when its order is not rendering with recent progress and the file itself
    has not changed for as long (so a render that has just been claimed keeps its file).
    """
    cutoff = utcnow() - stale_after()
    live = set(
        db.session.scalars(
            select(StampOrder.id).where(
                StampOrder.render_state == RenderState.RENDERING, StampOrder.updated_at >= cutoff
            )
        )
    )
    db.session.commit()  # hold no transaction (SQLite's lock) while touching files
    removed = 0
    for path in _partial_files():
        try:
            changed = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
        except FileNotFoundError:
            continue
        if _order_of(path) in live or changed >= cutoff:
            continue
        path.unlink(missing_ok=True)
        removed += 1
    return removed


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
                printing.order_labels(order),
                layout,
                out,
                progress=progress,
                **printing.pdf_texts(order),
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


BASE_URL_MARKER = ".stamp_base_url"


def follow_base_url() -> int:
    """Queue every rendered sheet again when BASE_URL changed since the last call (`make run`
    calls it: e.g. run again with the machine's LAN address so phones can scan the demo
    sheet); their QR codes name the old address. Returns how many orders were queued again."""
    marker = Path(current_app.instance_path) / BASE_URL_MARKER
    base_url = current_app.config["BASE_URL"]
    previous = marker.read_text().strip() if marker.exists() else None
    again = 0
    if previous != base_url:
        again = db.session.execute(
            update(StampOrder)
            .where(StampOrder.render_state == RenderState.READY)
            .values(render_state=RenderState.PENDING, updated_at=utcnow())
        ).rowcount
        db.session.commit()
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(base_url)
    return again


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
        self.stopped = threading.Event()
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

    def stop(self, timeout: float = 10) -> None:
        """End the thread after its current sweep, so it reads no database after its app is gone
        (a test's app: its next sweep would use whatever session the next test set up)."""
        self.stopped.set()
        self.wake.set()
        if self.thread is not None:
            self.thread.join(timeout)

    def _loop(self) -> None:
        while True:
            self.wake.clear()
            if self.stopped.is_set():  # checked after clear(): a stop() never waits a sweep
                return
            with self.app.app_context():
                try:
                    remove_abandoned_partials()
                    for order_id in pending_orders():
                        render_order(order_id)
                except Exception:
                    log.exception("stamp render sweep failed")
                finally:
                    db.session.remove()
                interval = sweep_seconds()
            self.wake.wait(interval)


def _rq_queue():
    from redis import Redis
    from rq import Queue

    name = current_app.config.get("STAMP_QUEUE") or QUEUE_NAME
    return Queue(name, connection=Redis.from_url(current_app.config["REDIS_URL"]))


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


def requeue_orders(queue) -> list[int]:
    """Queue every pending or abandoned order that is not already waiting in `queue`, and
    delete the half-written PDFs dead renderers left; returns the orders queued."""
    remove_abandoned_partials()
    waiting = {
        job.args[0]
        for job in queue.get_jobs()
        if job is not None and job.func_name == f"{__name__}.rq_render" and job.args
    }
    queued = [order_id for order_id in pending_orders() if order_id not in waiting]
    for order_id in queued:
        queue.enqueue(rq_render, order_id, job_timeout=3600)
    return queued


class Sweeper(threading.Thread):
    """In `flask jobs worker`, beside the RQ loop: re-queues orders whose renderer died.

    A worker killed mid-render (OOM, kill -9, a lost machine) never finishes its RQ job and runs
    no failure hook; its order just stops making progress. Once that is older than
    STAMP_RENDER_STALE_SECONDS, the next sweep puts the order back on the queue.
    """

    def __init__(self, app: Flask):
        super().__init__(name="stamp-sweep", daemon=True)
        self.app = app
        self.stop = threading.Event()

    def run(self) -> None:
        with self.app.app_context():
            interval = sweep_seconds()
        while not self.stop.wait(interval):
            with self.app.app_context():
                try:
                    for order_id in requeue_orders(_rq_queue()):
                        log.warning("re-queued stamp order %s (no renderer)", order_id)
                except Exception:
                    log.exception("stamp render sweep failed")
                finally:
                    db.session.remove()


def run_worker(burst: bool = False) -> None:
    """`flask jobs worker`: re-queue orders a restart left behind, then serve the RQ queue while
    sweeping for orders whose renderer died."""
    from rq import SimpleWorker

    queue = _rq_queue()
    requeue_orders(queue)
    db.session.remove()  # jobs get their own sessions; hold no transaction (or SQLite lock)
    app = current_app._get_current_object()

    class AppWorker(SimpleWorker):
        def perform_job(self, *args, **kwargs):
            with app.app_context():
                return super().perform_job(*args, **kwargs)

    sweeper = Sweeper(app)
    ledger_stop = None
    if not burst:
        sweeper.start()
        # The origin log's checkpoints, signed here when web processes leave jobs to RQ.
        from traceability.ledger import jobs as ledger_jobs

        _thread, ledger_stop = ledger_jobs.start_worker_thread(app)
    try:
        AppWorker([queue], connection=queue.connection).work(burst=burst)
    finally:
        sweeper.stop.set()
        if ledger_stop is not None:
            ledger_stop.set()
