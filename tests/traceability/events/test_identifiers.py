"""Identifiers: every EPC URN and Digital Link form of one item is one canonical string.

The GS1 keys come from the hash vectors (`epcisDocWithAllGS1Keys.jsonld`): the event-hash
reference implementation's pre-hash string lists the canonical form of every identifier of that
event, so our conversion of each URN must be one of them.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import SHARED
from traceability.events import identifiers
from traceability.events.identifiers import Key, canonical, key_of

HASH_DIR = SHARED / "conformance" / "epcis" / "hash"
ALL_KEYS = HASH_DIR / "examples" / "epcisDocWithAllGS1Keys.jsonld"


def _all_keys_event() -> dict:
    return json.loads(ALL_KEYS.read_text(encoding="utf-8"))["epcisBody"]["eventList"][0]


def _reference_prehash() -> str:
    manifest = json.loads((HASH_DIR / "hash_vectors_manifest.json").read_text(encoding="utf-8"))
    entry = next(f for f in manifest["files"] if f["input"] == ALL_KEYS.name)
    return entry["events"][0]["prehash"]


def _vector_identifiers() -> list[tuple[str, str]]:
    """(field, identifier) of every identifier in the all-keys vector."""
    event = _all_keys_event()
    found = [("epc", uri) for uri in event["epcList"]]
    found += [("epcClass", q["epcClass"]) for q in event["quantityList"]]
    found.append(("id", event["readPoint"]["id"]))
    return found


@pytest.mark.parametrize(("field", "uri"), _vector_identifiers(), ids=lambda v: v)
def test_every_gs1_key_of_the_vectors_becomes_the_reference_digital_link(field, uri):
    """The reference pre-hash names each identifier `field=<canonical>`; ours must be one."""
    listed = re.findall(
        rf"{field}=(https://id\.gs1\.org/.*?)(?=epc=|quantityElement|quantityList|action=|\Z)",
        _reference_prehash(),
    )
    assert canonical(uri) in listed


@pytest.mark.parametrize(("field", "uri"), _vector_identifiers(), ids=lambda v: v)
def test_the_digital_link_of_every_vector_key_is_its_own_canonical_form(field, uri):
    """URN → Digital Link → Digital Link: the canonical form is a fixed point, on any host."""
    dl = canonical(uri)
    assert canonical(dl) == dl
    moved = dl.replace("https://id.gs1.org", "http://127.0.0.1:8000")
    assert canonical(moved) == dl
    assert canonical(dl.replace("https://id.gs1.org", "https://truyxuat.dongnai.gov.vn/x")) == dl


SERIALISED = "https://id.gs1.org/01/08931234000011/21/AB12"


@pytest.mark.parametrize(
    "uri",
    [
        "urn:epc:id:sgtin:8931234.000001.AB12",  # 7-digit company prefix
        "urn:epc:id:sgtin:893123400.0001.AB12",  # 9 digits: same GTIN
        "https://id.gs1.org/01/08931234000011/21/AB12",
        "https://id.gs1.org/01/8931234000011/21/AB12",  # GTIN-13 in the path
        "http://127.0.0.1:8000/01/08931234000011/21/AB12",
        "https://truyxuat.dongnai.gov.vn/01/8931234000011/21/AB12?linkType=gs1:pip",
        "https://truyxuat.dongnai.gov.vn/01/08931234000011/10/L1/21/AB12",  # lot dropped
        "https://example.com/01/08931234000011/22/2A/21/AB12",  # CPV dropped
        "https://example.com/01/08931234000011/21/AB12?17=261231&3103=000195",
        "https://example.com/gtin/08931234000011/ser/AB12",  # convenience alphas
    ],
)
def test_every_form_of_one_item_is_one_canonical_string(uri):
    assert canonical(uri) == SERIALISED
    assert key_of(uri).gtin == "08931234000011"
    assert key_of(uri).serial == "AB12"


def test_a_gtin_8_and_gtin_12_in_a_path_become_14_digits():
    assert canonical("https://id.gs1.org/01/96385074") == "https://id.gs1.org/01/00000096385074"
    assert (
        canonical("https://example.com/01/036000291452/10/X")
        == "https://id.gs1.org/01/00036000291452/10/X"
    )


@pytest.mark.parametrize(
    ("urn", "link", "serial"),
    [
        # TDS escapes / in a URN serial as %2F; Digital Link percent-encodes it the same way.
        ("urn:epc:id:sgtin:8931234.000001.A%2FB", "/21/A%2FB", "A/B"),
        # Characters a URN may carry bare are percent-encoded in the Digital Link.
        ("urn:epc:id:sgtin:8931234.000001.A!(B)*+,:", "/21/A%21%28B%29%2A%2B%2C%3A", "A!(B)*+,:"),
        ("urn:epc:id:sgtin:8931234.000001.A%25B%26C", "/21/A%25B%26C", "A%B&C"),
        # ' ; = need no escape in a Digital Link (GS1 DL Table 7-1), as in the hash vectors.
        ("urn:epc:id:sgtin:8931234.000001.O'B;x=1", "/21/O'B;x=1", "O'B;x=1"),
        ("urn:epc:id:sgtin:8931234.000001.%22%3C%3E%3F", "/21/%22%3C%3E%3F", '"<>?'),
        # A dot in a serial is part of the serial, not a separator.
        ("urn:epc:id:sgtin:8931234.000001.1.5", "/21/1.5", "1.5"),
    ],
)
def test_escaped_serials_decode_and_encode_one_way(urn, link, serial):
    expected = "https://id.gs1.org/01/08931234000011" + link
    assert canonical(urn) == expected
    # The Digital Link with lower-case hex escapes is the same item.
    lower_hex = expected.replace("%2F", "%2f").replace("%3A", "%3a")
    assert canonical(lower_hex) == expected
    assert key_of(urn).serial == serial
    assert key_of(expected).serial == serial


def test_lgtin_class_and_sgtin_pattern():
    assert canonical("urn:epc:class:lgtin:8931234.000001.LOT%2F7") == identifiers.lgtin(
        "08931234000011", "LOT/7"
    )
    assert key_of("urn:epc:class:lgtin:8931234.000001.LOT%2F7") == Key("08931234000011", "LOT/7")
    assert (
        canonical("urn:epc:idpat:sgtin:8931234.000001.*") == "https://id.gs1.org/01/08931234000011"
    )
    assert key_of("urn:epc:idpat:sgtin:8931234.000001.*") == Key("08931234000011")


def test_sgln_without_extension_and_pgln():
    assert canonical("urn:epc:id:sgln:8931234.00001.0") == identifiers.gln("8931234000011")
    assert (
        canonical("urn:epc:id:sgln:8931234.00001.7") == "https://id.gs1.org/414/8931234000011/254/7"
    )
    assert canonical("urn:epc:id:pgln:8931234.00001") == "https://id.gs1.org/417/8931234000011"
    assert key_of("urn:epc:id:sgln:8931234.00001.0") is None


@pytest.mark.parametrize(
    "uri",
    [
        "urn:dongnai-trace:site:12",
        "https://example.com/some/page",
        "urn:epc:id:sgtin:8931234.00001.AB12",  # 12 digits of prefix + item reference, not 13
        "urn:epc:idpat:sgtin:8931234.000001.7",  # a pattern ends with *
        "urn:epc:class:lgtin:8931234.000001.*",
        "https://example.com/01/08931234000011/21/AB12?10=L1",  # a qualifier in the query
        "urn:epc:idpat:sscc:8931234.*",
        "urn:epc:id:gid:95100000.12345.400",
        "urn:epc:id:sgtin:89312.0000001.A",  # company prefix shorter than 6 digits
        "urn:epc:id:sgtin:8931234.000001.a/b",  # TDS: / must be escaped in a URN
        "urn:epc:id:sgtin:8931234.000001.a b",
        "urn:epc:id:sgtin:8931234.000001.Ừ",  # not a GS1 character
        "urn:epc:id:sgtin:8931234.000001.ABCDEFGHIJKLMNOPQRSTU",  # serial over 20 characters
        "urn:epc:id:sgcn:4012345.99999.4A",  # an SGCN serial is digits
        "https://id.gs1.org/01/08931234000012/21/AB12",  # wrong check digit
        "",
    ],
)
def test_anything_else_is_returned_unchanged(uri):
    assert canonical(uri) == uri
    assert key_of(uri) is None


def test_our_builders_give_the_canonical_form():
    for serial in ("S1", "A/B", "O'B", "x%y"):
        built = identifiers.sgtin("08931234000011", serial)
        assert canonical(built) == built
        assert key_of(built).serial == serial
    assert canonical(identifiers.lgtin("08931234000011", "L/1")) == identifiers.lgtin(
        "08931234000011", "L/1"
    )


def test_key_of_a_lot_and_serial_digital_link_keeps_both():
    uri = "http://127.0.0.1:8000/01/08931234000011/10/L1/21/S1?17=261231"
    assert key_of(uri) == Key("08931234000011", "L1", "S1")
    assert key_of("urn:epc:id:sscc:8931234.0000000001") is None
    assert key_of(identifiers.sgtin("08931234000011", "S1")) == Key("08931234000011", None, "S1")


def test_site_identifiers_round_trip():
    assert identifiers.site_id_of(identifiers.site(42)) == 42
    assert identifiers.site_id_of(canonical(identifiers.site(42))) == 42
    assert identifiers.site_id_of("urn:dongnai-trace:site:x") is None
