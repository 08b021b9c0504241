"""Checking every row before anything is saved: the shop rules, the wards, duplicates.

Each row is parsed with `retail.shops.rules` and checked with the rules of `services.check_shop`
(the ward is one of the actor's, a stall names its market…). Duplicates follow
`services.duplicate_of` (a live shop with the registration number anywhere, or with the phone
in the ward) but are looked up in bulk, a chunk of rows at a time. A row that matches an
existing shop exactly (by registration number or phone in the ward, with the same name and
ward) is "already present" and skipped, so importing a file again creates nothing; one that
matches a shop but differs is a bad row naming that shop (when the actor may open it). Rows
repeating an earlier row's registration number, or its phone in the same ward, are bad rows
naming the earlier row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core import access
from core.accounts.models import User
from core.errors import FieldError, ValidationFailed
from core.extensions import db
from retail.shops import rules, services
from retail.shops.imports.reading import COLUMNS, Row
from retail.shops.imports.template import EXAMPLES
from retail.shops.imports.wards import WardCodes
from retail.shops.models import Shop, ShopState

CHUNK = 200  # rows checked between two bulk lookups (and progress reports)


@dataclass
class Report:
    """What checking found: bad rows, warnings, rows already present, and the rows to save."""

    total: int = 0
    errors: list[dict] = field(default_factory=list)  # {"row", "field", "reason"}
    warnings: list[dict] = field(default_factory=list)  # {"row", "field", "reason"}
    skipped: list[dict] = field(default_factory=list)  # {"row", "shop_id"}: already present
    good: list[tuple[int, dict]] = field(default_factory=list)  # (row, parsed data)

    @property
    def bad_rows(self) -> int:
        return len({error["row"] for error in self.errors})

    def refuses(self, only_valid: bool) -> bool:
        """A file with any bad row saves nothing, unless only the good rows were asked for."""
        return bool(self.errors) and not only_valid

    def as_json(self) -> dict:
        """What is kept with the import: no shop data beyond the reasons given."""
        return {
            "errors": self.errors,
            "warnings": self.warnings,
            "skipped": self.skipped,
            "bad_rows": self.bad_rows,
            "good_rows": len(self.good),
        }


def _parse_kind(text: str) -> object:
    if not text.strip():
        raise FieldError(
            _l("Write the kind of shop: a code such as grocery, or its name such as Tạp hóa.")
        )
    return rules.parse_kind(text)


PARSERS: dict[str, Callable[[str], object]] = {
    "name": lambda text: rules.parse_text(text, max_length=rules.NAME_MAX, required=True),
    "owner_name": lambda text: rules.parse_text(text, max_length=rules.OWNER_MAX),
    "phone": rules.parse_phone,
    "registration_no": rules.parse_registration_no,
    "address": lambda text: rules.parse_text(text, max_length=rules.ADDRESS_MAX),
    "kind": _parse_kind,
    "market": lambda text: rules.parse_text(text, max_length=rules.MARKET_MAX),
}
_EXAMPLE_NAMES = frozenset(rules.fold(example["name"]) for example in EXAMPLES)
_FIELD_ORDER = {name: index for index, name in enumerate(("", *COLUMNS))}


@dataclass
class _Parsed:
    """A row as the rules read it, and what they found wrong or worth a warning."""

    number: int
    data: dict
    problems: dict[str, object]  # column ("" for the whole row) → its first problem
    warnings: list[tuple[str, object]]


@dataclass(frozen=True)
class _Known:
    id: int
    name: str
    ward_code: str


class _Existing:
    """Live shops that share a registration number (anywhere) or a phone (in a ward) with rows
    of the file: `services.duplicate_of`'s rule, looked up for a chunk of rows at a time."""

    def __init__(self):
        self.by_registration: dict[str, _Known] = {}
        self.by_phone: dict[tuple[str, str], _Known] = {}
        self.asked: set[tuple[str, str]] = set()

    def load(self, items: list[_Parsed]) -> None:
        registrations = {i.data["registration_no"] for i in items if i.data["registration_no"]}
        phones = {i.data["phone"] for i in items if i.data["phone"]}
        registrations -= {value for kind, value in self.asked if kind == "registration_no"}
        phones -= {value for kind, value in self.asked if kind == "phone"}
        self.asked |= {("registration_no", v) for v in registrations}
        self.asked |= {("phone", v) for v in phones}
        columns = (Shop.id, Shop.name, Shop.ward_code, Shop.registration_no, Shop.phone)
        live = Shop.state != ShopState.MERGED
        if registrations:
            stmt = select(*columns).where(Shop.registration_no.in_(registrations), live)
            for row in db.session.execute(stmt.order_by(Shop.id)):
                known = _Known(row.id, row.name, row.ward_code)
                self.by_registration.setdefault(row.registration_no, known)
        if phones:
            stmt = select(*columns).where(Shop.phone.in_(phones), live)
            for row in db.session.execute(stmt.order_by(Shop.id)):
                known = _Known(row.id, row.name, row.ward_code)
                self.by_phone.setdefault((row.ward_code, row.phone), known)

    def find(self, data: dict) -> tuple[str, _Known] | None:
        registration, phone, ward = data["registration_no"], data["phone"], data["ward_code"]
        if registration and registration in self.by_registration:
            return "registration_no", self.by_registration[registration]
        if phone and ward and (ward, phone) in self.by_phone:
            return "phone", self.by_phone[(ward, phone)]
        return None


