"""The capture's schema check answers "valid?" with jsonschema-rs and explains refusals with
jsonschema: both must give the same verdict on every conformance document, every event in them,
and broken variants of each, or the fast path would accept what the schema refuses."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from traceability.events import validation

SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "conformance" / "epcis"
FILES = sorted(
    [
        *SHARED.glob("examples/**/*.json"),
        *SHARED.glob("examples/**/*.jsonld"),
        *SHARED.glob("hash/examples/*.jsonld"),
    ]
)


def _load(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return None  # a file that is not JSON is the capture's 400, not a schema question


def _events(doc) -> list:
    if not isinstance(doc, dict):
        return []
    body = doc.get("epcisBody") or {}
    if "eventList" in body:
        return body["eventList"] or []
    results = (body.get("queryResults") or {}).get("resultsBody") or {}
    return results.get("eventList") or []


def _agree(validator, instance) -> tuple[bool, bool]:
    python = not list(validator.iter_errors(instance))
    rust = validation._rust_for(validator).is_valid(instance)
    return python, rust


# Broken variants of a valid event: each must be refused by both engines alike (or accepted by
# both, where the schema allows it).
BREAKS = {
    "date": lambda e: e.update(eventTime="22-07-2026"),
    "offset": lambda e: e.update(eventTimeZoneOffset="+7"),
    "bizstep_word": lambda e: e.update(bizStep="transforming"),
    "disposition_word": lambda e: e.update(disposition="in_transport"),
    "no_action": lambda e: e.pop("action", None),
    "bad_action": lambda e: e.update(action="MOVE"),
    "no_time": lambda e: e.pop("eventTime", None),
    "readpoint_not_uri": lambda e: e.update(readPoint={"id": "not a uri"}),
    "quantity_text": lambda e: e.update(
        quantityList=[{"epcClass": "urn:epc:class:lgtin:4012345.012345.998877", "quantity": "x"}]
    ),
    "quantity_extra": lambda e: e.update(
        quantityList=[{"epcClass": "urn:epc:class:lgtin:4012345.012345.998877", "weight": 2}]
    ),
    "unknown_field": lambda e: e.update(colour="red"),
    "epc_list_not_list": lambda e: e.update(epcList="urn:epc:id:sgtin:0614141.107346.2017"),
}


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(SHARED)) for p in FILES])
def test_both_engines_agree_on_every_document_and_event(path):
    doc = _load(path)
    if doc is None:
        pytest.fail(f"{path} is not JSON")
    python, rust = _agree(validation._validator(), doc)
    assert python == rust, f"document: jsonschema {python}, jsonschema-rs {rust}"
    for i, event in enumerate(_events(doc)):
        kind = event.get("type") if isinstance(event, dict) else None
        validator = validation._event_validator(kind if isinstance(kind, str) else None)
        python, rust = _agree(validator, event)
        assert python == rust, f"event {i}: jsonschema {python}, jsonschema-rs {rust}"
        if not python or not isinstance(event, dict):
            continue
        for name, brk in BREAKS.items():
            broken = copy.deepcopy(event)
            brk(broken)
            python, rust = _agree(validator, broken)
            assert python == rust, f"event {i} {name}: jsonschema {python}, jsonschema-rs {rust}"


def test_the_corpus_is_there_and_has_refusals():
    """The comparison above means something only with many documents, valid and invalid."""
    docs = [d for d in map(_load, FILES) if isinstance(d, dict)]
    verdicts = [not list(validation._validator().iter_errors(d)) for d in docs]
    assert len(docs) >= 60
    assert verdicts.count(False) >= 15 and verdicts.count(True) >= 40
