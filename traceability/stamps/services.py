"""Stamp operations: orders, lifecycle, scans and verdicts, counterfeit reports.

Like the registry's services they take plain values, check every rule, flush, and never commit.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import io
import itertools
import math
import os
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, has_app_context
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import bindparam, event, func, insert, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import access, audit, csvsafe
from core.accounts.models import User
from core.db import PROVINCE_TZ, utcnow
from core.errors import Conflict, FieldErrors, NotFound
from core.extensions import db
from core.formatting import format_number, number_in_message
from core.wards.models import Ward
from traceability.gs1.digital_link import uri_escape
from traceability.gs1.gtin import GtinError, normalise_gtin
from traceability.registry.models import Batch, PortalState, Producer, Product, ProductImage, Site
from traceability.stamps import render
from traceability.stamps.models import (
    CounterfeitReport,
    ReportState,
    Scan,
    Stamp,
    StampOrder,
    StampState,
    Standing,
    Verdict,
)
from traceability.stamps.render import Label, Layout, LayoutError

# --- serials -------------------------------------------------------------------------------

# Letters and digits only (so a serial never needs percent-encoding in a URI), without the
# look-alikes 0/O, 1/I/l: a consumer may have to read it aloud to a hotline.
SERIAL_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
SERIAL_LENGTH = 11
SERIAL_BITS = SERIAL_LENGTH * math.log2(len(SERIAL_ALPHABET))  # about 64.2 bits
_SERIAL_SPACE = len(SERIAL_ALPHABET) ** SERIAL_LENGTH
# Rejection sampling on 72-bit draws keeps every serial equally likely.
_DRAW_BYTES = 9
_DRAW_LIMIT = (256**_DRAW_BYTES // _SERIAL_SPACE) * _SERIAL_SPACE
ISSUE_ATTEMPTS = 3
# Suspicion rules look at this many latest scans of a stamp.
RECENT_SCANS = 50


def _encode_serial(number: int) -> str:
    base = len(SERIAL_ALPHABET)
    chars = []
    for _ in range(SERIAL_LENGTH):
        number, digit = divmod(number, base)
        chars.append(SERIAL_ALPHABET[digit])
    return "".join(chars)


def new_serials(count: int) -> list[str]:
    """`count` distinct random serials from the operating system's CSPRNG."""
    serials: set[str] = set()
    while len(serials) < count:
        need = count - len(serials)
        pool = os.urandom(_DRAW_BYTES * (need + need // 50 + 8))
        for offset in range(0, len(pool), _DRAW_BYTES):
            number = int.from_bytes(pool[offset : offset + _DRAW_BYTES], "big")
            if number < _DRAW_LIMIT:
                serials.add(_encode_serial(number % _SERIAL_SPACE))
                if len(serials) == count:
                    break
    return list(serials)


def stamp_path(gtin: str, lot: str | None, serial: str | None) -> str:
    """The Digital Link path of a stamp (or of its batch or product when parts are None)."""
    path = f"/01/{gtin}"
    if lot is not None:
        path += f"/10/{uri_escape(lot, query=False)}"
    if serial is not None:
        path += f"/21/{uri_escape(serial, query=False)}"
    return path


def stamp_url(gtin: str, lot: str | None, serial: str | None) -> str:
    return current_app.config["BASE_URL"] + stamp_path(gtin, lot, serial)


# --- orders --------------------------------------------------------------------------------

LAYOUT_FIELDS = ("kind", "rows", "cols", "size_mm", "show_caption", "scan_hint")
_LAYOUT_FLAGS = ("show_caption", "scan_hint")


def _clean_layout(data: dict, errors: FieldErrors) -> dict:
    values = {}
    for name in LAYOUT_FIELDS:
        if data.get(name) not in (None, ""):
            values[name] = data[name]
    try:
        for name in ("rows", "cols"):
            if name in values:
                values[name] = int(values[name])
        if "size_mm" in values:
            values["size_mm"] = float(values["size_mm"])
        for flag in _LAYOUT_FLAGS:
            if flag in values:
                values[flag] = values[flag] in (True, "y", "true", "1", "on")
    except (TypeError, ValueError):
        errors.add(name, _l("Enter a number."))
        return {}
    if values.get("kind", "sheet") not in ("sheet", "roll"):
        errors.add("kind", _l("Choose A4 sheets or a roll."))
        return {}
    layout = Layout(**values)
    if not render.MIN_SIZE_MM <= layout.size_mm <= render.MAX_SIZE_MM:
        errors.add(
            "size_mm",
            _l(
                "Choose a stamp size from %(low)s to %(high)s mm.",
                low=f"{render.MIN_SIZE_MM:g}",
                high=f"{render.MAX_SIZE_MM:g}",
            ),
        )
        return {}
    for name in ("rows", "cols"):
        if getattr(layout, name) < 1:
            errors.add(name, _l("Enter a whole number of at least 1."))
    if errors:
        return {}
    if layout.kind == "sheet":
        # The renderer knows what fits; say it in the producer's language.
        if layout.rows > layout.max_rows():
            errors.add(
                "rows",
                _l(
                    "At most %(n)s rows of %(size)s mm stamps fit on A4: choose fewer rows, "
                    "smaller stamps, or no product name.",
                    n=layout.max_rows(),
                    size=f"{layout.size_mm:g}",
                ),
            )
        if layout.cols > layout.max_cols():
            errors.add(
                "cols",
                _l(
                    "At most %(n)s columns of %(size)s mm stamps fit on A4: choose fewer "
                    "columns or smaller stamps.",
                    n=layout.max_cols(),
                    size=f"{layout.size_mm:g}",
                ),
            )
        if errors:
            return {}
    try:
        layout.check()
    except LayoutError as exc:  # a rule the checks above do not cover
        errors.add(exc.field, exc.message)
        return {}
    return {name: getattr(layout, name) for name in LAYOUT_FIELDS}


def _quantity(value, errors: FieldErrors) -> int | None:
    limit = current_app.config["STAMP_ORDER_MAX"]
    wanted = _l("Enter how many stamps to print, from 1 to %(n)s.", n=_number(limit))
    try:
        quantity = int(value)
    except (TypeError, ValueError):
        errors.add("quantity", wanted)
        return None
    if not 1 <= quantity <= limit:
        errors.add("quantity", wanted)
        return None
    return quantity


EXPIRED_BATCH_MESSAGE = _l(
    "This batch is past its use-by date: every stamp would tell consumers so. Correct the date on "
    "the batch if it is wrong."
)


def batch_expired(batch: Batch, moment: dt.datetime | None = None) -> bool:
    """Whether the batch's use-by date has passed in the province (as the consumer page judges)."""
    return batch.expires_on is not None and batch.expires_on < province_date(moment or utcnow())


def create_order(batch: Batch, data: dict, actor: User) -> StampOrder:
    """Issue `quantity` stamps for a batch of a verified product: all of them, or none."""
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
    errors = FieldErrors()
    quantity = _quantity(data.get("quantity"), errors)
    layout = _clean_layout(data, errors)
    note = str(data.get("note") or "").strip()
    if len(note) > 200:
        errors.add("note", _l("Keep the note under %(n)s characters.", n=200))
    errors.raise_if_any()

    order = StampOrder(
        producer_id=batch.producer_id,
        product_id=batch.product_id,
        batch_id=batch.id,
        quantity=quantity,
        activation_required=data.get("activation_required") in (True, "y", "true", "1", "on"),
        layout=layout,
        note=note,
        created_by_id=actor.id,
        updated_by_id=actor.id,
    )
    db.session.add(order)
    db.session.flush()
    _issue_stamps(order, batch.product.gtin)
    audit.record(actor, "stamp_order.create", order, quantity=quantity, batch_id=batch.id)
    return order


def _issue_stamps(order: StampOrder, gtin: str) -> None:
    """Insert the order's stamps in one savepoint; a serial already taken redraws them all.

    The unique (gtin, serial) constraint is the guarantee, also between concurrent orders; with
    64-bit serials a clash is astronomically rare, so redrawing the whole order is simplest.
    """
    state = StampState.ISSUED if order.activation_required else StampState.ACTIVE
    for attempt in range(1, ISSUE_ATTEMPTS + 1):
        serials = new_serials(order.quantity)
        try:
            with db.session.begin_nested():
                _bulk_insert_stamps(order, gtin, serials, state)
            return
        except IntegrityError:
            if attempt == ISSUE_ATTEMPTS:
                raise


def _bulk_insert_stamps(order: StampOrder, gtin: str, serials: list[str], state) -> None:
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
                for seq, serial in enumerate(serials, 1):
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
            for seq, serial in enumerate(serials, 1)
        ],
    )


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


