"""The EPCIS event hash against every vector of the reference implementation.

`shared/conformance/epcis/hash/hash_vectors_manifest.json` lists, for every input document, the
pre-hash string and hash of each event (in document order). Every event of every input is a test
case, JSON-LD and XML alike (the XML ones read through `hash_xml`).

The "ignore fields" vectors (`*IgnoreFields*`) rely on the reference tool's option to leave out
fields a repository adds (its own hash, capture ID); the documents name them in
`…:ignoreFields`. We decided to support it as the `ignore=` keyword, not as standard behaviour:
the test passes the document's list, and a test below shows the fields count without it.
"""

from __future__ import annotations

import hashlib
import json

import pytest

from tests.conftest import SHARED
from traceability.events import hash_xml, hashing, vocabulary

HASH_DIR = SHARED / "conformance" / "epcis" / "hash"
EXAMPLES = HASH_DIR / "examples"


def _manifest() -> dict:
    return json.loads((HASH_DIR / "hash_vectors_manifest.json").read_text(encoding="utf-8"))


def _cases() -> list[pytest.param]:
    cases = []
    for entry in _manifest()["files"]:
        for event in entry["events"]:
            cases.append(
                pytest.param(
                    entry["input"],
                    event["index"],
                    event["prehash"],
                    event["expected_hash"],
                    id=f"{entry['input']}#{event['index']}",
                )
            )
    return cases


def _ignore_fields(document: dict) -> list[str]:
    """The fields a document asks the hash to leave out (`<prefix>:ignoreFields`), if any."""
    holders = [document, document.get("epcisBody", {}).get("queryResults", {})]
    for holder in holders:
        for key, value in holder.items():
            if key.rpartition(":")[2] == "ignoreFields":
                return list(value)
    return []


def _json_events(document: dict) -> list[dict]:
    body = document["epcisBody"]
    if "queryResults" in body:
        return body["queryResults"]["resultsBody"]["eventList"]
    return body.get("eventList") or [body["event"]]


def _prehashes(name: str) -> list[str]:
    path = EXAMPLES / name
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".xml":
        document = hash_xml.read(text)
        return [
            hashing.prehash(event, document.context, ignore=document.ignore_fields)
            for event in document.events
        ]
    document = json.loads(text)
    context, ignore = document.get("@context"), _ignore_fields(document)
    return [hashing.prehash(event, context, ignore=ignore) for event in _json_events(document)]


def test_the_manifest_covers_every_input_file():
    """Every input document in the examples folder has its events in the manifest."""
    listed = {entry["input"] for entry in _manifest()["files"]}
    inputs = {p.name for p in EXAMPLES.iterdir() if p.suffix in (".jsonld", ".xml")}
    # epcisDocHavingEventWithComment.jsonld and the XML ones included: nothing left out.
    assert inputs == listed


@pytest.mark.parametrize(("name", "index", "expected_prehash", "expected_hash"), _cases())
def test_every_vector_event(name, index, expected_prehash, expected_hash):
    prehashes = _prehashes(name)
    assert prehashes[index] == expected_prehash
    assert hashing.hash_of_prehash(prehashes[index]) == expected_hash


@pytest.mark.parametrize("name", sorted({entry["input"] for entry in _manifest()["files"]}))
def test_no_event_more_or_less_than_the_manifest_lists(name):
    entry = next(e for e in _manifest()["files"] if e["input"] == name)
    assert len(_prehashes(name)) == len(entry["events"])


def test_the_events_of_the_expected_equal_document_hash_equal():
    document = json.loads(
        (HASH_DIR / "expected_equal" / "ReferenceEventHashAlgorithm.json").read_text("utf-8")
    )
    hashes = {hashing.event_hash(e, document["@context"]) for e in _json_events(document)}
    assert len(hashes) == 1
    # … and equal to the vector of the same event in the examples.
    entry = next(
        e for e in _manifest()["files"] if e["input"] == "ReferenceEventHashAlgorithm.jsonld"
    )
    assert hashes == {entry["events"][0]["expected_hash"]}


def test_the_ignore_fields_count_without_the_option():
    document = json.loads(
        (EXAMPLES / "epcisDocHavingEventWithIgnoreFields.jsonld").read_text(encoding="utf-8")
    )
    with_fields, without_fields = _json_events(document)
    context = document["@context"]
    assert hashing.event_hash(with_fields, context) != hashing.event_hash(without_fields, context)
    ignore = _ignore_fields(document)
    assert hashing.event_hash(with_fields, context, ignore=ignore) == hashing.event_hash(
        without_fields, context, ignore=ignore
    )


# --- properties the store relies on, on hand-built events ---------------------------------------

GTIN = "08931234000011"
DNT = [{vocabulary.DNT_PREFIX: vocabulary.DNT_NS}]


