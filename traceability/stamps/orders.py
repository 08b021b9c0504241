"""Stamp orders and the stamps' lifecycle: issuing an order whole, releasing and voiding ranges.

Like the registry's services these take typed values (the order form and `StampOrderIn` parsed
the text), check the rules, write the audit log, flush, and never commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from core import access, audit
from core.accounts.models import User
from core.db import utcnow
from core.errors import Conflict, FieldErrors, NotFound
from core.extensions import db
from core.formatting import number_in_message
from traceability.ledger import hooks as ledger_hooks
from traceability.registry.models import Batch
from traceability.stamps import render, serials
from traceability.stamps.models import Stamp, StampOrder, StampState
from traceability.stamps.render import Layout, LayoutError
from traceability.stamps.verdicts import batch_expired

ISSUE_ATTEMPTS = 3
NOTE_MAX = 200
REASON_MAX = 200

# --- what an order asks for ----------------------------------------------------------------

LAYOUT_FIELDS = ("kind", "rows", "cols", "size_mm", "show_caption", "scan_hint")
LAYOUT_KINDS = ("sheet", "roll")

EXPIRED_BATCH_MESSAGE = _l(
    "This batch is past its use-by date: every stamp would tell consumers so. Correct the date on "
    "the batch if it is wrong."
)


def layout_of(data: Mapping[str, Any]) -> Layout:
    """The print layout that typed values name; a field not given (None) keeps its default."""
    return Layout(**{name: data[name] for name in LAYOUT_FIELDS if data.get(name) is not None})


def layout_problems(layout: Layout) -> list[tuple[str, Any]]:
    """What is wrong with a layout, as (field, message) in the producer's language; [] if fine.

    The renderer knows what fits on A4; these say it before anything is issued.
    """
    if layout.kind not in LAYOUT_KINDS:
        return [("kind", _l("Choose A4 sheets or a roll."))]
    if not render.MIN_SIZE_MM <= layout.size_mm <= render.MAX_SIZE_MM:
        low, high = f"{render.MIN_SIZE_MM:g}", f"{render.MAX_SIZE_MM:g}"
        message = _l("Choose a stamp size from %(low)s to %(high)s mm.", low=low, high=high)
        return [("size_mm", message)]
    too_few = [
        (name, _l("Enter a whole number of at least 1."))
        for name in ("rows", "cols")
        if getattr(layout, name) < 1
    ]
    if too_few:
        return too_few
    if layout.kind == "sheet":
        too_many = _beyond_a4(layout)
        if too_many:
            return too_many
    try:
        layout.check()
    except LayoutError as exc:  # a rule the checks above do not cover
        return [(exc.field, exc.message)]
    return []


def _beyond_a4(layout: Layout) -> list[tuple[str, Any]]:
    size = f"{layout.size_mm:g}"
    problems = []
    if layout.rows > layout.max_rows():
        problems.append(
            (
                "rows",
                _l(
                    "At most %(n)s rows of %(size)s mm stamps fit on A4: choose fewer rows, "
                    "smaller stamps, or no product name.",
                    n=layout.max_rows(),
                    size=size,
                ),
            )
        )
    if layout.cols > layout.max_cols():
        problems.append(
            (
                "cols",
                _l(
                    "At most %(n)s columns of %(size)s mm stamps fit on A4: choose fewer "
                    "columns or smaller stamps.",
                    n=layout.max_cols(),
                    size=size,
                ),
            )
        )
    return problems


def check_quantity(quantity: int | None, errors: FieldErrors) -> None:
    """An order prints 1 to STAMP_ORDER_MAX stamps (None: the producer did not say)."""
    limit = current_app.config["STAMP_ORDER_MAX"]
    if quantity is None or not 1 <= quantity <= limit:
        errors.add(
            "quantity",
            _l("Enter how many stamps to print, from 1 to %(n)s.", n=number_in_message(limit)),
        )


# --- issuing -------------------------------------------------------------------------------


def _require_orderable(batch: Batch, actor: User) -> None:
    access.require_registry_role(actor)
    if not access.can_write(actor, batch):
        raise NotFound(_l("Not found."))
    if not batch.product.is_published:
        raise Conflict(
            _l(
                "Stamps can be ordered only for a product the Department has verified, of a "
                "verified producer. Submit the product for review first."
            )
        )
    if batch.withdrawn_at is not None or batch.product.withdrawn_at is not None:
        raise Conflict(_l("This batch or its product is withdrawn: restore it to order stamps."))
    if batch_expired(batch):
        raise Conflict(EXPIRED_BATCH_MESSAGE)


def create_order(batch: Batch, data: Mapping[str, Any], actor: User) -> StampOrder:
    """Issue `quantity` stamps for a batch of a verified product: all of them, or none.

    `data` holds typed values: `quantity`, the layout's fields (`LAYOUT_FIELDS`; None keeps the
    default), `activation_required` (bool) and `note` (str).
    """
    _require_orderable(batch, actor)
    errors = FieldErrors()
    quantity = data.get("quantity")
    check_quantity(quantity, errors)
    layout = layout_of(data)
    for name, message in layout_problems(layout):
        errors.add(name, message)
    note = data.get("note") or ""
    if len(note) > NOTE_MAX:
        errors.add("note", _l("Keep the note under %(n)s characters.", n=NOTE_MAX))
    errors.raise_if_any()

    order = StampOrder(
        producer_id=batch.producer_id,
        product_id=batch.product_id,
        batch_id=batch.id,
        quantity=quantity,
        activation_required=data.get("activation_required", False),
        layout={name: getattr(layout, name) for name in LAYOUT_FIELDS},
        note=note,
        created_by_id=actor.id,
        updated_by_id=actor.id,
    )
    db.session.add(order)
    db.session.flush()
    drawn = _issue_stamps(order, batch.product.gtin)
    ledger_hooks.record_stamp_order(order, drawn)
    audit.record(actor, "stamp_order.create", order, quantity=quantity, batch_id=batch.id)
    return order


def _issue_stamps(order: StampOrder, gtin: str) -> list[str]:
    """Insert the order's stamps in one savepoint; a serial already taken redraws them all.

    The unique (gtin, serial) constraint is the guarantee, also between concurrent orders; with
    64-bit serials a clash is astronomically rare, so redrawing the whole order is simplest.
    """
    state = StampState.ISSUED if order.activation_required else StampState.ACTIVE
    for attempt in range(1, ISSUE_ATTEMPTS + 1):
        drawn = serials.new_serials(order.quantity)
        try:
            with db.session.begin_nested():
                _bulk_insert_stamps(order, gtin, drawn, state)
            return drawn
        except IntegrityError:
            if attempt == ISSUE_ATTEMPTS:
                raise


def _bulk_insert_stamps(order: StampOrder, gtin: str, drawn: list[str], state) -> None:
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        # COPY is several times faster than INSERT for a 100,000-stamp order.
        raw = connection.connection.driver_connection
        columns = (
            "order_id, producer_id, batch_id, seq, gtin, serial, state, flagged, scan_count, "
            "void_reason"
        )
        copy_sql = f"COPY stamps ({columns}) FROM STDIN"
        head, tail = (order.id, order.producer_id, order.batch_id), (state.value, False, 0, "")
        try:
            with raw.cursor() as cursor, cursor.copy(copy_sql) as copy:
                for seq, serial in enumerate(drawn, 1):
                    copy.write_row((*head, seq, gtin, serial, *tail))
        except raw.IntegrityError as exc:  # the driver's own error: say it as SQLAlchemy would
            raise IntegrityError(copy_sql, None, exc) from exc
        return
    db.session.execute(
        insert(Stamp),
        [
            {
                "order_id": order.id,
                "producer_id": order.producer_id,
                "batch_id": order.batch_id,
                "seq": seq,
                "gtin": gtin,
                "serial": serial,
                "state": state,
                "flagged": False,
                "scan_count": 0,
            }
            for seq, serial in enumerate(drawn, 1)
        ],
    )


# --- ranges of stamps: release and void ----------------------------------------------------


def stamp_range(
    order: StampOrder, first: int | None, last: int | None, *, whole_order: bool = False
) -> tuple[int, int]:
    """Stamp numbers first..last of an order, checked; every stamp only when asked explicitly.

    An empty range never means the whole order (a form left empty by mistake must not void
    100,000 stamps): give the numbers (one number alone is that stamp), or `whole_order=True`.
    """
    errors = FieldErrors()
    n = number_in_message(order.quantity)
    if whole_order:
        if first is not None or last is not None:
            errors.add("first", _l("Enter stamp numbers or choose the whole order, not both."))
        errors.raise_if_any()
        return 1, order.quantity
    if first is None and last is None:
        errors.add(
            "first",
            _l("Enter the stamp numbers (from 1 to %(n)s), or choose the whole order.", n=n),
        )
        errors.raise_if_any()
    first = last if first is None else first
    last = first if last is None else last
    if not 1 <= first <= last <= order.quantity:
        errors.add(
            "first",
            _l(
                "Enter a range of stamp numbers within 1 to %(n)s, the first not after the last.",
                n=n,
            ),
        )
    errors.raise_if_any()
    return first, last


@dataclass(frozen=True)
class RangeChange:
    """What a change of stamps first..last would do: how many stamps it changes."""

    first: int
    last: int
    count: int


def _change_stamps(
    order: StampOrder, actor: User, span: tuple[int, int], *, still, values, action, **detail
) -> int:
    """Change the order's stamps numbered first..last that are still in a state, and audit it."""
    first, last = span
    result = db.session.execute(
        update(Stamp)
        .where(Stamp.order_id == order.id, Stamp.seq.between(first, last), still)
        .values(**values)
    )
    audit.record(actor, action, order, first=first, last=last, count=result.rowcount, **detail)
    return result.rowcount