def print_locale() -> str:
    """The language of print files: the service's (pages are Vietnamese by default)."""
    return current_app.config.get("BABEL_DEFAULT_LOCALE", "vi")


SCAN_HINT = _l("Scan to check")


def _scan_hint(layout: dict, locale: str) -> str:
    if not layout.get("scan_hint"):
        return ""
    with force_locale(locale):
        return str(SCAN_HINT)


def order_labels(order: StampOrder, locale: str | None = None) -> Iterator[Label]:
    """The order's stamps in print order, as labels to print."""
    gtin, lot = order.product.gtin, order.batch.lot_code
    caption = order.product.name if order.layout.get("show_caption", True) else ""
    hint = _scan_hint(order.layout, locale or print_locale())
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


PREVIEW_SERIAL = "SAMPLE{:05d}"  # as long as a real serial, so the codes are the same size


def preview_sheet(batch: Batch, data: dict, actor: User, out, locale: str) -> int:
    """Draw the first sheet of a layout with sample codes into `out` (PDF): nothing is issued.

    Takes the order form's data; the quantity, if given, only limits the stamps drawn.
    """
    access.require_registry_role(actor)
    if not access.can_write(actor, batch):
        raise NotFound(_l("Not found."))
    errors = FieldErrors()
    values = _clean_layout(data, errors)
    quantity = None
    if data.get("quantity") not in (None, ""):
        quantity = _quantity(data.get("quantity"), errors)
    errors.raise_if_any()
    layout = Layout(**values)
    count = min(layout.per_page, quantity or layout.per_page)
    gtin, lot = batch.product.gtin, batch.lot_code
    caption = batch.product.name if layout.show_caption else ""
    hint = _scan_hint(values, locale)
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


# --- lifecycle -----------------------------------------------------------------------------


def _number(value: int) -> str:
    """A number for a message, as the reader writes it (1.500 in Vietnamese)."""
    return number_in_message(value)


def _blank(value) -> bool:
    return value is None or value == ""


