"""Permission-table rows for the retail frameworks routes.

Format: tests/retail/test_retail_permissions.py.

The pages are for Department staff and admins only: officers (of any ward) and producers get
403, anonymous visitors go to the login page. In the API officers read the published versions
(they take the questions offline); only staff and admins publish.

`setup(world)` makes the rows these URLs need and returns their placeholders ({name: value}):
{framework} is the published seed (v1 of "retail-dx"), {framework_draft} a draft of another key.
"""

import json

from retail.assessments import frameworks

STAFF_PAGE = {"anon": 302, "producer": 403, "officer": 403, "officer_b": 403, "*": 200}
STAFF_ACTION = {"anon": 302, "producer": 403, "officer": 403, "officer_b": 403, "*": 302}
READ_API = {"anon": 401, "producer": 403, "*": 200}
PUBLISH_API = {"anon": 401, "producer": 403, "officer": 403, "officer_b": 403, "*": 201}


def seed_document(key: str) -> dict:
    """The project's v1 under another key (a valid document that clashes with nothing)."""
    return json.loads(frameworks.SEED.read_text(encoding="utf-8")) | {"key": key}


PAGES: list = [
    ("GET", "/retail/frameworks", STAFF_PAGE),
    ("GET", "/retail/frameworks/new", STAFF_PAGE),
    ("POST", "/retail/frameworks/new", STAFF_PAGE),  # empty form: shown again with the error
    ("GET", "/retail/frameworks/{framework}", STAFF_PAGE),
    ("GET", "/retail/frameworks/{framework}/document.json", STAFF_PAGE),
    ("GET", "/retail/frameworks/{framework}/preview", STAFF_PAGE),
    ("GET", "/retail/frameworks/{framework_draft}/edit", STAFF_PAGE),
    ("POST", "/retail/frameworks/{framework_draft}/edit", STAFF_PAGE),  # empty: the error shown
    ("GET", "/retail/frameworks/{framework_draft}/publish", STAFF_PAGE),
    ("POST", "/retail/frameworks/{framework_draft}/publish", STAFF_ACTION),
    ("POST", "/retail/frameworks/{framework_draft}/discard", STAFF_ACTION),
    ("POST", "/retail/frameworks/{framework}/new-draft", STAFF_ACTION),
]
APIS: list = [
    ("GET", "/api/v1/frameworks/", None, READ_API),
    ("GET", "/api/v1/frameworks/{framework}", None, READ_API),
    ("POST", "/api/v1/frameworks/", seed_document("permission-table"), PUBLISH_API),
]


def setup(world) -> dict:
    published = frameworks.seed_default()
    draft = frameworks.create_draft(seed_document("permission-draft"), world.users["staff"])
    return {"framework": published.id, "framework_draft": draft.id}
