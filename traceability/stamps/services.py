"""Stamp operations: orders, lifecycle, scans and verdicts, counterfeit reports.

Like the registry's services they take plain values, check every rule, flush, and never commit.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import io
import math
import os
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import bindparam, func, insert, select, true, update
from sqlalchemy.exc import IntegrityError

from core import access, audit
from core.accounts.models import User
from core.db import utcnow
from core.errors import Conflict, FieldErrors, NotFound
from core.extensions import db
from traceability.gs1.digital_link import uri_escape
from traceability.models import Batch, Product
from traceability.stamps import render
from traceability.stamps.models import (
    CounterfeitReport,
    ReportState,
    Scan,
    Stamp,
    StampOrder,
    StampState,
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

LAYOUT_FIELDS = ("kind", "rows", "cols", "size_mm", "show_caption")


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
        if "show_caption" in values:
            values["show_caption"] = values["show_caption"] in (True, "y", "true", "1", "on")
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
    try:
        quantity = int(value)
    except (TypeError, ValueError):
        errors.add("quantity", _l("Enter how many stamps to print, from 1 to %(n)s.", n=limit))
        return None
    if not 1 <= quantity <= limit:
        errors.add("quantity", _l("Enter how many stamps to print, from 1 to %(n)s.", n=limit))
        return None
    return quantity


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


def order_labels(order: StampOrder) -> Iterator[Label]:
    """The order's stamps in print order, as labels to print."""
    gtin, lot = order.product.gtin, order.batch.lot_code
    caption = order.product.name if order.layout.get("show_caption", True) else ""
    for rows in _serial_chunks(order):
        for _seq, serial in rows:
            yield Label(url=stamp_url(gtin, lot, serial), serial=serial, caption=caption)


def order_csv(order: StampOrder) -> Iterator[str]:
    """CSV lines for print shops: sequence, serial, the URL to encode, GTIN and lot."""
    yield "seq,serial,url,gtin,lot\r\n"
    gtin, lot = order.product.gtin, order.batch.lot_code
    for rows in _serial_chunks(order):
        buffer = io.StringIO()
        for seq, serial in rows:
            buffer.write(f"{seq},{serial},{stamp_url(gtin, lot, serial)},{gtin},{_csv(lot)}\r\n")
        yield buffer.getvalue()


def _csv(value: str) -> str:
    if any(c in value for c in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


# --- lifecycle -----------------------------------------------------------------------------


def _stamps_in_range(order: StampOrder, first: int | None, last: int | None):
    first = 1 if first in (None, "") else first
    last = order.quantity if last in (None, "") else last
    errors = FieldErrors()
    try:
        first, last = int(first), int(last)
    except (TypeError, ValueError):
        errors.add("first", _l("Enter stamp numbers from 1 to %(n)s.", n=order.quantity))
        errors.raise_if_any()
    if not 1 <= first <= last <= order.quantity:
        errors.add(
            "first",
            _l(
                "Enter a range of stamp numbers within 1 to %(n)s, the first not after the last.",
                n=order.quantity,
            ),
        )
    errors.raise_if_any()
    return first, last


def _change_stamps(order: StampOrder, actor: User, first, last, *, still, values, action, **detail):
    """Change the order's stamps numbered first..last that are still in a state, and audit it."""
    if not access.can_write(actor, order):
        raise NotFound(_l("Not found."))
    first, last = _stamps_in_range(order, first, last)
    result = db.session.execute(
        update(Stamp)
        .where(Stamp.order_id == order.id, Stamp.seq.between(first, last), still)
        .values(**values)
    )
    audit.record(actor, action, order, first=first, last=last, count=result.rowcount, **detail)
    return result.rowcount


def activate_stamps(order: StampOrder, actor: User, first=None, last=None) -> int:
    """Release issued stamps (all, or numbers first..last of the order); returns how many."""
    return _change_stamps(
        order,
        actor,
        first,
        last,
        still=Stamp.state == StampState.ISSUED,
        values={"state": StampState.ACTIVE, "activated_at": utcnow()},
        action="stamps.activate",
    )


def void_stamps(order: StampOrder, actor: User, reason: str, first=None, last=None) -> int:
    """Void one stamp or a range of an order, with a reason; returns how many changed."""
    if not access.can_write(actor, order):
        raise NotFound(_l("Not found."))
    reason = (reason or "").strip()
    errors = FieldErrors()
    if not reason:
        errors.add("reason", _l("Say why these stamps are void (e.g. a misprinted sheet)."))
    elif len(reason) > 200:
        errors.add("reason", _l("Keep the reason under %(n)s characters.", n=200))
    errors.raise_if_any()
    return _change_stamps(
        order,
        actor,
        first,
        last,
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


class _Cache:
    """A small per-process cache with expiry: product and batch facts change rarely, and the
    stamp page is the hot path. Stamps, scans and verdicts are never cached."""

    def __init__(self, size: int = 4096):
        self.size = size
        self.items: dict = {}

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
    )


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


def _resolve_cards(gtin: str, lot: str | None, serial: str | None) -> Resolution:
    """The product and batch a Digital Link names, from the per-process cards."""
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


def resolve(gtin: str, lot: str | None, serial: str | None) -> Resolution:
    """Find the product, batch and stamp a Digital Link names (no side effects)."""
    found = _resolve_cards(gtin, lot, serial)
    if serial is not None and found.unknown is None:
        statement = _FIND_STAMP[found.batch is not None]
        row = db.session.connection().execute(statement, _stamp_params(found)).first()
        _found_stamp(found, row)
    return found


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
        else:
            _found_stamp(found, connection.execute(_FIND_STAMP[in_batch], params).first())
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
        found.verdict = Verdict.VOID
    reason = found.reasons[0] if found.reasons else (found.unknown if found.serial else None)
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
    """A reference such as BC-7KQ2-M9XD: unguessable enough that a status page needs nothing else."""
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
