"""Identifiers in EPCIS events: EPC URNs and GS1 Digital Link URIs, one canonical form.

The canonical form of an identifier is its GS1 Digital Link URI on id.gs1.org with the GTIN in
14 digits (`https://id.gs1.org/01/08930000000017/21/ABC`), whatever form it was captured in
(`urn:epc:id:sgtin:8930000.000001.ABC`, a Digital Link on another host, …); identifiers that are
neither (a private URI, `urn:epc:id:sgln:…` is converted too) stay as they are. Queries and the
identifier index use only the canonical form, so both forms of the same item match.

Pure functions: no Flask, no database.
"""

from __future__ import annotations

from dataclasses import dataclass

GS1_HOST = "https://id.gs1.org"


@dataclass(frozen=True)
class Key:
    """What an identifier names, when it is a GTIN-based key: a GTIN with a lot or a serial."""

    gtin: str  # 14 digits
    lot: str | None = None
    serial: str | None = None


def canonical(uri: str) -> str:
    """The canonical Digital Link form of an EPC URN, EPC class URN or Digital Link URI."""
    raise NotImplementedError  # hash/identifiers helper


def key_of(uri: str) -> Key | None:
    """The GTIN, lot and serial an identifier names (any form), or None when it names no GTIN."""
    raise NotImplementedError  # hash/identifiers helper


def sgtin(gtin: str, serial: str) -> str:
    """A stamped item's identifier (the canonical form)."""
    return f"{GS1_HOST}/01/{gtin}/21/{serial}"


def lgtin(gtin: str, lot: str) -> str:
    """A batch's class identifier (the canonical form)."""
    return f"{GS1_HOST}/01/{gtin}/10/{lot}"


def gln(number: str) -> str:
    """A location's GLN (AI 414) as a Digital Link."""
    return f"{GS1_HOST}/414/{number}"


# Our sites have no GLN of their own: they are named by a URI in our own namespace, which does not
# change with the service's host name (event hashes include it).
SITE_PREFIX = "urn:dongnai-trace:site:"


def site(site_id: int) -> str:
    return f"{SITE_PREFIX}{site_id}"


def site_id_of(uri: str | None) -> int | None:
    if uri and uri.startswith(SITE_PREFIX) and uri[len(SITE_PREFIX) :].isdigit():
        return int(uri[len(SITE_PREFIX) :])
    return None
