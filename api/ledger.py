"""The origin log's public JSON under /api/log: checkpoints, the public key, entries, inclusion and
consistency proofs, and the bundles the standalone verifier takes (formats in docs/ledger.md).

A plain blueprint, not flask-smorest: no token, anyone may verify from anywhere (CORS `*`),
rate-limited like the resolver. Errors answer the API's one shape
`{"code", "status", "message", "errors"}`, naming the query parameter that was wrong and what to
ask for instead. Hashes in proofs are base64 (RFC 9162 style); leaf hashes as identifiers hex.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, jsonify, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from core.errors import error_body
from core.extensions import csrf, db, limiter
from traceability.ledger import checkpoints, keys, proofs, tree, views
from traceability.ledger.models import LedgerCheckpoint

bp = Blueprint("log_api", __name__, url_prefix="/api/log")

MAX_LIMIT = 100
DEFAULT_LIMIT = 20
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Accept-Language",
}


class LogApiError(Exception):
    """A request the log cannot answer: status, message, and the parameter at fault."""

    def __init__(self, status: int, message: str, param: str | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.param = param


@bp.errorhandler(LogApiError)
def _answer_error(exc: LogApiError):
    errors = {"query": {exc.param: [exc.message]}} if exc.param else {}
    return jsonify(error_body(exc.status, exc.message, errors)), exc.status


@bp.after_request
def _cors(response: Response) -> Response:
    if request.method in ("GET", "HEAD", "OPTIONS"):
        response.headers.update(CORS)
    return response


# --- parsing --------------------------------------------------------------------------------------


def _int_arg(name: str, default: int | None = None, minimum: int = 0) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or int(raw) < minimum or len(raw) > 18:
        raise LogApiError(
            400,
            _("%(name)s must be a whole number of at least %(min)d.", name=name, min=minimum),
            name,
        )
    return int(raw)


def _checkpoint_at(size: int, param: str) -> LedgerCheckpoint:
    found = checkpoints.at_size(size)
    if found is None:
        raise LogApiError(
            404,
            _(
                "No checkpoint has tree size %(size)d: ask for one of the sizes listed at "
                "/api/log/checkpoints.",
                size=size,
            ),
            param,
        )
    return found


def _latest() -> LedgerCheckpoint:
    latest = checkpoints.latest()
    if latest is None:
        raise LogApiError(404, _("The log has no checkpoint yet: try again in a few minutes."))
    return latest


# --- bodies ---------------------------------------------------------------------------------------


def _safe(value) -> str:
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "_" for c in str(value))


def _text(body: str) -> Response:
    return Response(body, mimetype="text/plain")


# --- routes ---------------------------------------------------------------------------------------


@bp.get("/checkpoint")
def checkpoint():
    return jsonify(proofs.checkpoint_body(_latest()))


@bp.get("/checkpoint.txt")
def checkpoint_text():
    return _text(_latest().note)


@bp.get("/checkpoints")
def checkpoint_list():
    before = _int_arg("before", minimum=1)
    limit = min(_int_arg("limit", DEFAULT_LIMIT, minimum=1), MAX_LIMIT)
    stmt = select(LedgerCheckpoint).order_by(
        LedgerCheckpoint.size.desc(), LedgerCheckpoint.id.desc()
    )
    if before is not None:
        stmt = stmt.where(LedgerCheckpoint.size < before)
    rows = list(db.session.scalars(stmt.limit(limit + 1)))
    body = {"checkpoints": [proofs.checkpoint_body(row) for row in rows[:limit]]}
    if len(rows) > limit:
        body["next"] = url_for(
            ".checkpoint_list", before=rows[limit - 1].size, limit=limit, _external=False
        )
    return jsonify(body)


@bp.get("/key")
def public_key():
    return _text("".join(key + "\n" for key in keys.published_keys()))


@bp.get("/entries/<leaf_hash>")
def entry(leaf_hash: str):
    return jsonify(proofs.entry_body(views.public_entry(leaf_hash)))


@bp.get("/leaves/<int:index>")
def leaf(index: int):
    size = _int_arg("tree_size", minimum=1)
    row = _latest() if size is None else _checkpoint_at(size, "tree_size")
    if index >= row.size:
        raise LogApiError(
            400 if size is not None else 404,
            _(
                "Leaf %(index)d is not in the tree of size %(size)d: ask for a later checkpoint's "
                "tree_size (leaf indexes start at 0).",
                index=index,
                size=row.size,
            ),
            "tree_size" if size is not None else None,
        )
    found = tree.entry_at(index)
    if found is None:  # a checkpointed size always has its leaves: only a damaged log
        raise LogApiError(404, _("Leaf %(index)d is missing from the log.", index=index))
    return jsonify(proofs.inclusion_body(found, row))


@bp.get("/proof/consistency")
def consistency():
    first = _int_arg("first", minimum=1)
    second = _int_arg("second", minimum=1)
    if first is None or second is None:
        missing = "first" if first is None else "second"
        raise LogApiError(
            400,
            _("Give both tree sizes: ?first=N&second=M, each the size of a checkpoint."),
            missing,
        )
    if first > second:
        raise LogApiError(
            400, _("first must not be larger than second: the older checkpoint first."), "first"
        )
    _checkpoint_at(first, "first")
    _checkpoint_at(second, "second")
    return jsonify(proofs.consistency_body(first, second))


def _bundle(entries, subject: dict):
    latest = _latest()
    covered = [e for e in entries if e.leaf_index is not None and e.leaf_index < latest.size]
    response = jsonify(proofs.bundle(covered, latest, subject))
    name = "log-bundle-" + "-".join(_safe(v) for v in subject.values()) + ".json"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.get("/products/<gtin>/bundle")
def product_bundle(gtin: str):
    product = views.public_product(gtin)
    return _bundle(views.product_entries(product), {"gtin": product.gtin})


@bp.get("/batches/<int:batch_id>/bundle")
def batch_bundle(batch_id: int):
    batch = views.public_batch(batch_id)
    return _bundle(
        views.batch_entries(batch),
        {"gtin": batch.product.gtin, "lot": batch.lot_code, "batch": batch.id},
    )


_limited = False


def init_app(app: Flask) -> None:
    global _limited
    csrf.exempt(bp)  # GET only, no cookies read
    # The limiter is shared by every app of the process: the blueprint gets its limit once.
    if not _limited:
        limiter.limit(views.log_limit)(bp)
        _limited = True
    app.register_blueprint(bp)
