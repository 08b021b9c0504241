"""Fields only staff may read are hidden by core.access, not by the schemas that dump them."""

from types import SimpleNamespace

from core import access
from core.accounts.models import Role, User


def _row():
    return SimpleNamespace(staff_only_fields=("contact",), contact="0909", message="Tem giả")


def test_a_producer_sees_staff_only_fields_as_none_and_the_rest_as_is():
    seen = access.for_viewer(_row(), User(role=Role.PRODUCER, producer_id=1))
    assert (seen.contact, seen.message) == (None, "Tem giả")


def test_staff_see_the_row_itself():
    row = _row()
    assert access.for_viewer(row, User(role=Role.STAFF)) is row


def test_a_row_without_staff_only_fields_is_passed_through():
    row = SimpleNamespace(message="x")
    assert access.for_viewer(row, User(role=Role.PRODUCER, producer_id=1)) is row


def test_no_schema_module_reads_the_request_user():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    for path in [*root.glob("traceability/**/schemas.py"), *root.glob("core/**/schemas.py")]:
        text = path.read_text(encoding="utf-8")
        assert "api_user" not in text and "from flask import g" not in text, path
