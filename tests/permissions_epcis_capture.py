"""Permission-table rows for epcis capture (see tests/test_permissions.py for the format and roles:
anon, owner = producer A, other = producer B, officer, staff, admin).

Placeholders of tests/test_permissions.World ({batch}, {product}, {stamp}, …) and those setup()
returns.

The bodies are whole EPCIS documents about a product of A with a GTIN fixed here (the table
fills placeholders only in a body's top-level strings): A and staff may capture them, B is
refused (403 SecurityException: not its GTIN), officers are refused the registry.
"""

from tests import factories
from traceability.events import identifiers
from traceability.gs1.gtin import check_digit

GTIN = "0893850188888" + str(check_digit("0893850188888"))
CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
EVENT = {
    "type": "ObjectEvent",
    "action": "OBSERVE",
    "eventTime": "2026-11-02T08:00:00.000+07:00",
    "eventTimeZoneOffset": "+07:00",
    "epcList": [identifiers.sgtin(GTIN, "PERM1")],
    "bizStep": "packing",
}
DOCUMENT = {
    "@context": [CONTEXT],
    "type": "EPCISDocument",
    "schemaVersion": "2.0",
    "creationDate": "2026-11-02T09:00:00.000+07:00",
    "epcisBody": {"eventList": [EVENT]},
}

PAGES: list = []  # (method, url, {role: status})

REFUSED = {"anon": 401, "officer": 403}

APIS: list = [  # (method, url, json body or None, {role: status})
    (
        "POST",
        "/api/epcis/capture",
        DOCUMENT,
        {**REFUSED, "owner": 202, "other": 403, "staff": 202, "admin": 202},
    ),
    ("GET", "/api/epcis/capture", None, {**REFUSED, "*": 200}),
    (
        "GET",
        "/api/epcis/capture/{capture_id}",
        None,
        {**REFUSED, "owner": 200, "other": 404, "staff": 200, "admin": 200},
    ),
    (
        "POST",
        "/api/epcis/events",
        {"@context": CONTEXT, **EVENT, "epcList": [identifiers.sgtin(GTIN, "PERM2")]},
        {**REFUSED, "owner": 201, "other": 403, "staff": 201, "admin": 201},
    ),
]


def setup(world) -> dict:
    """A's product with the documents' GTIN, and a capture job of A's."""
    from traceability.events import capture

    factories.product(world.a, world.a_user, gtin=GTIN)
    captured = capture.capture_document(
        {**DOCUMENT, "epcisBody": {"eventList": []}}, world.a_user, "rollback"
    )
    return {"capture_id": captured.job.capture_id}
