"""The dashboard's figures, read off snapshots and built once as `reports.tables.Table`s.

A `View` says whose figures are shown: the province (staff), an officer's wards (their sums) or
one ward (the drill-down). Every table the pages show and the exports write comes from `build`,
so a figure in a download is the figure on the page. Values stay exact (Fractions) until shown.

Targets are the province's. A ward or an officer's wards are read against the province's
trajectory for shares, scores and hours; a count (wards deployed, stamps issued) has no ward
target, so it is shown as a value only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import cached_property

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.accounts.models import Role, User, officer_wards
from core.extensions import db
from core.wards.labels import GROUP_LABELS, PHASE_LABELS
from core.wards.models import AreaGroup, RolloutPhase, Ward
from reports.indicators import definitions, snapshots, targets
from reports.indicators.definitions import Indicator
from reports.indicators.models import PeriodKind, Scope, Snapshot, SnapshotValue
from reports.indicators.periods import Period
from reports.indicators.targets import STANDING_LABELS, Standing
from reports.indicators.values import Figure, Figures
from reports.tables import Column, Table
from retail.shops.rules import fold

DEFAULT_INDICATOR = "digital_payment_share"
MONTHS = 12
LEVEL_INDICATORS = tuple(f"level_{level}_share" for level in range(6))
SORTS = ("gap", "-gap", "value", "-value", "name", "-name")

SECTION_TITLES = {"headline": _l("Headline indicators"), **definitions.SECTION_TITLES}
UNIT_TITLES = {
    "percent": _l("shares (%)"),
    "count": _l("numbers"),
    "score": _l("scores (0–100)"),
    "hours": _l("hours"),
}


@dataclass(frozen=True)
class View:
    """Whose figures: the province (`codes` None), a set of wards, or one ward."""

    codes: frozenset[str] | None = None
    ward: Ward | None = None

    @property
    def is_province(self) -> bool:
        return self.codes is None and self.ward is None

    def wards(self) -> frozenset[str] | None:
        """The wards the view covers (None: every ward)."""
        return frozenset({self.ward.code}) if self.ward is not None else self.codes

    def figure(self, figures: Figures, indicator: Indicator) -> Figure:
        if self.ward is not None:
            return figures.get(indicator, Scope.WARD, self.ward.code)
        if self.codes is None:
            return figures.get(indicator)
        return figures.for_wards(indicator, sorted(self.codes))

    def targets(self, indicator: Indicator, every: dict[str, dict[int, Decimal]]) -> dict:
        """The province's targets; a count has none below the province."""
        if not self.is_province and indicator.unit == "count":
            return {}
        return every.get(indicator.code, {})


@dataclass(frozen=True)
class Reading:
    """One indicator for one view on one day: value, target, trajectory, standing."""

    indicator: Indicator
    figure: Figure
    day: dt.date
    targets: dict

    @property
    def value(self) -> Fraction | None:
        return self.figure.value

    @property
    def target(self) -> Decimal | None:
        return self.targets.get(self.day.year)

    @cached_property
    def judged(self) -> tuple[Standing, Fraction | None]:
        return targets.standing(self.indicator, self.value, self.day, self.targets)

    @property
    def standing(self) -> Standing:
        return self.judged[0]

    @property
    def expected(self) -> Fraction | None:
        return self.judged[1]

    @property
    def gap(self) -> Fraction | None:
        return targets.gap(self.value, self.expected)


def read(view: View, figures: Figures, indicator: Indicator, every: dict) -> Reading:
    return Reading(
        indicator,
        view.figure(figures, indicator),
        figures.snapshot.as_of,
        view.targets(indicator, every),
    )


# --- loading ------------------------------------------------------------------------------------


def months_to(period: Period, today: dt.date | None = None, count: int = MONTHS) -> list[Period]:
    """The `count` months up to the one the period's figures are of, oldest first."""
    month = Period.containing(PeriodKind.MONTH, period.as_of(today))
    out = [month]
    while len(out) < count:
        try:
            out.append(out[-1].previous())
        except ValueError:  # before the calendar's first year
            break
    return out[::-1]