def require_write(order: StampOrder, actor: User) -> None:
    """Services check ownership again, so a caller that forgets still cannot write."""
    if not access.can_write(actor, order):
        raise NotFound(_l("Not found."))


def activate_stamps(
    order: StampOrder,
    actor: User,
    first: int | None = None,
    last: int | None = None,
    *,
    whole_order: bool = False,
) -> int:
    """Release issued stamps numbered first..last (or the whole order); returns how many."""
    require_write(order, actor)
    return _change_stamps(
        order,
        actor,
        stamp_range(order, first, last, whole_order=whole_order),
        still=Stamp.state == StampState.ISSUED,
        values={"state": StampState.ACTIVE, "activated_at": utcnow()},
        action="stamps.activate",
    )


def _check_reason(reason: str) -> None:
    errors = FieldErrors()
    if not reason.strip():
        errors.add("reason", _l("Say why these stamps are void (e.g. a misprinted sheet)."))
    elif len(reason) > REASON_MAX:
        errors.add("reason", _l("Keep the reason under %(n)s characters.", n=REASON_MAX))
    errors.raise_if_any()


def plan_void(
    order: StampOrder,
    actor: User,
    reason: str,
    first: int | None = None,
    last: int | None = None,
    *,
    whole_order: bool = False,
) -> RangeChange:
    """Check a void like `void_stamps` and say how many stamps it would void, changing nothing."""
    require_write(order, actor)
    _check_reason(reason)
    first, last = stamp_range(order, first, last, whole_order=whole_order)
    count = db.session.scalar(
        select(func.count())
        .select_from(Stamp)
        .where(
            Stamp.order_id == order.id,
            Stamp.seq.between(first, last),
            Stamp.state != StampState.VOID,
        )
    )
    return RangeChange(first, last, count or 0)


def void_stamps(
    order: StampOrder,
    actor: User,
    reason: str,
    first: int | None = None,
    last: int | None = None,
    *,
    whole_order: bool = False,
) -> int:
    """Void stamps first..last of an order (or, only when asked, all), with a reason.

    Returns how many changed.
    """
    require_write(order, actor)
    _check_reason(reason)
    return _change_stamps(
        order,
        actor,
        stamp_range(order, first, last, whole_order=whole_order),
        still=Stamp.state != StampState.VOID,
        values={"state": StampState.VOID, "voided_at": utcnow(), "void_reason": reason},
        action="stamps.void",
        reason=reason,
    )


def void_stamp(stamp: Stamp, actor: User, reason: str) -> int:
    """Void one stamp (a torn label), with a reason; returns 1, or 0 if it was void already."""
    return void_stamps(stamp.order, actor, reason, stamp.seq, stamp.seq)
