"""The EPCIS capture service: a document (or one event) in, a capture job and stored events out.

`capture_document(doc, user, behaviour)` creates the capture job (a `Capture` row with a uuid
captureID), validates the document (`validation.check_document`, with the producer's rights for
a producer's token), then stores the valid events at once (`store.store_events`, source "api"):

- `rollback` (the default, as in EPCIS 1.2): all or nothing. One bad event and nothing is stored;
  the job says `success: false` and lists every error.
- `proceed`: the good events are stored and the bad ones are listed (when the store itself refuses
  an event, each is tried in a savepoint of its own, so that it does not undo the others).

Events already stored (the same event hash, `Stored.created` False) are counted in the job's
`duplicate_count`: capturing a document again stores nothing new and is no error.

Capture runs synchronously, inside the request: the job has finished (`running` false) when the
202 answer is sent, so the capture job's state is final the first time it is read. The job row is
written before the events and the events are stored in a savepoint, so a failed capture still
leaves its job (the route commits once at the end). Flushes, never commits.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.accounts.models import User
from core.db import utcnow
from core.extensions import db
from traceability.events import store, validation
from traceability.events.models import Capture
from traceability.registry.models import Producer, Product, Site

log = logging.getLogger(__name__)

BEHAVIOURS = ("rollback", "proceed")


@dataclass
class Captured:
    job: Capture
    stored: list[store.Stored]


def rights_for(user: User) -> validation.Rights | None:
    """What a producer's token may name (None: staff and admins may capture any event)."""
    if user.is_staff:
        return None
    producer = db.session.get(Producer, user.producer_id)
    gtins = db.session.scalars(select(Product.gtin).where(Product.producer_id == producer.id))
    sites = db.session.scalars(select(Site.id).where(Site.producer_id == producer.id))
    return validation.Rights(
        gtins=frozenset(gtins),
        site_ids=frozenset(sites),
        glns=frozenset({producer.gln} - {None, ""}),
        company_prefixes=tuple(p for p in (producer.gs1_company_prefix,) if p),
    )


def context_extras(context) -> list:
    """The entries of an `@context` that declare prefixes (the standard context is implied)."""
    if isinstance(context, dict):
        return [context]
    if isinstance(context, list):
        return [c for c in context if isinstance(c, dict)]
    return []


def new_job(user: User, behaviour: str) -> Capture:
    job = Capture(
        capture_id=str(uuid.uuid4()),
        running=True,
        error_behaviour=behaviour,
        errors=[],
        user_id=user.id,
        producer_id=None if user.is_staff else user.producer_id,
    )
    db.session.add(job)
    db.session.flush()
    return job


def capture_document(doc, user: User, behaviour: str = "rollback") -> Captured:
    """Capture an EPCISDocument or EPCISQueryDocument (parsed JSON) as one capture job."""
    if behaviour not in BEHAVIOURS:
        raise ValueError(f"unknown capture error behaviour {behaviour!r}")
    job = new_job(user, behaviour)
    checked = validation.check_document(doc, rights_for(user))
    job.event_count = len(checked.events)
    errors = list(checked.errors)
    good: list[dict] = []
    if not checked.document_errors and (behaviour == "proceed" or not checked.event_errors):
        good = [
            event for i, (_, event) in enumerate(checked.events) if i not in checked.event_errors
        ]
    context = context_extras(doc.get("@context")) if isinstance(doc, dict) else []
    stored, store_errors = _store(good, checked, user, job, context, behaviour)
    errors += store_errors
    return Captured(_finish(job, stored, errors), stored)


def capture_event(event, user: User) -> Captured:
    """Capture one bare event (POST /events): its own `@context`, all or nothing."""
    job = new_job(user, "rollback")
    job.event_count = 1
    errors = validation.validate_event(event, "", rights_for(user))
    stored: list[store.Stored] = []
    if not errors:
        checked = validation.Checked(events=[("", event)])
        stored, errors = _store(
            [event], checked, user, job, context_extras(event.get("@context")), "rollback"
        )
    return Captured(_finish(job, stored, errors), stored)


def _store(events, checked, user, job, context, behaviour) -> tuple[list[store.Stored], list]:
    """Store the valid events at once in a savepoint (`store.store_events`: one lookup per chunk,
    one flush). With `proceed`, when the store refuses the batch, each event is tried again in a
    savepoint of its own so that one event it cannot take does not undo the others."""
    if not events:
        return [], []
    paths = {id(event): path for path, event in checked.events}
    pairs = [(event, context_extras(event.get("@context")) + context or None) for event in events]

    def save(chunk):
        savepoint = db.session.begin_nested()
        try:
            stored = store.store_events(
                chunk, user=user, source="api", producer_id=job.producer_id, capture=job
            )
        except Exception:
            savepoint.rollback()
            raise
        savepoint.commit()
        return stored

    try:
        return save(pairs), []
    except Exception as exc:  # the job records what the store refused; the request goes on
        log.exception("capture %s failed", job.capture_id)
        if behaviour == "rollback" or len(pairs) == 1:
            return [], [
                _store_error(exc, paths.get(id(pairs[0][0]), "") if len(pairs) == 1 else "")
            ]
    stored: list[store.Stored] = []
    errors: list[dict] = []
    for pair in pairs:
        try:
            stored += save([pair])
        except Exception as exc:  # this event only: the others are kept
            log.exception("capture %s: an event failed", job.capture_id)
            errors.append(_store_error(exc, paths.get(id(pair[0]), "")))
    return stored, errors


def _store_error(exc: Exception, instance: str) -> dict:
    return validation.error(
        _l("This event could not be stored (%(reason)s).", reason=type(exc).__name__),
        instance,
        title=_l("The EPCIS event could not be stored."),
        type="epcisException:ImplementationException",
        status=500,
    )


def _finish(job: Capture, stored: list[store.Stored], errors: list[dict]) -> Capture:
    job.stored_count = sum(1 for s in stored if s.created)
    job.duplicate_count = sum(1 for s in stored if not s.created)
    job.errors = [{k: str(v) if k != "status" else v for k, v in e.items()} for e in errors]
    job.success = not errors
    job.running = False
    job.finished_at = utcnow()
    db.session.flush()
    return job


def job_document(job: Capture) -> dict:
    """A capture job as the OpenAPI's CaptureJob, with our counts."""
    return {
        "captureID": job.capture_id,
        "createdAt": store.format_time(job.created_at),
        "finishedAt": store.format_time(job.finished_at) if job.finished_at else None,
        "running": job.running,
        "success": job.success,
        "captureErrorBehaviour": job.error_behaviour,
        "errors": job.errors or [],
        "eventCount": job.event_count,
        "storedCount": job.stored_count,
        "duplicateCount": job.duplicate_count,
    }


def visible_jobs(user: User):
    """The select of the capture jobs a user may read, newest first (staff: all)."""
    stmt = select(Capture).order_by(Capture.id.desc())
    if not user.is_staff:
        stmt = stmt.where(Capture.producer_id == user.producer_id)
    return stmt


def job_for(capture_id: str, user: User) -> Capture | None:
    """A capture job the user may read (another producer's job is None: 404)."""
    job = db.session.scalar(select(Capture).where(Capture.capture_id == capture_id))
    if job is None or (not user.is_staff and job.producer_id != user.producer_id):
        return None
    return job


def stored_event_id(captured: Captured) -> str | None:
    return captured.stored[0].event.event_id if captured.stored else None
