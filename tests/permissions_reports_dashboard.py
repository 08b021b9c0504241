"""Who may open the reports' dashboard pages and API routes.

Rows for tests/retail/test_retail_permissions.py, in its world (an officer of ward 26188).
Staff and admins see the province, officers their wards (another ward's page answers 404),
producers are refused (403) and anonymous users sent to log in. Only staff refresh the figures.
"""

READ = {"anon": 302, "producer": 403, "*": 200}
WARD_PAGE = {"anon": 302, "producer": 403, "officer_b": 404, "*": 200}
OTHER_WARD_PAGE = {**WARD_PAGE, "officer": 404, "officer_b": 200}
STAFF_POST = {"anon": 302, "staff": 302, "admin": 302, "*": 403}

PAGES: list = [  # (method, url, {role: status})
    ("GET", "/reports/", READ),
    ("GET", "/reports/wards/{ward}", WARD_PAGE),
    ("GET", "/reports/wards/{other_ward}", OTHER_WARD_PAGE),
    ("POST", "/reports/refresh", STAFF_POST),
    ("GET", "/reports/export/{dash_table}.{dash_xlsx}", READ),
    ("GET", "/reports/export/{dash_table}.{dash_csv}", READ),
    ("GET", "/reports/export.xlsx", READ),
]
APIS: list = []


def setup(world) -> dict:
    return {"dash_table": "wards", "dash_xlsx": "xlsx", "dash_csv": "csv"}
