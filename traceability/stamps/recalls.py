"""Batch recalls: every stamp of a recalled batch tells consumers so, in red, with the notice.

Staff or the batch's own producer recall and lift; both are audit-logged. Nothing commits.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from core import access, audit
from core.accounts.models import User
from core.db import utcnow
from core.errors import Conflict, FieldErrors, NotFound
from core.extensions import db
from traceability.registry.models import Batch
from traceability.stamps.models import Stamp, StampState

RECALL_NOTICE_MAX = 300


def recall_stamp_count(batch: Batch) -> int:
    """How many stamps of the batch a recall reaches (all but void ones)."""
    return db.session.scalar(
        select(func.count())
        .select_from(Stamp)
        .where(Stamp.batch_id == batch.id, Stamp.state != StampState.VOID)
    )


def _require_write(batch: Batch, actor: User) -> None:
    access.require_registry_role(actor)
    if not access.can_write(actor, batch):
        raise NotFound(_l("Not found."))


def recall_batch(batch: Batch, notice: str, actor: User) -> Batch:
    """Recall a batch with a notice for consumers (what the form or `RecallIn` read)."""
    _require_write(batch, actor)
    errors = FieldErrors()
    if not notice.strip():
        errors.add("notice", _l("Tell consumers why the batch is recalled and what to do with it."))
    elif len(notice) > RECALL_NOTICE_MAX:
        errors.add("notice", _l("Keep the notice under %(n)s characters.", n=RECALL_NOTICE_MAX))
    errors.raise_if_any()
    if batch.recalled_at is not None:
        raise Conflict(_l("This batch is already recalled."))
    batch.recalled_at, batch.recall_notice, batch.updated_by_id = utcnow(), notice, actor.id
    audit.record(actor, "batch.recall", batch, notice=notice, stamps=recall_stamp_count(batch))
    db.session.flush()
    return batch


def lift_recall(batch: Batch, actor: User) -> Batch:
    """End a batch's recall (e.g. it was a mistake, or the batch was made safe)."""
    _require_write(batch, actor)
    if batch.recalled_at is None:
        raise Conflict(_l("This batch is not recalled."))
    notice = batch.recall_notice
    batch.recalled_at, batch.recall_notice, batch.updated_by_id = None, "", actor.id
    audit.record(actor, "batch.recall_lift", batch, notice=notice)
    db.session.flush()
    return batch
