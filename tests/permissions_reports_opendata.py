"""Who may open the reports' opendata pages and API routes: everyone, without logging in.

Rows for tests/retail/test_retail_permissions.py, in its world (an officer of ward 26188)."""

PUBLIC = {"*": 200}

PAGES: list = [  # (method, url, {role: status})
    ("GET", "/open-data/", PUBLIC),
    ("GET", "/open-data/indicators.csv", PUBLIC),
    ("GET", "/open-data/indicators.json", PUBLIC),
    ("GET", "/open-data/datapackage.json", PUBLIC),
]

APIS: list = [  # (method, url, json body or None, {role: status})
    ("GET", "/api/v1/open-data/indicators", None, PUBLIC),  # no token needed; a token is fine
]


def setup(world) -> dict:
    return {}
