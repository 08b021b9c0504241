"""Permission-table rows for the retail assessments routes.

Format: tests/retail/test_retail_permissions.py.

`setup(world)` makes the rows these URLs need and returns their placeholders ({name: value}).
"""

PAGES: list = []  # (method, url, {role: status})
APIS: list = []  # (method, url, json body or None, {role: status})


def setup(world) -> dict:
    return {}
