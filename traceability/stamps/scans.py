"""Resolving a Digital Link and recording scans: the consumer page's hot path.

A scan stores the time, the verdict, a coarse client family and a salted HMAC of address and
client family (never the IP address), and a place rounded to 0.1° only when the consumer shares
it. The count is an `UPDATE … RETURNING` in the page's own transaction, exact under concurrency.
Like every service here, nothing commits: the page does, once.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import hmac
import itertools
from collections import namedtuple
from contextlib import contextmanager
from dataclasses import dataclass, field

from flask import current_app, g
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import Engine, bindparam, func, insert, select, true, update

from core.db import utcnow
from core.errors import Conflict, FieldErrors, NotFound
from core.extensions import db
from traceability.gs1.gtin import GtinError, normalise_gtin
from traceability.registry.models import Batch
from traceability.stamps import cards, verdicts
from traceability.stamps.models import Scan, Stamp, StampState, Standing, Verdict
from traceability.stamps.serials import SERIAL_ALPHABET, SERIAL_LENGTH
from traceability.stamps.verdicts import Resolution

# --- clients: a coarse family and a salted hash, never the address -------------------------

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


# --- statements of the hot path ------------------------------------------------------------

# The stamp page's statements are built once, with bound parameters, and run on the session's
# connection (Core, no ORM unit of work), so each request only binds values.
_stamps, _scans = Stamp.__table__, Scan.__table__
STAMP_COLUMNS = (
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
_FIND_STAMP = select(*STAMP_COLUMNS).where(_BY_SERIAL)
_COUNTED = {
    "scan_count": _stamps.c.scan_count + 1,
    "last_scan_at": bindparam("b_now"),
    "first_scan_at": func.coalesce(_stamps.c.first_scan_at, bindparam("b_now")),
}
# Count a page view of a stamp that is not void, and read it back, in one statement; on the
# fast path, only while this process's cards are at the current version (cards.is_current).
_COUNT_STAMP = {
    (in_batch, checked): update(_stamps)
    .where(
        _BY_SERIAL
        & (_IN_BATCH if in_batch else true())
        & (_stamps.c.state != "void")
        & (cards.is_current() if checked else true())
    )
    .values(_COUNTED)
    .returning(*STAMP_COLUMNS)
    for in_batch in (False, True)
    for checked in (False, True)
}
_COUNT_STAMP_BY_ID = (
    update(_stamps)
    .where(_stamps.c.id == bindparam("b_stamp_id"))
    .values(_COUNTED)
    .returning(*STAMP_COLUMNS)
)
_INSERT_SCAN = insert(_scans).returning(_scans.c.id)
SCAN_VALUES = (
    "at",
    "stamp_id",
    "producer_id",
    "gtin",
    "lot",
    "serial",
    "verdict",
    "reason",
    "client_family",
    "client_hash",
)
StampRow = namedtuple("StampRow", [column.name for column in STAMP_COLUMNS])


class _DriverStatement:
    """A hot-path statement compiled once for psycopg and run on the DBAPI connection of the
    page's transaction (`scan_transaction`): SQLAlchemy's execution machinery was a fifth of the
    stamp page's CPU, and these two statements need none of it."""

    def __init__(self, statement, dialect):
        compiled = statement.compile(dialect=dialect)
        self.sql = compiled.string
        # Parameters the statement carries itself (the + 1, 'void', the version row's id).
        self.fixed = {
            name: b.effective_value for name, b in compiled.binds.items() if not b.required
        }

    def first(self, params: dict):
        return _driver_connection().execute(self.sql, self.fixed | params).fetchone()


def _driver_connection():
    """The page's own pooled connection when `scan_transaction` opened one, else the session's."""
    own = g.get("scan_connection")
    return own if own is not None else db.session.connection().connection.driver_connection


@contextmanager
def scan_transaction():
    """The transaction of a consumer's page view, committed when the block succeeds.

    On PostgreSQL the count and the scan run on a pooled connection of their own, committed by
    psycopg: the ORM session's transaction around two statements cost a seventh of the page
    (its reads, a repeat scan's history or the cards, still go through the session, on committed
    rows). When the session is bound to a connection someone else's transaction owns (the test
    suite's), and on other databases, the session's connection is used and the session commits.
    A failure rolls back both.
    """
    # The session factory's own bind (without making a session): a Connection when the suite
    # runs each test in a transaction of its own; nothing (the engine) in a deployment.
    bound = db.session.session_factory.kw.get("bind")
    if _driver_statements(db.engine.dialect.name) is None or not (
        bound is None or isinstance(bound, Engine)
    ):
        yield
        db.session.commit()
        return
    pooled = db.engine.raw_connection()
    g.scan_connection = connection = pooled.driver_connection
    try:
        yield
        connection.commit()
    except BaseException:
        connection.rollback()
        raise
    finally:
        g.pop("scan_connection", None)
        pooled.close()


