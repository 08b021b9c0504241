"""Framework versions: the one new assessments use, and the seed (the project's v1).

The seed is `data/retail_dx_v1.json`: `../shared/data/assessment/retail_dx_v1.json` with, per
answer option, an optional next-step advice text (vi/en); its scores are identical to the shared
file's (a test compares them).
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from core.db import utcnow
from core.extensions import db
from retail.assessments.models import Framework, FrameworkState

DEFAULT_KEY = "retail-dx"
SEED = Path(__file__).parent / "data" / "retail_dx_v1.json"


def current(key: str = DEFAULT_KEY) -> Framework | None:
    """The newest published version of a framework: the one new assessments use."""
    stmt = (
        select(Framework)
        .where(Framework.key == key, Framework.state == FrameworkState.PUBLISHED)
        .order_by(Framework.version.desc())
        .limit(1)
    )
    return db.session.scalars(stmt).first()


def seed_default() -> Framework:
    """Publish the project's v1 unless some version of it exists (idempotent); flushes."""
    document = json.loads(SEED.read_text(encoding="utf-8"))
    stmt = select(Framework).where(
        Framework.key == document["key"], Framework.version == document["version"]
    )
    existing = db.session.scalars(stmt).first()
    if existing is not None:
        return existing
    framework = Framework(
        key=document["key"],
        version=document["version"],
        name_vi=document["name"]["vi"],
        name_en=document["name"].get("en", ""),
        document=document,
        state=FrameworkState.PUBLISHED,
        published_at=utcnow(),
    )
    db.session.add(framework)
    db.session.flush()
    return framework
