"""The demo log: what the demo journeys appended, under two checkpoints, yesterday's and today's,
so that "today's checkpoint extends yesterday's" can be shown with the standalone verifier."""

from __future__ import annotations

import datetime as dt

from core.db import utcnow
from core.extensions import db
from traceability.ledger import checkpoints, tree
from traceability.ledger.models import LedgerCheckpoint

# Entries left for today's checkpoint only.
TODAY = 5


def load_demo_log() -> tuple[LedgerCheckpoint | None, LedgerCheckpoint | None]:
    """Sequence the demo's entries and sign yesterday's checkpoint (all but the last few) and
    today's (all); returns both (None where nothing was signed). Flushes, never commits."""
    db.session.flush()
    waiting = tree.pending()
    first_part = waiting - min(TODAY, waiting // 2)
    tree.integrate(limit=first_part)
    yesterday = checkpoints.sign_head()
    if yesterday is not None:
        yesterday.created_at = utcnow() - dt.timedelta(days=1)
        db.session.flush()
    today = checkpoints.publish()
    return yesterday, today
