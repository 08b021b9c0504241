"""Permission-table rows for the stamp API (see tests/test_permissions.py for the format).

URL placeholders: {order} producer A's order of 3 stamps for a published product, {stamp} its
first stamp, {report} a counterfeit report about that stamp, {batch} A's batch of a draft product.
No token is 401 everywhere; another producer's records are 404; field officers are 403.
"""

OWNED = {"anon": 401, "owner": 200, "other": 404, "officer": 403, "staff": 200, "admin": 200}
LIST = {"anon": 401, "officer": 403, "*": 200}

STAMP_APIS = [
    ("GET", "/api/v1/stamp-orders/", None, LIST),
    (
        "POST",
        "/api/v1/stamp-orders/",
        {"batch_id": "{batch}", "quantity": 3},
        {"anon": 401, "other": 422, "officer": 403, "*": 409},
    ),  # the product is a draft; B may not use A's batch
    ("GET", "/api/v1/stamp-orders/{order}", None, OWNED),
    ("GET", "/api/v1/stamp-orders/{order}/pdf", None, OWNED),
    ("GET", "/api/v1/stamp-orders/{order}/csv", None, OWNED),
    ("GET", "/api/v1/stamp-orders/{order}/stamps", None, OWNED),
    (
        "POST",
        "/api/v1/stamp-orders/{order}/void",
        {"reason": "Tờ tem in lỗi", "first": 2, "last": 3},
        OWNED,
    ),
    ("POST", "/api/v1/stamp-orders/{order}/activate", {}, OWNED),
    ("GET", "/api/v1/stamps/{stamp}", None, OWNED),
    ("POST", "/api/v1/stamps/{stamp}/void", {"reason": "Tem rách"}, OWNED),
    ("GET", "/api/v1/scans/stats", None, LIST),
    ("GET", "/api/v1/counterfeit-reports/", None, LIST),
    ("GET", "/api/v1/counterfeit-reports/{report}", None, OWNED),
    (
        "PATCH",
        "/api/v1/counterfeit-reports/{report}",
        {"state": "investigating", "note": "Đang xác minh"},
        {"anon": 401, "owner": 403, "other": 404, "officer": 403, "staff": 200, "admin": 200},
    ),
]
