"""Permission-table rows for the national-portal exchange and the adapters (see
tests/test_permissions.py for the format and roles: anon, owner = producer A, other = producer
B, officer, staff, admin).

Placeholders of tests/test_permissions.World ({batch}, {product}, {stamp}, …) and those setup()
returns."""

PAGES: list = []  # (method, url, {role: status})

APIS: list = []  # (method, url, json body or None, {role: status})


def setup(world) -> dict:
    return {}
