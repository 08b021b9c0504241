"""The quarterly ward report's life: a draft the ward's officer writes, submitted with its figures
frozen, sent back by staff with a comment or accepted.

    draft ──submit──► submitted ──accept──► accepted
      ▲                 │  ▲
      └─(officer edits)─┘  └──submit── returned ◄──return── submitted

Every state change is audit-logged. Services take typed values (the quarter as a `Period`,
`today` as a date so tests can name the day), check the rules, flush and never commit.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core import access, audit
from core.accounts.models import Role, User
from core.db import PROVINCE_TZ, province_today, utcnow
from core.errors import Conflict, FieldErrors, Forbidden, NotFound
from core.extensions import db
from core.formatting import number_in_message
from core.wards.models import Ward
from reports.indicators import snapshots
from reports.indicators.models import PeriodKind, Snapshot, SnapshotKind
from reports.indicators.periods import Period
from reports.quarterly.models import WardReport, WardReportState

NARRATIVE = ("activities", "difficulties", "proposals")
NARRATIVE_MAX = 5000  # characters per field
COMMENT_MAX = 1000  # WardReport.return_comment
QUARTERS_SHOWN = 4  # the officer's list: the running quarter and the three before it
EDITABLE = (WardReportState.DRAFT, WardReportState.RETURNED)
SENT = (WardReportState.SUBMITTED, WardReportState.ACCEPTED)


class Status(enum.StrEnum):
    """Where a ward stands for a quarter, as the overview counts it."""

    NOT_DUE = "not_due"  # not sent yet, and the due date has not passed
    LATE = "late"  # the due date has passed and nothing was sent (no report, or a draft)
    SUBMITTED = "submitted"
    RETURNED = "returned"
    ACCEPTED = "accepted"


@dataclass(frozen=True)
class Row:
    """One ward's report for one quarter (the report may not exist yet)."""

    ward: Ward
    quarter: Period
    report: WardReport | None
    today: dt.date

    @property
    def due(self) -> dt.date:
        return self.quarter.quarterly_due

    @property
    def state(self) -> WardReportState | None:
        return self.report.state if self.report else None

    @property
    def late(self) -> bool:
        """The due date has passed and the report is not with the Department."""
        return self.today > self.due and self.state not in SENT

    @property
    def submitted_late(self) -> bool:
        at = self.report.submitted_at if self.report else None
        return at is not None and at.astimezone(PROVINCE_TZ).date() > self.due

    @property
    def status(self) -> Status:
        if self.state in (WardReportState.SUBMITTED, WardReportState.ACCEPTED):
            return Status(self.state.value)
        if self.state is WardReportState.RETURNED:
            return Status.RETURNED
        return Status.LATE if self.late else Status.NOT_DUE


# --- reading ------------------------------------------------------------------------------------


def quarter_of(text: str) -> Period:
    """A quarter named in a URL (2026-Q4); anything else is not a page (404)."""
    try:
        period = Period.parse(text)
    except ValueError:
        raise NotFound(_l("Not found.")) from None
    if period.kind is not PeriodKind.QUARTER:
        raise NotFound(_l("Not found."))
    return period


def ward_in_reach(code: str, user: User) -> Ward:
    """The ward if the user may read its reports: staff any, officers theirs (others 404)."""
    codes = access.ward_codes(user)  # producers: 403
    ward = db.session.get(Ward, code)
    if ward is None or (codes is not None and code not in codes):
        raise NotFound(_l("Not found."))
    return ward


def require_started(quarter: Period, today: dt.date | None = None) -> None:
    if not quarter.has_started(today or province_today()):
        raise Conflict(
            _l(
                "%(quarter)s has not started yet: it cannot be reported.",
                quarter=quarter.key,
            )
        )


def find(ward_code: str, quarter: Period) -> WardReport | None:
    return db.session.scalars(
        select(WardReport).where(
            WardReport.ward_code == ward_code,
            WardReport.year == quarter.year,
            WardReport.quarter == quarter.number,
        )
    ).first()


def row(ward: Ward, quarter: Period, today: dt.date | None = None) -> Row:
    return Row(ward, quarter, find(ward.code, quarter), today or province_today())


def rows(
    quarter: Period, codes: frozenset[str] | None = None, today: dt.date | None = None
) -> list[Row]:
    """Every ward's row for the quarter (`codes`: only these wards; None: all 95)."""
    today = today or province_today()
    wards = select(Ward).order_by(Ward.code)
    reports = select(WardReport).where(
        WardReport.year == quarter.year, WardReport.quarter == quarter.number
    )
    if codes is not None:
        wards = wards.where(Ward.code.in_(codes))
        reports = reports.where(WardReport.ward_code.in_(codes))
    found = {report.ward_code: report for report in db.session.scalars(reports)}
    return [Row(ward, quarter, found.get(ward.code), today) for ward in db.session.scalars(wards)]


def quarters_shown(today: dt.date | None = None, count: int = QUARTERS_SHOWN) -> list[Period]:
    """The running quarter and the ones before it, newest first."""
    quarter = Period.containing(PeriodKind.QUARTER, today or province_today())
    out = [quarter]
    while len(out) < count:
        out.append(out[-1].previous())
    return out


def officer_rows(codes: frozenset[str], today: dt.date | None = None) -> list[Row]:
    """An officer's wards × the quarters shown, newest quarter first."""
    today = today or province_today()
    return [row for quarter in quarters_shown(today) for row in rows(quarter, codes, today)]


