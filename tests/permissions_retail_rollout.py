"""Permission-table rows for the retail rollout routes.

Format: tests/retail/test_retail_permissions.py.

`setup(world)` makes the rows these URLs need and returns their placeholders ({name: value}).
The officer's day is the officers' page (staff are sent on to the roll-out table); a ward page
is open to staff and to the ward's officers, another ward's officer gets 404; only staff assign
officers and change the criterion.
"""

STAFF_PAGE = {"anon": 302, "staff": 200, "admin": 200, "*": 403}
STAFF_POST = {"anon": 302, "staff": 302, "admin": 302, "*": 403}
WARD_PAGE = {"anon": 302, "producer": 403, "officer_b": 404, "*": 200}

PAGES: list = [  # (method, url, {role: status})
    (
        "GET",
        "/retail",
        {"anon": 302, "producer": 403, "officer": 200, "officer_b": 200, "*": 302},
    ),
    ("GET", "/retail/wards", STAFF_PAGE),
    ("GET", "/retail/wards/{ward}", WARD_PAGE),
    ("GET", "/retail/wards/{other_ward}", {**WARD_PAGE, "officer": 404, "officer_b": 200}),
    ("POST", "/retail/wards/{ward}/officers", STAFF_POST),
    ("POST", "/retail/wards/{ward}/officers/{ward_officer}/remove", STAFF_POST),
    ("GET", "/staff/rollout/criterion", STAFF_PAGE),
    ("POST", "/staff/rollout/criterion", STAFF_PAGE),  # an empty form: its errors, shown
]

API_READ = {"anon": 401, "producer": 403, "*": 200}
APIS: list = [  # (method, url, json body or None, {role: status})
    ("GET", "/api/v1/rollout/criterion", None, API_READ),
    (
        "PUT",
        "/api/v1/rollout/criterion",
        {"min_shops": 20, "min_share_percent": None},
        {"anon": 401, "staff": 200, "admin": 200, "*": 403},
    ),
    ("GET", "/api/v1/rollout/wards", None, API_READ),
    ("GET", "/api/v1/rollout/wards/{ward}", None, {**API_READ, "officer_b": 404}),
    (
        "GET",
        "/api/v1/rollout/wards/{other_ward}",
        None,
        {**API_READ, "officer": 404, "officer_b": 200},
    ),
]


def setup(world) -> dict:
    return {"ward_officer": world.users["officer"].id}
