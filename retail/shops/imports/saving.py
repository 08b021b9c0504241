"""Saving the good rows of a checked file, in the caller's transaction: all or nothing.

The shops are inserted in bulk (executemany INSERTs rather than a flush per shop), with the
audit entry `create_shop` writes for each, also in bulk. Just before, a few bulk lookups make
sure no shop took a row's registration number or phone since the check (a background check takes
a while); if one did, nothing is saved.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select

from core import access, audit
from core.accounts.models import User
from core.audit import AuditEntry
from core.db import utcnow
from core.errors import Conflict
from core.extensions import db
from retail.shops import services
from retail.shops.imports.checking import Report, check
from retail.shops.imports.reading import Row
from retail.shops.models import ImportState, Shop, ShopImport, ShopState

LOOKUP_CHUNK = 500  # values per IN (…) of the lookups before saving


def _chunks(values: list, size: int = LOOKUP_CHUNK) -> Iterator[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _registered_meanwhile(good: list[tuple[int, dict]]) -> int | None:
    """The first good row whose registration number or phone (in its ward) a shop took since
    the check; None when there is none. Bulk lookups: a few queries for thousands of rows."""
    live = Shop.state != ShopState.MERGED
    by_registration = {d["registration_no"]: n for n, d in good if d["registration_no"]}
    for chunk in _chunks(list(by_registration)):
        stmt = select(Shop.registration_no).where(Shop.registration_no.in_(chunk), live)
        taken = db.session.scalars(stmt.limit(1)).first()
        if taken is not None:
            return by_registration[taken]
    by_phone = {(d["ward_code"], d["phone"]): n for n, d in good if d["phone"]}
    phones = sorted({phone for _ward, phone in by_phone})
    for chunk in _chunks(phones):
        stmt = select(Shop.ward_code, Shop.phone).where(Shop.phone.in_(chunk), live)
        for ward, phone in db.session.execute(stmt):
            if (ward, phone) in by_phone:
                return by_phone[(ward, phone)]
    return None


def _save(report: Report, actor: User, record: ShopImport) -> int:
    """Create the shops of the good rows: bulk INSERTs (executemany), as create_shop would each."""
    clash = _registered_meanwhile(report.good)
    if clash is not None:
        raise Conflict(
            _l(
                "While the file was being checked, someone registered a shop with the "
                "registration number or phone of row %(row)s. Nothing was saved: import the "
                "file again to see the new report.",
                row=clash,
            )
        )
    values = [_shop_values(data, actor) for _number, data in report.good]
    if not values:
        return 0
    # Each entry needs only what RETURNING gives back, so the rows' order does not matter.
    insert_shops = insert(Shop).returning(Shop.id, Shop.ward_code, Shop.kind)
    created = db.session.execute(insert_shops, values).all()
    # The entry create_shop writes for each shop (no owner name or phone), and the import's id.
    entries = [
        {
            "actor_id": actor.id,
            "action": "shop.create",
            "object_type": Shop.__tablename__,
            "object_id": str(shop.id),
            "detail": {"ward": shop.ward_code, "kind": shop.kind.value, "import_id": record.id},
        }
        for shop in created
    ]
    db.session.execute(insert(AuditEntry), entries)
    return len(created)


def _shop_values(data: dict, actor: User) -> dict:
    values = {name: data[name] for name in services.FIELDS if name in data}
    return values | {"created_by_id": actor.id, "updated_by_id": actor.id}


def new_record(actor: User, *, filename: str, only_valid: bool, total: int, locale: str):
    """The import's row, before its rows are checked (flushed, so it has an id)."""
    record = ShopImport(
        created_by_id=actor.id,
        filename=Path((filename or "").replace("\\", "/")).name[:200] or "shops",
        only_valid=only_valid,
        total_rows=total,
        state=ImportState.CHECKING,
        report={"locale": locale, "progress_at": utcnow().isoformat()},
    )
    db.session.add(record)
    db.session.flush()
    return record


def finish(record: ShopImport, report: Report, actor: User) -> ShopImport:
    """Save the good rows unless the report refuses the file, and record the outcome.

    Runs in the caller's transaction (flushes, never commits): a failure leaves nothing saved.
    """
    refused = report.refuses(record.only_valid)
    record.created_shops = 0 if refused else _save(report, actor, record)
    record.state = ImportState.REFUSED if refused else ImportState.DONE
    record.report = {"locale": (record.report or {}).get("locale"), **report.as_json()}
    record.total_rows = record.done_rows = report.total
    record.skipped_rows = len(report.skipped)
    record.finished_at = utcnow()
    audit.record(
        actor,
        "shop_import.refuse" if refused else "shop_import.done",
        record,
        rows=report.total,
        created=record.created_shops,
        skipped=record.skipped_rows,
        bad_rows=report.bad_rows,
    )
    db.session.flush()
    return record


def import_now(
    rows: list[Row],
    actor: User,
    *,
    filename: str,
    only_valid: bool,
    locale: str,
    progress: Callable[[int], None] | None = None,
) -> ShopImport:
    """Check and import rows in this transaction (pages with small files, the API, the CLI)."""
    access.require_retail_role(actor)
    record = new_record(
        actor, filename=filename, only_valid=only_valid, total=len(rows), locale=locale
    )
    return finish(record, check(rows, actor, progress=progress), actor)