def stamp_range(order: StampOrder, first, last, *, whole_order: bool = False) -> tuple[int, int]:
    """Stamp numbers first..last of an order, checked; every stamp only when asked explicitly.

    An empty range never means the whole order (a form left empty by mistake must not void
    100,000 stamps): give the numbers (one number alone is that stamp), or `whole_order=True`.
    """
    errors = FieldErrors()
    if whole_order:
        if not (_blank(first) and _blank(last)):
            errors.add(
                "first",
                _l("Enter stamp numbers or choose the whole order, not both."),
            )
        errors.raise_if_any()
        return 1, order.quantity
    if _blank(first) and _blank(last):
        errors.add(
            "first",
            _l(
                "Enter the stamp numbers (from 1 to %(n)s), or choose the whole order.",
                n=_number(order.quantity),
            ),
        )
        errors.raise_if_any()
    first = last if _blank(first) else first
    last = first if _blank(last) else last
    try:
        first, last = int(first), int(last)
    except (TypeError, ValueError):
        errors.add("first", _l("Enter stamp numbers from 1 to %(n)s.", n=_number(order.quantity)))
        errors.raise_if_any()
    if not 1 <= first <= last <= order.quantity:
        errors.add(
            "first",
            _l(
                "Enter a range of stamp numbers within 1 to %(n)s, the first not after the last.",
                n=_number(order.quantity),
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
):
    """Change the order's stamps numbered first..last that are still in a state, and audit it."""
    first, last = span
    result = db.session.execute(
        update(Stamp)
        .where(Stamp.order_id == order.id, Stamp.seq.between(first, last), still)
        .values(**values)
    )
    audit.record(actor, action, order, first=first, last=last, count=result.rowcount, **detail)
    return result.rowcount


def _require_write(order: StampOrder, actor: User) -> None:
    if not access.can_write(actor, order):
        raise NotFound(_l("Not found."))


def activate_stamps(
    order: StampOrder, actor: User, first=None, last=None, *, whole_order: bool = False
) -> int:
    """Release issued stamps numbered first..last (or the whole order); returns how many."""
    _require_write(order, actor)
    return _change_stamps(
        order,
        actor,
        stamp_range(order, first, last, whole_order=whole_order),
        still=Stamp.state == StampState.ISSUED,
        values={"state": StampState.ACTIVE, "activated_at": utcnow()},
        action="stamps.activate",
    )


def _void_reason(reason: str) -> str:
    reason = (reason or "").strip()
    errors = FieldErrors()
    if not reason:
        errors.add("reason", _l("Say why these stamps are void (e.g. a misprinted sheet)."))
    elif len(reason) > 200:
        errors.add("reason", _l("Keep the reason under %(n)s characters.", n=200))
    errors.raise_if_any()
    return reason


def plan_void(
    order: StampOrder, actor: User, reason: str, first=None, last=None, *, whole_order=False
) -> RangeChange:
    """Check a void like `void_stamps` and say how many stamps it would void, changing nothing."""
    _require_write(order, actor)
    _void_reason(reason)
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
    first=None,
    last=None,
    *,
    whole_order: bool = False,
) -> int:
    """Void stamps first..last of an order (or, only when asked, all), with a reason.

    Returns how many changed.
    """
    _require_write(order, actor)
    reason = _void_reason(reason)
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
    return void_stamps(stamp.order, actor, reason, stamp.seq, stamp.seq)


# --- scans and verdicts --------------------------------------------------------------------

BOT_MARKERS = ("bot", "crawler", "spider", "preview", "facebookexternalhit", "curl", "wget")


def client_family(user_agent: str) -> str:
    """A coarse client family for statistics; never the full user agent."""
    ua = (user_agent or "").lower()
    if "zalo" in ua:
        return "zalo"
    if any(marker in ua for marker in BOT_MARKERS):
        return "bot"
    if "iphone" in ua or "ipad" in ua:
        return "ios"
    if "android" in ua:
        return "android"
    if any(marker in ua for marker in ("windows", "macintosh", "x11", "cros")):
        return "desktop"
    return "other"


@functools.lru_cache(maxsize=4)
def _client_salt(secret: str) -> bytes:
    return hashlib.sha256(b"scan-client:" + secret.encode()).digest()


def client_hash(ip: str | None, user_agent: str) -> str:
    """A salted, truncated hash of the network address and client: no raw IP is stored.

    The salt is derived from SECRET_KEY, so the hash cannot be reversed by trying all IPv4
    addresses without the server's secret.
    """
    return _hash_client(ip, client_family(user_agent))


def _hash_client(ip: str | None, family: str) -> str:
    salt = _client_salt(current_app.config["SECRET_KEY"])
    return hmac.new(salt, f"{ip or ''}|{family}".encode(), hashlib.sha256).hexdigest()[:24]


# --- what consumers see: cached product and batch cards -----------------------------------


@dataclass(frozen=True)
class ProducerCard:
    id: int
    legal_name: str
    ward_name: str
    website: str


@dataclass(frozen=True)
class ProductCard:
    """What the consumer page shows of a product: plain values, safe to share between requests."""

    id: int
    producer_id: int
    gtin: str
    name: str
    description: str
    standards: tuple[str, ...]
    ocop_stars: int | None
    ocop_certificate_no: str
    ocop_valid_to: dt.date | None
    image_key: str | None
    image_alt: str
    producer: ProducerCard
    is_published: bool = True
    # The listing on the national traceability portal, once staff recorded it as listed.
    portal_reference: str = ""
    portal_url: str | None = None

    def ocop_expiry(self, today: dt.date) -> str | None:
        if self.ocop_valid_to is None:
            return None
        return "expired" if self.ocop_valid_to < today else "valid"


@dataclass(frozen=True)
class BatchCard:
    id: int
    lot_code: str
    produced_on: dt.date | None
    expires_on: dt.date | None
    site_name: str | None
    site_ward_name: str | None
    recalled_at: dt.datetime | None = None
    recall_notice: str = ""


class _Cache:
    """A small per-process cache of product and batch cards: they change rarely, and the stamp
    page is the hot path. Stamps, scans and verdicts are never cached.

    Each page first checks the cards' version (`cards_version`: one Redis GET, or one indexed
    query); a change anywhere empties every process's cache. The expiry is only a backstop.
    """

    def __init__(self, size: int = 4096):
        self.size = size
        self.items: dict = {}
        self.version: Any = None

    def sync(self, version) -> None:
        """Forget every card when the version changed (or is unknown: None)."""
        if version is None or version != self.version:
            self.items.clear()
        self.version = version

    def get(self, key, load, seconds: float):
        now = time.monotonic()
        hit = self.items.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        value = load()
        if len(self.items) >= self.size:
            self.items.clear()
        self.items[key] = (now + seconds, value)
        return value

    def clear(self) -> None:
        self.items.clear()


_cards = _Cache()


def clear_caches() -> None:
    _cards.clear()


# --- freshness: a version of the cards, bumped by every change to what they show ------------

