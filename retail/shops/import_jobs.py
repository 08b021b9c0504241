"""Starting an import, and running big ones in the background with progress the page polls.

A file of up to SHOP_IMPORT_BACKGROUND_ROWS rows (500) is checked and saved inside the request.
A bigger one is stored under the instance folder (SHOP_IMPORT_FOLDER, default instance/imports)
and a `ShopImport` row is committed in state CHECKING; then the project's job runner takes it,
as it takes stamp orders (`JOB_QUEUE`): a thread of the web process by default, the RQ queue
that `flask jobs worker` serves when REDIS_URL is set, or the request itself with "sync". The job

1. reads the file and checks every row, committing `done_rows` (and a heartbeat,
   `report.progress_at`) every few hundred rows: checking writes nothing else, and holds no
   transaction between its bulk lookups;
2. moves the import CHECKING → CHECKED with one conditional UPDATE and commits: of two runners
   of one import (a re-queued job), only one gets past this point;
3. in one transaction, moves it CHECKED → IMPORTING (conditional again), saves the good rows
   and sets DONE (or REFUSED): a runner that dies on the way leaves nothing saved.

A runner that died (a restart, a killed worker) stops its heartbeat; after
SHOP_IMPORT_STALE_SECONDS the page says so and that nothing was saved. Uploading the file again
is safe: rows already present are skipped.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import threading
import traceback
from contextlib import contextmanager
from functools import partial
from pathlib import Path

from flask import Flask, current_app
from flask_babel import force_locale, get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from core import access
from core.accounts.models import User
from core.db import on_rollback, utcnow
from core.errors import DomainError
from core.extensions import db
from retail.shops import imports
from retail.shops.models import ImportState, ShopImport

log = logging.getLogger(__name__)

BACKGROUND_ROWS = 500  # default of SHOP_IMPORT_BACKGROUND_ROWS
STALE_SECONDS = 600  # default of SHOP_IMPORT_STALE_SECONDS: a queued job may wait a while
KEEP_FILES = dt.timedelta(days=1)  # files of imports that never finished are removed after
RUNNING = (ImportState.CHECKING, ImportState.CHECKED, ImportState.IMPORTING)

INTERRUPTED = _l(
    "The import stopped before it finished (the server restarted). Nothing was saved: upload "
    "the file again."
)


def background_rows() -> int:
    return int(current_app.config.get("SHOP_IMPORT_BACKGROUND_ROWS") or BACKGROUND_ROWS)


def stale_after() -> dt.timedelta:
    seconds = current_app.config.get("SHOP_IMPORT_STALE_SECONDS") or STALE_SECONDS
    return dt.timedelta(seconds=seconds)


def import_folder() -> Path:
    """Where uploads wait for their job: beside the photo uploads unless configured."""
    configured = current_app.config.get("SHOP_IMPORT_FOLDER")
    if configured:
        return Path(configured)
    return Path(current_app.config["UPLOAD_FOLDER"]).with_name("imports")


def current_locale() -> str:
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


# --- starting --------------------------------------------------------------------------------


def start(data: bytes, filename: str, actor: User, *, only_valid: bool) -> ShopImport:
    """Read the file; import it now when small, else store it for the job (flushes only).

    The caller commits, then calls `run_if_waiting` (the job must see the committed row).
    """
    access.require_retail_role(actor)
    rows = imports.read_file(data)
    if len(rows) <= background_rows():
        return imports.import_now(
            rows, actor, filename=filename, only_valid=only_valid, locale=current_locale()
        )
    folder = import_folder()
    folder.mkdir(parents=True, exist_ok=True)
    _remove_old_files(folder)
    stored = f"{secrets.token_hex(16)}{'.xlsx' if data.startswith(imports.ZIP_MAGIC) else '.csv'}"
    path = folder / stored
    path.write_bytes(data)
    on_rollback(db.session(), lambda: path.unlink(missing_ok=True))
    record = imports.new_record(
        actor, filename=filename, only_valid=only_valid, total=len(rows), locale=current_locale()
    )
    record.stored_path = stored
    db.session.flush()
    return record


def _remove_old_files(folder: Path) -> None:
    """Uploads of imports whose runner died are kept a day (they hold personal data)."""
    cutoff = (utcnow() - KEEP_FILES).timestamp()
    for path in folder.glob("*.*"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
        except FileNotFoundError:
            continue


def run_if_waiting(record: ShopImport) -> None:
    """After the commit: hand a stored import to the job runner."""
    if record.state is ImportState.CHECKING and record.stored_path:
        enqueue(record.id)


def enqueue(import_id: int) -> threading.Thread | None:
    """Run the import's job with the configured runner; the thread when it is one."""
    mode = current_app.config["JOB_QUEUE"]
    if mode == "sync":
        run_stored(import_id)
        return None
    if mode == "rq":
        from traceability.stamps import jobs as stamp_jobs

        stamp_jobs._rq_queue().enqueue(rq_run_import, import_id, job_timeout=3600)
        return None
    app = current_app._get_current_object()
    thread = threading.Thread(
        target=_run_in_thread, args=(app, import_id), name=f"shop-import-{import_id}", daemon=True
    )
    threads = app.extensions.setdefault("shop_import_threads", {})
    for done in [key for key, t in threads.items() if not t.is_alive()]:
        del threads[done]
    threads[import_id] = thread
    thread.start()
    return thread


