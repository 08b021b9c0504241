"""Who may open the reports' quarterly pages and API routes.

Rows for tests/retail/test_retail_permissions.py, in its world (an officer of ward 26188).
Officers read and write their wards' reports (another ward answers 404); staff and admins read
every ward's and review them (accept, send back) but do not write a ward's narrative (403);
producers get 403, anonymous visitors the login page (pages) or 401 (API).

`setup` makes two reports of ward 26188: a draft of the running quarter ({wr_quarter}) with its
narrative written, and a submitted one of the quarter before ({wr_prev_quarter}) with its frozen
snapshot (empty: nothing is counted for a permission check).
"""

from core.db import province_today, utcnow
from core.extensions import db
from reports.indicators.models import PeriodKind, Snapshot, SnapshotKind
from reports.indicators.periods import Period
from reports.quarterly.models import WardReport, WardReportState

BASE = "/reports/quarterly"
API = "/api/v1/ward-reports"
NARRATIVE = {"activities": "Khảo sát", "difficulties": "Không", "proposals": "Không"}

STAFF_PAGE = {"anon": 302, "staff": 200, "admin": 200, "*": 403}
STAFF_POST = {"anon": 302, "staff": 302, "admin": 302, "*": 403}
WARD_PAGE = {"anon": 302, "producer": 403, "officer_b": 404, "*": 200}
OTHER_WARD_PAGE = {**WARD_PAGE, "officer": 404, "officer_b": 200}
OFFICER_PAGE = {"anon": 302, "producer": 403, "officer": 200, "officer_b": 404, "*": 403}
OFFICER_POST = {**OFFICER_PAGE, "officer": 302}

API_READ = {"anon": 401, "producer": 403, "*": 200}
OFFICER_API = {"anon": 401, "officer": 200, "officer_b": 404, "*": 403}
STAFF_API = {"anon": 401, "staff": 200, "admin": 200, "*": 403}

PAGES: list = [  # (method, url, {role: status})
    (
        "GET",
        f"{BASE}/",
        {"anon": 302, "producer": 403, "officer": 200, "officer_b": 200, "*": 302},
    ),
    ("GET", f"{BASE}/overview", STAFF_PAGE),
    ("GET", f"{BASE}/overview.xlsx", STAFF_PAGE),
    ("GET", BASE + "/{ward}/{wr_quarter}", WARD_PAGE),
    ("GET", BASE + "/{other_ward}/{wr_quarter}", OTHER_WARD_PAGE),
    ("GET", BASE + "/{ward}/{wr_prev_quarter}", WARD_PAGE),
    ("POST", BASE + "/{ward}/{wr_quarter}", OFFICER_POST),  # an empty form: the draft, saved
    ("GET", BASE + "/{ward}/{wr_quarter}/submit", OFFICER_PAGE),
    ("POST", BASE + "/{ward}/{wr_quarter}/submit", OFFICER_POST),
    # An empty comment: the page again, with the message next to the field.
    ("POST", BASE + "/{ward}/{wr_prev_quarter}/return", {**STAFF_PAGE, "anon": 302}),
    ("POST", BASE + "/{ward}/{wr_prev_quarter}/accept", STAFF_POST),
    ("GET", BASE + "/{ward}/{wr_quarter}/report.xlsx", WARD_PAGE),
    ("GET", BASE + "/{ward}/{wr_prev_quarter}/report.pdf", WARD_PAGE),
]
APIS: list = [  # (method, url, json body or None, {role: status})
    ("GET", f"{API}/", None, API_READ),
    ("GET", API + "/{ward}/{wr_quarter}", None, {**API_READ, "officer_b": 404}),
    ("GET", API + "/{other_ward}/{wr_quarter}", None, {**API_READ, "officer": 404}),
    ("PUT", API + "/{ward}/{wr_quarter}", NARRATIVE, OFFICER_API),
    ("POST", API + "/{ward}/{wr_quarter}/submit", None, OFFICER_API),
    ("POST", API + "/{ward}/{wr_prev_quarter}/return", {"comment": "Thiếu số liệu"}, STAFF_API),
    ("POST", API + "/{ward}/{wr_prev_quarter}/accept", None, STAFF_API),
]


def setup(world) -> dict:
    quarter = Period.containing(PeriodKind.QUARTER, province_today())
    previous = quarter.previous()
    officer = world.users["officer"]
    frozen = Snapshot(
        period_kind=previous.kind,
        period_key=previous.key,
        period_start=previous.start,
        period_end=previous.end,
        as_of=previous.end,
        kind=SnapshotKind.REPORT,
        notes={},
    )
    db.session.add_all(
        [
            WardReport(
                ward_code="26188",
                year=quarter.year,
                quarter=quarter.number,
                state=WardReportState.DRAFT,
                **NARRATIVE,
            ),
            WardReport(
                ward_code="26188",
                year=previous.year,
                quarter=previous.number,
                state=WardReportState.SUBMITTED,
                snapshot=frozen,
                submitted_at=utcnow(),
                submitted_by_id=officer.id,
                **NARRATIVE,
            ),
        ]
    )
    db.session.flush()
    return {"wr_quarter": quarter.key, "wr_prev_quarter": previous.key}