def _event(**changes) -> dict:
    event = {
        "type": "ObjectEvent",
        "eventTime": "2026-03-01T08:30:00+07:00",
        "eventTimeZoneOffset": "+07:00",
        "epcList": [f"https://id.gs1.org/01/{GTIN}/21/S1", f"https://id.gs1.org/01/{GTIN}/21/S2"],
        "action": "OBSERVE",
        "bizStep": "shipping",
        "disposition": "in_transit",
        "readPoint": {"id": "urn:dongnai-trace:site:7"},
        "dnt:destinationName": "Cửa hàng Biên Hòa",
    }
    event.update(changes)
    return event


def test_the_hash_is_sha256_of_the_prehash():
    text = hashing.prehash(_event(), DNT)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert hashing.event_hash(_event(), DNT) == f"ni:///sha-256;{digest}?ver=CBV2.0"


def test_our_extension_is_written_with_its_namespace():
    text = hashing.prehash(_event(), DNT)
    assert text.endswith(
        "{https://truyxuat.dongnai.gov.vn/epcis/}destinationName=Cửa hàng Biên Hòa"
    )
    # Without the context the prefix is not known: a different string, a different hash.
    assert hashing.event_hash(_event()) != hashing.event_hash(_event(), DNT)


@pytest.mark.parametrize(
    "changes",
    [
        # the same items as EPC URNs, in another order
        {"epcList": ["urn:epc:id:sgtin:8931234.000001.S2", "urn:epc:id:sgtin:8931234.000001.S1"]},
        # the same instant in UTC, with more digits
        {"eventTime": "2026-03-01T01:30:00.000000Z"},
        # CBV values as URIs, CURIEs, EPCIS 1.x URNs
        {
            "bizStep": "https://ref.gs1.org/cbv/BizStep-shipping",
            "disposition": "cbv:Disp-in_transit",
        },
        {"bizStep": "urn:epcglobal:cbv:bizstep:shipping"},
        # what the hash leaves out
        {"eventID": "urn:uuid:3f1c5d2e-1111-4222-8333-444455556666"},
        {"recordTime": "2026-03-02T00:00:00Z"},
        {"errorDeclaration": {"declarationTime": "2026-03-02T00:00:00Z"}},
        {"@context": DNT},
        # members in another order
        {"action": "OBSERVE", "type": "ObjectEvent"},
        # a comment is not content
        {"rdfs:comment": "kiểm tra lại"},
    ],
)
def test_the_same_event_written_differently_hashes_the_same(changes):
    assert hashing.event_hash(_event(**changes), DNT) == hashing.event_hash(_event(), DNT)


def test_other_ways_of_naming_our_namespace_hash_the_same():
    """A term definition object, or the full IRI as the member name, is the same extension."""
    expected = hashing.event_hash(_event(), DNT)
    defined = [{"dnt": {"@id": vocabulary.DNT_NS}}]
    assert hashing.event_hash(_event(), defined) == expected
    event = _event()
    event[vocabulary.DNT_NS + "destinationName"] = event.pop("dnt:destinationName")
    assert hashing.event_hash(event) == expected


@pytest.mark.parametrize(
    "changes",
    [
        {"eventTime": "2026-03-01T08:30:00.001+07:00"},
        {"epcList": [f"https://id.gs1.org/01/{GTIN}/21/S1"]},
        {"bizStep": "receiving"},
        {"readPoint": {"id": "urn:dongnai-trace:site:8"}},
        {"dnt:destinationName": "Cửa hàng Long Khánh"},
        {"dnt:note": "thêm"},
    ],
)
def test_a_different_event_hashes_differently(changes):
    assert hashing.event_hash(_event(**changes), DNT) != hashing.event_hash(_event(), DNT)


@pytest.mark.parametrize(
    ("given", "written"),
    [
        ("2023-02-02T11:04:03.1415Z", "2023-02-02T11:04:03.142Z"),
        ("2023-02-02T11:04:03.1425Z", "2023-02-02T11:04:03.142Z"),  # half to even
        ("2023-02-02T11:04:03.9996Z", "2023-02-02T11:04:04.000Z"),  # carries into the second
        ("2023-12-31T23:59:59.9999-01:00", "2024-01-01T01:00:00.000Z"),
        ("2023-02-02T18:04:03+07:00", "2023-02-02T11:04:03.000Z"),
    ],
)
def test_times_in_utc_with_milliseconds(given, written):
    assert hashing.utc_millis(given) == written


@pytest.mark.parametrize(
    ("quantity", "written"),
    [(10, "10"), (10.0, "10"), ("010.50", "10.5"), ("+3", "3"), (0.25, "0.25")],
)
def test_numbers_without_superfluous_zeros(quantity, written):
    event = _event(
        epcList=[],
        quantityList=[
            {"epcClass": f"https://id.gs1.org/01/{GTIN}/10/L1", "quantity": quantity, "uom": "KGM"}
        ],
    )
    assert f"quantity={written}uom=KGM" in hashing.prehash(event, DNT)


def test_the_prehash_does_not_change_the_event():
    event = _event()
    before = json.dumps(event, sort_keys=True)
    hashing.prehash(event, DNT)
    assert json.dumps(event, sort_keys=True) == before
