"""Public pages of the origin log (/log/…) and the staff monitor page (/staff/log/…).

The public pages need no login and no JavaScript: what the log is, its latest checkpoint and
public key, how to verify without trusting us, and the records of a published product or batch
with links to their proofs (`api/ledger.py`). A draft product, its batches and their records
answer 404 to everyone. The consumer page's "verify" section (`templates/ledger/_verify.html`)
asks `log_summary(batch_id)`: one query. Staff pages show a red banner while the monitor's latest
check has failed (`ledger_alarm()`, one query, staff only).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import and_, case, func, or_, select

from core import access, pages
from core.errors import NotFound
from core.extensions import db, limiter
from core.formatting import number_in_message
from core.web import has_login_cookie
from traceability.ledger import checkpoints, keys, monitor, proofs, tree
from traceability.ledger.models import LedgerCheck, LedgerCheckpoint, LedgerEntry, LedgerKind
from traceability.registry.models import Batch, Product

bp = Blueprint("ledger", __name__, url_prefix="/log")
staff_bp = Blueprint("ledger_staff", __name__, url_prefix="/staff/log")

# Records listed on one page; a bigger batch says how many more the bundle holds.
PAGE_ENTRIES = 500
STAFF_ROWS = 20

KIND_LABELS = {
    LedgerKind.TRACE_EVENT: _l("Trace event"),
    LedgerKind.PRODUCT: _l("Product's public data"),
    LedgerKind.STAMP_ORDER: _l("Stamp order"),
    LedgerKind.CORRECTION: _l("Correction"),
}


def log_limit() -> str:
    """The rate limit of the public log pages and JSON."""
    return current_app.config["RATELIMIT_LOG"]


# --- what is public -----------------------------------------------------------------------------


def public_product(gtin: str) -> Product:
    """A published product by its GTIN; anything else is not found."""
    product = db.session.scalars(select(Product).where(Product.gtin == gtin)).first()
    if product is None or not product.is_published:
        raise NotFound(_l("No published product has this barcode (GTIN)."))
    return product


def public_batch(batch_id: int) -> Batch:
    """A batch of a published product; anything else is not found."""
    batch = db.session.get(Batch, batch_id)
    if batch is None or not batch.product.is_published:
        raise NotFound(_l("No batch of a published product has this number."))
    return batch


def public_entry(leaf_hash: str) -> LedgerEntry:
    """A log entry about a published product (its data, a batch's event or stamp order)."""
    leaf_hash = leaf_hash.lower()
    entry = tree.entry_by_leaf_hash(leaf_hash) if _is_hex64(leaf_hash) else None
    if entry is None or not _entry_is_public(entry):
        raise NotFound(_l("No public record of the log has this leaf hash."))
    return entry


def _is_hex64(value: str) -> bool:
    return len(value) == 64 and all(c in "0123456789abcdef" for c in value)


def _entry_is_public(entry: LedgerEntry) -> bool:
    product_id = entry.product_id
    if product_id is None and entry.batch_id is not None:
        product_id = db.session.scalar(select(Batch.product_id).where(Batch.id == entry.batch_id))
    product = db.session.get(Product, product_id) if product_id is not None else None
    return product is not None and product.is_published


def _of_batch(batch_id: int, product_id: int):
    """A batch's records and its product's public data (as `proofs.batch_entries` bundles them)."""
    return or_(
        LedgerEntry.batch_id == batch_id,
        and_(LedgerEntry.product_id == product_id, LedgerEntry.kind == LedgerKind.PRODUCT),
    )


def batch_entries(batch: Batch, limit: int | None = None) -> list[LedgerEntry]:
    stmt = select(LedgerEntry).where(_of_batch(batch.id, batch.product_id)).order_by(LedgerEntry.id)
    return list(db.session.scalars(stmt.limit(limit) if limit else stmt))


def product_entries(product: Product, limit: int | None = None) -> list[LedgerEntry]:
    """The product's own records and those of its batches."""
    batches = select(Batch.id).where(Batch.product_id == product.id)
    stmt = (
        select(LedgerEntry)
        .where(or_(LedgerEntry.product_id == product.id, LedgerEntry.batch_id.in_(batches)))
        .order_by(LedgerEntry.id)
    )
    return list(db.session.scalars(stmt.limit(limit) if limit else stmt))


def latest_check() -> LedgerCheck | None:
    return db.session.scalars(select(LedgerCheck).order_by(LedgerCheck.id.desc()).limit(1)).first()


def checkpoint_minutes() -> int:
    return max(1, -(-int(current_app.config.get("LEDGER_CHECKPOINT_SECONDS", 300)) // 60))


# --- the consumer page's section and the staff banner ---------------------------------------------


@dataclass(frozen=True)
class LogSummary:
    """What the consumer page may say about a batch's records in the log."""

    records: int
    in_checkpoint: int
    check_failed: bool

    @property
    def waiting(self) -> int:
        return self.records - self.in_checkpoint


def log_summary(batch_id: int, product_id: int) -> LogSummary:
    """The batch's records (its product's public data included), how many the latest
    checkpoint covers, and whether the monitor's latest check failed: one query (the stamp page
    is the hot path)."""
    latest_size = (
        select(LedgerCheckpoint.size)
        .order_by(LedgerCheckpoint.size.desc(), LedgerCheckpoint.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    last_ok = select(LedgerCheck.ok).order_by(LedgerCheck.id.desc()).limit(1).scalar_subquery()
    covered = case((LedgerEntry.leaf_index < latest_size, 1), else_=0)
    records, in_checkpoint, ok = db.session.execute(
        select(func.count(LedgerEntry.id), func.coalesce(func.sum(covered), 0), last_ok).where(
            _of_batch(batch_id, product_id)
        )
    ).one()
    return LogSummary(int(records), int(in_checkpoint), ok is not None and not ok)


def ledger_alarm() -> LedgerCheck | None:
    """The monitor's latest check when it failed, for staff users; None for everyone else."""
    if not has_login_cookie() or not current_user.is_authenticated or not current_user.is_staff:
        return None
    check = latest_check()
    return check if check is not None and not check.ok else None


@bp.app_context_processor
def _log_helpers() -> dict:
    # Functions, not values: nothing is queried unless a template calls them.
    return {"log_summary": log_summary, "ledger_alarm": ledger_alarm}


# --- public pages -------------------------------------------------------------------------------


def _other_lang() -> str:
    return "en" if get_locale().language == "vi" else "vi"


def _page(template: str, **values):
    other = _other_lang()
    switch = request.path + "?" + urlencode(request.args.to_dict() | {"lang": other})
    return render_template(template, other_lang=other, switch_href=switch, **values)


def _rows(entries: list[LedgerEntry], size: int) -> list[dict]:
    """Entries as the pages list them: type in words, the step of a trace event, the proof."""
    from traceability.events import recording
    from traceability.events.models import TraceEvent

    event_pks = {e.event_pk for e in entries if e.event_pk is not None}
    steps = (
        dict(
            db.session.execute(
                select(TraceEvent.id, TraceEvent.biz_step).where(TraceEvent.id.in_(event_pks))
            ).all()
        )
        if event_pks
        else {}
    )
    rows = []
    for entry in entries:
        step = recording.step_of(steps.get(entry.event_pk)) if entry.event_pk else None
        rows.append(
            {
                "entry": entry,
                "kind": KIND_LABELS.get(entry.kind, entry.kind),
                "step": recording.step_label(step) if step else None,
                "in_checkpoint": entry.leaf_index is not None and entry.leaf_index < size,
            }
        )
    return rows


def _latest_size() -> tuple[LedgerCheckpoint | None, int]:
    latest = checkpoints.latest()
    return latest, (latest.size if latest is not None else 0)


@bp.get("/")
@limiter.limit(log_limit, methods=["GET"])
def index():
    latest, _size = _latest_size()
    return _page(
        "ledger/index.html",
        latest=latest,
        root_b64=base64.b64encode(bytes.fromhex(latest.root_hash)).decode() if latest else "",
        origin=keys.origin(),
        public_keys=keys.published_keys(),
        check=latest_check(),
        minutes=checkpoint_minutes(),
    )


@bp.get("/products/<gtin>")
@limiter.limit(log_limit, methods=["GET"])
def product_log(gtin: str):
    product = public_product(gtin)
    latest, size = _latest_size()
    entries = product_entries(product, PAGE_ENTRIES + 1)
    return _page(
        "ledger/records.html",
        subject=product,
        product=product,
        batch=None,
        latest=latest,
        rows=_rows(entries[:PAGE_ENTRIES], size),
        more=len(entries) > PAGE_ENTRIES,
        minutes=checkpoint_minutes(),
        bundle_url=url_for("log_api.product_bundle", gtin=product.gtin),
    )


@bp.get("/batches/<int:batch_id>")
@limiter.limit(log_limit, methods=["GET"])
def batch_log(batch_id: int):
    batch = public_batch(batch_id)
    latest, size = _latest_size()
    entries = batch_entries(batch, PAGE_ENTRIES + 1)
    return _page(
        "ledger/records.html",
        subject=batch,
        product=batch.product,
        batch=batch,
        latest=latest,
        rows=_rows(entries[:PAGE_ENTRIES], size),
        more=len(entries) > PAGE_ENTRIES,
        minutes=checkpoint_minutes(),
        bundle_url=url_for("log_api.batch_bundle", batch_id=batch.id),
    )


@bp.get("/entries/<leaf_hash>")
@limiter.limit(log_limit, methods=["GET"])
def entry_page(leaf_hash: str):
    entry = public_entry(leaf_hash)
    latest, size = _latest_size()
    body = proofs.entry_body(entry)
    return _page(
        "ledger/entry.html",
        entry=entry,
        row=_rows([entry], size)[0],
        latest=latest,
        minutes=checkpoint_minutes(),
        content_json=json.dumps(
            body.get("event") or body.get("content"), indent=2, ensure_ascii=False
        ),
    )


# --- staff: the monitor ---------------------------------------------------------------------------


@staff_bp.before_request
@login_required
def _staff_only():
    access.require_staff(current_user)


@staff_bp.get("/")
def monitor_page():
    checks = db.session.scalars(
        select(LedgerCheck).order_by(LedgerCheck.id.desc()).limit(STAFF_ROWS)
    ).all()
    recent = db.session.scalars(
        select(LedgerCheckpoint).order_by(LedgerCheckpoint.id.desc()).limit(STAFF_ROWS)
    ).all()
    counts = dict(
        db.session.execute(
            select(LedgerEntry.kind, func.count(LedgerEntry.id)).group_by(LedgerEntry.kind)
        ).all()
    )
    pending = tree.pending()
    signer = keys.signer()
    return render_template(
        "ledger/staff.html",
        checks=checks,
        checkpoints=recent,
        counts=[(KIND_LABELS.get(k, k), counts.get(k, 0)) for k in KIND_LABELS],
        pending=pending,
        key_name=signer.name,
        vkey=signer.verifier().vkey,
        past_keys=keys.published_keys()[1:],
        minutes=checkpoint_minutes(),
    )


def _check_message(check: LedgerCheck) -> str:
    if check.ok:
        return ngettext(
            "The check passed: the tree of %(size)s records matches all %(num)d checkpoint.",
            "The check passed: the tree of %(size)s records matches all %(num)d checkpoints.",
            check.checkpoints,
            size=number_in_message(check.size),
        )
    return ngettext(
        "The check FAILED with %(num)d problem: see the list below.",
        "The check FAILED with %(num)d problems: see the list below.",
        len(check.problems or []) or 1,
    )


@staff_bp.post("/check")
def run_check():
    done = pages.act(lambda: monitor.run_check(record=True))
    if done:
        flash(_check_message(done.value), "success" if done.value.ok else "error")
    return redirect(url_for("ledger_staff.monitor_page"))


def _signed_message(checkpoint: LedgerCheckpoint | None) -> str:
    if checkpoint is None:
        return _("Nothing new to sign: the latest checkpoint already covers every record.")
    return _("Checkpoint signed: %(size)s records.", size=number_in_message(checkpoint.size))


@staff_bp.post("/checkpoint")
def sign_checkpoint():
    pages.act(lambda: checkpoints.publish(force=True), _signed_message)
    return redirect(url_for("ledger_staff.monitor_page"))
