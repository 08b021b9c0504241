"""Who may open the reports' targets pages and API routes.

Rows for tests/retail/test_retail_permissions.py, in its world (an officer of ward 26188).
Targets are staff's: officers and producers get 403 on the pages and on the API's target routes;
the definitions, values and snapshot list are read by officers too (values: their wards only).
"""

from decimal import Decimal

STAFF_PAGE = {"anon": 302, "staff": 200, "admin": 200, "*": 403}
STAFF_POST = {"anon": 302, "staff": 302, "admin": 302, "*": 403}
CODE = "portal_listed_share"
SET_YEAR = 2027  # staff set this year's target in setup (a default year has nothing to reset)

PAGES: list = [  # (method, url, {role: status})
    ("GET", "/reports/targets/", STAFF_PAGE),
    ("GET", "/reports/targets/{target_code}/{plan_year}", STAFF_PAGE),
    (
        "POST",
        "/reports/targets/{target_code}/{plan_year}",
        STAFF_PAGE,
    ),  # an empty form: its error, shown
    ("GET", "/reports/targets/{target_code}/add", STAFF_PAGE),
    ("POST", "/reports/targets/{target_code}/add", STAFF_PAGE),  # an empty form: its errors, shown
    ("GET", "/reports/targets/{target_code}/{set_year}/reset", STAFF_PAGE),  # staff set it in setup
    ("POST", "/reports/targets/{target_code}/{set_year}/reset", STAFF_POST),
]

API_READ = {"anon": 401, "producer": 403, "*": 200}
API_STAFF = {"anon": 401, "staff": 200, "admin": 200, "*": 403}
APIS: list = [  # (method, url, json body or None, {role: status})
    ("GET", "/api/v1/indicators", None, API_READ),
    (
        "GET",
        # The province: not an officer's. (Their own ward's values, 200, and another ward's,
        # 404, are in tests/reports/test_indicators_api.py: a row here cannot hold a query.)
        "/api/v1/indicators/values",
        None,
        {**API_READ, "officer": 404, "officer_b": 404},
    ),
    ("GET", "/api/v1/indicators/{target_code}/targets", None, API_STAFF),
    ("PUT", "/api/v1/indicators/{target_code}/targets/{set_year}", {"value": 40.5}, API_STAFF),
    (
        "DELETE",
        "/api/v1/indicators/{target_code}/targets/{set_year}",
        None,
        {"anon": 401, "staff": 204, "admin": 204, "*": 403},
    ),
    ("GET", "/api/v1/indicators/snapshots", None, API_READ),
    (
        "POST",
        "/api/v1/indicators/snapshots",
        {"period": "2026-12"},
        {"anon": 401, "staff": 201, "admin": 201, "*": 403},
    ),
]


def setup(world) -> dict:
    from reports.indicators import targets

    targets.set_target(CODE, SET_YEAR, Decimal("40"), world.users["staff"])
    return {"target_code": CODE, "plan_year": 2026, "set_year": SET_YEAR}
