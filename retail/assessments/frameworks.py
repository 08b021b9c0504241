"""Framework versions: drafts, publishing, the version new assessments use, and the seed.

A framework is identified by its `key` ("retail-dx"); each published version of a key is kept
unchanged for ever, so every assessment keeps the version it used (`Assessment.framework_id`).
`version` counts up per key: published versions are 1, 2, 3…, and a key has at most one draft,
which holds the next number. Publishing a document directly (the CLI and the API) while a draft
exists takes that number and moves the draft up one, so the draft still comes after every
published version. Every document is checked (`checks.problems`) before it is stored; an
invalid one raises `ValidationFailed` with the problem lines under "document".

The seed is `data/retail_dx_v1.json`: `../shared/data/assessment/retail_dx_v1.json` with, per
answer option that is not its question's best, a next-step advice text (vi/en); its scores are
identical to the shared file's (a test compares them).

Services check that the actor is staff (or an admin), write the audit log for what changes the
questionnaire people answer (publish, discard), flush and never commit. `actor=None` is the
operator at the command line (`flask --app wsgi retail framework publish`), who is trusted.
"""

from __future__ import annotations

import copy
import json
import math
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from core import access, audit
from core.accounts.models import User
from core.db import utcnow
from core.errors import Conflict, ValidationFailed
from core.extensions import db
from retail.assessments import checks
from retail.assessments.models import Assessment, Framework, FrameworkState
from retail.assessments.scoring import exact

DEFAULT_KEY = "retail-dx"
SEED = Path(__file__).parent / "data" / "retail_dx_v1.json"


# --- reading -------------------------------------------------------------------------------


def current(key: str = DEFAULT_KEY) -> Framework | None:
    """The newest published version of a framework: the one new assessments use."""
    stmt = (
        select(Framework)
        .where(Framework.key == key, Framework.state == FrameworkState.PUBLISHED)
        .order_by(Framework.version.desc())
        .limit(1)
    )
    return db.session.scalars(stmt).first()


def versions(key: str) -> list[Framework]:
    """Every version of a framework, newest first (its draft, if any, comes first)."""
    stmt = select(Framework).where(Framework.key == key).order_by(Framework.version.desc())
    return list(db.session.scalars(stmt))


def draft_of(key: str) -> Framework | None:
    """The key's draft (there is at most one)."""
    stmt = select(Framework).where(Framework.key == key, Framework.state == FrameworkState.DRAFT)
    return db.session.scalars(stmt).first()


def current_ids() -> set[int]:
    """The ids of the version each key's new assessments use."""
    newest = (
        select(Framework.key, func.max(Framework.version).label("version"))
        .where(Framework.state == FrameworkState.PUBLISHED)
        .group_by(Framework.key)
        .subquery()
    )
    stmt = select(Framework.id).join(
        newest, (Framework.key == newest.c.key) & (Framework.version == newest.c.version)
    )
    return set(db.session.scalars(stmt))


def usage(framework_ids: list[int]) -> dict[int, int]:
    """How many assessments use each of these versions (ids without any are left out)."""
    if not framework_ids:
        return {}
    stmt = (
        select(Assessment.framework_id, func.count())
        .where(Assessment.framework_id.in_(framework_ids))
        .group_by(Assessment.framework_id)
    )
    return dict(db.session.execute(stmt).tuples().all())


def text_in(texts: dict | None, language: str) -> str:
    """A framework text ({"vi": …, "en": …}) in `language`, else the Vietnamese (always there)."""
    if not isinstance(texts, dict):
        return ""
    return texts.get(language.split("_")[0]) or texts.get("vi") or ""


def document_text(framework: Framework) -> str:
    """The document as the JSON people edit and download (the shared file's layout)."""
    return json.dumps(framework.document, ensure_ascii=False, indent=1)


def shown(value: Fraction | float | int) -> Decimal:
    """A score as pages show it: rounded down to one decimal.

    Rounding down keeps the number and the level in agreement: a total shown as 50 has reached
    the level that starts at 50, while 49.96 shows as 49.9, never as a 50 that is level 2.
    Stored scores are floats: each is read as the decimal it prints as (`exact`).
    """
    number = value if isinstance(value, Fraction) else exact(value)
    return Decimal(math.floor(number * 10)) / 10


# --- changing --------------------------------------------------------------------------------


def create_draft(document: dict, actor: User | None) -> Framework:
    """A new draft of the document's key (refused while the key has one); flushes."""
    _require_staff(actor)
    _require_valid(document)
    existing = draft_of(document["key"])
    if existing is not None:
        raise Conflict(
            _l(
                "A draft of “%(key)s” exists already (version %(version)d): edit or discard it "
                "before starting another.",
                key=existing.key,
                version=existing.version,
            )
        )
    framework = Framework(key=document["key"], version=_next_version(document["key"]))
    _store(framework, document, actor)
    _insert(framework)
    return framework


