"""The producer registry: producers, products and their images, sites, batches."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, Tracked, created_at, intpk, str_short
from core.enums import str_enum

if TYPE_CHECKING:
    from core.wards.models import Ward


class ProducerKind(enum.StrEnum):
    ENTERPRISE = "enterprise"
    COOPERATIVE = "cooperative"
    HOUSEHOLD = "household"


class VerificationState(enum.StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"
    SUSPENDED = "suspended"


class ProductCategory(enum.StrEnum):
    OCOP = "ocop"
    KEY_PRODUCT = "key_product"
    AGRICULTURAL = "agricultural"
    OTHER = "other"


class OcopGroup(enum.StrEnum):
    """The six product groups of Decision 148/QĐ-TTg (2023) on the OCOP programme."""

    FOOD = "food"
    DRINKS = "drinks"
    HERBAL = "herbal"
    HANDICRAFTS = "handicrafts"
    ORNAMENTALS = "ornamentals"
    TOURISM = "tourism"


class IpStatus(enum.StrEnum):
    NONE = "none"
    FILED = "filed"
    PROTECTED = "protected"


class IpKind(enum.StrEnum):
    TRADEMARK = "trademark"
    GEOGRAPHICAL_INDICATION = "geographical_indication"
    COLLECTIVE_MARK = "collective_mark"
    CERTIFICATION_MARK = "certification_mark"


class PortalState(enum.StrEnum):
    """Listing on the national traceability portal (Circular 02/2024/TT-BKHCN)."""

    NOT_SUBMITTED = "not_submitted"
    SUBMITTED = "submitted"
    LISTED = "listed"
    REJECTED = "rejected"


class ReviewState(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    VERIFIED = "verified"
    REJECTED = "rejected"


class SiteKind(enum.StrEnum):
    GROWING_AREA = "growing_area"
    FARMING_AREA = "farming_area"
    PROCESSING = "processing"


# The standards producers commonly declare; free text is allowed for the rest (TCVN/QCVN numbers).
KNOWN_STANDARDS = (
    "VietGAP",
    "GlobalGAP",
    "Organic (TCVN 11041)",
    "HACCP",
    "ISO 22000",
    "ISO 9001",
    "FSSC 22000",
    "Rainforest Alliance",
)


class Producer(Tracked, Base):
    __tablename__ = "producers"
    __table_args__ = (UniqueConstraint("tax_code"),)
    owner_column = "id"

    id: Mapped[intpk]
    legal_name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[ProducerKind] = mapped_column(str_enum(ProducerKind, "producer_kind"))
    tax_code: Mapped[str] = mapped_column(String(14))
    gs1_company_prefix: Mapped[str | None] = mapped_column(String(12))
    gln: Mapped[str | None] = mapped_column(String(13))
    ward_code: Mapped[str] = mapped_column(
        ForeignKey("wards.code", ondelete="RESTRICT"), index=True
    )
    address: Mapped[str] = mapped_column(String(300))
    contact_name: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    website: Mapped[str] = mapped_column(String(200), default="")
    verification_state: Mapped[VerificationState] = mapped_column(
        str_enum(VerificationState, "verification_state"), default=VerificationState.PENDING
    )
    verified_at: Mapped[dt.datetime | None]
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    rejection_reason: Mapped[str] = mapped_column(String(500), default="")

    ward: Mapped[Ward] = relationship(lazy="joined")
    products: Mapped[list[Product]] = relationship(
        back_populates="producer", order_by="Product.name"
    )
    sites: Mapped[list[Site]] = relationship(back_populates="producer", order_by="Site.name")

    @property
    def is_verified(self) -> bool:
        return self.verification_state is VerificationState.VERIFIED

    def __repr__(self) -> str:
        return f"<Producer {self.id} {self.legal_name!r}>"


class Product(Tracked, Base):
    owner_column = "producer_id"
    __tablename__ = "products"
    __table_args__ = (
        UniqueConstraint("gtin"),
        CheckConstraint("ocop_stars IS NULL OR (ocop_stars BETWEEN 3 AND 5)", name="ocop_stars"),
    )

    id: Mapped[intpk]
    producer_id: Mapped[int] = mapped_column(
        ForeignKey("producers.id", ondelete="CASCADE"), index=True
    )
    gtin: Mapped[str] = mapped_column(String(14))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[ProductCategory] = mapped_column(
        str_enum(ProductCategory, "product_category"), default=ProductCategory.AGRICULTURAL
    )
    ocop_group: Mapped[OcopGroup | None] = mapped_column(str_enum(OcopGroup, "ocop_group"))
    ocop_stars: Mapped[int | None]
    ocop_certificate_no: Mapped[str] = mapped_column(String(60), default="")
    ocop_decision_no: Mapped[str] = mapped_column(String(60), default="")
    ocop_valid_from: Mapped[dt.date | None]
    ocop_valid_to: Mapped[dt.date | None]
    standards: Mapped[list] = mapped_column(JSON, default=list)
    ip_status: Mapped[IpStatus] = mapped_column(
        str_enum(IpStatus, "ip_status"), default=IpStatus.NONE
    )
    ip_kind: Mapped[IpKind | None] = mapped_column(str_enum(IpKind, "ip_kind"))
    ip_number: Mapped[str] = mapped_column(String(60), default="")
    portal_state: Mapped[PortalState] = mapped_column(
        str_enum(PortalState, "portal_state"), default=PortalState.NOT_SUBMITTED
    )
    portal_reference: Mapped[str] = mapped_column(String(80), default="")
    portal_state_on: Mapped[dt.date | None]
    review_state: Mapped[ReviewState] = mapped_column(
        str_enum(ReviewState, "review_state"), default=ReviewState.DRAFT
    )
    submitted_at: Mapped[dt.datetime | None]
    reviewed_at: Mapped[dt.datetime | None]
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    rejection_reason: Mapped[str] = mapped_column(String(500), default="")
    # Withdrawn (not deleted) once it has stamps or trace records: hidden from new work, kept for
    # the records that refer to it.
    withdrawn_at: Mapped[dt.datetime | None]

    producer: Mapped[Producer] = relationship(back_populates="products", lazy="joined")
    images: Mapped[list[ProductImage]] = relationship(
        back_populates="product",
        order_by="ProductImage.position",
        cascade="all, delete-orphan",
        lazy="selectin",
    )
    batches: Mapped[list[Batch]] = relationship(
        back_populates="product", order_by="Batch.lot_code.desc()"
    )

    @property
    def is_published(self) -> bool:
        """Shown to consumers: verified by staff and made by a verified producer."""
        return self.review_state is ReviewState.VERIFIED and self.producer.is_verified

    def ocop_expiry(self, today: dt.date, warning_days: int) -> str | None:
        """'expired', 'expiring' (within warning_days) or 'valid' for an OCOP certificate."""
        if self.ocop_valid_to is None:
            return None
        if self.ocop_valid_to < today:
            return "expired"
        if (self.ocop_valid_to - today).days <= warning_days:
            return "expiring"
        return "valid"

    def __repr__(self) -> str:
        return f"<Product {self.gtin} {self.name!r}>"


class ProductImage(Base):
    __tablename__ = "product_images"

    id: Mapped[intpk]
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    # Random key naming the stored files; never derived from the uploaded file name.
    key: Mapped[str] = mapped_column(String(40), unique=True)
    width: Mapped[int]
    height: Mapped[int]
    position: Mapped[int] = mapped_column(default=0)
    alt: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[created_at]

    product: Mapped[Product] = relationship(back_populates="images")


class Site(Tracked, Base):
    owner_column = "producer_id"
    __tablename__ = "sites"
    __table_args__ = (
        CheckConstraint("latitude IS NULL OR (latitude BETWEEN -90 AND 90)", name="latitude"),
        CheckConstraint("longitude IS NULL OR (longitude BETWEEN -180 AND 180)", name="longitude"),
    )

    id: Mapped[intpk]
    producer_id: Mapped[int] = mapped_column(
        ForeignKey("producers.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[SiteKind] = mapped_column(str_enum(SiteKind, "site_kind"))
    planting_area_code: Mapped[str] = mapped_column(String(40), default="")
    ward_code: Mapped[str] = mapped_column(
        ForeignKey("wards.code", ondelete="RESTRICT"), index=True
    )
    address: Mapped[str] = mapped_column(String(300), default="")
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    area_ha: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    crop_or_species: Mapped[str_short] = mapped_column(default="")
    certifications: Mapped[list] = mapped_column(JSON, default=list)
    withdrawn_at: Mapped[dt.datetime | None]

    producer: Mapped[Producer] = relationship(back_populates="sites", lazy="joined")
    ward: Mapped[Ward] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<Site {self.id} {self.name!r}>"


class Batch(Tracked, Base):
    owner_column = "producer_id"
    __tablename__ = "batches"
    __table_args__ = (
        UniqueConstraint("product_id", "lot_code"),
        CheckConstraint("quantity IS NULL OR quantity >= 0", name="quantity"),
    )

    id: Mapped[intpk]
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    # Copied from the product so that every owned table is scoped by the same column.
    producer_id: Mapped[int] = mapped_column(
        ForeignKey("producers.id", ondelete="CASCADE"), index=True
    )
    site_id: Mapped[int | None] = mapped_column(
        ForeignKey("sites.id", ondelete="RESTRICT"), index=True
    )
    # GS1 AI (10): up to 20 characters of GS1 character set 82.
    lot_code: Mapped[str] = mapped_column(String(20))
    produced_on: Mapped[dt.date | None]
    expires_on: Mapped[dt.date | None]
    quantity: Mapped[Decimal | None] = mapped_column(Numeric(14, 3))
    unit: Mapped[str] = mapped_column(String(20), default="kg")
    notes: Mapped[str] = mapped_column(Text, default="")
    withdrawn_at: Mapped[dt.datetime | None]
    # A recall by the Department or the producer: every stamp of the batch says so to consumers.
    recalled_at: Mapped[dt.datetime | None]
    recall_notice: Mapped[str] = mapped_column(String(300), default="", server_default="")
    # Kept by traceability.events.store from the batch's trace events (not erroneous ones): the
    # first event's time and the first shipping event's, read by the consumer page's rules.
    first_event_at: Mapped[dt.datetime | None]
    shipped_at: Mapped[dt.datetime | None]

    product: Mapped[Product] = relationship(back_populates="batches", lazy="joined")
    site: Mapped[Site | None] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<Batch {self.lot_code}>"