def count_by_status(items: list[Row]) -> dict[Status, int]:
    counts = dict.fromkeys(Status, 0)
    for item in items:
        counts[item.status] += 1
    return counts


def figures_snapshot(
    report: WardReport | None, quarter: Period, today: dt.date | None = None
) -> tuple[Snapshot, bool]:
    """The snapshot a report shows, and whether it is frozen: a sent report's own; otherwise the
    quarter's current (or closing) figures, which are frozen when the officer submits."""
    if report is not None and report.state in SENT and report.snapshot is not None:
        return report.snapshot, True
    return snapshots.for_period(quarter, today=today), False


# --- the officer's writes -----------------------------------------------------------------------


def require_ward_officer(actor: User, ward_code: str) -> None:
    """Only the ward's officers write its report (others' wards 404, staff 403)."""
    ward_in_reach(ward_code, actor)
    if actor.role is not Role.OFFICER:
        raise Forbidden(_l("Only the ward's field officers write and submit its report."))


def _check_narrative(data: dict, *, complete: bool) -> None:
    errors = FieldErrors()
    for name in NARRATIVE:
        text = data.get(name) or ""
        if not isinstance(text, str):
            raise TypeError(f"{name} must be text")
        if len(text) > NARRATIVE_MAX:
            errors.add(
                name,
                _l("At most %(count)s characters.", count=number_in_message(NARRATIVE_MAX)),
            )
        elif complete and not text.strip():
            errors.add(name, _l("Write this part before sending the report."))
    errors.raise_if_any()


def _require_editable(report: WardReport) -> None:
    if report.state not in EDITABLE:
        raise Conflict(
            _l(
                "This report has been sent: it cannot be changed unless the Department sends "
                "it back."
            )
        )


def save_draft(
    ward_code: str,
    quarter: Period,
    data: dict,
    actor: User,
    *,
    complete: bool = False,
    today: dt.date | None = None,
) -> WardReport:
    """Save the narrative (creating the draft on its first save). `complete`: the officer is
    about to submit, so every part must be written."""
    require_ward_officer(actor, ward_code)
    require_started(quarter, today)
    _check_narrative(data, complete=complete)
    report = find(ward_code, quarter)
    if report is None:
        report = WardReport(ward_code=ward_code, year=quarter.year, quarter=quarter.number)
        report.state = WardReportState.DRAFT
        db.session.add(report)
        db.session.flush()
        audit.record(actor, "ward_report.create", report, ward=ward_code, quarter=quarter.key)
    _require_editable(report)
    for name in NARRATIVE:
        setattr(report, name, (data.get(name) or "").strip())
    db.session.flush()
    return report


def submit(
    ward_code: str, quarter: Period, actor: User, *, today: dt.date | None = None
) -> WardReport:
    """Send the saved report to the Department, freezing the quarter's figures as they are now."""
    require_ward_officer(actor, ward_code)
    require_started(quarter, today)
    report = find(ward_code, quarter)
    if report is not None:
        _require_editable(report)
    _check_narrative(
        {name: getattr(report, name, "") for name in NARRATIVE} if report else {}, complete=True
    )
    frozen = snapshots.take(quarter, actor=actor, kind=SnapshotKind.REPORT, today=today)
    report.snapshot = frozen
    report.state = WardReportState.SUBMITTED
    report.submitted_at, report.submitted_by_id = utcnow(), actor.id
    audit.record(
        actor,
        "ward_report.submit",
        report,
        ward=ward_code,
        quarter=quarter.key,
        snapshot=frozen.id,
        resubmitted=report.returned_at is not None,
    )
    db.session.flush()
    return report


# --- the Department's review --------------------------------------------------------------------


def _submitted(ward_code: str, quarter: Period, actor: User) -> WardReport:
    access.require_staff(actor)
    ward_in_reach(ward_code, actor)
    report = find(ward_code, quarter)
    if report is None or report.state is not WardReportState.SUBMITTED:
        raise Conflict(_l("Only a submitted report can be sent back or accepted."))
    return report


def return_report(ward_code: str, quarter: Period, comment: str, actor: User) -> WardReport:
    """Send a submitted report back to the ward, saying what to change."""
    report = _submitted(ward_code, quarter, actor)
    comment = (comment or "").strip()
    errors = FieldErrors()
    if not comment:
        errors.add("comment", _l("Say what the ward should change."))
    elif len(comment) > COMMENT_MAX:
        errors.add(
            "comment", _l("At most %(count)s characters.", count=number_in_message(COMMENT_MAX))
        )
    errors.raise_if_any()
    report.state = WardReportState.RETURNED
    report.returned_at, report.returned_by_id = utcnow(), actor.id
    report.return_comment = comment
    audit.record(
        actor, "ward_report.return", report, ward=ward_code, quarter=quarter.key, comment=comment
    )
    db.session.flush()
    return report


def accept(ward_code: str, quarter: Period, actor: User) -> WardReport:
    report = _submitted(ward_code, quarter, actor)
    report.state = WardReportState.ACCEPTED
    report.accepted_at, report.accepted_by_id = utcnow(), actor.id
    audit.record(actor, "ward_report.accept", report, ward=ward_code, quarter=quarter.key)
    db.session.flush()
    return report
