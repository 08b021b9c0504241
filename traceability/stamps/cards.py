"""What consumers see of a product and its batch: plain-value cards, cached per process.

The stamp page is the hot path and products change rarely, so their cards are cached (and, by
the resolver, the product section rendered from them); stamps, scans and verdicts never are.

Freshness: `card_version` holds one counter, bumped inside every transaction that changes what a
card shows (a product, image, producer, batch, site or ward; a trace event or log record of one of
our batches; a log checkpoint or monitor check), so it moves exactly when such a change commits.
Each process caches the cards at the version it read. The stamp page does not read the version
first: its UPDATE counts the scan only while the version is still the cached one (`is_current`),
and when it is not, the page reads the version (`sync`), which empties the cache, and counts
again. So a stale card never decides a verdict, at no extra round trip on the common path.
`RESOLVER_CACHE_SECONDS` is only a backstop.
"""

from __future__ import annotations

import datetime as dt
import itertools
import time
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import bindparam, event, select, update
from sqlalchemy.orm import Session

from core.extensions import db
from core.wards.models import Ward
from traceability.events.models import EventIdentifier
from traceability.gs1.digital_link import uri_escape
from traceability.ledger.models import LedgerCheck, LedgerCheckpoint, LedgerEntry
from traceability.registry.models import Batch, PortalState, Producer, Product, ProductImage, Site
from traceability.stamps.models import CardVersion, StampOrder


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
    # From the batch's trace events (kept by traceability.events.store): the first event's time
    # and the first shipping's. The journey and the "scanned before shipping" rule read them.
    first_event_at: dt.datetime | None = None
    shipped_at: dt.datetime | None = None


class _Cache:
    """A small per-process cache of cards, emptied when the cards' version changes."""

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


def sync() -> None:
    """Read the cards' version once per page: a change anywhere empties this process's cards."""
    _cards.sync(cards_version())


def cached(key: tuple, load):
    """A value derived from the cards' rows (a batch's journey), cached and emptied with them:
    call it on a page that called `sync` first."""
    return _cards.get(key, load, _card_seconds())


# --- freshness: a version of the cards, bumped by every change to what they show ------------

# Changes to these rows change what a consumer page shows of a product or batch: its card, its
# journey (trace events), or its "origin check" section (log records, checkpoints, checks).
CARD_SOURCES = (
    Product,
    ProductImage,
    Producer,
    Batch,
    Site,
    Ward,
    StampOrder,
    LedgerEntry,
    LedgerCheckpoint,
    LedgerCheck,
)
_version = CardVersion.__table__
_READ_VERSION = select(_version.c.n).where(_version.c.id == 1)
_BUMP_VERSION = update(_version).where(_version.c.id == 1).values(n=_version.c.n + 1)


def is_current():
    """A condition for the hot path's statements: the cards' version is still the cached one."""
    return _READ_VERSION.scalar_subquery() == bindparam("b_cards_version")


def cached_version() -> int | None:
    """The version this process's cards were loaded at, or None before the first `sync`."""
    return _cards.version


def cards_version() -> int | None:
    """The current version of the cards (one indexed read), or None when there is no row."""
    return db.session.connection().execute(_READ_VERSION).scalar()


@event.listens_for(Session, "before_flush")
def _note_card_changes(session: Session, flush_context, instances) -> None:
    """Bump the version in the transaction that makes the change: it then moves exactly when the
    change commits, and not at all when it rolls back. Once per flush that changes a card, not
    once per transaction, so a change after a rolled-back savepoint still bumps it; before the
    flush writes its rows, so every such transaction takes the version's row lock before theirs
    (one order for all, no deadlock between two edits). Such transactions commit one after the
    other from their first card change on: edits are rare and short next to scans, which only
    read the version."""
    for obj in itertools.chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, CARD_SOURCES) or _names_our_batch(obj):
            session.info["cards_changed"] = True
            session.connection().execute(_BUMP_VERSION)
            return


def note_change(session: Session | None = None) -> None:
    """For writes made without the unit of work (bulk statements) that change what a card
    shows: bump the version in this transaction, as a flush of such rows would."""
    session = session or db.session()
    session.info["cards_changed"] = True
    session.connection().execute(_BUMP_VERSION)


def _names_our_batch(obj) -> bool:
    # A trace event about one of our batches changes its journey, first event and shipping
    # time (the store keeps those with a bulk UPDATE, which the session does not see); events
    # about nobody's batch (imports from other systems) leave every card as it is.
    return isinstance(obj, EventIdentifier) and obj.batch_id is not None


@event.listens_for(Session, "after_commit")
def _forget_changed_cards(session: Session) -> None:
    """After a committed change: empty this process's cards at once (others see the version)."""
    if session.info.pop("cards_changed", False):
        _cards.clear()


@event.listens_for(Session, "after_rollback")
def _forget_the_bump(session: Session) -> None:
    session.info.pop("cards_changed", None)


# --- loading the cards ---------------------------------------------------------------------


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
        first_event_at=batch.first_event_at,
        shipped_at=batch.shipped_at,
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
