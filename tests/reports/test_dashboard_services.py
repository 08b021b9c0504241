"""The dashboard's tables on hand-built snapshot rows, with every number worked out here.

October 2026 is read as of 31/10/2026. Digital payment's targets are 90 % (2026) and 90 %
(2030), from 0 % on 31/12/2025: on 31/10/2026 (304 of 365 days) the trajectory stands at
90 × 304/365 = 27360/365 % (74,96 %); "behind" is within 10 % of it (≥ 67,46 %).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest

from core.accounts.models import Role
from core.wards.models import AreaGroup, RolloutPhase
from reports.dashboard import charts, services
from reports.indicators import definitions, targets
from reports.indicators.models import PeriodKind, Scope, Snapshot, SnapshotKind
from reports.indicators.targets import Standing
from reports.indicators.values import Figures
from tests import factories

A, B, C = "26188", "25993", "26206"  # Phường Tân Triều, Phường Trảng Dài, Xã Định Quán
EXPECTED = Fraction(27360, 365)


def figures_of(rows: dict, as_of=dt.date(2026, 10, 31)) -> Figures:
    snapshot = Snapshot(
        period_kind=PeriodKind.MONTH,
        period_key="2026-10",
        period_start=dt.date(2026, 10, 1),
        period_end=dt.date(2026, 10, 31),
        as_of=as_of,
        kind=SnapshotKind.CLOSING,
    )
    return Figures(
        snapshot,
        {(m, str(s), k, ""): Decimal(v) for (m, s, k), v in rows.items()},
    )


def ward_rows() -> dict:
    """A: 8 of 10 assessed shops take digital payment; B: 6 of 10; C: 7 of 10."""
    rows = {}
    for ward, paying, levels in ((A, 8, (2, 8)), (B, 6, (5, 5)), (C, 7, (0, 10))):
        rows[("shops_assessed", Scope.WARD, ward)] = 10
        rows[("flag_takes_digital_payment", Scope.WARD, ward)] = paying
        rows[("shops_level_1", Scope.WARD, ward)] = levels[0]
        rows[("shops_level_3", Scope.WARD, ward)] = levels[1]
    rows[("wards_deployed", Scope.WARD, A)] = 1
    rows[("shops_assessed", Scope.PROVINCE, "")] = 30
    rows[("flag_takes_digital_payment", Scope.PROVINCE, "")] = 21
    rows[("wards_deployed", Scope.PROVINCE, "")] = 1
    return rows


@pytest.fixture
def every(app_ctx):
    return targets.all_targets()


def query(code="digital_payment_share", **kw) -> services.WardQuery:
    return services.WardQuery(indicator=definitions.get(code), **kw)


def three_wards():
    return [w for w in services.visible_wards(services.View()) if w.code in (A, B, C)]


def test_ward_table_gives_value_gap_and_standing_worst_first(every):
    table = services.ward_table(
        services.View(), figures_of(ward_rows()), three_wards(), query(), every, "vi", ""
    )
    assert [row["code"] for row in table.rows] == [B, C, A]
    by_code = {row["code"]: row for row in table.rows}
    assert by_code[A]["value"] == 80
    assert by_code[A]["expected"] == EXPECTED
    assert by_code[A]["gap"] == Fraction(1840, 365)
    assert by_code[A]["_reading"].standing is Standing.ON_TRACK
    assert by_code[C]["gap"] == Fraction(-1810, 365)
    assert by_code[C]["_reading"].standing is Standing.BEHIND
    assert by_code[B]["gap"] == Fraction(-5460, 365)
    assert by_code[B]["_reading"].standing is Standing.AT_RISK
    assert (by_code[B]["numerator"], by_code[B]["denominator"]) == (6, 10)
    assert [c.key for c in table.columns][-3:] == ["expected", "gap", "standing"]


def test_ward_table_sorts_by_name_and_value_and_best_first(every):
    figures, wards = figures_of(ward_rows()), three_wards()

    def order(sort):
        table = services.ward_table(
            services.View(), figures, wards, query(sort=sort), every, "vi", ""
        )
        return [row["code"] for row in table.rows]

    assert order("-gap") == [A, C, B]
    assert order("value") == [B, C, A]
    assert order("-value") == [A, C, B]
    # Phường Tân Triều, Phường Trảng Dài, Xã Định Quán
    assert order("name") == [A, B, C]


def test_ward_table_filters_by_group_phase_and_officer(every):
    figures = figures_of(ward_rows())
    wards = services.visible_wards(services.View())

    def codes(**kw):
        table = services.ward_table(services.View(), figures, wards, query(**kw), every, "vi", "")
        return [row["code"] for row in table.rows]

    rural = codes(group=AreaGroup.RURAL)
    assert C in rural and A not in rural and B not in rural
    assert rural[0] == C  # the only rural ward with a figure comes first
    urban = codes(group=AreaGroup.URBAN)
    assert urban[:2] == [B, A] and C not in urban
    assert len(rural) + len(urban) == 95
    pilot = codes(phase=RolloutPhase.PILOT_2026)
    assert (
        all(w.rollout_phase is RolloutPhase.PILOT_2026 for w in wards if w.code in pilot)
        and len(pilot) < 95
    )
    officer = factories.user(Role.OFFICER, wards=(C, B))
    assert codes(officer=officer.id) == [B, C]


def test_a_count_has_no_ward_trajectory_and_sorts_by_value(every):
    table = services.ward_table(
        services.View(),
        figures_of(ward_rows()),
        three_wards(),
        query("wards_deployed"),
        every,
        "vi",
        "",
    )
    assert [c.key for c in table.columns] == ["code", "name", "group", "phase", "value"]
    # Worst first where more is better: the lowest values first (B, C have 0; by code).
    assert [row["code"] for row in table.rows] == [B, C, A]
    assert [row["value"] for row in table.rows] == [0, 0, 1]


def test_worst_first_is_the_highest_value_where_less_is_better():
    indicator = definitions.get("ocop_expiring_90")
    rows = [
        {"code": "1", "name": "x", "value": Fraction(2), "gap": None},
        {"code": "2", "name": "y", "value": None, "gap": None},
        {"code": "3", "name": "z", "value": Fraction(5), "gap": None},
    ]
    assert [r["code"] for r in services._sort_rows(rows, indicator, "gap")] == ["3", "1", "2"]


def test_an_officers_wards_are_summed_and_read_against_the_province_trajectory(every):
    view = services.View(codes=frozenset({A, B}))
    figures = figures_of(ward_rows())
    share = services.read(view, figures, definitions.get("digital_payment_share"), every)
    assert share.value == 70  # (8 + 6) / (10 + 10)
    assert share.expected == EXPECTED
    assert share.standing is Standing.BEHIND  # 70 ≥ 0,9 × 74,96 = 67,46
    deployed = services.read(view, figures, definitions.get("wards_deployed"), every)
    assert deployed.value == 1 and deployed.standing is Standing.NO_TARGET
    province = services.read(services.View(), figures, definitions.get("wards_deployed"), every)
    # 25 wards by 31/12/2026 from 0 on 31/12/2025: 25 × 304/365 on 31/10/2026.
    assert province.expected == Fraction(25 * 304, 365)
    assert province.target == 25 and province.standing is Standing.AT_RISK


def test_indicator_tables_keep_one_unit_per_table(every):
    figures = figures_of(ward_rows())
    readings = [
        services.read(services.View(), figures, item, every) for item in definitions.headline()
    ]
    tables = services.indicator_tables("headline", readings, "vi", "note")
    assert [t.key for t in tables] == ["headline_percent", "headline_count"]
    percent = {row["indicator"]: row for row in tables[0].rows}
    payment = percent[definitions.get("digital_payment_share").name("vi")]
    assert payment["value"] == 70  # 21 of 30 in the province
    assert (payment["numerator"], payment["denominator"]) == (21, 30)
    assert payment["target"] == 90
    assert {c.kind for c in tables[0].columns if c.key in ("value", "target")} == {"percent"}
    assert {c.kind for c in tables[1].columns if c.key == "value"} == {"count"}


def test_breakdown_sums_the_officers_wards_by_group(every):
    view = services.View(codes=frozenset({A, B, C}))
    figures = figures_of(ward_rows())
    table = services.breakdown_table(view, figures, three_wards(), "vi", "")
    rows = {row["name"]: row for row in table.rows}
    urban = rows[str(services.GROUP_LABELS[AreaGroup.URBAN])]
    rural = rows[str(services.GROUP_LABELS[AreaGroup.RURAL])]
    assert urban["digital_payment_share"] == 70  # A and B: 14 of 20
    assert rural["digital_payment_share"] == 70  # C: 7 of 10
    assert urban["shops_assessed"] == 20 and rural["shops_assessed"] == 10
    pilot = rows[str(services.PHASE_LABELS[RolloutPhase.PILOT_2026])]
    assert pilot["shops_assessed"] == sum(
        10 for w in three_wards() if w.rollout_phase is RolloutPhase.PILOT_2026
    )


def test_levels_table_counts_and_shares(every):
    figures = figures_of(ward_rows())
    table = services.levels_table(services.View(codes=frozenset({A, B})), figures, "vi", "")
    shops = [row["shops"] for row in table.rows]
    shares = [row["share"] for row in table.rows]
    assert shops == [0, 7, 0, 13, 0, 0]  # level 1: 2 + 5; level 3: 8 + 5
    assert shares[1] == 35 and shares[3] == 65  # of 20 shops assessed


def test_series_reads_each_month_against_its_own_day(every):
    months = services.months_to(
        services.Period(PeriodKind.QUARTER, 2026, 3), dt.date(2026, 12, 1), count=2
    )
    assert [m.key for m in months] == ["2026-08", "2026-09"]
    aug = figures_of(ward_rows(), as_of=dt.date(2026, 8, 31))
    sep = figures_of(ward_rows(), as_of=dt.date(2026, 9, 30))
    table = services.series_table(
        services.View(ward=None),
        definitions.get("digital_payment_share"),
        months,
        [aug, sep],
        every,
        "vi",
        "",
    )
    assert [row["month"] for row in table.rows] == ["08/2026", "09/2026"]
    assert table.rows[0]["expected"] == Fraction(90 * 243, 365)  # 243 days to 31/8
    assert table.rows[1]["expected"] == Fraction(90 * 273, 365)  # 273 days to 30/9
    assert table.rows[0]["value"] == 70


def test_line_chart_draws_values_and_a_dashed_trajectory():
    svg = charts.line_chart(
        ["01", "02", "03"],
        [Fraction(10), None, Fraction(30)],
        [Fraction(5), Fraction(10), Fraction(15)],
        title="Digital <payment>",
        fmt=str,
        value_label="Value",
        expected_label="Target",
    )
    assert "<title" in svg and "Digital &lt;payment&gt;" in svg
    assert svg.count('<path class="line"') == 1 and 'class="target"' in svg
    line = svg.split('<path class="line" d="')[1].split('"')[0]
    assert line.count("M") == 2 and "L" not in line  # broken at the missing month
    assert svg.count("<circle") == 2
    assert 'viewBox="0 0 360 210"' in svg


def test_bar_chart_draws_one_bar_per_level_and_scale_tops_are_round():
    svg = charts.bar_chart(["0", "1", "2"], [0, 4, 8], title="Levels", fmt=str)
    assert svg.count("<rect") == 3
    assert charts._top([3.2]) == 5 and charts._top([72.0]) == 100 and charts._top([None]) == 1
    assert charts._top([0.18]) == 0.2