CARDS_VERSION_KEY = "dongnai:cards-version"
# Changes to these rows change what a consumer page shows of a product or batch.
CARD_SOURCES = (Product, ProductImage, Producer, Batch, Site, Ward)
# Without Redis, the version is the newest audit entry: every registry change is audited.
_LAST_AUDIT_ENTRY = select(func.max(audit.AuditEntry.id))


@functools.lru_cache(maxsize=4)
def _redis_for(url: str):
    from redis import Redis

    return Redis.from_url(url, socket_timeout=0.25, socket_connect_timeout=0.25)


def cards_version():
    """The current version of the cards, or None when it cannot be read (then: reload)."""
    url = current_app.config.get("REDIS_URL")
    if url:
        from redis import RedisError

        try:
            return ("redis", _redis_for(url).get(CARDS_VERSION_KEY))
        except RedisError:
            current_app.logger.warning("cards version: Redis unavailable, cards reloaded")
            return None
    return ("db", db.session.connection().execute(_LAST_AUDIT_ENTRY).scalar())


@event.listens_for(Session, "after_flush")
def _note_card_changes(session: Session, flush_context) -> None:
    if session.info.get("cards_changed"):
        return
    for obj in itertools.chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, CARD_SOURCES):
            session.info["cards_changed"] = True
            return


@event.listens_for(Session, "after_commit")
def _bump_cards_version(session: Session) -> None:
    """After a committed change to a card's rows: empty this process's cards, tell the others."""
    if not session.info.pop("cards_changed", False):
        return
    _cards.clear()
    url = current_app.config.get("REDIS_URL") if has_app_context() else None
    if url:
        from redis import RedisError

        try:
            _redis_for(url).incr(CARDS_VERSION_KEY)
        except RedisError:
            current_app.logger.warning("cards version: Redis unavailable, not bumped")


def _card_seconds() -> float:
    return current_app.config["RESOLVER_CACHE_SECONDS"]


def _load_product_card(gtin: str) -> ProductCard | None:
    product = db.session.scalars(select(Product).where(Product.gtin == gtin)).first()
    if product is None or not product.is_published:
        return None
    image = product.images[0] if product.images else None
    producer = product.producer
    return ProductCard(
        id=product.id,
        producer_id=product.producer_id,
        gtin=product.gtin,
        name=product.name,
        description=product.description,
        standards=tuple(product.standards or ()),
        ocop_stars=product.ocop_stars,
        ocop_certificate_no=product.ocop_certificate_no,
        ocop_valid_to=product.ocop_valid_to,
        image_key=image.key if image else None,
        image_alt=(image.alt if image else "") or product.name,
        producer=ProducerCard(
            producer.id, producer.legal_name, producer.ward.name, producer.website or ""
        ),
        **_portal_listing(product),
    )


# Where the national traceability portal (Circular 02/2024/TT-BKHCN) shows a listing; staff
# record the portal's reference, or the listing's own https:// address.
PORTAL_LISTING_URL = "https://truyxuatnguongoc.gov.vn/?q={reference}"


def _portal_listing(product: Product) -> dict:
    reference = (product.portal_reference or "").strip()
    if product.portal_state is not PortalState.LISTED or not reference:
        return {}
    if reference.startswith("https://"):
        url = reference
    else:
        template = current_app.config.get("PORTAL_LISTING_URL") or PORTAL_LISTING_URL
        url = template.format(reference=uri_escape(reference, query=True))
    return {"portal_reference": reference, "portal_url": url}


def product_card(gtin: str) -> ProductCard | None:
    """The published product with this GTIN, or None (unknown, or not shown to consumers)."""
    return _cards.get(("product", gtin), lambda: _load_product_card(gtin), _card_seconds())


def _load_batch_card(condition) -> BatchCard | None:
    batch = db.session.scalars(select(Batch).where(condition)).first()
    if batch is None:
        return None
    site = batch.site
    return BatchCard(
        id=batch.id,
        lot_code=batch.lot_code,
        produced_on=batch.produced_on,
        expires_on=batch.expires_on,
        site_name=site.name if site else None,
        site_ward_name=site.ward.name if site else None,
        recalled_at=batch.recalled_at,
        recall_notice=batch.recall_notice or "",
    )


def batch_card(product: ProductCard, *, lot: str | None = None, batch_id: int | None = None):
    """A batch of the product by lot code or id; the query is built only on a cache miss."""
    if lot is not None:
        key = ("batch", product.gtin, "lot", lot)

        def load():
            return _load_batch_card((Batch.product_id == product.id) & (Batch.lot_code == lot))
    else:
        key = ("batch", product.gtin, "id", batch_id)

        def load():
            return _load_batch_card(Batch.id == batch_id)

    return _cards.get(key, load, _card_seconds())


# --- resolving and verdicts ----------------------------------------------------------------

# The stamp page is the hot path: its statements are built once, with bound parameters, and run
# on the session's connection (Core, no ORM unit of work), so each request only binds values.
_stamps, _scans = Stamp.__table__, Scan.__table__
_STAMP_COLUMNS = (
    _stamps.c.id,
    _stamps.c.serial,
    _stamps.c.batch_id,
    _stamps.c.state,
    _stamps.c.flagged,
    _stamps.c.scan_count,
    _stamps.c.first_scan_at,
    _stamps.c.void_reason,
)
_BY_SERIAL = (_stamps.c.gtin == bindparam("b_gtin")) & (_stamps.c.serial == bindparam("b_serial"))
_IN_BATCH = _stamps.c.batch_id == bindparam("b_batch_id")
_FIND_STAMP = {
    False: select(*_STAMP_COLUMNS).where(_BY_SERIAL),
    True: select(*_STAMP_COLUMNS).where(_BY_SERIAL & _IN_BATCH),
}
_COUNTED = {
    "scan_count": _stamps.c.scan_count + 1,
    "last_scan_at": bindparam("b_now"),
    "first_scan_at": func.coalesce(_stamps.c.first_scan_at, bindparam("b_now")),
}
# Count a page view of a stamp that is not void, and read it back, in one statement.
_COUNT_STAMP = {
    in_batch: update(_stamps)
    .where(_BY_SERIAL & (_IN_BATCH if in_batch else true()) & (_stamps.c.state != "void"))
    .values(_COUNTED)
    .returning(*_STAMP_COLUMNS)
    for in_batch in (False, True)
}
_COUNT_STAMP_BY_ID = (
    update(_stamps)
    .where(_stamps.c.id == bindparam("b_stamp_id"))
    .values(_COUNTED)
    .returning(*_STAMP_COLUMNS)
)
_RECENT_SCANS = (
    select(_scans.c.client_hash, _scans.c.at, _scans.c.lat, _scans.c.lon)
    .where(_scans.c.stamp_id == bindparam("b_stamp_id"))
    .order_by(_scans.c.id.desc())
    .limit(bindparam("b_limit"))
)
_INSERT_SCAN = insert(_scans).returning(_scans.c.id)


