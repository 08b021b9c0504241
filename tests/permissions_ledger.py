"""Permission-table rows for the origin log: public pages, JSON proofs, the staff monitor (see
tests/test_permissions.py for the format and roles: anon, owner = producer A, other = producer
B, officer, staff, admin).

Placeholders of tests/test_permissions.World ({batch}, {product}, {stamp}, …) and those setup()
returns.

The log is public: its pages and JSON answer everyone alike (200), a token or a session changes
nothing; the draft product {product} and its batch {batch} are 404 for everyone, their owner
included. The staff monitor is staff's (a producer or field officer 403). The consistency proof
without its two sizes is 400 for everyone (the table sends no query string).
"""

from __future__ import annotations

PUBLIC = {"*": 200}
NOBODY = {"*": 404}
STAFF_ONLY = {"anon": 302, "staff": 200, "admin": 200, "*": 403}
STAFF_POST = {"anon": 302, "staff": 302, "admin": 302, "*": 403}

PAGES: list = [  # (method, url, {role: status})
    ("GET", "/log/", PUBLIC),
    ("GET", "/log/products/{log_gtin}", PUBLIC),
    ("GET", "/log/products/{draft_gtin}", NOBODY),
    ("GET", "/log/batches/{log_batch}", PUBLIC),
    ("GET", "/log/batches/{batch}", NOBODY),
    ("GET", "/log/entries/{log_leaf}", PUBLIC),
    ("GET", "/log/entries/{draft_leaf}", NOBODY),
    ("GET", "/staff/log/", STAFF_ONLY),
    ("POST", "/staff/log/check", STAFF_POST),
    ("POST", "/staff/log/checkpoint", STAFF_POST),
]

APIS: list = [  # (method, url, json body or None, {role: status})
    ("GET", "/api/log/checkpoint", None, PUBLIC),
    ("GET", "/api/log/checkpoint.txt", None, PUBLIC),
    ("GET", "/api/log/checkpoints", None, PUBLIC),
    ("GET", "/api/log/key", None, PUBLIC),
    ("GET", "/api/log/entries/{log_leaf}", None, PUBLIC),
    ("GET", "/api/log/entries/{draft_leaf}", None, NOBODY),
    ("GET", "/api/log/leaves/{log_index}", None, PUBLIC),
    ("GET", "/api/log/proof/consistency", None, {"*": 400}),
    ("GET", "/api/log/products/{log_gtin}/bundle", None, PUBLIC),
    ("GET", "/api/log/products/{draft_gtin}/bundle", None, NOBODY),
    ("GET", "/api/log/batches/{log_batch}/bundle", None, PUBLIC),
    ("GET", "/api/log/batches/{batch}/bundle", None, NOBODY),
]


def setup(world) -> dict:
    """A checkpoint over the world's records: the stamp order of the published product's batch
    is public; an entry about the draft product's batch is not."""
    from core.extensions import db
    from traceability.ledger import checkpoints, records
    from traceability.ledger.models import LedgerEntry, LedgerKind

    draft_entry = records.append(
        LedgerKind.CORRECTION,
        content={"test": "an entry about the draft product's batch"},
        batch_id=world.batch.id,
    )
    checkpoints.publish(force=True)
    db.session.flush()
    entry = db.session.scalars(
        db.select(LedgerEntry).where(
            LedgerEntry.batch_id == world.stamp_batch.id, LedgerEntry.leaf_index.is_not(None)
        )
    ).first()
    return {
        "log_gtin": world.stamp_product.gtin,
        "log_batch": world.stamp_batch.id,
        "log_leaf": entry.leaf_hash,
        "log_index": entry.leaf_index,
        "draft_gtin": world.product.gtin,
        "draft_leaf": draft_entry.leaf_hash,
    }
