"""The EPCIS event hash (GS1 CBV 2.0, `ni:///sha-256;…?ver=CBV2.0`). Pure functions."""

from __future__ import annotations


def event_hash(event: dict, context: list | dict | str | None = None) -> str:
    """The hash ID of one EPCIS 2.0 JSON-LD event; `context` is its document's `@context`
    (namespace prefixes of CURIEs and extensions)."""
    raise NotImplementedError  # hash/identifiers helper


def prehash(event: dict, context: list | dict | str | None = None) -> str:
    """The pre-hash string whose SHA-256 is the event hash."""
    raise NotImplementedError  # hash/identifiers helper