@dataclass
class Resolution:
    """What the resolver found for a Digital Link: the deepest known level and the verdict."""

    gtin: str
    lot: str | None
    serial: str | None
    product: ProductCard | None = None
    batch: BatchCard | None = None
    stamp: Any = None  # a row of _STAMP_COLUMNS
    verdict: Verdict = Verdict.NOT_ISSUED
    reasons: list[str] = field(default_factory=list)
    # "gtin", "lot" or "serial" when that part was not issued and the page walked up.
    unknown: str | None = None
    scans_before: int = 0
    first_scan_at: dt.datetime | None = None
    first_place: tuple[float, float] | None = None
    scan_id: int | None = None
    # What the page says (`settle`): the worst fact that holds, and every bad fact, worst first.
    standing: Standing = Standing.NOT_ISSUED
    alerts: list[Standing] = field(default_factory=list)
    # The lot a serial really belongs to, when the link names another lot of the product.
    stamp_lot: str | None = None
    # Days until the batch's use-by date, when that is near (EXPIRY_SOON_DAYS).
    expires_in: int | None = None


# A batch this close to its use-by date says when it expires, in the verdict itself.
EXPIRY_SOON_DAYS = 7
_STANDING_ORDER = {standing: rank for rank, standing in enumerate(Standing)}


def province_date(moment: dt.datetime) -> dt.date:
    """The calendar date in Đồng Nai at an aware moment (use-by dates are the province's)."""
    return moment.astimezone(PROVINCE_TZ).date()


def settle(found: Resolution, today: dt.date) -> Resolution:
    """Decide what the page says from every fact: recalled, confirmed fake, void, expired,
    suspicious, not issued (worst first); only when none holds, the stamp's good verdict."""
    alerts = set()
    batch, stamp = found.batch, found.stamp
    if batch is not None and batch.recalled_at is not None:
        alerts.add(Standing.RECALLED)
    if stamp is not None and stamp.flagged:
        alerts.add(Standing.CONFIRMED_FAKE)
    if found.verdict is Verdict.VOID:
        alerts.add(Standing.VOID)
    found.expires_in = None
    if batch is not None and batch.expires_on is not None:
        if batch.expires_on < today:
            alerts.add(Standing.EXPIRED)
        elif (batch.expires_on - today).days <= EXPIRY_SOON_DAYS:
            found.expires_in = (batch.expires_on - today).days
    if found.verdict is Verdict.SUSPICIOUS and set(found.reasons) - {"reported"}:
        alerts.add(Standing.SUSPICIOUS)
    if found.verdict is Verdict.NOT_ISSUED:
        alerts.add(Standing.NOT_ISSUED)
    found.alerts = sorted(alerts, key=_STANDING_ORDER.__getitem__)
    found.standing = found.alerts[0] if found.alerts else Standing(found.verdict.value)
    return found


def _resolve_cards(gtin: str, lot: str | None, serial: str | None) -> Resolution:
    """The product and batch a Digital Link names, from the per-process cards."""
    _cards.sync(cards_version())
    found = Resolution(gtin=gtin, lot=lot, serial=serial)
    found.product = product_card(gtin)
    if found.product is None:
        found.unknown = "gtin"
        return found
    if lot is not None:
        found.batch = batch_card(found.product, lot=lot)
        if found.batch is None:
            found.unknown = "lot"
    if serial is None:
        found.verdict = Verdict.PRODUCT if found.unknown is None else Verdict.NOT_ISSUED
    return found


def _stamp_params(found: Resolution) -> dict:
    params = {"b_gtin": found.gtin, "b_serial": found.serial}
    if found.batch is not None:
        params["b_batch_id"] = found.batch.id
    return params


def _found_stamp(found: Resolution, row) -> None:
    found.stamp = row
    if row is None:
        found.unknown = "serial"
    elif found.batch is None:
        found.batch = batch_card(found.product, batch_id=row.batch_id)
    elif row.batch_id != found.batch.id:
        # A genuine serial of this product under another lot: a copied or relabelled stamp.
        real = batch_card(found.product, batch_id=row.batch_id)
        found.stamp_lot = real.lot_code if real is not None else None
        found.reasons = ["other_lot"]


def _find_stamp(found: Resolution):
    """The stamp by serial alone (also when it belongs to another lot than the link names)."""
    params = {"b_gtin": found.gtin, "b_serial": found.serial}
    return db.session.connection().execute(_FIND_STAMP[False], params).first()


def resolve(gtin: str, lot: str | None, serial: str | None) -> Resolution:
    """Find the product, batch and stamp a Digital Link names (no side effects)."""
    found = _resolve_cards(gtin, lot, serial)
    if serial is not None and found.unknown is None:
        _found_stamp(found, _find_stamp(found))
    return found