class _Checker:
    """Checks rows a chunk at a time, remembering earlier rows' keys (duplicates in the file).

    Only the bulk lookup of a chunk touches the database; the rules run on loaded rows (the
    wards and the actor's wards stay in the session), so a background check holds no
    transaction while it parses: on SQLite, where every transaction takes the write lock, the
    site's other requests get their turn.
    """

    def __init__(self, actor: User):
        self.actor = actor
        self.wards = WardCodes()
        self.existing = _Existing()
        self.registration_rows: dict[str, int] = {}
        self.phone_rows: dict[tuple[str, str], int] = {}
        self.report = Report()

    def check(self, rows: list[Row]) -> None:
        items = [self._parse(row) for row in rows]
        self.existing.load(items)
        for item in items:
            self._in_file(item)
            self._rules(item)
            present = self._against_existing(item)
            self._record(item, present)

    def _parse(self, row: Row) -> _Parsed:
        item = _Parsed(row.number, {}, {}, list(row.notes))
        for column, message in row.problems:
            item.problems.setdefault(column, message)
        for column, parse in PARSERS.items():
            try:
                item.data[column] = parse(row.cells.get(column, ""))
            except FieldError as exc:
                item.problems.setdefault(column, exc.message)
                item.data[column] = None
        try:
            item.data["ward_code"], note = self.wards.resolve(row.cells.get("ward_code", ""))
        except FieldError as exc:
            item.problems.setdefault("ward_code", exc.message)
            item.data["ward_code"] = None
        else:
            if note is not None:
                item.warnings.append(("ward_code", note))
        if rules.fold(item.data["name"]) in _EXAMPLE_NAMES:
            item.problems.setdefault(
                "name", _l("This is an example row of the template: delete it.")
            )
        return item

    def _in_file(self, item: _Parsed) -> None:
        data, number = item.data, item.number
        if data["registration_no"]:
            first = self.registration_rows.setdefault(data["registration_no"], number)
            if first != number:
                item.problems.setdefault(
                    "registration_no",
                    _l(
                        "Row %(row)s has the same registration number: each shop appears once "
                        "in the file.",
                        row=first,
                    ),
                )
        if data["phone"] and data["ward_code"]:
            first = self.phone_rows.setdefault((data["ward_code"], data["phone"]), number)
            if first != number:
                item.problems.setdefault(
                    "phone",
                    _l(
                        "Row %(row)s has the same phone in the same ward: each shop appears "
                        "once in the file.",
                        row=first,
                    ),
                )

    def _rules(self, item: _Parsed) -> None:
        """`check_shop`'s rules (the ward is the actor's, a stall names its market…); the
        duplicates it would look up one by one are `_Existing`'s, found in bulk."""
        try:
            services.check_shop({**item.data, "registration_no": None, "phone": None}, self.actor)
        except ValidationFailed as exc:
            for column, messages in exc.errors.items():
                item.problems.setdefault(column, messages[0])

    def _against_existing(self, item: _Parsed) -> _Known | None:
        """The shop the row is (already present), or None; a shop it clashes with is a problem."""
        found = self.existing.find(item.data)
        if found is None:
            return None
        column, known = found
        if not access.can_use_ward(self.actor, known.ward_code):
            # Name no shop the actor may not open (a phone is only a duplicate in its ward).
            item.problems.setdefault(
                column,
                _l(
                    "A shop in a ward you do not look after already has this registration "
                    "number: check the number, or ask the Department's staff."
                ),
            )
            return None
        data = item.data
        if known.ward_code == data["ward_code"] and rules.fold(known.name) == rules.fold(
            data["name"]
        ):
            return known
        values = {"id": known.id, "name": known.name, "ward": known.ward_code}
        item.problems.setdefault(
            column,
            _l(
                "Shop #%(id)s (%(name)s, ward %(ward)s) already has this registration number. If "
                "this row is that shop, write its name and ward as registered; otherwise "
                "correct the number.",
                **values,
            )
            if column == "registration_no"
            else _l(
                "Shop #%(id)s (%(name)s, ward %(ward)s) already has this phone. If this row is "
                "that shop, write its name as registered; otherwise correct the phone.",
                **values,
            ),
        )
        return None

    def _record(self, item: _Parsed, present: _Known | None) -> None:
        report = self.report
        report.total += 1
        ordered = sorted(item.problems.items(), key=lambda pair: _FIELD_ORDER[pair[0]])
        for column, message in ordered:
            report.errors.append({"row": item.number, "field": column, "reason": str(message)})
        for column, message in item.warnings:
            report.warnings.append({"row": item.number, "field": column, "reason": str(message)})
        if item.problems:
            return
        if present is not None:
            report.skipped.append({"row": item.number, "shop_id": present.id})
        else:
            report.good.append((item.number, item.data))


def check(rows: list[Row], actor: User, *, progress: Callable[[int], None] | None = None) -> Report:
    """Check every row against the rules and the database; nothing is written.

    `progress(rows checked)` is called after each chunk (a background job commits there).
    """
    access.require_retail_role(actor)
    checker = _Checker(actor)
    for start in range(0, len(rows), CHUNK):
        checker.check(rows[start : start + CHUNK])
        if progress is not None:
            progress(min(start + CHUNK, len(rows)))
    return checker.report