def partial_figures(found: list[Snapshot], view: View, measures: Iterable[str]) -> list[Figures]:
    """The few rows a chart needs of several snapshots (every category, the view's scope)."""
    ids = [item.id for item in found]
    stmt = select(
        SnapshotValue.snapshot_id,
        SnapshotValue.measure,
        SnapshotValue.scope,
        SnapshotValue.scope_key,
        SnapshotValue.value,
    ).where(
        SnapshotValue.snapshot_id.in_(ids),
        SnapshotValue.measure.in_(sorted(set(measures))),
        SnapshotValue.category == "",
    )
    codes = view.wards()
    if codes is None:
        stmt = stmt.where(SnapshotValue.scope == Scope.PROVINCE)
    else:
        stmt = stmt.where(SnapshotValue.scope == Scope.WARD, SnapshotValue.scope_key.in_(codes))
    rows: dict[int, dict] = {item.id: {} for item in found}
    for snapshot_id, measure, scope, key, value in db.session.execute(stmt):
        rows[snapshot_id][(measure, str(scope), key, "")] = value
    return [Figures(item, rows[item.id]) for item in found]


def officers() -> list[User]:
    """Field officers assigned to at least one ward (the ward table's officer filter)."""
    stmt = (
        select(User)
        .where(User.role == Role.OFFICER, User.is_active.is_(True))
        .where(User.id.in_(select(officer_wards.c.user_id)))
        .order_by(User.full_name)
    )
    return list(db.session.scalars(stmt))


def wards_of_officer(user_id: int) -> frozenset[str]:
    stmt = select(officer_wards.c.ward_code).where(officer_wards.c.user_id == user_id)
    return frozenset(db.session.scalars(stmt))


# --- the tables ---------------------------------------------------------------------------------


def _indicator_columns(unit: str, with_ratio: bool, with_target: bool) -> list[Column]:
    numerator = "score" if unit == "score" else "count"
    columns = [Column("indicator", _("Indicator"), width=48), Column("value", _("Value"), unit)]
    if with_ratio:
        columns += [
            Column("numerator", _("Numerator"), numerator),
            Column("denominator", _("Denominator"), "count"),
        ]
    if with_target:
        columns += [
            Column("target", _("This year's target"), unit),
            Column("expected", _("Trajectory today"), unit),
            Column("gap", _("Gap to the trajectory"), unit),
            Column("standing", _("Standing")),
        ]
    return columns


def _reading_row(reading: Reading, locale: str) -> dict:
    figure = reading.figure
    return {
        "indicator": reading.indicator.name(locale),
        "value": reading.value,
        "numerator": figure.numerator if reading.indicator.denominator else None,
        "denominator": figure.denominator,
        "target": reading.target,
        "expected": reading.expected,
        "gap": reading.gap,
        "standing": str(STANDING_LABELS[reading.standing]),
        "_reading": reading,
    }


def indicator_tables(group: str, readings: list[Reading], locale: str, note: str) -> list[Table]:
    """One table per unit of the group's indicators (a column has one number format)."""
    units = [unit for unit in definitions.UNITS if any(r.indicator.unit == unit for r in readings)]
    out = []
    for unit in units:
        mine = [r for r in readings if r.indicator.unit == unit]
        title = str(SECTION_TITLES[group])
        if len(units) > 1:
            title = f"{title}: {UNIT_TITLES[unit]}"
        columns = _indicator_columns(
            unit,
            with_ratio=any(r.indicator.denominator for r in mine),
            with_target=any(r.targets for r in mine),
        )
        rows = [_reading_row(r, locale) for r in mine]
        out.append(Table(f"{group}_{unit}", title, columns, rows, note))
    return out


def breakdown_table(
    view: View, figures: Figures, wards: list[Ward], locale: str, note: str
) -> Table:
    """The headline indicators (and shops assessed) by urban/rural group and roll-out phase."""
    shown = [*definitions.headline(), definitions.get("shops_assessed")]
    columns = [Column("by", _("Breakdown")), Column("name", _("Name"))] + [
        Column(item.code, item.name(locale), item.unit, width=22) for item in shown
    ]
    day = figures.snapshot.as_of
    parts: list[tuple[str, str, Scope, str, list[str]]] = []
    for group, label in GROUP_LABELS.items():
        codes = [w.code for w in wards if w.group_on(day) is group]
        parts.append((_("Group"), str(label), Scope.GROUP, group.value, codes))
    for phase, label in PHASE_LABELS.items():
        codes = [w.code for w in wards if w.rollout_phase is phase]
        parts.append((_("Roll-out phase"), str(label), Scope.PHASE, phase.value, codes))
    rows = []
    for by, name, scope, key, codes in parts:
        row = {"by": by, "name": name}
        for item in shown:
            if view.is_province:
                figure = figures.get(item, scope, key)
            else:
                figure = figures.for_wards(item, codes)
            row[item.code] = figure.value
        rows.append(row)
    return Table("breakdown", _("By group and roll-out phase"), columns, rows, note)


