"""Who may open the reports' annual pages and API routes.

Rows for tests/retail/test_retail_permissions.py, in its world (an officer of ward 26188).
The annual report is the Department's: staff and admins only; officers and producers get 403,
anonymous visitors the login page (pages) or 401 (API). A year before 2025 or one that has not
started answers 404 to those who may see reports.
"""

from core.db import province_today

STAFF_PAGE = {"anon": 302, "staff": 200, "admin": 200, "*": 403}
STAFF_MISSING = {"anon": 302, "staff": 404, "admin": 404, "*": 403}
STAFF_API = {"anon": 401, "staff": 200, "admin": 200, "*": 403}
STAFF_API_MISSING = {"anon": 401, "staff": 404, "admin": 404, "*": 403}

PAGES: list = [  # (method, url, {role: status})
    ("GET", "/reports/annual/", STAFF_PAGE),
    ("GET", "/reports/annual/{year}.xlsx", STAFF_PAGE),
    ("GET", "/reports/annual/{year}.pdf", STAFF_PAGE),
    ("GET", "/reports/annual/{old_year}.xlsx", STAFF_MISSING),
    ("GET", "/reports/annual/{next_year}.pdf", STAFF_MISSING),
]
APIS: list = [  # (method, url, json body or None, {role: status})
    ("GET", "/api/v1/annual-reports/{year}", None, STAFF_API),
    ("GET", "/api/v1/annual-reports/{old_year}", None, STAFF_API_MISSING),
    ("GET", "/api/v1/annual-reports/{next_year}", None, STAFF_API_MISSING),
]


def setup(world) -> dict:
    year = province_today().year
    return {"year": year, "old_year": 2024, "next_year": year + 1}
