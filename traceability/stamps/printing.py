"""What is printed of an order: its labels and PDF texts, a sample sheet, the print shops' CSV.

`render.py` draws (pure, no Flask or database); this module reads the order's stamps for it, in
print order and a chunk at a time, since an order may hold 100,000 stamps.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping
from typing import IO, Any

from flask import current_app
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core import access, csvsafe
from core.accounts.models import User
from core.errors import Conflict, FieldErrors, NotFound
from core.extensions import db
from core.formatting import format_number
from traceability.registry.models import Batch
from traceability.stamps import orders, render
from traceability.stamps.models import RenderState, Stamp, StampOrder
from traceability.stamps.render import Label
from traceability.stamps.serials import stamp_url

SCAN_HINT = _l("Scan to check")
PREVIEW_SERIAL = "SAMPLE{:05d}"  # as long as a real serial, so the codes are the same size
NOT_FAILED = _l("Only a print file that failed can be prepared again; this one has not failed.")


def print_locale() -> str:
    """The language of print files: the service's (pages are Vietnamese by default)."""
    return current_app.config.get("BABEL_DEFAULT_LOCALE", "vi")


def _serial_chunks(order: StampOrder, size: int = 5000) -> Iterator[list]:
    """The order's (seq, serial) rows in print order, a chunk at a time (up to 100,000)."""
    last = 0
    while True:
        rows = db.session.execute(
            select(Stamp.seq, Stamp.serial)
            .where(Stamp.order_id == order.id, Stamp.seq > last)
            .order_by(Stamp.seq)
            .limit(size)
        ).all()
        if not rows:
            return
        yield rows
        last = rows[-1].seq


def _scan_hint(wanted: bool, locale: str) -> str:
    if not wanted:
        return ""
    with force_locale(locale):
        return str(SCAN_HINT)


def order_labels(order: StampOrder, locale: str | None = None) -> Iterator[Label]:
    """The order's stamps in print order, as labels to print."""
    gtin, lot = order.product.gtin, order.batch.lot_code
    caption = order.product.name if order.layout.get("show_caption", True) else ""
    hint = _scan_hint(order.layout.get("scan_hint", False), locale or print_locale())
    for rows in _serial_chunks(order):
        for _seq, serial in rows:
            yield Label(url=stamp_url(gtin, lot, serial), serial=serial, caption=caption, hint=hint)


def _page_label(locale: str):
    """page, pages -> "Trang 1 / 3", numbers as the reader writes them."""
    with force_locale(locale):
        pattern = gettext("Page %(page)s / %(pages)s")

    def label(page: int, pages: int) -> str:
        return pattern % {
            "page": format_number(page, locale),
            "pages": format_number(pages, locale),
        }

    return label


def pdf_texts(order: StampOrder, locale: str | None = None) -> dict:
    """The texts of an order's PDF for `render.render_pdf`: title and each sheet's header."""
    locale = locale or print_locale()
    with force_locale(locale):
        header = gettext(
            "Stamp order #%(id)s · %(product)s · lot %(lot)s · %(n)s stamps",
            id=order.id,
            product=order.product.name,
            lot=order.batch.lot_code,
            n=format_number(order.quantity, locale),
        )
    return {
        "title": f"{order.product.name} — {order.batch.lot_code} — #{order.id}",
        "header": header,
        "page_label": _page_label(locale),
        "total": order.quantity,
    }


def preview_sheet(
    batch: Batch, data: Mapping[str, Any], actor: User, out: IO[bytes], locale: str
) -> int:
    """Draw the first sheet of a layout with sample codes into `out` (PDF): nothing is issued.

    Takes the order form's typed data; the quantity, if given, only limits the stamps drawn.
    """
    access.require_registry_role(actor)
    if not access.can_write(actor, batch):
        raise NotFound(_l("Not found."))
    errors = FieldErrors()
    layout = orders.layout_of(data)
    for name, message in orders.layout_problems(layout):
        errors.add(name, message)
    quantity = data.get("quantity")
    if quantity is not None:
        orders.check_quantity(quantity, errors)
    errors.raise_if_any()
    count = min(layout.per_page, quantity or layout.per_page)
    gtin, lot = batch.product.gtin, batch.lot_code
    caption = batch.product.name if layout.show_caption else ""
    hint = _scan_hint(layout.scan_hint, locale)
    labels = [
        Label(url=stamp_url(gtin, lot, serial), serial=serial, caption=caption, hint=hint)
        for serial in (PREVIEW_SERIAL.format(n) for n in range(1, count + 1))
    ]
    with force_locale(locale):
        header = gettext(
            "SAMPLE: these codes are examples and do not work; no stamp has been issued. "
            "%(product)s · lot %(lot)s",
            product=batch.product.name,
            lot=batch.lot_code,
        )
        title = gettext("Stamp sheet preview (samples)")
    return render.render_pdf(labels, layout, out, title=title, header=header)


def order_csv(order: StampOrder) -> Iterator[str]:
    """CSV lines for print shops: sequence, serial, the URL to encode, GTIN and lot.

    Cells go through `core.csvsafe`: a lot code such as "=1+2" reaches a spreadsheet as text.
    """
    yield csvsafe.line(("seq", "serial", "url", "gtin", "lot"))
    gtin, lot = order.product.gtin, order.batch.lot_code
    for rows in _serial_chunks(order):
        buffer = io.StringIO()
        writer = csvsafe.Writer(buffer)
        for seq, serial in rows:
            writer.writerow((seq, serial, stamp_url(gtin, lot, serial), gtin, lot))
        yield buffer.getvalue()


def retry_render(order: StampOrder, actor: User) -> StampOrder:
    """Put an order whose print file failed back in the queue; the caller enqueues it."""
    orders.require_write(order, actor)
    if order.render_state is not RenderState.FAILED:
        raise Conflict(NOT_FAILED)
    order.render_state, order.render_error, order.rendered_count = RenderState.PENDING, "", 0
    db.session.flush()
    return order