@dataclass
class WardQuery:
    """The ward table's choices (already parsed)."""

    indicator: Indicator
    group: AreaGroup | None = None
    phase: RolloutPhase | None = None
    officer: int | None = None
    sort: str = "gap"


def _sort_rows(rows: list[dict], indicator: Indicator, sort: str) -> list[dict]:
    """Sort the ward rows; rows without the figure go last, by code."""
    key, flipped = sort.lstrip("-"), sort.startswith("-")
    if key == "name":
        # Vietnamese order, near enough: letters without their diacritics first (Tân < Trảng).
        return sorted(rows, key=lambda r: (fold(r["name"]), r["name"], r["code"]), reverse=flipped)
    if key == "gap":
        # Worst first: the lowest gap where more is better, the highest where less is better.
        # A count has no ward trajectory: its value stands in for the gap.
        field_name = "gap" if indicator.unit != "count" else "value"
        descending = (indicator.direction == "down") != flipped
    else:
        field_name, descending = "value", flipped
    known = [r for r in rows if r[field_name] is not None]
    unknown = [r for r in rows if r[field_name] is None]
    known.sort(key=lambda r: r["code"])
    known.sort(key=lambda r: r[field_name], reverse=descending)
    return known + sorted(unknown, key=lambda r: r["code"])


def ward_table(
    view: View,
    figures: Figures,
    wards: list[Ward],
    query: WardQuery,
    every: dict,
    locale: str,
    note: str,
) -> Table:
    """One row per ward in the view: the chosen indicator, its gap to the trajectory, standing."""
    indicator = query.indicator
    day = figures.snapshot.as_of
    chosen = wards
    if query.group is not None:
        chosen = [w for w in chosen if w.group_on(day) is query.group]
    if query.phase is not None:
        chosen = [w for w in chosen if w.rollout_phase is query.phase]
    if query.officer is not None:
        theirs = wards_of_officer(query.officer)
        chosen = [w for w in chosen if w.code in theirs]
    province_targets = every.get(indicator.code, {}) if indicator.unit != "count" else {}
    columns = [
        Column("code", _("Code"), width=8),
        Column("name", _("Ward"), width=28),
        Column("group", _("Group")),
        Column("phase", _("Roll-out phase"), width=20),
        Column("value", indicator.name(locale), indicator.unit, width=24),
    ]
    if indicator.denominator:
        numerator = "score" if indicator.unit == "score" else "count"
        columns += [
            Column("numerator", _("Numerator"), numerator),
            Column("denominator", _("Denominator"), "count"),
        ]
    if indicator.unit != "count":
        columns += [
            Column("expected", _("Province trajectory"), indicator.unit),
            Column("gap", _("Gap to the trajectory"), indicator.unit),
            Column("standing", _("Standing")),
        ]
    rows = []
    for ward in chosen:
        figure = figures.get(indicator, Scope.WARD, ward.code)
        reading = Reading(indicator, figure, day, province_targets)
        rows.append(
            {
                "code": ward.code,
                "name": ward.name_on(day),
                "group": str(GROUP_LABELS[ward.group_on(day)]),
                "phase": str(PHASE_LABELS[ward.rollout_phase]),
                "value": reading.value,
                "numerator": reading.figure.numerator,
                "denominator": reading.figure.denominator,
                "expected": reading.expected,
                "gap": reading.gap,
                "standing": str(STANDING_LABELS[reading.standing]),
                "_reading": reading,
            }
        )
    sort = query.sort if query.sort in SORTS else "gap"
    title = _("Wards: %(indicator)s", indicator=indicator.name(locale))
    return Table("wards", title, columns, _sort_rows(rows, indicator, sort), note)


def series_table(
    view: View,
    indicator: Indicator,
    months: list[Period],
    found: list[Figures],
    every: dict,
    locale: str,
    note: str,
) -> Table:
    """The chosen indicator month by month, with the target trajectory on each month's day."""
    columns = [
        Column("month", _("Month"), width=10),
        Column("value", _("Value"), indicator.unit),
        Column("expected", _("Trajectory"), indicator.unit),
    ]
    rows = []
    for month, figures in zip(months, found, strict=True):
        reading = read(view, figures, indicator, every)
        rows.append(
            {
                "month": f"{month.number:02d}/{month.year}",
                "value": reading.value,
                "expected": reading.expected,
                "_period": month,
            }
        )
    title = _("Over time: %(indicator)s", indicator=indicator.name(locale))
    return Table("series", title, columns, rows, note)