def update_draft(framework: Framework, document: dict, actor: User | None) -> Framework:
    """Replace a draft's document (a published version never changes); flushes."""
    _require_staff(actor)
    require_draft(framework)
    _require_valid(document)
    if document["key"] != framework.key:
        message = _l(
            "key: a draft keeps its key (%(key)s); to make another framework, start a new draft "
            "with the new key.",
            key=framework.key,
        )
        raise ValidationFailed({"document": [message]})
    _store(framework, document, actor)
    db.session.flush()
    return framework


def publish(framework: Framework, actor: User | None) -> Framework:
    """Publish a draft: from now on new assessments of its key use it. Audit-logged; flushes."""
    _require_staff(actor)
    require_draft(framework)
    _require_valid(framework.document)
    replaced = current(framework.key)
    framework.state = FrameworkState.PUBLISHED
    framework.published_at = utcnow()
    framework.published_by_id = getattr(actor, "id", None)
    framework.updated_by_id = getattr(actor, "id", None)
    db.session.flush()
    audit.record(
        actor,
        "framework.publish",
        framework,
        key=framework.key,
        version=framework.version,
        replaces=replaced.version if replaced else None,
    )
    return framework


def publish_document(document: dict, actor: User | None) -> Framework:
    """Check, draft and publish a document in one go (the CLI and the API); flushes."""
    _require_staff(actor)
    _require_valid(document)
    return publish(_new_version(document, actor), actor)


def discard_draft(framework: Framework, actor: User | None) -> None:
    """Delete a draft that will not be published (no assessment uses a draft). Audit-logged."""
    _require_staff(actor)
    require_draft(framework)
    audit.record(
        actor, "framework.discard", framework, key=framework.key, version=framework.version
    )
    db.session.delete(framework)
    db.session.flush()


def seed_default() -> Framework:
    """Publish the project's v1 unless it is published already (idempotent); flushes."""
    document = json.loads(SEED.read_text(encoding="utf-8"))
    stmt = select(Framework).where(
        Framework.key == document["key"],
        Framework.version == document["version"],
        Framework.state == FrameworkState.PUBLISHED,
    )
    existing = db.session.scalars(stmt).first()
    if existing is not None:
        return existing
    return publish_document(document, None)


# --- the rules -------------------------------------------------------------------------------


def _require_staff(actor: User | None) -> None:
    if actor is not None:
        access.require_staff(actor)


def _require_valid(document) -> None:
    lines = checks.problems(document)
    if lines:
        raise ValidationFailed({"document": lines})


def require_draft(framework: Framework) -> None:
    """Refuse to change a published version (409): it is kept as it was, for ever."""
    if framework.state is not FrameworkState.DRAFT:
        raise Conflict(
            _l(
                "Version %(version)d of “%(key)s” is published and never changes: start a new "
                "version from it instead.",
                version=framework.version,
                key=framework.key,
            )
        )


def _next_version(key: str) -> int:
    highest = db.session.scalar(select(func.max(Framework.version)).where(Framework.key == key))
    return (highest or 0) + 1


def _new_version(document: dict, actor: User | None) -> Framework:
    """A draft row for a document about to be published: the key's draft, if any, moves up."""
    key = document["key"]
    version = _next_version(key)
    draft = draft_of(key)
    if draft is not None:
        version = draft.version
        draft.version = version + 1
        draft.document = {**draft.document, "version": draft.version}
        db.session.flush()
    framework = Framework(key=key, version=version)
    _store(framework, document, actor)
    _insert(framework)
    return framework


def _store(framework: Framework, document: dict, actor: User | None) -> None:
    """Copy the document in, with its version number and names for the lists."""
    stored = copy.deepcopy(document)
    stored["version"] = framework.version
    framework.document = stored
    framework.name_vi = stored["name"]["vi"].strip()
    framework.name_en = (stored["name"].get("en") or "").strip()
    framework.updated_by_id = getattr(actor, "id", None)
    if framework.id is None:
        framework.created_by_id = getattr(actor, "id", None)


def _insert(framework: Framework) -> None:
    """Add the row; another request taking the same version at the same moment is a conflict."""
    try:
        with db.session.begin_nested():
            db.session.add(framework)
    except IntegrityError:
        raise Conflict(
            _l(
                "Another version of “%(key)s” was saved at the same moment: reload the page and "
                "try again.",
                key=framework.key,
            )
        ) from None