@functools.lru_cache(maxsize=1)
def _driver_statements(dialect_name: str):
    """psycopg's texts of the hot path's statements (PostgreSQL; None elsewhere)."""
    if dialect_name != "postgresql" or db.engine.dialect.driver != "psycopg":
        return None
    dialect = db.engine.dialect
    insert_scan = (
        insert(_scans)
        .values({name: bindparam(name) for name in SCAN_VALUES})
        .returning(_scans.c.id)
    )
    return {
        "count": {key: _DriverStatement(stmt, dialect) for key, stmt in _COUNT_STAMP.items()},
        "insert": _DriverStatement(insert_scan, dialect),
    }


def _stamp_row(values) -> StampRow | None:
    if values is None:
        return None
    row = StampRow(*values)
    return row._replace(state=StampState(row.state))


# --- resolving -----------------------------------------------------------------------------


def _resolve_cards(
    gtin: str, lot: str | None, serial: str | None, *, sync: bool = True
) -> Resolution:
    """The product and batch a Digital Link names, from the per-process cards (after reading
    their version, unless the caller checks it in its own statement)."""
    if sync:
        cards.sync()
    found = Resolution(gtin=gtin, lot=lot, serial=serial)
    found.product = cards.product_card(gtin)
    if found.product is None:
        found.unknown = "gtin"
        return found
    if lot is not None:
        found.batch = cards.batch_card(found.product, lot=lot)
        if found.batch is None:
            found.unknown = "lot"
    if serial is None:
        found.verdict = Verdict.PRODUCT if found.unknown is None else Verdict.NOT_ISSUED
    return found


def _found_stamp(found: Resolution, row) -> None:
    found.stamp = row
    if row is None:
        found.unknown = "serial"
    elif found.batch is None:
        found.batch = cards.batch_card(found.product, batch_id=row.batch_id)
    elif row.batch_id != found.batch.id:
        # A genuine serial of this product under another lot: a copied or relabelled stamp.
        real = cards.batch_card(found.product, batch_id=row.batch_id)
        found.stamp_lot = real.lot_code if real is not None else None
        found.reasons = ["other_lot"]


def _find_stamp(found: Resolution):
    """The stamp by serial alone (also when it belongs to another lot than the link names)."""
    params = {"b_gtin": found.gtin, "b_serial": found.serial}
    return db.session.connection().execute(_FIND_STAMP, params).first()


def resolve(gtin: str, lot: str | None, serial: str | None) -> Resolution:
    """Find the product, batch and stamp a Digital Link names (no side effects)."""
    found = _resolve_cards(gtin, lot, serial)
    if serial is not None and found.unknown is None:
        _found_stamp(found, _find_stamp(found))
    return found


def scan_page(
    gtin: str, lot: str | None, serial: str | None, *, ip: str | None, user_agent: str
) -> Resolution:
    """A consumer's view of a stamp page: resolve it and record the scan (the hot path).

    The common case, a stamp that is not void seen with this process's cards up to date, is one
    UPDATE … RETURNING that checks the cards' version, finds the stamp and counts it. Otherwise
    (stale cards, a void stamp, an unknown serial, another lot) nothing was counted: the page
    reads the cards' version, resolves again, counts, and a SELECT tells a void stamp from an
    unknown serial.
    """
    now = utcnow()
    version = cards.cached_version()
    if serial is not None and version is not None:
        found = _resolve_cards(gtin, lot, serial, sync=False)
        if found.unknown is None:
            counted = _count(found, now, version)
            if counted is not None:
                _found_stamp(found, counted)
                return _record(found, counted, now, ip=ip, user_agent=user_agent)
    found = _resolve_cards(gtin, lot, serial)
    counted = None
    if serial is not None and found.unknown is None:
        counted = _count(found, now, None)
        if counted is not None:
            _found_stamp(found, counted)
        else:  # void, unknown, or a serial of another lot: not counted
            _found_stamp(found, _find_stamp(found))
    return _record(found, counted, now, ip=ip, user_agent=user_agent)


def _count(found: Resolution, now, version: int | None):
    """Count the stamp (not void; in the named batch when there is one): its row, or None.
    With `version`, only while the cards are still at that version."""
    params = {"b_gtin": found.gtin, "b_serial": found.serial, "b_now": now}
    in_batch = found.batch is not None
    if in_batch:
        params["b_batch_id"] = found.batch.id
    if version is not None:
        params["b_cards_version"] = version
    key = in_batch, version is not None
    driver = _driver_statements(db.engine.dialect.name)
    if driver is not None:
        return _stamp_row(driver["count"][key].first(params))
    return db.session.connection().execute(_COUNT_STAMP[key], params).first()


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
        verdicts.counted_verdict(found, counted, client, current_app.config)
    elif found.stamp is not None:
        found.verdict = Verdict.VOID if found.stamp.state is StampState.VOID else Verdict.SUSPICIOUS
    verdicts.settle(found, verdicts.province_date(now))
    found.scan_id = _insert_scan(
        at=now,
        stamp_id=found.stamp.id if found.stamp is not None else None,
        producer_id=found.product.producer_id if found.product is not None else None,
        gtin=found.gtin,
        lot=found.lot,
        serial=found.serial,
        verdict=found.verdict,
        reason=_scan_reason(found),
        client_family=family,
        client_hash=client,
    )
    return found


