"""Who may open the reports' dashboard pages and API routes.

Rows for tests/retail/test_retail_permissions.py, in its world (an officer of ward 26188)."""

PAGES: list = []
APIS: list = []


def setup(world) -> dict:
    return {}
