"""The portal's listing results: checked row by row, all or nothing, audit-logged and recorded in
the origin log, and a second import of the same file changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from core.errors import Forbidden, ValidationFailed
from core.extensions import db
from tests import factories
from traceability.exchange import imports
from traceability.ledger.models import LedgerEntry, LedgerKind
from traceability.registry.models import PortalState


def _entries() -> int:
    return db.session.scalar(
        select(func.count()).select_from(LedgerEntry).where(LedgerEntry.kind == LedgerKind.PRODUCT)
    )


@pytest.fixture
def two(app_ctx):
    producer, owner = factories.producer()
    a = factories.published_product(producer, owner)
    b = factories.published_product(producer, owner)
    return a, b, factories.staff()


def test_a_good_file_sets_the_state_and_appends_a_product_entry_to_the_log(two):
    a, _b, staff = two
    before = _entries()
    data = f"GTIN,state,reference,date\n{a.gtin},listed,TXNG-1,01/10/2026\n".encode()
    report = imports.import_listing(data, staff)
    assert report.saved == 1 and not report.refused
    assert [(r.line, r.status) for r in report.rows] == [(2, "updated")]
    assert a.portal_state is PortalState.LISTED
    assert a.portal_reference == "TXNG-1"
    assert a.portal_state_on == dt.date(2026, 10, 1)
    assert _entries() == before + 1
    entry = db.session.scalars(
        select(LedgerEntry)
        .where(LedgerEntry.product_id == a.id, LedgerEntry.kind == LedgerKind.PRODUCT)
        .order_by(LedgerEntry.id.desc())
    ).first()
    assert entry.content["portal"] == {"state": "listed", "reference": "TXNG-1", "on": "2026-10-01"}


def test_the_same_file_again_changes_nothing_and_says_so(two):
    a, _b, staff = two
    data = f"GTIN,state,reference,date\n{a.gtin},listed,TXNG-1,2026-10-01\n".encode()
    imports.import_listing(data, staff)
    db.session.flush()
    entries = _entries()
    again = imports.import_listing(data, staff)
    assert again.saved == 0
    assert [r.status for r in again.rows] == ["unchanged"]
    assert _entries() == entries


def test_a_file_with_a_bad_row_saves_nothing_and_logs_nothing(two):
    a, b, staff = two
    before = _entries()
    data = (
        "GTIN,state,reference,date\n"
        f"{a.gtin},listed,TXNG-1,01/10/2026\n"
        f"{b.gtin},maybe,,\n"
        "8938501000000,listed,,31/02/2026\n"
    ).encode()
    report = imports.import_listing(data, staff)
    db.session.flush()
    assert report.refused and report.saved == 0
    assert [(r.line, r.status) for r in report.rows] == [
        (2, "updated"),
        (3, "error"),
        (4, "error"),
    ]
    assert {e["field"] for e in report.rows[1].errors} == {"state"}
    assert {e["field"] for e in report.rows[2].errors} >= {"gtin", "date"}
    assert a.portal_state is PortalState.NOT_SUBMITTED
    assert _entries() == before


def test_only_the_good_rows_when_asked(two):
    a, b, staff = two
    data = f"GTIN,state\n{a.gtin},rejected\n{b.gtin},nonsense\n".encode()
    report = imports.import_listing(data, staff, only_valid=True)
    assert report.saved == 1
    assert a.portal_state is PortalState.REJECTED
    assert b.portal_state is PortalState.NOT_SUBMITTED


def test_vietnamese_headers_bom_semicolons_and_portal_words(two):
    a, b, staff = two
    data = (
        "\ufeffMã GTIN;Trạng thái;Mã hồ sơ;Ngày\r\n"
        f"{a.gtin};Đã niêm yết;HS-77;05/11/2026\r\n"
        f"{b.gtin};Bị từ chối;;\r\n"
    ).encode()
    report = imports.import_listing(data, staff)
    assert report.saved == 2
    assert (a.portal_state, a.portal_reference) == (PortalState.LISTED, "HS-77")
    assert b.portal_state is PortalState.REJECTED


def test_the_preview_saves_nothing(two):
    a, _b, staff = two
    data = f"GTIN,state,reference\n{a.gtin},listed,X1\n".encode()
    report = imports.import_listing(data, staff, apply=False)
    assert report.changes == 1 and report.saved == 0
    assert a.portal_state is PortalState.NOT_SUBMITTED


def test_listed_needs_a_reference_and_a_gtin_appears_once(two):
    a, b, staff = two
    data = f"GTIN,state,reference\n{a.gtin},listed,\n{b.gtin},listed,R\n{b.gtin},listed,R\n"
    report = imports.import_listing(data.encode(), staff)
    assert [r.status for r in report.rows] == ["error", "updated", "error"]
    assert report.rows[0].errors[0]["field"] == "reference"
    assert report.rows[2].errors[0]["field"] == "gtin"


def test_an_incomplete_product_cannot_be_marked_submitted(two):
    a, _b, staff = two
    report = imports.import_listing(f"GTIN,state\n{a.gtin},submitted\n".encode(), staff)
    assert report.refused
    assert report.rows[0].errors[0]["field"] == "state"


def test_unknown_columns_refuse_the_file(two):
    _a, _b, staff = two
    with pytest.raises(ValidationFailed) as caught:
        imports.import_listing(b"GTIN,colour\n1,2\n", staff)
    assert "file" in caught.value.errors


def test_only_staff_import(two):
    a, _b, _staff = two
    owner = factories.producer()[1]
    with pytest.raises(Forbidden):
        imports.import_listing(f"GTIN,state\n{a.gtin},listed\n".encode(), owner)
