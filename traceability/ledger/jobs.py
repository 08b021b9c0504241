"""A signed tree head every few minutes when the log has grown (LEDGER_CHECKPOINT_SECONDS).

- "thread" (the `make run` default): a daemon thread per web process, started by its first
  request, with its own app context and session, committing each checkpoint;
- "rq": `flask jobs worker` runs `run_periodic(app, stop)` beside its queue;
- "sync" (tests): nothing periodic; `flask log checkpoint` signs on demand.

Several processes may publish at once: `checkpoints.publish` runs under the sequencer's lock and
signs nothing when a checkpoint of the current size exists, so one size gets one checkpoint.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask

from core.extensions import db
from traceability.ledger import checkpoints

log = logging.getLogger(__name__)

DEFAULT_SECONDS = 300


def interval(app: Flask) -> float:
    return float(app.config.get("LEDGER_CHECKPOINT_SECONDS") or DEFAULT_SECONDS)


def publish_once(app: Flask):
    """One round: sequence, sign if the log grew, commit. Never raises (logs instead)."""
    with app.app_context():
        try:
            made = checkpoints.publish()
            db.session.commit()
            if made is not None:
                log.info("origin log checkpoint at size %s", made.size)
            return made
        except Exception:
            db.session.rollback()
            log.exception("origin log checkpoint failed")
            return None
        finally:
            db.session.remove()


def run_periodic(app: Flask, stop: threading.Event) -> None:
    """Publish every LEDGER_CHECKPOINT_SECONDS until `stop` is set (the first round at once)."""
    while not stop.is_set():
        publish_once(app)
        stop.wait(interval(app))


class CheckpointRunner:
    """The "thread" runner: one daemon thread per process."""

    def __init__(self, app: Flask):
        self.app = app
        self.stopped = threading.Event()
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()

    def start(self) -> None:
        with self.lock:
            if self.thread is None or not self.thread.is_alive():
                self.stopped.clear()
                self.thread = threading.Thread(
                    target=run_periodic,
                    args=(self.app, self.stopped),
                    name="ledger-checkpoint",
                    daemon=True,
                )
                self.thread.start()

    def stop(self, timeout: float = 10) -> None:
        self.stopped.set()
        if self.thread is not None:
            self.thread.join(timeout)


def start_worker_thread(app: Flask) -> tuple[threading.Thread, threading.Event]:
    """For `flask jobs worker` (the "rq" mode): the periodic publisher beside the queue."""
    stop = threading.Event()
    thread = threading.Thread(
        target=run_periodic, args=(app, stop), name="ledger-checkpoint", daemon=True
    )
    thread.start()
    return thread, stop


def init_app(app: Flask) -> None:
    if app.config.get("JOB_QUEUE") != "thread":
        return
    runner = CheckpointRunner(app)
    app.extensions["ledger_checkpoint_runner"] = runner
    started: list[bool] = []

    @app.before_request
    def _start_checkpoint_runner_once():
        # Not at import or app creation: CLI commands and gunicorn's master sign nothing.
        if not started:
            started.append(True)
            runner.start()
