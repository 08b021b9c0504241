"""Permission-table rows for events pages (see tests/test_permissions.py for the format and roles:
anon, owner = producer A, other = producer B, officer, staff, admin).

Placeholders of tests/test_permissions.World ({batch}, {product}, {stamp}, …) and those setup()
returns.

The batch page and its downloads are the batch's readers' (the owner and staff; another
producer 404, a field officer 403). The two POSTs are sent empty by the table: the page is
shown again with the form's errors (200) to those who may write.
"""

_READ = {"anon": 302, "owner": 200, "other": 404, "officer": 403, "staff": 200, "admin": 200}

PAGES: list = [  # (method, url, {role: status})
    ("GET", "/batches/{batch}", _READ),
    ("POST", "/batches/{batch}/events", _READ),
    ("POST", "/batches/{batch}/events/import", _READ),
    ("GET", "/batches/{batch}/events.jsonld", _READ),
    ("GET", "/products/{product}/events.jsonld", _READ),
    ("GET", "/events/template.csv", {"anon": 302, "officer": 403, "*": 200}),
]

APIS: list = []  # (method, url, json body or None, {role: status})


def setup(world) -> dict:
    return {}
