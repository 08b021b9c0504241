"""The quarterly ward report's rules: its state machine, late detection on exact dates, figures
frozen at submit, officer scoping. Every day is passed in (`today`), never the clock patched.

The data is built by hand: ward 26188 has three active shops, two of them assessed (one with the
best answers, which take digital payment, one with the worst, which do not); so the ward's shares
are 2/3 = 66,7 % assessed and 1/2 = 50 % taking digital payment.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest
from sqlalchemy import select

from core.accounts.models import Role
from core.audit import AuditEntry
from core.db import PROVINCE_TZ
from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from core.extensions import db
from reports.indicators.definitions import get
from reports.indicators.models import Scope, SnapshotKind
from reports.indicators.periods import Period
from reports.indicators.values import Figures
from reports.quarterly import services
from reports.quarterly.models import WardReportState
from reports.quarterly.services import Status
from retail.assessments import frameworks
from retail.assessments.models import Assessment, AssessmentState
from retail.assessments.services import record_score
from retail.shops.models import Shop, ShopKind
from tests import factories

WARD = "26188"  # Phường Tân Triều
OTHER_WARD = "25993"  # Phường Trảng Dài
Q4 = Period.parse("2026-Q4")  # due 5/12/2026
IN_Q4 = dt.date(2026, 12, 3)
EARLY = dt.datetime(2026, 1, 5, 2, 0, tzinfo=dt.UTC)
NARRATIVE = {
    "activities": "Đã khảo sát 12 cửa hàng.",
    "difficulties": "Thiếu máy tính bảng.",
    "proposals": "Đề nghị tập huấn thêm.",
}


def noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=PROVINCE_TZ).astimezone(dt.UTC)


def add_shop(ward: str = WARD, created_at: dt.datetime = EARLY) -> Shop:
    n = factories.unique()
    shop = Shop(
        name=f"Tạp hóa Quý {n}",
        ward_code=ward,
        kind=ShopKind.GROCERY,
        owner_name="",
        address=f"{n} Đường số 4",
        market="",
        created_at=created_at,
    )
    db.session.add(shop)
    db.session.flush()
    return shop


def add_assessment(shop: Shop, day: dt.date, best: bool = True) -> Assessment:
    framework = frameworks.seed_default()
    pick = max if best else min
    answers = {
        q["key"]: pick(o["value"] for o in q["options"])
        for pillar in framework.document["pillars"]
        for q in pillar["questions"]
    }
    assessment = Assessment(
        shop=shop, framework=framework, answers=answers, state=AssessmentState.SUBMITTED
    )
    assessment.submitted_at = noon(day)
    assessment.assessed_on = day
    record_score(assessment)
    db.session.add(assessment)
    db.session.flush()
    return assessment


def ward_data() -> None:
    """Three active shops in WARD, two assessed (one takes digital payment); one elsewhere."""
    add_assessment(add_shop(), dt.date(2026, 10, 10), best=True)
    add_assessment(add_shop(), dt.date(2026, 10, 11), best=False)
    add_shop()
    add_shop(OTHER_WARD)


@pytest.fixture
def officer(app_ctx):
    return factories.user(Role.OFFICER, wards=(WARD,))


@pytest.fixture
def staff(app_ctx):
    return factories.staff()


def submitted(officer, today=IN_Q4):
    services.save_draft(WARD, Q4, NARRATIVE, officer, today=today)
    return services.submit(WARD, Q4, officer, today=today)


# --- the state machine ---------------------------------------------------------------------------


def test_draft_submitted_returned_submitted_accepted(officer, staff):
    report = services.save_draft(WARD, Q4, NARRATIVE, officer, today=IN_Q4)
    assert report.state is WardReportState.DRAFT
    assert (report.activities, report.year, report.quarter) == (NARRATIVE["activities"], 2026, 4)

    services.submit(WARD, Q4, officer, today=IN_Q4)
    assert report.state is WardReportState.SUBMITTED
    first_snapshot = report.snapshot_id
    assert report.submitted_by_id == officer.id

    services.return_report(WARD, Q4, "  Bổ sung số liệu tập huấn.  ", staff)
    assert report.state is WardReportState.RETURNED
    assert report.return_comment == "Bổ sung số liệu tập huấn."
    assert report.returned_by_id == staff.id

    services.save_draft(
        WARD, Q4, NARRATIVE | {"activities": "Đã tập huấn 20 hộ."}, officer, today=IN_Q4
    )
    services.submit(WARD, Q4, officer, today=IN_Q4)
    assert report.state is WardReportState.SUBMITTED
    assert report.snapshot_id != first_snapshot  # frozen again at the new submission

    services.accept(WARD, Q4, staff)
    assert report.state is WardReportState.ACCEPTED
    assert report.accepted_by_id == staff.id

    actions = db.session.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.object_type == "ward_reports", AuditEntry.object_id == str(report.id))
        .order_by(AuditEntry.id)
    ).all()
    assert actions == [
        "ward_report.create",
        "ward_report.submit",
        "ward_report.return",
        "ward_report.submit",
        "ward_report.accept",
    ]


def test_a_sent_report_cannot_be_edited_or_sent_again(officer, staff):
    submitted(officer)
    with pytest.raises(Conflict):
        services.save_draft(WARD, Q4, NARRATIVE, officer, today=IN_Q4)
    with pytest.raises(Conflict):
        services.submit(WARD, Q4, officer, today=IN_Q4)
    services.accept(WARD, Q4, staff)
    for move in (
        lambda: services.save_draft(WARD, Q4, NARRATIVE, officer, today=IN_Q4),
        lambda: services.submit(WARD, Q4, officer, today=IN_Q4),
        lambda: services.accept(WARD, Q4, staff),
        lambda: services.return_report(WARD, Q4, "Sai", staff),
    ):
        with pytest.raises(Conflict) as caught:
            move()
        assert caught.value.status == 409


def test_only_a_submitted_report_is_returned_or_accepted(officer, staff):
    with pytest.raises(Conflict):  # nothing saved yet
        services.accept(WARD, Q4, staff)
    services.save_draft(WARD, Q4, NARRATIVE, officer, today=IN_Q4)
    with pytest.raises(Conflict):
        services.return_report(WARD, Q4, "Sai", staff)
    with pytest.raises(Conflict):
        services.accept(WARD, Q4, staff)


def test_returning_needs_a_comment(officer, staff):
    submitted(officer)
    with pytest.raises(ValidationFailed) as caught:
        services.return_report(WARD, Q4, "   ", staff)
    assert set(caught.value.errors) == {"comment"}


def test_submit_needs_every_part_of_the_narrative(officer):
    services.save_draft(WARD, Q4, {"activities": "Đã khảo sát."}, officer, today=IN_Q4)
    with pytest.raises(ValidationFailed) as caught:
        services.submit(WARD, Q4, officer, today=IN_Q4)
    assert set(caught.value.errors) == {"difficulties", "proposals"}
    with pytest.raises(ValidationFailed) as caught:  # nothing saved at all
        services.submit(
            OTHER_WARD, Q4, factories.user(Role.OFFICER, wards=(OTHER_WARD,)), today=IN_Q4
        )
    assert set(caught.value.errors) == {"activities", "difficulties", "proposals"}


def test_a_quarter_not_started_cannot_be_reported(officer):
    with pytest.raises(Conflict):
        services.save_draft(WARD, Period.parse("2027-Q1"), NARRATIVE, officer, today=IN_Q4)
    assert services.find(WARD, Period.parse("2027-Q1")) is None


def test_staff_review_but_do_not_write_and_officers_do_not_review(officer, staff):
    with pytest.raises(Forbidden):
        services.save_draft(WARD, Q4, NARRATIVE, staff, today=IN_Q4)
    submitted(officer)
    with pytest.raises(Forbidden):
        services.accept(WARD, Q4, officer)
    with pytest.raises(Forbidden):
        services.return_report(WARD, Q4, "Sai", officer)


def test_another_wards_officer_gets_not_found(officer):
    other = factories.user(Role.OFFICER, wards=(OTHER_WARD,))
    with pytest.raises(NotFound):
        services.save_draft(WARD, Q4, NARRATIVE, other, today=IN_Q4)
    submitted(officer)
    with pytest.raises(NotFound):
        services.ward_in_reach(WARD, other)
    with pytest.raises(NotFound):
        services.submit(WARD, Q4, other, today=IN_Q4)
    assert services.rows(Q4, frozenset({OTHER_WARD}), IN_Q4)[0].report is None


# --- late or not, on exact dates -----------------------------------------------------------------


def test_due_on_the_fifth_of_the_last_month_late_from_the_sixth(officer):
    assert Q4.quarterly_due == dt.date(2026, 12, 5)
    ward = services.ward_in_reach(WARD, officer)
    on_due = services.row(ward, Q4, dt.date(2026, 12, 5))
    assert (on_due.late, on_due.status) == (False, Status.NOT_DUE)
    after = services.row(ward, Q4, dt.date(2026, 12, 6))
    assert (after.late, after.status) == (True, Status.LATE)

    services.save_draft(WARD, Q4, NARRATIVE, officer, today=dt.date(2026, 12, 6))
    draft = services.row(ward, Q4, dt.date(2026, 12, 6))
    assert (draft.late, draft.status) == (True, Status.LATE)  # a draft is not sent

    services.submit(WARD, Q4, officer, today=dt.date(2026, 12, 6))
    sent = services.row(ward, Q4, dt.date(2026, 12, 6))
    assert (sent.late, sent.status) == (False, Status.SUBMITTED)


def test_submitted_late_is_by_the_province_day_of_submission(officer):
    report = submitted(officer)
    ward = services.ward_in_reach(WARD, officer)
    # 5/12 23:30 in Đồng Nai is 16:30 UTC: still on time; 6/12 00:30 there is 5/12 17:30 UTC.
    report.submitted_at = dt.datetime(2026, 12, 5, 16, 30, tzinfo=dt.UTC)
    assert services.row(ward, Q4, dt.date(2026, 12, 9)).submitted_late is False
    report.submitted_at = dt.datetime(2026, 12, 5, 17, 30, tzinfo=dt.UTC)
    assert services.row(ward, Q4, dt.date(2026, 12, 9)).submitted_late is True


def test_overview_counts_every_ward(officer, staff):
    submitted(officer)
    other = factories.user(Role.OFFICER, wards=(OTHER_WARD,))
    services.save_draft(OTHER_WARD, Q4, NARRATIVE, other, today=IN_Q4)
    services.submit(OTHER_WARD, Q4, other, today=IN_Q4)
    services.return_report(OTHER_WARD, Q4, "Thiếu số liệu", staff)
    wards = services.rows(Q4, today=dt.date(2026, 12, 6))
    assert len(wards) == 95
    counts = services.count_by_status(wards)
    assert counts == {
        Status.SUBMITTED: 1,
        Status.RETURNED: 1,
        Status.LATE: 93,
        Status.NOT_DUE: 0,
        Status.ACCEPTED: 0,
    }
    before = services.count_by_status(services.rows(Q4, today=dt.date(2026, 12, 5)))
    assert (before[Status.NOT_DUE], before[Status.LATE]) == (93, 0)


def test_the_officer_sees_the_running_quarter_and_three_before(officer):
    quarters = [q.key for q in services.quarters_shown(dt.date(2026, 2, 1))]
    assert quarters == ["2026-Q1", "2025-Q4", "2025-Q3", "2025-Q2"]
    items = services.officer_rows(frozenset({WARD}), dt.date(2026, 12, 3))
    assert [(r.ward.code, r.quarter.key) for r in items] == [
        (WARD, "2026-Q4"),
        (WARD, "2026-Q3"),
        (WARD, "2026-Q2"),
        (WARD, "2026-Q1"),
    ]
    assert [r.status for r in items] == [Status.NOT_DUE, Status.LATE, Status.LATE, Status.LATE]


# --- figures: pre-filled, then frozen at submit ---------------------------------------------


def test_figures_frozen_at_submit(officer):
    ward_data()
    report = submitted(officer)
    snapshot, frozen = services.figures_snapshot(report, Q4, IN_Q4)
    assert frozen and snapshot.kind is SnapshotKind.REPORT and snapshot.id == report.snapshot_id
    assert snapshot.as_of == IN_Q4

    # Records edited afterwards: a fourth shop, another assessed one.
    add_assessment(add_shop(), dt.date(2026, 11, 20), best=True)

    figures = Figures.of(services.figures_snapshot(report, Q4, IN_Q4)[0])
    assert figures.get(get("shops_active"), Scope.WARD, WARD).value == 3
    assert figures.get(get("shops_assessed"), Scope.WARD, WARD).value == 2
    assert figures.get(get("shops_assessed_share"), Scope.WARD, WARD).value == Fraction(200, 3)
    assert figures.get(get("digital_payment_share"), Scope.WARD, WARD).value == 50

    # The quarter's own figures do move: the draft of another ward would read them.
    live, frozen = services.figures_snapshot(None, Q4, IN_Q4)
    assert not frozen and live.kind is SnapshotKind.CURRENT
    now = Figures.of(live)
    assert now.get(get("shops_active"), Scope.WARD, WARD).value == 4
    assert now.get(get("digital_payment_share"), Scope.WARD, WARD).value == Fraction(200, 3)
