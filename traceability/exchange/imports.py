"""The national portal's listing results from a CSV file: one row per product (GTIN, state,
reference, date), which sets each product's portal state through the registry's service
(`services.set_portal_status`: audit-logged, and the origin log records the change on flush).

The same row-report rules as the other imports (`traceability.events.imports`): columns are found
by their header (Vietnamese or English, case, spaces and diacritics do not matter), UTF-8 with or
without a BOM, `,`, `;` or a tab as separator; every row is checked before anything is saved, and
the report names each row (numbered as in the spreadsheet, header = row 1), what is wrong and how
to fix it. A file with any bad row saves nothing unless only the good rows are asked for. A row
that says what the product already has is "unchanged", so importing a file again changes nothing.
The portal's words for its states are mapped to ours: listed, rejected, submitted.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from contextlib import suppress
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core import access
from core.db import province_today
from core.errors import DomainError, FieldError, ValidationFailed
from core.extensions import db
from traceability.events.imports import parse_date
from traceability.events.recording import fold
from traceability.exchange import items as ten
from traceability.registry import rules, services
from traceability.registry.models import PortalState, Product

COLUMNS = ("gtin", "state", "reference", "date")
REQUIRED_COLUMNS = ("gtin", "state")
MAX_ROWS = 5000
REFERENCE_MAX = 80

# Header words (folded: lower case, no diacritics, no spaces) → our column.
HEADERS = {
    "gtin": "gtin",
    "magtin": "gtin",
    "masanpham": "gtin",
    "mavach": "gtin",
    "state": "state",
    "status": "state",
    "trangthai": "state",
    "reference": "reference",
    "ref": "reference",
    "mathamchieu": "reference",
    "sothamchieu": "reference",
    "mahoso": "reference",
    "sohoso": "reference",
    "date": "date",
    "ngay": "date",
    "ngaycapnhat": "date",
    "ngayduyet": "date",
}
# The portal's words for a product's state (folded) → ours.
STATES = {
    "listed": PortalState.LISTED,
    "approved": PortalState.LISTED,
    "published": PortalState.LISTED,
    "daniemyet": PortalState.LISTED,
    "niemyet": PortalState.LISTED,
    "dacongbo": PortalState.LISTED,
    "daduyet": PortalState.LISTED,
    "duocduyet": PortalState.LISTED,
    "rejected": PortalState.REJECTED,
    "tuchoi": PortalState.REJECTED,
    "bituchoi": PortalState.REJECTED,
    "khongduyet": PortalState.REJECTED,
    "submitted": PortalState.SUBMITTED,
    "pending": PortalState.SUBMITTED,
    "dagui": PortalState.SUBMITTED,
    "danggui": PortalState.SUBMITTED,
    "choduyet": PortalState.SUBMITTED,
    "dangxuly": PortalState.SUBMITTED,
    "dangxetduyet": PortalState.SUBMITTED,
}

UPDATED, UNCHANGED, ERROR = "updated", "unchanged", "error"


@dataclass
class ListingRow:
    """One row of the file and what became of it."""

    line: int
    gtin: str
    status: str = UPDATED  # updated (or, in a preview, would be), unchanged, error
    errors: list[dict] = field(default_factory=list)  # {"field", "reason"}
    product_id: int | None = None
    state: PortalState | None = None
    reference: str = ""
    on: dt.date | None = None

    def as_dict(self) -> dict:
        return {
            "line": self.line,
            "gtin": self.gtin,
            "status": self.status,
            "errors": self.errors,
        }


@dataclass
class ListingReport:
    """What an import found and did; `saved` counts the products changed."""

    rows: list[ListingRow] = field(default_factory=list)
    saved: int = 0
    refused: bool = False
    applied: bool = False

    @property
    def bad_rows(self) -> int:
        return sum(1 for row in self.rows if row.status == ERROR)

    @property
    def changes(self) -> int:
        return sum(1 for row in self.rows if row.status == UPDATED)

    @property
    def unchanged(self) -> int:
        return sum(1 for row in self.rows if row.status == UNCHANGED)

    def as_dict(self) -> dict:
        return {
            "total": len(self.rows),
            "saved": self.saved,
            "changes": self.changes,
            "unchanged": self.unchanged,
            "bad_rows": self.bad_rows,
            "refused": self.refused,
            "rows": [row.as_dict() for row in self.rows],
        }


class ListingRefused(DomainError):
    """Bad rows and no `only_valid`: nothing was saved; the row report is in the error's body."""

    status = 422

    def __init__(self, report: ListingReport):
        from flask_babel import ngettext

        super().__init__(
            ngettext(
                "Nothing was imported: %(num)s row has a problem.",
                "Nothing was imported: %(num)s rows have problems.",
                report.bad_rows,
            )
        )
        self.report = report

    @property
    def errors(self) -> dict:
        return {"rows": [row.as_dict() for row in self.report.rows if row.status == ERROR]}


