"""A batch's steps from a CSV file: one row per event, the same columns as the batch page's form.

The same row-report rules as the shop imports: columns are found by their header (row 1; case,
spaces and underscores do not matter), UTF-8 with or without a BOM, `,` or `;` (Excel in a
Vietnamese locale) or a tab as separator; every row is checked before anything is saved, and the
report names the row (numbered as in the spreadsheet, header = row 1), the column and the
reason. A file with any bad row saves nothing unless only the good rows were asked for.
Cells are read as on the form: the step as its code or its Vietnamese or English words
("Thu hoạch", "xuat hang"), the date as day/month/year (or ISO), the time as hours:minutes
(blank: 00:00), the site by its name (any case, diacritics optional) or `#id`, the quantity in
the page's language (vi "1.200" = 1200), the unit as a code or a word ("tấn", "lít").
Importing a file again stores nothing new: a row whose event is already recorded (the same
event hash) is reported as already there and skipped.

The shop imports' reader (`retail.shops.imports.reading`) is not reused: it is bound to the
shops' columns, and `traceability` may not import `retail` (docs/architecture.md, Packages).
Its generic part (decoding, separator, header keys) could move to `core`; until then this module
reads CSV only (no XLSX), with the same rules.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from core.csvsafe import Writer
from core.errors import FieldError, ValidationFailed
from traceability.events import recording
from traceability.registry import rules
from traceability.registry.models import Batch

COLUMNS = (
    "step",
    "date",
    "time",
    "site",
    "gln",
    "quantity",
    "unit",
    "certificate_standard",
    "certificate_number",
    "destination_name",
    "destination_ward",
    "destination_gln",
    "source_name",
    "source_ward",
    "source_gln",
    "note",
)
REQUIRED_COLUMNS = ("step", "date")
MAX_ROWS = 5000
EXAMPLE_MARK = "(ví dụ)"
# recording's field names → the CSV's columns
FIELD_COLUMNS = {"on": "date", "site_id": "site"}

EXAMPLES = (
    {
        "step": "Thu hoạch",
        "date": "05/11/2026",
        "time": "07:30",
        "site": "Vườn bưởi Tân Triều",
        "quantity": "1.200",
        "unit": "kg",
        "note": f"Hái đợt 1 {EXAMPLE_MARK}",
    },
    {
        "step": "Xuất hàng",
        "date": "08/11/2026",
        "time": "14:00",
        "site": "Vườn bưởi Tân Triều",
        "quantity": "500",
        "unit": "kg",
        "destination_name": "Cửa hàng Nông sản Biên Hòa",
        "destination_ward": "26041",
        "note": EXAMPLE_MARK,
    },
)

_STEP_WORDS = {recording.fold(code): code for code in recording.STEPS} | {
    "thuhoach": "harvest",
    "soche": "processing",
    "chebien": "processing",
    "sochechebien": "processing",
    "donggoi": "packing",
    "kiemtra": "inspection",
    "chungnhan": "inspection",
    "kiemtrachungnhan": "inspection",
    "xuathang": "shipping",
    "nhanhang": "receiving",
    "inspectionorcertification": "inspection",
}


def _file_error(*messages) -> ValidationFailed:
    return ValidationFailed({"file": list(messages)})


@dataclass
class Report:
    """What an import found and did."""

    total: int = 0
    errors: list[dict] = field(default_factory=list)  # {"row", "field", "reason"}
    skipped: list[int] = field(default_factory=list)  # rows already recorded
    stored: int = 0
    refused: bool = False
    good: list[tuple[int, str, dict]] = field(default_factory=list)  # (row, step, data)

    @property
    def bad_rows(self) -> int:
        return len({error["row"] for error in self.errors})


# --- reading -------------------------------------------------------------------------------


def _key(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", (name or "").lower())


_COLUMN_BY_KEY = {_key(column): column for column in COLUMNS}


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
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    try:
        lines = list(enumerate(reader, start=1))
    except csv.Error:
        raise _file_error(
            _l("The file cannot be read as CSV: check its quotation marks, or save it again.")
        ) from None
    if not lines or not any(cell.strip() for cell in lines[0][1]):
        raise _file_error(_l("The file is empty: row 1 must name the columns (see the template)."))
    columns = _columns(lines[0][1])
    rows = []
    for number, cells in lines[1:]:
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) == MAX_ROWS:
            raise _file_error(
                _l("The file has more than %(n)s rows: split it into smaller files.", n=MAX_ROWS)
            )
        row = {
            column: " ".join(cell.split())
            for column, cell in zip(columns, cells, strict=False)
            if column
        }
        if len(cells) > len(columns) and any(cell.strip() for cell in cells[len(columns) :]):
            row[""] = "extra"
        rows.append((number, row))
    if not rows:
        raise _file_error(_l("The file has no rows under the header: add one row per event."))
    return rows


def _columns(header: list[str]) -> list[str | None]:
    columns: list[str | None] = []
    unknown, repeated = [], []
    for name in header:
        column = _COLUMN_BY_KEY.get(_key(name)) if name.strip() else None
        if name.strip() and column is None:
            unknown.append(name.strip()[:40])
        elif column is not None and column in columns:
            repeated.append(name.strip())
        columns.append(column)
    errors = []
    if unknown:
        errors.append(
            _l(
                "Unknown columns: %(names)s. Row 1 may name only these columns: %(columns)s "
                "(download the template).",
                names=", ".join(unknown[:10]),
                columns=", ".join(COLUMNS),
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
                "The file has no column %(names)s: row 1 must name the columns, and these are "
                "needed (download the template).",
                names=", ".join(missing),
            )
        )
    if errors:
        raise _file_error(*errors)
    return columns


# --- checking ------------------------------------------------------------------------------


def parse_step(text: str) -> str:
    step = _STEP_WORDS.get(recording.fold(text))
    if step is None:
        raise FieldError(
            _l(
                "Unknown step. Write one of: %(steps)s.",
                steps=", ".join(str(s.label) for s in recording.STEPS.values()),
            )
        )
    return step


def parse_date(text: str) -> dt.date:
    match = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text)
    try:
        if match:
            day, month, year = (int(part) for part in match.groups())
            return dt.date(year, month, day)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise FieldError(_l("Write the date as day/month/year, e.g. 05/11/2026.")) from None


def parse_time(text: str) -> dt.time:
    if not text:
        return dt.time(0, 0)
    match = re.fullmatch(r"(\d{1,2})[:hg](\d{2})(?::(\d{2}))?", text.lower())
    try:
        if match:
            return dt.time(int(match[1]), int(match[2]), int(match[3] or 0))
    except ValueError:
        pass
    raise FieldError(_l("Write the time as hours:minutes, e.g. 07:30."))


def _site_id(text: str, sites: dict[str, int], ids: set[int]) -> int | None:
    if not text:
        return None
    if text.lstrip("#").isdigit() and int(text.lstrip("#")) in ids:
        return int(text.lstrip("#"))
    found = sites.get(recording.fold(text))
    if found is None:
        raise FieldError(_l("None of your sites has this name: write it as on your sites page."))
    return found


def _language() -> str:
    locale = get_locale()
    return locale.language if locale else "vi"


def _parse_row(cells: dict[str, str], sites: dict[str, int], ids: set[int]):
    """(step, data, {column: problem}) of one row."""
    problems: dict[str, object] = {}
    data: dict = {"offset": recording.PROVINCE_OFFSET}

    def take(column, parse):
        try:
            return parse(cells.get(column, ""))
        except FieldError as exc:
            problems[column] = exc.args[0]
            return None

    step = take("step", parse_step)
    day = take("date", lambda text: parse_date(text) if text else None)
    if "date" not in problems and day is None:
        problems["date"] = _l("Enter the date.")
    time = take("time", parse_time)
    data["at"] = None
    if day is not None and time is not None:
        zone = recording.offset_zone(recording.PROVINCE_OFFSET)
        data["at"] = dt.datetime.combine(day, time).replace(tzinfo=zone)
    data["site_id"] = take("site", lambda text: _site_id(text, sites, ids))
    data["gln"] = cells.get("gln") or None
    data["quantity"] = take("quantity", _quantity)
    data["unit"] = take("unit", recording.parse_unit)
    for column in recording.EXTENSIONS:
        data[column] = cells.get(column, "")
    for column in ("destination_gln", "source_gln"):
        data[column] = cells.get(column, "")
    return step, data, problems


def _quantity(text: str):
    if not text:
        return None
    try:
        return rules.parse_typed_number(text, _language())
    except ValueError:
        raise FieldError(_l("Write a number, e.g. 1.500 or 32,5.")) from None


def check(rows: list[tuple[int, dict[str, str]]], batch: Batch, now: dt.datetime) -> Report:
    """Parse and check every row; writes nothing."""
    report = Report(total=len(rows))
    own = recording.batches_sites(batch)
    sites = {recording.fold(site.name): site.id for site in own}
    ids = {site.id for site in own}
    order = {column: index for index, column in enumerate(("", *COLUMNS))}
    for number, cells in rows:
        step, data, problems = _parse_row(cells, sites, ids)
        if cells.get("") == "extra":
            problems[""] = _l(
                "This row has more cells than row 1 has columns: a cell that contains the "
                "separator (a comma or a semicolon) must be put in quotation marks."
            )
        if EXAMPLE_MARK in (cells.get("note") or ""):
            problems[""] = _l("This is an example row of the template: delete it.")
        if not problems:
            errors = recording.check(step, data, batch, now)
            recording.check_places(data, batch, errors)
            for name, messages in errors.errors.items():
                problems.setdefault(FIELD_COLUMNS.get(name, name), messages[0])
        if problems:
            for column in sorted(problems, key=lambda c: order.get(c, len(order))):
                report.errors.append(
                    {"row": number, "field": column, "reason": str(problems[column])}
                )
        else:
            report.good.append((number, step, data))
    return report


# --- saving --------------------------------------------------------------------------------


def import_csv(data: bytes, batch: Batch, actor, *, only_valid: bool = False) -> Report:
    """Read, check every row, then store the good ones (unless a bad row refuses the file).

    Stores in the caller's transaction and never commits (the edge commits once).
    """
    from core.db import utcnow

    report = check(read(data), batch, utcnow())
    if report.errors and not only_valid:
        report.refused = True
        return report
    for number, step, values in report.good:
        stored = recording.record(step, values, batch, actor, source="csv")
        if stored.created:
            report.stored += 1
        else:
            report.skipped.append(number)
    return report


def template_csv() -> bytes:
    """The header and two example rows (refused if left in), UTF-8 with a BOM for Excel."""
    out = io.StringIO()
    writer = Writer(out)
    writer.writerow(COLUMNS)
    for example in EXAMPLES:
        writer.writerow([example.get(column, "") for column in COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
