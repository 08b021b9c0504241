"""Permission-table rows for the stamp pages (see tests/test_permissions.py for the format).

URL placeholders: {order} stamp order id, {stamp} stamp id, {seq} its number in the order,
{report} counterfeit report id, {dl} a stamp's Digital Link path after /01/ (gtin/21/serial),
{report_ref} the report's reference, {scan_token} a signed token for the world's scan,
{batch} producer A's batch of a draft product.
"""

PUBLIC = {"*": 200}

# Producer and staff pages (traceability/stamps/views.py): others' orders are 404, officers 403.
_READ = {"anon": 302, "owner": 200, "other": 404, "officer": 403, "staff": 200, "admin": 200}
_POST = {"anon": 302, "owner": 302, "other": 404, "officer": 403, "staff": 302, "admin": 302}
_CONFLICT = {"anon": 302, "owner": 409, "other": 404, "officer": 403, "staff": 409, "admin": 409}
_LIST = {"anon": 302, "officer": 403, "*": 200}
_STAFF = {"anon": 302, "staff": 200, "admin": 200, "*": 403}

STAMP_PAGES = [
    # The public resolver and consumer pages (traceability/stamps/resolver.py): anyone.
    ("GET", "/.well-known/gs1resolver", PUBLIC),
    ("GET", "/linkset-context.jsonld", PUBLIC),
    ("GET", "/01/{dl}", {"*": 307}),  # no Accept: text/html here, so the GS1 default-link redirect
    ("GET", "/v/01/{dl}", PUBLIC),
    ("GET", "/report/01/{dl}", PUBLIC),
    ("POST", "/report/01/{dl}", PUBLIC),  # an empty form: shown again with its errors
    ("POST", "/scan/{scan_token}/place", {"*": 422}),  # no lat/lon given
    ("GET", "/check", PUBLIC),  # no serial typed yet: the empty form
    ("GET", "/report/status", PUBLIC),  # no reference typed yet: the empty form
    ("GET", "/report/status/{report_ref}", PUBLIC),
    ("GET", "/batches/{batch}/stamps/new", _READ),  # a draft product: the page explains why not
    ("POST", "/batches/{batch}/stamps/new", _CONFLICT),
    ("POST", "/batches/{batch}/stamps/preview.pdf", _CONFLICT),  # a draft: no preview either
    ("GET", "/stamps/orders", _LIST),
    ("GET", "/stamps/orders/{order}", _READ),
    ("GET", "/stamps/orders/{order}/stamps.pdf", _READ),
    ("GET", "/stamps/orders/{order}/stamps.csv", _READ),
    ("GET", "/stamps/orders/{order}/stamps/{seq}.svg", _READ),
    ("GET", "/stamps/orders/{order}/stamps/{seq}.png", _READ),
    ("POST", "/stamps/orders/{order}/activate", _POST),
    ("POST", "/stamps/orders/{order}/void", _POST),  # no reason: the error is flashed
    ("POST", "/stamps/orders/{order}/render", _CONFLICT),  # only a failed render is retried
    ("GET", "/stamps/scans", _LIST),
    ("GET", "/staff/reports", _STAFF),
    ("GET", "/staff/reports/{report}", _STAFF),
    ("POST", "/staff/reports/{report}/state", {"anon": 302, "staff": 302, "admin": 302, "*": 403}),
    ("GET", "/staff/reports/{report}/photo", {"anon": 302, "staff": 404, "admin": 404, "*": 403}),
]
