"""Permission-table rows for epcis query (see tests/test_permissions.py for the format and roles:
anon, owner = producer A, other = producer B, officer, staff, admin).

Placeholders of tests/test_permissions.World ({batch}, {product}, {stamp}, …) and those setup()
returns."""

from urllib.parse import quote

PAGES: list = []  # (method, url, {role: status})

# The EPCIS binding answers problem JSON; a query answers 200 with the events the caller may see
# (another producer: none of A's), one event of A's is 404 for B.
EPCIS_READ = {"anon": 401, "officer": 403, "*": 200}
EPCIS_OWNED = {"anon": 401, "owner": 200, "other": 404, "officer": 403, "staff": 200, "admin": 200}
# /api/v1 exports: the normal API error shape, owned rows as everywhere in /api/v1.
EXPORT = EPCIS_OWNED

APIS: list = [  # (method, url, json body or None, {role: status})
    ("GET", "/api/epcis", None, EPCIS_READ),
    ("GET", "/api/epcis/events", None, EPCIS_READ),
    ("GET", "/api/epcis/events/{query_event_id}", None, EPCIS_OWNED),
    ("GET", "/api/epcis/eventTypes", None, EPCIS_READ),
    ("GET", "/api/epcis/eventTypes/{query_event_type}/events", None, EPCIS_READ),
    ("GET", "/api/epcis/epcs/{query_epc}/events", None, EPCIS_READ),
    # Named queries and subscriptions are not offered.
    ("GET", "/api/epcis/queries", None, {"anon": 401, "officer": 403, "*": 501}),
    ("GET", "/api/v1/batches/{batch}/epcis", None, EXPORT),
    ("GET", "/api/v1/products/{product}/epcis", None, EXPORT),
]


def setup(world) -> dict:
    """One event of producer A about its batch (the lot) and a stamped item of it."""
    from traceability.events import identifiers, store

    epc = identifiers.sgtin(world.stamp.gtin, world.stamp.serial)
    event = {
        "type": "ObjectEvent",
        "action": "OBSERVE",
        "eventTime": "2026-11-02T08:00:00.000+07:00",
        "eventTimeZoneOffset": "+07:00",
        "epcList": [epc],
        "quantityList": [{"epcClass": identifiers.lgtin(world.product.gtin, world.batch.lot_code)}],
        "bizStep": "shipping",
        "disposition": "in_transit",
    }
    stored = store.store_event(event, user=world.a_user, source="api", producer_id=world.a.id)
    return {
        "query_event_id": quote(stored.event.event_id, safe=""),
        "query_event_type": "ObjectEvent",
        "query_epc": quote(epc, safe=""),
    }
