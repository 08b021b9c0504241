"""The one interface every other system's adapter implements, and what it answers per item.

An adapter is built from one entry of the app config `EXCHANGE_SYSTEMS` (its name and options)
and does three things, each answering one `ItemResult` per item, never a bare bool:

- `export_product(product)`: send what the system keeps about one product;
- `push_events(events)`: send our stored trace events (`TraceEvent` rows);
- `pull_status(products)`: fetch what the system says about our products (listing results, or
  events about their GTINs) and record it here.

Adapters flush and never commit: the caller (the CLI) commits once, then calls `committed()`
for what must wait until the changes are saved (moving a processed file out of an inbox).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

STATUSES = frozenset(
    {"sent", "stored", "duplicate", "updated", "unchanged", "failed", "unsupported"}
)


class AdapterError(ValueError):
    """A system that is not configured, or configured wrongly (an operator's mistake)."""


@dataclass
class ItemResult:
    """What happened to one item: a product (its GTIN), an event (its eventID) or a file row."""

    item: str
    status: str
    detail: str = ""
    reference: str | None = None

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"unknown item status {self.status!r}")

    @property
    def failed(self) -> bool:
        return self.status == "failed"


class Adapter:
    """An adapter to one other system; subclasses override what the system supports."""

    kind: ClassVar[str] = ""

    def __init__(self, name: str, options: Mapping[str, Any]):
        self.name = name
        self.options = dict(options)

    def export_product(self, product) -> list[ItemResult]:
        """Send one product's data."""
        return [ItemResult(product.gtin, "unsupported", f"{self.kind}: no product export")]

    def push_events(self, events) -> list[ItemResult]:
        """Send stored trace events."""
        return [
            ItemResult(event.event_id, "unsupported", f"{self.kind}: no event push")
            for event in events
        ]

    def pull_status(self, products: Iterable) -> list[ItemResult]:
        """Fetch and record what the system says about our products."""
        return [
            ItemResult(product.gtin, "unsupported", f"{self.kind}: nothing to pull")
            for product in products
        ]

    def committed(self) -> None:
        """Called by the caller after its commit: finish what waited for it."""

    def describe(self) -> str:
        """One line for `flask exchange systems` (no secrets)."""
        return self.kind