def preview_verdict(found: Resolution) -> Resolution:
    """The verdict without counting a scan (HEAD requests, link-preview bots, signed-in users)."""
    stamp = found.stamp
    if stamp is not None:
        if stamp.state is StampState.VOID:
            found.verdict = Verdict.VOID
        elif found.reasons:
            found.verdict = Verdict.SUSPICIOUS
        elif stamp.scan_count:
            found.verdict = Verdict.SCANNED_BEFORE
            found.scans_before = stamp.scan_count
            found.first_scan_at = stamp.first_scan_at
        else:
            found.verdict = Verdict.GENUINE
    return settle(found, province_date(utcnow()))


def scan_page(
    gtin: str, lot: str | None, serial: str | None, *, ip: str | None, user_agent: str
) -> Resolution:
    """A consumer's view of a stamp page: resolve it and record the scan (the hot path).

    The common case, a stamp that is not void, is one UPDATE … RETURNING that finds and counts
    it; only when nothing was counted does a SELECT tell a void stamp from an unknown serial.
    """
    found = _resolve_cards(gtin, lot, serial)
    now = utcnow()
    counted = None
    if serial is not None and found.unknown is None:
        connection = db.session.connection()
        params = _stamp_params(found)
        in_batch = found.batch is not None
        counted = connection.execute(_COUNT_STAMP[in_batch], {**params, "b_now": now}).first()
        if counted is not None:
            _found_stamp(found, counted)
        else:  # void, unknown, or a serial of another lot: not counted
            _found_stamp(found, _find_stamp(found))
    return _record(found, counted, now, ip=ip, user_agent=user_agent)


def _distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371 * math.asin(math.sqrt(h))


def _suspicion(stamp, scan_count: int, client: str, config) -> tuple[list[str], tuple | None]:
    """Reasons why a genuine serial looks copied or misused, and an earlier scan's place.

    The rules read the stamp's latest scans only (one indexed query, and only on a repeat scan).
    """
    reasons = []
    if stamp.flagged:
        reasons.append("reported")
    if stamp.state is StampState.ISSUED:
        reasons.append("not_released")
    if scan_count > config["STAMP_SUSPICIOUS_SCANS"]:
        reasons.append("many_scans")
    place = None
    if scan_count > 1:
        recent = (
            db.session.connection()
            .execute(_RECENT_SCANS, {"b_stamp_id": stamp.id, "b_limit": RECENT_SCANS})
            .all()
        )
        clients = {row.client_hash for row in recent} | {client}
        if len(clients) >= config["STAMP_SUSPICIOUS_CLIENTS"]:
            reasons.append("many_clients")
        placed = [(row.at, row.lat, row.lon) for row in recent if row.lat is not None]
        if _far_apart(placed, config):
            reasons.append("far_apart")
        if placed:
            place = placed[-1][1:]
    return reasons, place


def _far_apart(places: list[tuple], config) -> bool:
    """Two shared places further apart than anyone travels in the configured time."""
    window = dt.timedelta(hours=config["STAMP_SUSPICIOUS_HOURS"])
    for i, (at_a, lat_a, lon_a) in enumerate(places):
        for at_b, lat_b, lon_b in places[i + 1 :]:
            if abs(at_a - at_b) <= window and (
                _distance_km((lat_a, lon_a), (lat_b, lon_b)) > config["STAMP_SUSPICIOUS_KM"]
            ):
                return True
    return False


def record_scan(found: Resolution, *, ip: str | None, user_agent: str) -> Resolution:
    """Count a page view of a resolved stamp, decide its verdict, and store the scan.

    The counter is incremented in the database (UPDATE … RETURNING), so concurrent scans of one
    stamp each see their own exact number.
    """
    now = utcnow()
    counted = None
    stamp = found.stamp
    if stamp is not None and stamp.state is not StampState.VOID:
        counted = (
            db.session.connection()
            .execute(_COUNT_STAMP_BY_ID, {"b_stamp_id": stamp.id, "b_now": now})
            .first()
        )
        found.stamp = counted
    return _record(found, counted, now, ip=ip, user_agent=user_agent)


def _record(found: Resolution, counted, now, *, ip: str | None, user_agent: str) -> Resolution:
    """The verdict for a counted (or void, or unknown) stamp, and the scan row that keeps it."""
    family = client_family(user_agent)
    client = _hash_client(ip, family)
    if counted is not None:
        count = counted.scan_count
        found.scans_before = count - 1
        found.first_scan_at = counted.first_scan_at if count > 1 else None
        found.reasons, found.first_place = _suspicion(counted, count, client, current_app.config)
        if found.reasons:
            found.verdict = Verdict.SUSPICIOUS
        elif count > 1:
            found.verdict = Verdict.SCANNED_BEFORE
        else:
            found.verdict = Verdict.GENUINE
    elif found.stamp is not None:
        found.verdict = Verdict.VOID if found.stamp.state is StampState.VOID else Verdict.SUSPICIOUS
    settle(found, province_date(now))
    reason = _scan_reason(found)
    found.scan_id = (
        db.session.connection()
        .execute(
            _INSERT_SCAN,
            {
                "at": now,
                "stamp_id": found.stamp.id if found.stamp is not None else None,
                "producer_id": found.product.producer_id if found.product is not None else None,
                "gtin": found.gtin,
                "lot": found.lot,
                "serial": found.serial,
                "verdict": found.verdict,
                "reason": reason,
                "client_family": family,
                "client_hash": client,
            },
        )
        .scalar_one()
    )
    return found


def _scan_reason(found: Resolution) -> str | None:
    """What the scan row keeps as its reason: a suspicion, a recall or expiry, or what was
    unknown."""
    if found.reasons:
        return found.reasons[0]
    for alert in found.alerts:
        if alert in (Standing.RECALLED, Standing.EXPIRED):
            return alert.value
    return found.unknown if found.serial else None


