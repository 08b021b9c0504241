"""Trace events: EPCIS 2.0 events from every source (the batch pages, CSV uploads, the EPCIS API).

One table holds them all. `document` is the event as EPCIS 2.0 JSON-LD (with its `eventID` and the
`recordTime` we gave it); the columns beside it are what queries filter on, and `event_identifiers`
holds every identifier of every list, in the canonical GS1 Digital Link form
(`traceability.events.identifiers.canonical`), so that an EPC URN and its Digital Link match.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, bool_false, created_at, user_fk
from traceability.stamps.models import bigpk


class TraceEvent(Base):
    owner_column = "producer_id"
    __tablename__ = "trace_events"
    __table_args__ = (
        Index("ix_trace_events_event_time", "event_time", "id"),
        Index("ix_trace_events_record_time", "record_time", "id"),
        Index("ix_trace_events_producer_time", "producer_id", "event_time"),
    )

    id: Mapped[bigpk]
    # The event's eventID as captured, or its hash when it came without one. An error declaration
    # repeats the eventID of the event it declares erroneous, so this is not unique.
    event_id: Mapped[str] = mapped_column(String(400), index=True)
    # ni:///sha-256;…?ver=CBV2.0 (the EPCIS event-hash algorithm).
    event_hash: Mapped[str] = mapped_column(String(100), index=True)
    # What makes a capture idempotent: the hash, marked when the event is an error declaration.
    dedupe_key: Mapped[str] = mapped_column(String(120), unique=True)
    event_type: Mapped[str] = mapped_column(String(30))
    action: Mapped[str | None] = mapped_column(String(10))
    event_time: Mapped[dt.datetime]
    # As captured: "+07:00"
    event_time_offset: Mapped[str] = mapped_column(String(6))
    record_time: Mapped[created_at]
    # Full CBV URIs (https://ref.gs1.org/cbv/BizStep-shipping) or the captured URI.
    biz_step: Mapped[str | None] = mapped_column(String(400), index=True)
    disposition: Mapped[str | None] = mapped_column(String(400))
    read_point: Mapped[str | None] = mapped_column(String(400))
    biz_location: Mapped[str | None] = mapped_column(String(400), index=True)
    # Set on the declared event when an error declaration for it is captured, and on the error
    # declaration itself (it restates the erroneous event): neither is part of a journey.
    erroneous: Mapped[bool_false]
    # The owner: the producer whose GTINs, sites or GLNs the event is about (None: staff imports
    # about nobody registered here).
    producer_id: Mapped[int | None] = mapped_column(
        ForeignKey("producers.id", ondelete="CASCADE"), index=True
    )
    recorded_by_id: Mapped[user_fk]
    # "page", "csv", "api", "demo"
    source: Mapped[str] = mapped_column(String(10))
    capture_pk: Mapped[int | None] = mapped_column(
        ForeignKey("epcis_captures.id", ondelete="SET NULL")
    )
    document: Mapped[dict] = mapped_column(JSON)
    # The capturing document's extra @context entries (prefix → namespace), for CURIEs.
    context: Mapped[list] = mapped_column(JSON, default=list)

    identifiers: Mapped[list[EventIdentifier]] = relationship(
        back_populates="event", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<TraceEvent {self.event_type} {self.biz_step} {self.event_time}>"


class EventIdentifier(Base):
    """One identifier of one event's lists (what MATCH_epc, MATCH_epcClass, … look up)."""

    __tablename__ = "event_identifiers"
    __table_args__ = (
        Index("ix_event_identifiers_identifier", "identifier", "role"),
        Index("ix_event_identifiers_batch", "batch_id", "event_pk"),
    )

    id: Mapped[bigpk]
    event_pk: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("trace_events.id", ondelete="CASCADE"), index=True
    )
    # epc, parent, child, input, output (instances); quantity, child_quantity, input_quantity,
    # output_quantity (classes, with a quantity list's epcClass)
    role: Mapped[str] = mapped_column(String(16))
    identifier: Mapped[str] = mapped_column(String(400))
    gtin: Mapped[str | None] = mapped_column(String(14), index=True)
    lot: Mapped[str | None] = mapped_column(String(20))
    serial: Mapped[str | None] = mapped_column(String(20))
    # The batch the identifier names here (a lot, or a stamp's serial), when it is ours.
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id", ondelete="SET NULL"))

    event: Mapped[TraceEvent] = relationship(back_populates="identifiers")


class Capture(Base):
    """One capture job of POST /api/epcis/capture (the captureID of its Location)."""

    __tablename__ = "epcis_captures"

    id: Mapped[int] = mapped_column(primary_key=True)
    capture_id: Mapped[str] = mapped_column(String(36), unique=True)
    created_at: Mapped[created_at]
    finished_at: Mapped[dt.datetime | None]
    running: Mapped[bool_false]
    success: Mapped[bool | None]
    # "rollback" or "proceed" (GS1-Capture-Error-Behaviour)
    error_behaviour: Mapped[str] = mapped_column(String(10))
    # [{"type": "...Exception", "title": ..., "detail": ..., "instance": path}, …]
    errors: Mapped[list] = mapped_column(JSON, default=list)
    event_count: Mapped[int] = mapped_column(default=0)
    stored_count: Mapped[int] = mapped_column(default=0)
    duplicate_count: Mapped[int] = mapped_column(default=0)
    user_id: Mapped[user_fk]
    producer_id: Mapped[int | None] = mapped_column(
        ForeignKey("producers.id", ondelete="CASCADE"), index=True
    )
