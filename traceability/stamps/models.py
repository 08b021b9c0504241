"""Stamp orders, stamps, scans and counterfeit reports.

A stamp is one printed QR code: a serial (GS1 AI 21) under a product's GTIN and a batch's lot. The
QR code holds the GS1 Digital Link URI `{BASE_URL}/01/{gtin}/10/{lot}/21/{serial}`; the resolver
finds the stamp by (gtin, serial), which is unique.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Annotated

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, Tracked, bool_false, created_at, intpk, user_fk
from core.enums import str_enum

if TYPE_CHECKING:
    from core.accounts.models import User
    from traceability.registry.models import Batch, Product

# Scans grow without bound: 64-bit keys on PostgreSQL (SQLite's rowid is already 64-bit).
bigpk = Annotated[
    int, mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
]


class RenderState(enum.StrEnum):
    PENDING = "pending"
    RENDERING = "rendering"
    READY = "ready"
    FAILED = "failed"


class StampState(enum.StrEnum):
    ISSUED = "issued"  # printed, not yet released (only when the order asks for activation)
    ACTIVE = "active"
    VOID = "void"


class Verdict(enum.StrEnum):
    GENUINE = "genuine"  # a genuine stamp, scanned for the first time
    SCANNED_BEFORE = "scanned_before"  # genuine, scanned before
    SUSPICIOUS = "suspicious"
    VOID = "void"
    NOT_ISSUED = "not_issued"  # the serial (or lot) was never issued for this product
    PRODUCT = "product"  # no serial in the code: product information, nothing to verify


class Standing(enum.StrEnum):
    """What the consumer page says, worst first (never stored: scans keep a Verdict and reason).

    A page shows the first standing whose fact holds, and names every other bad fact; the good
    ones (scanned before, genuine, product) are shown only when no bad fact holds.
    """

    RECALLED = "recalled"  # the batch is recalled
    CONFIRMED_FAKE = "confirmed_fake"  # the Department confirmed a report: copies are fakes
    VOID = "void"  # the producer cancelled the stamp
    EXPIRED = "expired"  # past the batch's use-by date (in the province's time zone)
    SUSPICIOUS = "suspicious"  # scan patterns, not released, or a serial of another lot
    NOT_ISSUED = "not_issued"
    SCANNED_BEFORE = "scanned_before"
    GENUINE = "genuine"
    PRODUCT = "product"

    @property
    def is_bad(self) -> bool:
        return self not in GOOD_STANDINGS


GOOD_STANDINGS = frozenset({Standing.SCANNED_BEFORE, Standing.GENUINE, Standing.PRODUCT})


class ReportState(enum.StrEnum):
    NEW = "new"
    INVESTIGATING = "investigating"
    CONFIRMED = "confirmed"  # a fake: the stamp is flagged and its scans say so
    DISMISSED = "dismissed"


class StampOrder(Tracked, Base):
    owner_column = "producer_id"
    __tablename__ = "stamp_orders"
    __table_args__ = (
        CheckConstraint("quantity BETWEEN 1 AND 100000", name="quantity"),
        CheckConstraint("rendered_count >= 0", name="rendered_count"),
    )

    id: Mapped[intpk]
    producer_id: Mapped[int] = mapped_column(
        ForeignKey("producers.id", ondelete="CASCADE"), index=True
    )
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="RESTRICT"))
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="RESTRICT"), index=True)
    quantity: Mapped[int]
    activation_required: Mapped[bool_false]
    # The print layout chosen by the producer: kind, rows, cols, size_mm, show_caption.
    layout: Mapped[dict] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(String(200), default="")
    render_state: Mapped[RenderState] = mapped_column(
        str_enum(RenderState, "render_state"), default=RenderState.PENDING
    )
    rendered_count: Mapped[int] = mapped_column(default=0)
    render_error: Mapped[str] = mapped_column(String(500), default="")
    render_started_at: Mapped[dt.datetime | None]
    rendered_at: Mapped[dt.datetime | None]
    # The PDF's file name under STAMP_FOLDER once rendered.
    pdf_key: Mapped[str | None] = mapped_column(String(80))

    product: Mapped[Product] = relationship(lazy="joined")
    batch: Mapped[Batch] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<StampOrder {self.id} x{self.quantity}>"


class Stamp(Base):
    owner_column = "producer_id"
    __tablename__ = "stamps"
    __table_args__ = (
        # The resolver's key, and the guarantee that a serial is issued once per GTIN.
        UniqueConstraint("gtin", "serial"),
        CheckConstraint("scan_count >= 0", name="scan_count"),
        # Print order within the order: "void stamps 101-200 of order 7" names a damaged sheet.
        UniqueConstraint("order_id", "seq"),
        # A consumer typing the serial printed under a torn code does not know the GTIN.
        Index("ix_stamps_serial", "serial"),
    )

    id: Mapped[bigpk]
    order_id: Mapped[int] = mapped_column(ForeignKey("stamp_orders.id", ondelete="CASCADE"))
    producer_id: Mapped[int] = mapped_column(
        ForeignKey("producers.id", ondelete="CASCADE"), index=True
    )
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="RESTRICT"), index=True)
    seq: Mapped[int]
    gtin: Mapped[str] = mapped_column(String(14))
    serial: Mapped[str] = mapped_column(String(20))
    state: Mapped[StampState] = mapped_column(
        str_enum(StampState, "stamp_state"), default=StampState.ACTIVE
    )
    activated_at: Mapped[dt.datetime | None]
    voided_at: Mapped[dt.datetime | None]
    void_reason: Mapped[str] = mapped_column(String(200), default="")
    # Set when the Department confirms a counterfeit report about this stamp.
    flagged: Mapped[bool_false]
    scan_count: Mapped[int] = mapped_column(default=0)
    first_scan_at: Mapped[dt.datetime | None]
    last_scan_at: Mapped[dt.datetime | None]

    order: Mapped[StampOrder] = relationship()
    batch: Mapped[Batch] = relationship()

    def __repr__(self) -> str:
        return f"<Stamp {self.gtin}/{self.serial}>"


class Scan(Base):
    """One view of a consumer page. Never an IP address: a salted hash of it, for rate rules."""

    owner_column = "producer_id"
    __tablename__ = "scans"
    __table_args__ = (
        Index("ix_scans_stamp_id_id", "stamp_id", "id"),
        Index("ix_scans_producer_id_at", "producer_id", "at"),
        Index("ix_scans_client_hash_at", "client_hash", "at"),
    )

    id: Mapped[bigpk]
    at: Mapped[created_at]
    stamp_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("stamps.id", ondelete="CASCADE")
    )
    # The product's producer, when the GTIN is ours (also for unissued serials: a producer sees
    # who probes its codes).
    producer_id: Mapped[int | None] = mapped_column(ForeignKey("producers.id", ondelete="CASCADE"))
    gtin: Mapped[str] = mapped_column(String(14))
    lot: Mapped[str | None] = mapped_column(String(20))
    serial: Mapped[str | None] = mapped_column(String(20))
    verdict: Mapped[Verdict] = mapped_column(str_enum(Verdict, "verdict"))
    reason: Mapped[str | None] = mapped_column(String(40))
    client_family: Mapped[str] = mapped_column(String(20), default="other")
    client_hash: Mapped[str] = mapped_column(String(24))
    # Coarse place (about 11 km), only after the consumer agreed to share it.
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    place_at: Mapped[dt.datetime | None]


class CounterfeitReport(Base):
    owner_column = "producer_id"
    # The consumer gave it for the Department to answer (Decree 13/2023): never to producers.
    staff_only_fields = ("contact",)
    __tablename__ = "counterfeit_reports"
    __table_args__ = (Index("ix_counterfeit_reports_state_id", "state", "id"),)

    id: Mapped[intpk]
    # The public reference printed on the thank-you page; the status page is found by it.
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    at: Mapped[created_at]
    stamp_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("stamps.id", ondelete="SET NULL")
    )
    producer_id: Mapped[int | None] = mapped_column(
        ForeignKey("producers.id", ondelete="CASCADE"), index=True
    )
    gtin: Mapped[str] = mapped_column(String(14))
    lot: Mapped[str | None] = mapped_column(String(20))
    serial: Mapped[str | None] = mapped_column(String(20))
    verdict: Mapped[Verdict | None] = mapped_column(str_enum(Verdict, "verdict"))
    message: Mapped[str] = mapped_column(Text)
    where_bought: Mapped[str] = mapped_column(String(200), default="")
    contact: Mapped[str] = mapped_column(String(120), default="")
    photo_key: Mapped[str | None] = mapped_column(String(80))
    client_hash: Mapped[str] = mapped_column(String(24))
    state: Mapped[ReportState] = mapped_column(
        str_enum(ReportState, "report_state"), default=ReportState.NEW
    )
    staff_note: Mapped[str] = mapped_column(Text, default="")
    handled_by_id: Mapped[user_fk]
    handled_at: Mapped[dt.datetime | None]

    stamp: Mapped[Stamp | None] = relationship()
    handled_by: Mapped[User | None] = relationship()


class CardVersion(Base):
    """One row: a counter bumped inside every transaction that changes what a consumer page
    shows of a product or batch (traceability.stamps.cards). Each web process caches the cards
    at the version it read; the stamp page's UPDATE counts a scan only while the version is still
    that one, so a stale card never decides a verdict (and costs no extra round trip)."""

    __tablename__ = "card_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
