"""Adapters to other systems, one module each, behind one interface (`base.Adapter`).

The systems are configured in `EXCHANGE_SYSTEMS` (`{"name": {"adapter": kind, ...options}}`);
`get(name)` builds the adapter of one. Adding a kind of system means writing one module with an
`Adapter` subclass and adding it to `KINDS`.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

from traceability.exchange.adapters.base import Adapter, AdapterError, ItemResult
from traceability.exchange.adapters.epcis_repository import EpcisRepository
from traceability.exchange.adapters.national_portal import NationalPortal

KINDS: dict[str, type[Adapter]] = {
    NationalPortal.kind: NationalPortal,
    EpcisRepository.kind: EpcisRepository,
}

__all__ = ["KINDS", "Adapter", "AdapterError", "ItemResult", "get", "names"]


def systems() -> dict[str, dict]:
    return dict(current_app.config.get("EXCHANGE_SYSTEMS") or {})


def names() -> list[str]:
    """The configured systems, in name order."""
    return sorted(systems())


def get(name: str) -> Adapter:
    """The adapter of one configured system (AdapterError: unknown or misconfigured)."""
    options = systems().get(name)
    if options is None:
        known = ", ".join(names()) or "—"
        raise AdapterError(
            _("No system is called %(name)s (configured: %(known)s).", name=name, known=known)
        )
    kind = options.get("adapter")
    if kind not in KINDS:
        raise AdapterError(
            _(
                "System %(name)s: adapter must be one of %(kinds)s, not %(kind)s.",
                name=name,
                kinds=", ".join(sorted(KINDS)),
                kind=kind,
            )
        )
    return KINDS[kind](name, {k: v for k, v in options.items() if k != "adapter"})