def _run_in_thread(app: Flask, import_id: int) -> None:
    with app.app_context():
        try:
            run_stored(import_id)
        finally:
            db.session.remove()


def rq_run_import(import_id: int) -> bool:
    """The RQ job: `flask jobs worker` runs it inside the application context."""
    return run_stored(import_id)


# --- the job -----------------------------------------------------------------------------------


def _move(import_id: int, before: ImportState, **values) -> bool:
    """Change the import only if it is still in state `before` (one runner wins)."""
    result = db.session.execute(
        update(ShopImport)
        .where(ShopImport.id == import_id, ShopImport.state == before)
        .values(**values)
    )
    return result.rowcount == 1


def _heartbeat(locale: str) -> dict:
    return {"locale": locale, "progress_at": utcnow().isoformat()}


def _progress(import_id: int, locale: str, done: int) -> None:
    _move(import_id, ImportState.CHECKING, done_rows=done, report=_heartbeat(locale))
    db.session.commit()


def _actor(record: ShopImport) -> User:
    """Who started the import: still an active officer or staff member, or the job stops."""
    user = db.session.get(User, record.created_by_id) if record.created_by_id else None
    if user is None or not user.is_active:
        raise DomainError(
            _l("The account that started this import is no longer active: nothing was saved.")
        )
    access.require_retail_role(user)
    return user


def run_stored(import_id: int) -> bool:
    """Check and save a stored import; False when there was nothing to do."""
    record = db.session.get(ShopImport, import_id)
    if record is None or record.state is not ImportState.CHECKING or not record.stored_path:
        return False
    locale = (record.report or {}).get("locale") or current_app.config["BABEL_DEFAULT_LOCALE"]
    path = import_folder() / record.stored_path
    with force_locale(locale):
        try:
            _run(record, path, locale)
        except Exception as exc:
            if not isinstance(exc, DomainError | IntegrityError):
                _log_failure(import_id, exc)
            db.session.rollback()
            _fail(import_id, exc, locale)
    state = db.session.get(ShopImport, import_id).state
    if state not in RUNNING:
        path.unlink(missing_ok=True)
    return True


@contextmanager
def _loaded_rows_kept():
    """Commits that keep the loaded wards and the actor in the session: the check reads them
    between its progress commits without a query (which, on SQLite, would take the lock)."""
    session = db.session()
    before, session.expire_on_commit = session.expire_on_commit, False
    try:
        yield
    finally:
        session.expire_on_commit = before


def _run(record: ShopImport, path: Path, locale: str) -> None:
    import_id = record.id
    with _loaded_rows_kept():
        actor = _actor(record)
        rows = imports.read_file(path.read_bytes())
        report = imports.check(rows, actor, progress=partial(_progress, import_id, locale))
        checked = _move(
            import_id,
            ImportState.CHECKING,
            state=ImportState.CHECKED,
            done_rows=report.total,
            report=_heartbeat(locale),
        )
        db.session.commit()
    if not checked:
        return  # another runner finished this import
    if not _move(import_id, ImportState.CHECKED, state=ImportState.IMPORTING):
        db.session.rollback()
        return
    record = db.session.get(ShopImport, import_id)
    db.session.refresh(record)
    imports.finish(record, report, _actor(record))
    record.stored_path = ""
    db.session.commit()


def _log_failure(import_id: int, exc: Exception) -> None:
    """Where it failed, without the exception's text: a database error's text holds the
    statement's parameters, which are shops' phones and owners' names."""
    frame = traceback.extract_tb(exc.__traceback__)[-1]
    log.error(
        "shop import %s failed: %s at %s:%s",
        import_id,
        type(exc).__name__,
        frame.filename,
        frame.lineno,
    )


def _fail(import_id: int, exc: Exception, locale: str) -> None:
    if isinstance(exc, DomainError):
        message = exc.errors.get("file", [exc.message])[0] if exc.errors else exc.message
    elif isinstance(exc, IntegrityError):
        message = _l(
            "Someone registered one of these shops while the file was being imported. Nothing "
            "was saved: import the file again to see the new report."
        )
    else:
        message = _l("The import failed on our side. Nothing was saved: try again later.")
    db.session.execute(
        update(ShopImport)
        .where(ShopImport.id == import_id, ShopImport.state.in_(RUNNING))
        .values(
            state=ImportState.FAILED,
            finished_at=utcnow(),
            stored_path="",
            report={"locale": locale, "message": str(message)},
        )
    )
    db.session.commit()


# --- what the page shows ------------------------------------------------------------------------


def stalled(record: ShopImport) -> bool:
    """Whether a running import's heartbeat stopped: its runner is gone."""
    if record.state not in RUNNING:
        return False
    beat = (record.report or {}).get("progress_at")
    last = dt.datetime.fromisoformat(beat) if beat else record.created_at
    return utcnow() - last > stale_after()


def status(record: ShopImport) -> dict:
    """The small JSON the progress bar polls."""
    return {
        "id": record.id,
        "state": record.state.value,
        "done_rows": record.done_rows,
        "total_rows": record.total_rows,
        "finished": record.state not in RUNNING,
        "stalled": stalled(record),
    }
