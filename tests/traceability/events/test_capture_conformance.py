"""Every EPCIS document of the conformance set is accepted or refused at the capture endpoint as
`schema_validation_results.txt` labels it (its `2.0.1:` column), with a staff token.

The results file names the documents by their upstream paths; the examples folder holds them
under shorter names: `JSON/<dirs>/<name>` → `examples/gs1_EPCIS/<name>`, and
`openepcis:2.0/EPCIS/JSON/Capture/Documents|Events|Invalid/<name>` → `examples/openepcis/valid/
doc_<name>`, `valid/event_<name>`, `invalid/<name>`. Every example file must be labelled (none is
left untested) and every labelled file that is there is posted.

Documents go to `POST /api/epcis/capture`; single events (`event_*.json`, bare events with their
own `@context`, as the OpenAPI's `POST /events` takes them) go to `POST /api/epcis/events`.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from jsonschema import Draft7Validator
from sqlalchemy import func, select

from core.extensions import db
from tests import factories
from tests.conftest import PROJECT_ROOT, SHARED, missing_shared
from traceability.events import validation
from traceability.events.models import Capture, TraceEvent

EPCIS = SHARED / "conformance" / "epcis"
EXAMPLES = EPCIS / "examples"
RESULTS = EPCIS / "schema_validation_results.txt"
SHARED_SCHEMA = EPCIS / "schema" / "epcis-json-schema-2.0.1.json"
VENDORED = PROJECT_ROOT / "traceability" / "events" / "schema"
OPENEPCIS = "openepcis:2.0/EPCIS/JSON/Capture/"
# The folders whose every file is a capture input (examples/openepcis/query holds queries).
CAPTURE_FOLDERS = ("gs1_EPCIS", "openepcis/valid", "openepcis/invalid")


def local_path(name: str) -> Path | None:
    """Where a document named in the results file is kept under examples/ (None: not here)."""
    if name.startswith("JSON/"):
        return EXAMPLES / "gs1_EPCIS" / Path(name).name
    if name.startswith(OPENEPCIS):
        kind, _, file = name.removeprefix(OPENEPCIS).partition("/")
        folder = {"Documents": ("valid", "doc_"), "Events": ("valid", "event_")}.get(kind)
        if kind == "Invalid":
            folder = ("invalid", "")
        if folder is not None:
            return EXAMPLES / "openepcis" / folder[0] / (folder[1] + file)
    return None


def labels() -> dict[Path, bool]:
    """Each labelled document that is there → whether the 2.0.1 schema accepts it."""
    found = {}
    if not RESULTS.exists():
        return found
    for line in RESULTS.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or "|" not in line:
            continue
        name, _dev, ratified = (part.strip() for part in line.split("|", 2))
        path = local_path(name)
        if path is not None and path.exists():
            found[path] = ratified == "2.0.1: valid"
    return found


LABELS = labels()
CASES = sorted(LABELS.items()) or [(RESULTS, None)]


def _id(case) -> str:
    return str(case[0].relative_to(EXAMPLES)) if case[0].is_relative_to(EXAMPLES) else "missing"


def test_every_example_is_labelled_and_posted():
    if not RESULTS.exists():
        missing_shared(RESULTS)
    files = {p for folder in CAPTURE_FOLDERS for p in (EXAMPLES / folder).iterdir() if p.is_file()}
    assert files, "no examples found"
    unlabelled = sorted(str(p.relative_to(EXAMPLES)) for p in files - set(LABELS))
    assert not unlabelled, f"examples the results file does not label: {unlabelled}"
    assert set(LABELS) == files
    # Both kinds are there, or the test proves little.
    assert sum(LABELS.values()) >= 20
    assert len(LABELS) - sum(LABELS.values()) >= 10


def _post(client, token: str, path: Path):
    raw = path.read_bytes()
    doc = json.loads(raw)
    media = "application/ld+json" if path.suffix == ".jsonld" else "application/json"
    single = doc.get("type") not in validation.DOCUMENT_TYPES
    url = "/api/epcis/events" if single else "/api/epcis/capture"
    headers = {"Authorization": f"Bearer {token}"}
    return doc, single, client.post(url, data=raw, content_type=media, headers=headers)


def _events_of(doc: dict) -> list:
    node = doc
    for name in validation.EVENT_LISTS[doc["type"]]:
        node = node[name]
    return node


@pytest.mark.parametrize(("path", "valid"), CASES, ids=[_id(c) for c in CASES])
def test_capture_follows_the_schema_labels(client, app_ctx, path, valid):
    if valid is None:
        missing_shared(RESULTS)
    staff = factories.staff()
    token = factories.token(staff)
    db.session.commit()
    doc, single, response = _post(client, token, path)
    body = response.get_json()
    assert response.headers["GS1-EPCIS-Version"] == "2.0.0"
    stored = db.session.scalar(select(func.count()).select_from(TraceEvent))
    if not valid:
        assert response.status_code == 400, body
        assert response.mimetype == "application/problem+json"
        assert body["type"] == "epcisException:ValidationException"
        assert body["status"] == 400 and body["title"] and body["detail"]
        assert body["instance"].startswith("/"), body  # the JSON path of what failed
        assert all(error["instance"].startswith("/") for error in body["errors"])
        assert stored == 0
        job = db.session.scalar(select(Capture).where(Capture.capture_id == body["captureID"]))
        assert job.success is False and job.running is False and job.stored_count == 0
        return
    if single:
        assert response.status_code == 201, body
        assert response.headers["Location"].startswith("/api/epcis/events/")
        assert stored == 1
        return
    assert response.status_code == 202, body
    job = client.get(response.headers["Location"], headers={"Authorization": f"Bearer {token}"})
    job = job.get_json()
    assert job["success"] is True and job["running"] is False and job["errors"] == []
    events = _events_of(doc)
    assert job["eventCount"] == len(events)
    assert job["storedCount"] + job["duplicateCount"] == len(events)
    assert stored == job["storedCount"] >= 1


def test_vendored_schema_is_the_shared_one():
    if not SHARED_SCHEMA.exists():
        missing_shared(SHARED_SCHEMA)
    vendored = (VENDORED / SHARED_SCHEMA.name).read_bytes()
    assert vendored == SHARED_SCHEMA.read_bytes()
    digest = hashlib.sha256(vendored).hexdigest()
    assert digest in (VENDORED / "SOURCE.txt").read_text(encoding="utf-8")
    assert VENDORED / SHARED_SCHEMA.name == validation.SCHEMA_FILE


def test_format_checks_are_really_made():
    """Without rfc3339-validator and rfc3986-validator jsonschema skips these formats silently."""
    checker = Draft7Validator.FORMAT_CHECKER
    assert "date-time" in checker.checkers and "uri" in checker.checkers
    assert not checker.conforms("22-07-2026", "date-time")
    assert checker.conforms("2026-07-22T06:45:00+02:00", "date-time")
    assert not checker.conforms("materialType", "uri")
    assert checker.conforms("https://example.com/materialType", "uri")
    event = {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "ObjectEvent",
        "action": "OBSERVE",
        "eventTime": "22-07-2026",
        "eventTimeZoneOffset": "+07:00",
        "epcList": [],
        "readPoint": {"id": "not a uri"},
    }
    errors = validation.validate_event(event)
    assert {e["instance"] for e in errors} == {"/eventTime", "/readPoint/id"}
