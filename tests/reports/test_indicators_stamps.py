"""Stamp, scan and counterfeit-report indicators (flows), counted by hand.

Producer A is in Phường Tân Triều, producer B in Xã Trảng Bom (a phường from 30/4/2026). Times
are the province's (UTC+7): 23:30 on 30/6 is still June; 00:10 on 1/7 is July although it is
30/6 in UTC.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from reports.indicators import definitions
from reports.indicators.models import Scope
from tests.reports import engine_data as data
from tests.reports.engine_data import TAN_TRIEU, TRANG_BOM, TRANG_DAI, Read, at, d


@pytest.fixture
def world(app_ctx):
    from traceability.stamps.models import ReportState, Verdict

    a, a_owner = data.producer(TAN_TRIEU, created="2026-01-05", verified="2026-01-06")
    b, b_owner = data.producer(TRANG_BOM, created="2026-01-05", verified="2026-01-06")
    a1 = data.stamp_order(a, a_owner, 5, "2026-06-03")
    a2 = data.stamp_order(a, a_owner, 7, "2026-06-03")
    a2.created_at = at(d("2026-07-01"), 0, 10)  # July in Đồng Nai (30/6 17:10 UTC)
    data.stamp_order(a, a_owner, 2, "2026-05-31").created_at = at(d("2026-05-31"), 23, 59)
    b1 = data.stamp_order(b, b_owner, 4, "2026-06-30")
    b1.created_at = at(d("2026-06-30"), 23, 30)
    s1, s2, s3 = data.stamps_of(a1)[:3]
    (t1,) = data.stamps_of(b1)[:1]
    for hour in (8, 9, 10):
        data.scan(s1, at(d("2026-06-10"), hour))
    data.scan(s1, at(d("2026-05-15")))  # May: in Q2, not in June
    data.scan(s2, at(d("2026-06-11")), verdict=Verdict.SUSPICIOUS)
    data.scan(s3, at(d("2026-07-01"), 0, 10))  # July
    data.scan(t1, at(d("2026-06-12")))
    data.scan(t1, at(d("2026-06-30"), 23, 30))
    # A serial A never issued (its GTIN is A's); a code that names no known producer.
    data.scan(None, at(d("2026-06-13")), verdict=Verdict.NOT_ISSUED, producer_id=a.id)
    data.scan(None, at(d("2026-06-14")), verdict=Verdict.SUSPICIOUS)

    def report(received, handled=None, producer=None, **kw):
        return data.counterfeit_report(
            received, producer_id=producer.id if producer else None, handled=handled, **kw
        )

    report(at(d("2026-06-01"), 8), at(d("2026-06-01"), 20), a)  # 12 h
    report(at(d("2026-06-02"), 8), at(d("2026-06-03"), 8), a, state=ReportState.DISMISSED)  # 24 h
    report(at(d("2026-06-05"), 8), at(d("2026-06-07"), 8))  # 48 h, no producer
    report(at(d("2026-06-10"), 8), None, b)  # still new
    report(at(d("2026-05-20"), 8), at(d("2026-06-04"), 8), a)  # received in May: 360 h
    report(at(d("2026-06-15"), 8), at(d("2026-06-16"), 8), b, state=ReportState.INVESTIGATING)
    return a, b


def test_stamps_issued_by_the_order_date_in_the_province_calendar(world):
    june = Read("2026-06")
    assert june.value("stamps_issued", ward=TAN_TRIEU) == 5  # a1; a2 is July's, the 2 May's
    assert june.value("stamps_issued", ward=TRANG_BOM) == 4  # 23:30 on 30/6
    assert june.value("stamps_issued") == 9
    assert Read("2026-07").value("stamps_issued") == 7
    assert Read("2026-05").value("stamps_issued") == 2
    assert Read("2026-Q2").value("stamps_issued") == 11
    # Open data's base: the producers who ordered in the period (A and B in June, A in July).
    assert june.figure("stamps_issued").base == 2
    assert june.figure("stamps_issued", ward=TRANG_BOM).base == 1
    assert Read("2026-07").figure("stamps_issued").base == 1


def test_scans_distinct_stamps_and_suspicious_scans(world):
    june = Read("2026-06")
    # A: s1 three times, s2 once (suspicious), one unissued serial → 5 scans of 2 stamps.
    assert june.value("scans", ward=TAN_TRIEU) == 5
    assert june.value("stamps_scanned", ward=TAN_TRIEU) == 2
    assert june.value("scans_suspicious", ward=TAN_TRIEU) == 1
    # B: t1 twice (the second at 23:30 on 30/6).
    assert (june.value("scans", ward=TRANG_BOM), june.value("stamps_scanned", ward=TRANG_BOM)) == (
        2,
        1,
    )
    # The province adds the code naming no producer (suspicious): 8 scans, 2 suspicious.
    assert june.value("scans") == 8
    assert june.value("stamps_scanned") == 3
    assert june.value("scans_suspicious") == 2
    # Both wards are urban in June: the orphan scan is in no group.
    assert june.value("scans", group="urban") == 7
    # Q2 adds s1's May scan: 9 scans, but still 3 distinct stamps.
    q2 = Read("2026-Q2")
    assert (q2.value("scans"), q2.value("stamps_scanned")) == (9, 3)
    july = Read("2026-07")
    assert (july.value("scans"), july.value("stamps_scanned")) == (1, 1)
    # Base: producers whose codes were scanned (the orphan scan names none).
    assert june.figure("scans").base == 2
    assert june.figure("scans", ward=TAN_TRIEU).base == 1
    assert july.figure("scans").base == 1


def test_counterfeit_reports_received_a_report_naming_no_producer_only_in_the_province(world):
    june = Read("2026-06")
    assert june.value("reports_received", ward=TAN_TRIEU) == 2
    assert june.value("reports_received", ward=TRANG_BOM) == 2
    assert june.value("reports_received") == 5  # and the one naming no producer
    assert june.value("reports_received", group="urban") == 4
    assert june.value("reports_received", group="rural") == 0
    assert Read("2026-05").value("reports_received") == 1
    # Base: the producers named (A and B); the report naming none adds no producer.
    assert june.figure("reports_received").base == 2


def test_median_resolution_time_odd_and_even_counts(world):
    june = Read("2026-06")
    # Resolved in June (confirmed or dismissed; investigating does not count):
    # A: 12, 24 and 360 hours (received in May) → median 24 (odd count).
    assert june.value("report_resolution_median", ward=TAN_TRIEU) == 24
    # The province adds 48 h (no producer): 12, 24, 48, 360 → (24 + 48) / 2 = 36.
    assert june.value("report_resolution_median") == 36
    assert june.figure("report_resolution_median").base == 4
    # B resolved none: no value (not 0); a ward with no report at all either.
    assert june.value("report_resolution_median", ward=TRANG_BOM) is None
    assert june.value("report_resolution_median", ward=TRANG_DAI) is None
    # Urban group in June: A's three → 24.
    assert june.value("report_resolution_median", group="urban") == 24


def test_a_median_is_not_summed_across_an_officers_wards(world):
    june = Read("2026-06")
    indicator = definitions.get("report_resolution_median")
    assert june.figures.for_wards(indicator, {TAN_TRIEU}).value == 24
    assert june.figures.for_wards(indicator, {TAN_TRIEU, TRANG_BOM}).value is None
    scans = definitions.get("scans")
    assert june.figures.for_wards(scans, {TAN_TRIEU, TRANG_BOM}).value == 7


def test_a_median_of_zero_hours_is_a_figure(app_ctx):
    a, _owner = data.producer(TAN_TRIEU, verified="2026-01-06")
    moment = at(d("2026-06-01"), 9)
    data.counterfeit_report(moment, producer_id=a.id, handled=moment)
    june = Read("2026-06")
    assert june.measure("report_resolution_hours", Scope.WARD, TAN_TRIEU) == Decimal(0)
    assert june.value("report_resolution_median", ward=TAN_TRIEU) == 0


def test_resolution_hours_keep_minutes(app_ctx):
    a, _owner = data.producer(TAN_TRIEU, verified="2026-01-06")
    data.counterfeit_report(
        at(d("2026-06-01"), 8), producer_id=a.id, handled=at(d("2026-06-01"), 9, 30)
    )
    data.counterfeit_report(
        at(d("2026-06-01"), 8), producer_id=a.id, handled=at(d("2026-06-01"), 10, 20)
    )
    # 1.5 h and 2h20 (7/3 h): the median is (3/2 + 7/3) / 2 = 23/12, stored to 4 places.
    value = Read("2026-06").value("report_resolution_median")
    assert abs(value - Fraction(23, 12)) < Fraction(1, 10_000)
