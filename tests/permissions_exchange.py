"""Permission-table rows for the national-portal exchange and the adapters (see
tests/test_permissions.py for the format and roles: anon, owner = producer A, other = producer
B, officer, staff, admin).

Placeholders of tests/test_permissions.World ({batch}, {product}, {stamp}, …) and those setup()
returns.

A product's ten-item check and downloads are its readers' (the owner and staff; another producer
404, a field officer 403); the portal page, its bulk export and the listing-result upload are
staff's. The table posts the upload empty: the page is shown again with the form's error (200);
an empty confirmation is sent back to the portal page (302). The API's upload without a file is
422 for staff (the error shape names the field).
"""

_READ = {"anon": 302, "owner": 200, "other": 404, "officer": 403, "staff": 200, "admin": 200}
_STAFF = {"anon": 302, "staff": 200, "admin": 200, "*": 403}
_API_READ = {"anon": 401, "owner": 200, "other": 404, "officer": 403, "staff": 200, "admin": 200}

PAGES: list = [  # (method, url, {role: status})
    ("GET", "/products/{product}/portal", _READ),
    ("GET", "/products/{product}/portal.json", _READ),
    ("GET", "/products/{product}/portal.csv", _READ),
    ("GET", "/products/{product}/portal.jsonld", _READ),
    ("GET", "/staff/portal/", _STAFF),
    ("GET", "/staff/portal/export.zip", _STAFF),
    ("POST", "/staff/portal/listing-results", _STAFF),
    (
        "POST",
        "/staff/portal/listing-results/confirm",
        {"anon": 302, "staff": 302, "admin": 302, "*": 403},
    ),
]

APIS: list = [  # (method, url, json body or None, {role: status})
    ("GET", "/api/v1/products/{product}/portal-export", None, _API_READ),
    ("GET", "/api/v1/products/{product}/portal-export?format=csv", None, _API_READ),
    ("GET", "/api/v1/products/{product}/portal-export?format=epcis", None, _API_READ),
    ("GET", "/api/v1/products/{product}/portal-check", None, _API_READ),
    (
        "POST",
        "/api/v1/portal/listing-results",
        None,
        {"anon": 401, "staff": 422, "admin": 422, "*": 403},
    ),
]


def setup(world) -> dict:
    return {}