def probing(client: str, config) -> bool:
    """Has this client asked for many serials we never issued within the last hour?"""
    since = utcnow() - dt.timedelta(hours=1)
    count = db.session.scalar(
        select(func.count())
        .select_from(Scan)
        .where(
            Scan.client_hash == client,
            Scan.at >= since,
            Scan.verdict == Verdict.NOT_ISSUED,
        )
    )
    return count >= config["SCAN_PROBE_LIMIT"]


def _signer() -> URLSafeSerializer:
    return _signer_for(current_app.config["SECRET_KEY"])


@functools.lru_cache(maxsize=4)
def _signer_for(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt="scan-place")


def scan_token(scan_id: int) -> str:
    """A signed reference to one scan, so only the page that made it can add its place."""
    return _signer().dumps(scan_id)


def scan_from_token(token: str) -> int:
    try:
        return int(_signer().loads(token))
    except (BadSignature, TypeError, ValueError):
        raise NotFound(_l("Not found.")) from None


def coarse(value: float) -> float:
    """Round a coordinate to 0.1° (about 11 km): a district, never a house."""
    return round(float(value), 1)


def share_place(scan_id: int, lat, lon) -> Scan:
    """Attach the coarse place a consumer agreed to share to their scan."""
    errors = FieldErrors()
    try:
        lat, lon = float(lat), float(lon)
    except (TypeError, ValueError):
        errors.add("lat", _l("The place could not be read."))
        errors.raise_if_any()
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        errors.add("lat", _l("The place could not be read."))
    errors.raise_if_any()
    scan = db.session.get(Scan, scan_id)
    if scan is None:
        raise NotFound(_l("Not found."))
    if scan.place_at is not None:
        raise Conflict(_l("The place of this scan was already shared."))
    scan.lat, scan.lon, scan.place_at = coarse(lat), coarse(lon), utcnow()
    db.session.flush()
    return scan


# --- batch recalls -------------------------------------------------------------------------

RECALL_NOTICE_MAX = 300


def recall_stamp_count(batch: Batch) -> int:
    """How many stamps of the batch a recall reaches (all but void ones)."""
    return db.session.scalar(
        select(func.count())
        .select_from(Stamp)
        .where(Stamp.batch_id == batch.id, Stamp.state != StampState.VOID)
    )


def recall_batch(batch: Batch, notice: str, actor: User) -> Batch:
    """Recall a batch: every stamp of it tells consumers so, in red, with the notice."""
    access.require_registry_role(actor)
    if not access.can_write(actor, batch):
        raise NotFound(_l("Not found."))
    notice = (notice or "").strip()
    errors = FieldErrors()
    if not notice:
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
    access.require_registry_role(actor)
    if not access.can_write(actor, batch):
        raise NotFound(_l("Not found."))
    if batch.recalled_at is None:
        raise Conflict(_l("This batch is not recalled."))
    notice = batch.recall_notice
    batch.recalled_at, batch.recall_notice, batch.updated_by_id = None, "", actor.id
    audit.record(actor, "batch.recall_lift", batch, notice=notice)
    db.session.flush()
    return batch


# --- counterfeit reports -------------------------------------------------------------------

REPORT_STATE_LABELS = {
    ReportState.NEW: _l("new"),
    ReportState.INVESTIGATING: _l("being investigated"),
    ReportState.CONFIRMED: _l("confirmed"),
    ReportState.DISMISSED: _l("dismissed"),
}
REPORT_TRANSITIONS = {
    ReportState.NEW: {ReportState.INVESTIGATING, ReportState.CONFIRMED, ReportState.DISMISSED},
    ReportState.INVESTIGATING: {ReportState.CONFIRMED, ReportState.DISMISSED},
    ReportState.CONFIRMED: {ReportState.INVESTIGATING},
    ReportState.DISMISSED: {ReportState.INVESTIGATING},
}


# Report references are read aloud and typed on a phone: no 0/O, 1/I. 32^8 = 2^40 values.
REPORT_REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def new_report_reference() -> str:
    """A reference such as BC-7KQ2-M9XD: enough on its own to open the report's status page."""
    code = "".join(secrets.choice(REPORT_REFERENCE_ALPHABET) for _ in range(8))
    return f"BC-{code[:4]}-{code[4:]}"


def create_report(found: Resolution, data: dict, *, client: str) -> CounterfeitReport:
    errors = FieldErrors()
    message = str(data.get("message") or "").strip()
    if len(message) < 10:
        errors.add(
            "message", _l("Tell us in a few words what looks wrong (at least 10 characters).")
        )
    elif len(message) > 2000:
        errors.add("message", _l("Keep the message under %(n)s characters.", n=2000))
    fields = {}
    for name, limit in (("where_bought", 200), ("contact", 120)):
        fields[name] = str(data.get(name) or "").strip()
        if len(fields[name]) > limit:
            errors.add(name, _l("Keep this under %(n)s characters.", n=limit))
    errors.raise_if_any()
    report = CounterfeitReport(
        reference=new_report_reference(),
        stamp_id=found.stamp.id if found.stamp is not None else None,
        producer_id=found.product.producer_id if found.product is not None else None,
        gtin=found.gtin,
        lot=found.lot,
        serial=found.serial,
        verdict=found.verdict,
        message=message,
        client_hash=client,
        **fields,
    )
    db.session.add(report)
    db.session.flush()
    return report


def change_report_state(
    report: CounterfeitReport, state: str, note: str, actor: User
) -> CounterfeitReport:
    """Move a report along its workflow; confirming flags the stamp so its page warns."""
    access.require_staff(actor)
    try:
        new = ReportState(state)
    except ValueError:
        new = None
    if new is None or new not in REPORT_TRANSITIONS[report.state]:
        raise Conflict(
            _l(
                "A report that is %(old)s cannot become %(new)s.",
                old=REPORT_STATE_LABELS[report.state],
                new=REPORT_STATE_LABELS.get(new, state),
            ),
            field="state",
        )
    old = report.state
    report.state, report.handled_by_id, report.handled_at = new, actor.id, utcnow()
    if note:
        report.staff_note = (report.staff_note + "\n" if report.staff_note else "") + note.strip()
    if report.stamp is not None:
        report.stamp.flagged = (
            db.session.scalar(
                select(func.count())
                .select_from(CounterfeitReport)
                .where(
                    CounterfeitReport.stamp_id == report.stamp_id,
                    CounterfeitReport.state == ReportState.CONFIRMED,
                    CounterfeitReport.id != report.id,
                )
            )
            > 0
            or new is ReportState.CONFIRMED
        )
    audit.record(actor, "counterfeit_report.state", report, old=old.value, new=new.value, note=note)
    db.session.flush()
    return report