def _file_error(*messages) -> ValidationFailed:
    return ValidationFailed({"file": list(messages)})


# --- reading -------------------------------------------------------------------------------


def read(data: bytes) -> list[tuple[int, dict[str, str]]]:
    """(spreadsheet row number, {column: text}) of every non-blank data row."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _file_error(
            _l(
                "This file is not UTF-8 text, so its Vietnamese letters would be lost. In Excel "
                "choose File → Save As → “CSV UTF-8”."
            )
        ) from None
    first = text.split("\n", 1)[0]
    separator = max((",", ";", "\t"), key=first.count)
    try:
        lines = list(enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=separator), 1))
    except csv.Error:
        raise _file_error(
            _l("The file cannot be read as CSV: check its quotation marks, or save it again.")
        ) from None
    if not lines or not any(cell.strip() for cell in lines[0][1]):
        raise _file_error(
            _l("The file is empty: row 1 must name the columns GTIN, state, reference, date.")
        )
    columns = _columns(lines[0][1])
    rows = []
    for number, cells in lines[1:]:
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) == MAX_ROWS:
            raise _file_error(
                _l("The file has more than %(n)s rows: split it into smaller files.", n=MAX_ROWS)
            )
        row = {c: " ".join(cell.split()) for c, cell in zip(columns, cells, strict=False) if c}
        if len(cells) > len(columns) and any(cell.strip() for cell in cells[len(columns) :]):
            row[""] = "extra"
        rows.append((number, row))
    if not rows:
        raise _file_error(_l("The file has no rows under the header: add one row per product."))
    return rows


def _columns(header: list[str]) -> list[str | None]:
    columns: list[str | None] = []
    unknown, repeated = [], []
    for name in header:
        column = HEADERS.get(fold(name)) if name.strip() else None
        if name.strip() and column is None:
            unknown.append(name.strip()[:40])
        elif column is not None and column in columns:
            repeated.append(name.strip())
        columns.append(column)
    errors = []
    if unknown:
        errors.append(
            _l(
                "Unknown columns: %(names)s. Row 1 may name only these columns: GTIN, state "
                "(trạng thái), reference (mã hồ sơ), date (ngày).",
                names=", ".join(unknown[:10]),
            )
        )
    if repeated:
        errors.append(
            _l(
                "These columns appear twice: %(names)s. Keep one of each.",
                names=", ".join(repeated),
            )
        )
    missing = [column for column in REQUIRED_COLUMNS if column not in columns]
    if missing:
        errors.append(
            _l(
                "The file has no column %(names)s: row 1 must name the columns GTIN, state, "
                "reference, date.",
                names=", ".join(missing),
            )
        )
    if errors:
        raise _file_error(*errors)
    return columns


# --- checking ------------------------------------------------------------------------------


def parse_state(text: str) -> PortalState:
    state = STATES.get(fold(text))
    if state is None:
        raise FieldError(
            _l("Unknown state. Write one of: listed (đã niêm yết), rejected (từ chối), submitted.")
        )
    return state


def _check_row(number: int, cells: dict[str, str], products: dict[str, Product], seen: dict):
    gtin_text = cells.get("gtin", "")
    row = ListingRow(number, gtin_text)

    def problem(column: str, reason) -> None:
        row.errors.append({"field": column, "reason": str(reason)})

    if cells.get("") == "extra":
        problem(
            "",
            _l(
                "This row has more cells than row 1 has columns: a cell that contains the "
                "separator (a comma or a semicolon) must be put in quotation marks."
            ),
        )
    product = None
    try:
        row.gtin = rules.clean_gtin(gtin_text)
    except FieldError as exc:
        problem("gtin", exc.args[0])
    else:
        product = products.get(row.gtin)
        if product is None:
            problem("gtin", _l("No product of ours has this GTIN: check the number."))
        elif row.gtin in seen:
            problem(
                "gtin",
                _l(
                    "This GTIN is already on row %(row)s: keep one row per product.",
                    row=seen[row.gtin],
                ),
            )
        else:
            seen[row.gtin] = number
    try:
        row.state = parse_state(cells.get("state", ""))
    except FieldError as exc:
        problem("state", exc.args[0])
    row.reference = cells.get("reference", "")
    if len(row.reference) > REFERENCE_MAX:
        problem("reference", _l("The reference is longer than %(n)s characters.", n=REFERENCE_MAX))
    elif row.state is PortalState.LISTED and not row.reference:
        problem("reference", _l("Enter the portal's reference for a listed product."))
    if cells.get("date"):
        try:
            row.on = parse_date(cells["date"])
        except FieldError as exc:
            problem("date", exc.args[0])
        else:
            if row.on > province_today():
                problem("date", _l("The date cannot be in the future."))
    if product is not None and not row.errors:
        row.product_id = product.id
        if row.state is PortalState.SUBMITTED and product.portal_state is not PortalState.SUBMITTED:
            missing = ten.missing_items(product)
            if missing:
                problem(
                    "state",
                    _l(
                        "This product cannot be submitted yet, items are missing: %(items)s.",
                        items=", ".join(str(m.label) for m in missing),
                    ),
                )
        if not row.errors and (
            product.portal_state is row.state
            and (product.portal_reference or "") == row.reference
            and (row.on is None or product.portal_state_on == row.on)
        ):
            row.status = UNCHANGED
    if row.errors:
        row.status = ERROR
    return row


def check(rows: list[tuple[int, dict[str, str]]]) -> ListingReport:
    """Parse and check every row; writes nothing."""
    wanted = set()
    for _number, cells in rows:
        with suppress(FieldError):
            wanted.add(rules.clean_gtin(cells.get("gtin", "")))
    products = {
        p.gtin: p for p in db.session.scalars(select(Product).where(Product.gtin.in_(wanted)))
    }
    seen: dict[str, int] = {}
    return ListingReport(rows=[_check_row(n, cells, products, seen) for n, cells in rows])


# --- saving --------------------------------------------------------------------------------


def import_listing(
    data: bytes, actor, *, only_valid: bool = False, apply: bool = True
) -> ListingReport:
    """Read and check every row, then (with `apply`) set the portal state of the products that
    change, unless a bad row refuses the file. Flushes in the caller's transaction and never
    commits (the edge commits once); `apply=False` is the preview: the same report, nothing saved.
    """
    access.require_staff(actor)
    report = check(read(data))
    if report.bad_rows and not only_valid:
        report.refused = True
        return report
    if not apply:
        return report
    with db.session.begin_nested():
        for row in report.rows:
            if row.status != UPDATED:
                continue
            product = db.session.get(Product, row.product_id)
            services.set_portal_status(
                product, state=row.state, reference=row.reference, on=row.on, actor=actor
            )
            report.saved += 1
        db.session.flush()
    report.applied = True
    return report
