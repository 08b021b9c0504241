"""Permission-table rows for the retail imports routes.

Format: tests/retail/test_retail_permissions.py.

`setup(world)` makes the rows these URLs need and returns their placeholders ({name: value}):
{import} is an import made by the officer of the world's ward. An import belongs to whoever made
it: the officer of another ward gets 404, staff and admins see it.
"""

PAGES: list = []  # (method, url, {role: status})
APIS: list = []  # (method, url, json body or None, {role: status})

EVERY_RETAIL_ROLE = {"anon": 302, "producer": 403, "*": 200}
OWN_IMPORT = {
    "anon": 302,
    "producer": 403,
    "officer": 200,
    "officer_b": 404,
    "staff": 200,
    "admin": 200,
}

PAGES += [
    ("GET", "/retail/imports", EVERY_RETAIL_ROLE),
    # An empty form: the page comes back with "choose the file" (422).
    ("POST", "/retail/imports", {"anon": 302, "producer": 403, "*": 422}),
    ("GET", "/retail/imports/template.csv", EVERY_RETAIL_ROLE),
    ("GET", "/retail/imports/template.xlsx", EVERY_RETAIL_ROLE),
    ("GET", "/retail/imports/{import}", OWN_IMPORT),
    ("GET", "/retail/imports/{import}/status", OWN_IMPORT),
    ("GET", "/retail/imports/{import}/report.csv", OWN_IMPORT),
]

# A shop of the world's ward: the officer of another ward has a bad row (422, nothing saved).
ROW = {"name": "Tạp hóa Năm Lành", "ward_code": "26188", "kind": "grocery"}
APIS += [
    (
        "POST",
        "/api/v1/shop-imports/",
        {"rows": [ROW]},
        {"anon": 401, "producer": 403, "officer": 201, "officer_b": 422, "*": 201},
    ),
    (
        "GET",
        "/api/v1/shop-imports/{import}",
        None,
        {"anon": 401, "producer": 403, "officer": 200, "officer_b": 404, "*": 200},
    ),
]


def setup(world) -> dict:
    from retail.shops import imports

    rows = imports.read_items(
        [{"name": "Quầy thuốc Hạnh Phúc", "ward_code": "26188", "kind": "pharmacy"}]
    )
    record = imports.import_now(
        rows, world.users["officer"], filename="shops.csv", only_valid=False, locale="vi"
    )
    return {"import": record.id}