def _insert_scan(**values) -> int:
    driver = _driver_statements(db.engine.dialect.name)
    if driver is not None:
        # psycopg writes an Enum by its name: the column holds the value.
        return driver["insert"].first(values | {"verdict": values["verdict"].value})[0]
    return db.session.connection().execute(_INSERT_SCAN, values).scalar_one()


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


# --- the place a consumer agreed to share --------------------------------------------------


@functools.lru_cache(maxsize=4)
def _token_key(secret: str) -> bytes:
    return hashlib.sha256(b"scan-place:" + secret.encode()).digest()


@functools.lru_cache(maxsize=4)
def _signer_for(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt="scan-place")


def _token_mac(scan_id: str) -> str:
    key = _token_key(current_app.config["SECRET_KEY"])
    mac = hmac.new(key, scan_id.encode(), hashlib.sha256).digest()[:12]
    return base64.urlsafe_b64encode(mac).decode()


def scan_token(scan_id: int) -> str:
    """A signed reference to one scan, so only the page that made it can add its place: the id
    and 96 bits of an HMAC of it (itsdangerous's signer took 3 % of the stamp page)."""
    return f"{scan_id}.{_token_mac(str(scan_id))}"


def scan_from_token(token: str) -> int:
    scan_id, _, mac = token.partition(".")
    if scan_id.isdigit():
        if hmac.compare_digest(mac, _token_mac(scan_id)):
            return int(scan_id)
        raise NotFound(_l("Not found."))
    try:  # a page served before tokens were plain HMACs (its payload is base64, never digits)
        return int(_signer_for(current_app.config["SECRET_KEY"]).loads(token))
    except (BadSignature, TypeError, ValueError):
        raise NotFound(_l("Not found.")) from None


def coarse(value: float) -> float:
    """Round a coordinate to 0.1° (about 11 km): a district, never a house."""
    return round(value, 1)


PLACE_UNREADABLE = _l("The place could not be read.")


def share_place(scan_id: int, lat: float, lon: float) -> Scan:
    """Attach the coarse place a consumer agreed to share to their scan (once)."""
    errors = FieldErrors()
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):  # also refuses NaN
        errors.add("lat", PLACE_UNREADABLE)
    errors.raise_if_any()
    scan = db.session.get(Scan, scan_id)
    if scan is None:
        raise NotFound(_l("Not found."))
    if scan.place_at is not None:
        raise Conflict(_l("The place of this scan was already shared."))
    scan.lat, scan.lon, scan.place_at = coarse(lat), coarse(lon), utcnow()
    db.session.flush()
    return scan


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


@dataclass(frozen=True)
class TypedCheck:
    """What a typed serial found: its stamps, or a miss (and whether this client is probing)."""

    matches: list[TypedMatch] = field(default_factory=list)
    missed: bool = False
    probing: bool = False


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


def check_typed_serial(
    serial: str, gtin: str = "", *, ip: str | None, user_agent: str, count_miss: bool
) -> TypedCheck:
    """The stamps a serial typed by hand (and optionally the product's GTIN) may name.

    Serials are unique per GTIN only: more than one match means the consumer must say which
    product it is on. A miss, when `count_miss`, is stored as a scan of an unissued serial, so
    it counts toward probing. Raises ``ValidationFailed`` for text that cannot be a serial or
    a GTIN.
    """
    errors = FieldErrors()
    candidates = serial_candidates(serial, errors)
    gtin14 = typed_gtin(gtin, errors)
    errors.raise_if_any()
    matches = _typed_matches(candidates, gtin14)
    if matches or not count_miss:
        return TypedCheck(matches, missed=not matches)
    record_typed_miss(serial, gtin14, ip=ip, user_agent=user_agent)
    return TypedCheck(missed=True, probing=probing(client_hash(ip, user_agent), current_app.config))


def _typed_matches(candidates: list[str], gtin14: str | None) -> list[TypedMatch]:
    """`serial IN (candidates)`: one probe of the serial's (or the GTIN's) index per candidate."""
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
        product = cards.product_card(row.gtin)
        matches.append(
            TypedMatch(row.gtin, row.lot_code, row.serial, product.name if product else None)
        )
    return matches


def record_typed_miss(serial: str, gtin: str | None, *, ip: str | None, user_agent: str) -> None:
    """A typed serial that names no stamp counts as a scan of an unissued serial (probing)."""
    product = cards.product_card(gtin) if gtin else None
    family = client_family(user_agent)
    _insert_scan(
        at=utcnow(),
        stamp_id=None,
        producer_id=product.producer_id if product is not None else None,
        gtin=gtin or "",
        lot=None,
        serial="".join(c for c in serial if c not in _TYPED_SEPARATORS)[:20],
        verdict=Verdict.NOT_ISSUED,
        reason="serial",
        client_family=family,
        client_hash=_hash_client(ip, family),
    )
