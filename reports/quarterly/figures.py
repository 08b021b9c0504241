"""A ward report's content as `Table`s: the page, the XLSX file and the PDF read the same cells.

The figures are every indicator at the ward's scope, read off one snapshot (the quarter's, or the
one frozen when the report was submitted), grouped by what they are: counts, shares (with their
numerator and denominator) and averages (pillar scores, the median hours to resolve a report).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.db import PROVINCE_TZ
from core.formatting import EMPTY, format_date, format_datetime
from core.wards.models import Ward
from reports import tables
from reports.indicators.definitions import Indicator, all_indicators
from reports.indicators.models import Scope, Snapshot
from reports.indicators.periods import Period
from reports.indicators.values import Figures
from reports.quarterly.models import WardReport, WardReportState
from reports.quarterly.services import Row, Status
from reports.tables import Column, Table

# Whether the ward itself is deployed or started is said in words, not as a count of 0 or 1.
WARD_FLAGS = ("wards_deployed", "wards_started")

STATE_LABELS = {
    WardReportState.DRAFT: _l("Draft"),
    WardReportState.SUBMITTED: _l("Submitted"),
    WardReportState.RETURNED: _l("Sent back"),
    WardReportState.ACCEPTED: _l("Accepted"),
}
STATUS_LABELS = {
    Status.NOT_DUE: _l("Not yet due"),
    Status.LATE: _l("Late"),
    Status.SUBMITTED: _l("Submitted"),
    Status.RETURNED: _l("Sent back"),
    Status.ACCEPTED: _l("Accepted"),
}
NARRATIVE_LABELS = {
    "activities": _l("Activities in the quarter"),
    "difficulties": _l("Difficulties"),
    "proposals": _l("Proposals"),
}


def shown(value, kind: str, locale: str = "vi") -> str:
    """A cell as the page and the PDF show it: rounded half-up, 35,5 %, 01/12/2026."""
    return tables.show(value, kind, locale)


def _indicators() -> list[Indicator]:
    return [item for item in all_indicators() if item.code not in WARD_FLAGS]


def figure_tables(figures: Figures, ward_code: str, locale: str = "vi") -> list[Table]:
    """The ward's figures: counts, shares and averages."""
    name = _("Indicator")
    counts = Table(
        "counts",
        _("Counts"),
        [Column("indicator", name, width=48), Column("value", _("Number"), "count")],
    )
    shares = Table(
        "shares",
        _("Shares"),
        [
            Column("indicator", name, width=48),
            Column("numerator", _("Of which"), "count"),
            Column("denominator", _("Out of"), "count"),
            Column("value", _("Share (%)"), "percent"),
        ],
    )
    averages = Table(
        "averages",
        _("Averages"),
        [
            Column("indicator", name, width=48),
            Column("unit", _("Unit"), width=12),
            Column("value", _("Value"), "score"),
        ],
    )
    units = {"score": _("points"), "hours": _("hours")}
    for indicator in _indicators():
        figure = figures.get(indicator, Scope.WARD, ward_code)
        item = {"code": indicator.code, "indicator": indicator.name(locale)}
        if indicator.unit == "count":
            counts.rows.append(item | {"value": figure.value})
        elif indicator.unit == "percent":
            shares.rows.append(
                item
                | {
                    "numerator": figure.numerator,
                    "denominator": figure.denominator,
                    "value": figure.value,
                }
            )
        else:  # score and hours both show one decimal
            averages.rows.append(item | {"unit": units[indicator.unit], "value": figure.value})
    return [counts, shares, averages]


@dataclass(frozen=True)
class Content:
    """Everything one report shows: its row, figures and whether they are frozen."""

    row: Row
    snapshot: Snapshot
    frozen: bool
    figures: Figures

    @property
    def ward(self) -> Ward:
        return self.row.ward

    @property
    def quarter(self) -> Period:
        return self.row.quarter

    @property
    def report(self) -> WardReport | None:
        return self.row.report

    def flag(self, measure: str) -> bool:
        return bool(self.figures.measure(measure, Scope.WARD, self.ward.code))

    def tables(self, locale: str = "vi") -> list[Table]:
        return figure_tables(self.figures, self.ward.code, locale)

    def summary_table(self, locale: str = "vi", tz=None) -> Table:
        """The report's facts and narrative, as the first sheet of the XLSX file."""
        report, row = self.report, self.row
        yes, no = _("Yes"), _("No")

        def when(moment: dt.datetime | None) -> str:
            return format_datetime(moment, locale, tzinfo=tz) if moment else EMPTY

        items = [
            (_("Ward or commune"), f"{self.ward.name} ({self.ward.code})"),
            (_("Quarter"), self.quarter.key),
            (_("Due on"), format_date(row.due, locale)),
            (_("State"), str(STATUS_LABELS[row.status])),
            (_("Late"), yes if row.late or row.submitted_late else no),
            (_("Submitted at"), when(report.submitted_at if report else None)),
            (_("Figures as of"), format_date(self.snapshot.as_of, locale)),
            (_("Figures taken at"), when(self.snapshot.taken_at)),
            (_("Retail programme deployed"), yes if self.flag("wards_deployed") else no),
        ]
        for field, label in NARRATIVE_LABELS.items():
            items.append((str(label), getattr(report, field, "") or EMPTY))
        if report is not None and report.return_comment:
            items.append((_("The Department's comment"), report.return_comment))
        if report is not None and report.accepted_at:
            items.append((_("Accepted at"), when(report.accepted_at)))
        return Table(
            "report",
            _("Report"),
            [Column("item", _("Item"), width=28), Column("content", _("Content"), width=90)],
            [{"item": item, "content": content} for item, content in items],
        )


def overview_table(items: list[Row], quarter: Period) -> Table:
    """The staff overview of one quarter: every ward's state."""
    rows = []
    for item in items:
        report = item.report
        submitted = report.submitted_at if report else None
        rows.append(
            {
                "code": item.ward.code,
                "ward": item.ward.name,
                "status": str(STATUS_LABELS[item.status]),
                "due": item.due,
                "submitted": submitted.astimezone(PROVINCE_TZ).date() if submitted else None,
                "late": _("Yes") if item.late or item.submitted_late else _("No"),
                "comment": report.return_comment if report else "",
            }
        )
    return Table(
        "overview",
        _("Ward reports %(quarter)s", quarter=quarter.key),
        [
            Column("code", _("Code"), width=8),
            Column("ward", _("Ward or commune"), width=30),
            Column("status", _("State"), width=16),
            Column("due", _("Due on"), "date"),
            Column("submitted", _("Submitted on"), "date"),
            Column("late", _("Late"), width=8),
            Column("comment", _("The Department's comment"), width=48),
        ],
        rows,
    )