def levels_table(view: View, figures: Figures, locale: str, note: str) -> Table:
    """Shops by maturity level of their latest completed assessment."""
    columns = [
        Column("level", _("Level"), width=30),
        Column("shops", _("Shops"), "count"),
        Column("share", _("Share of shops assessed"), "percent"),
    ]
    rows = []
    for level, code in enumerate(LEVEL_INDICATORS):
        indicator = definitions.get(code)
        figure = view.figure(figures, indicator)
        rows.append(
            {
                "level": indicator.name(locale),
                "shops": figure.numerator,
                "share": figure.value,
                "_level": level,
            }
        )
    return Table("levels", _("Shops by maturity level"), columns, rows, note)


# --- the whole page -----------------------------------------------------------------------------


@dataclass
class Dashboard:
    view: View
    period: Period
    snapshot: Snapshot
    tables: dict[str, Table] = field(default_factory=dict)
    tiles: list[dict] = field(default_factory=list)  # the headline rows, with trend and sparkline
    sections: list[Table] = field(default_factory=list)
    note: str = ""

    def ordered(self) -> list[Table]:
        return list(self.tables.values())


def note_for(snapshot: Snapshot, locale: str) -> str:
    from core.db import PROVINCE_TZ
    from core.formatting import format_date, format_datetime

    return _(
        "Figures as of %(day)s, taken at %(taken)s",
        day=format_date(snapshot.as_of, locale),
        taken=format_datetime(snapshot.taken_at, locale, tzinfo=PROVINCE_TZ),
    )


def _previous(period: Period, today: dt.date | None) -> Snapshot | None:
    try:
        before = period.previous()
    except ValueError:
        return None
    return snapshots.for_period(before, today=today)


def build(
    view: View,
    period: Period,
    query: WardQuery,
    locale: str,
    today: dt.date | None = None,
) -> Dashboard:
    """Every table and tile of the dashboard (or a ward's page) for a period. Takes the
    snapshots it needs (flushes); the caller commits (`pages.record`)."""
    snapshot = snapshots.for_period(period, today=today)
    figures = Figures.of(snapshot)
    every = targets.all_targets()
    note = note_for(snapshot, locale)
    out = Dashboard(view, period, snapshot, note=note)

    headline = list(definitions.headline())
    readings = {
        item.code: read(view, figures, item, every) for item in definitions.all_indicators()
    }
    months = months_to(period, today)
    month_snapshots = [snapshots.for_period(month, today=today) for month in months]
    chart_measures = {m for item in [*headline, query.indicator] for m in item.measures}
    month_figures = partial_figures(month_snapshots, view, chart_measures)
    before = _previous(period, today)
    before_figures = (
        partial_figures([before], view, {m for item in headline for m in item.measures})[0]
        if before is not None
        else None
    )

    for table in indicator_tables("headline", [readings[i.code] for i in headline], locale, note):
        out.tables[table.key] = table
        for row in table.rows:
            reading = row["_reading"]
            previous = (
                read(view, before_figures, reading.indicator, every).value
                if before_figures is not None
                else None
            )
            change = None if previous is None or reading.value is None else reading.value - previous
            spark = [read(view, f, reading.indicator, every).value for f in month_figures]
            out.tiles.append({**row, "previous": previous, "change": change, "spark": spark})
    order = {item.code: index for index, item in enumerate(headline)}
    out.tiles.sort(key=lambda tile: order[tile["_reading"].indicator.code])

    for section in definitions.SECTIONS:
        others = [readings[i.code] for i in definitions.in_section(section) if not i.headline]
        if others:
            for table in indicator_tables(section, others, locale, note):
                out.tables[table.key] = table
                out.sections.append(table)

    wards = visible_wards(view)
    if view.ward is None:
        out.tables["breakdown"] = breakdown_table(view, figures, wards, locale, note)
        out.tables["wards"] = ward_table(view, figures, wards, query, every, locale, note)
    out.tables["series"] = series_table(
        view, query.indicator, months, month_figures, every, locale, note
    )
    out.tables["levels"] = levels_table(view, figures, locale, note)
    return out


def visible_wards(view: View) -> list[Ward]:
    stmt = select(Ward).order_by(Ward.code)
    codes = view.wards()
    if codes is not None:
        stmt = stmt.where(Ward.code.in_(sorted(codes)))
    return list(db.session.scalars(stmt))