# --- a serial typed by hand ----------------------------------------------------------------

# A consumer types the serial printed under a torn or smudged QR code, in any case. Serials
# have no 0/O/1/I/l, so those are read as the symbols they stand for; '1' may be an 'i' or an
# 'L'. Anything else that is not a letter or digit (spaces, dashes) is dropped.
_TYPED_AS = {"0": "o", "o": "o", "O": "o", "1": "iL", "i": "i", "I": "i", "l": "L", "L": "L"}
_TYPED_SEPARATORS = frozenset(" \t-–—._/·")


@dataclass(frozen=True)
class TypedMatch:
    """A stamp that a typed serial names: where its page is, and which product it is on."""

    gtin: str
    lot: str
    serial: str
    product_name: str | None  # None when the product is not public


def serial_candidates(text: str, errors: FieldErrors) -> list[str]:
    """Every serial that ``text`` may stand for (at most 2**11), or an error on ``serial``."""
    choices = []
    for char in text.strip():
        if char in _TYPED_SEPARATORS:
            continue
        options = _TYPED_AS.get(char) or {char.upper(), char.lower()} & set(SERIAL_ALPHABET)
        if not options:
            errors.add("serial", _l("A stamp serial has only letters and digits."))
            return []
        choices.append(sorted(options))
    if len(choices) != SERIAL_LENGTH:
        errors.add(
            "serial",
            _l(
                "A stamp serial has %(n)d letters and digits; you typed %(typed)d.",
                n=SERIAL_LENGTH,
                typed=len(choices),
            ),
        )
        return []
    return ["".join(chars) for chars in itertools.product(*choices)]


def typed_gtin(text: str, errors: FieldErrors) -> str | None:
    """The 14-digit GTIN in what a consumer typed (spaces allowed), None when nothing was."""
    digits = "".join(char for char in text if char not in _TYPED_SEPARATORS)
    if not digits:
        return None
    try:
        return normalise_gtin(digits)
    except GtinError:
        errors.add(
            "gtin",
            _l("Type the 8 to 14 digits printed under the product's barcode, without letters."),
        )
        return None


def find_typed_serial(serial: str, gtin: str = "") -> list[TypedMatch]:
    """The stamps a serial typed by hand (and optionally the product's GTIN) may name.

    Serials are unique per GTIN only: more than one match means the consumer must say which
    product it is on. Raises ``ValidationFailed`` for input that cannot be a serial or GTIN.
    """
    errors = FieldErrors()
    candidates = serial_candidates(serial, errors)
    gtin14 = typed_gtin(gtin, errors)
    errors.raise_if_any()
    query = (
        select(Stamp.gtin, Batch.lot_code, Stamp.serial)
        .join(Batch, Batch.id == Stamp.batch_id)
        .where(Stamp.serial.in_(candidates))
        .order_by(Stamp.gtin, Stamp.serial)
        .limit(20)
    )
    if gtin14 is not None:
        query = query.where(Stamp.gtin == gtin14)
    matches = []
    for row in db.session.execute(query):
        product = product_card(row.gtin)
        matches.append(
            TypedMatch(row.gtin, row.lot_code, row.serial, product.name if product else None)
        )
    return matches


def record_typed_miss(serial: str, gtin: str | None, *, ip: str | None, user_agent: str) -> None:
    """A typed serial that names no stamp counts as a scan of an unissued serial (probing)."""
    product = product_card(gtin) if gtin else None
    family = client_family(user_agent)
    db.session.connection().execute(
        _INSERT_SCAN,
        {
            "at": utcnow(),
            "stamp_id": None,
            "producer_id": product.producer_id if product is not None else None,
            "gtin": gtin or "",
            "lot": None,
            "serial": "".join(c for c in serial if c not in _TYPED_SEPARATORS)[:20],
            "verdict": Verdict.NOT_ISSUED,
            "reason": "serial",
            "client_family": family,
            "client_hash": _hash_client(ip, family),
        },
    )


# --- the public status of a counterfeit report ---------------------------------------------


@dataclass(frozen=True)
class ReportStatus:
    """What anyone holding a report's reference may see: never the message, contact or photo."""

    reference: str
    state: ReportState
    received_at: dt.datetime
    changed_at: dt.datetime | None
    product_name: str | None


def clean_report_reference(text: str) -> str | None:
    """``BC-XXXX-XXXX`` from what was typed (any case, with or without BC and dashes)."""
    code = "".join(char for char in text.upper() if char.isalnum())
    if len(code) == 10 and code.startswith("BC"):
        code = code[2:]
    if len(code) != 8 or not set(code) <= set(REPORT_REFERENCE_ALPHABET):
        return None
    return f"BC-{code[:4]}-{code[4:]}"


def report_status(reference: str) -> ReportStatus | None:
    """The public status of the report with this reference, or None."""
    cleaned = clean_report_reference(reference)
    if cleaned is None:
        return None
    report = db.session.scalars(
        select(CounterfeitReport).where(CounterfeitReport.reference == cleaned)
    ).first()
    if report is None:
        return None
    product = product_card(report.gtin) if report.gtin else None
    return ReportStatus(
        reference=report.reference,
        state=report.state,
        received_at=report.at,
        changed_at=report.handled_at,
        product_name=product.name if product is not None else None,
    )
