"""The annual report's tables, built once from the snapshots' `Figures`.

The page's preview, the XLSX (one sheet per table) and the PDF read these same `Table`s, so a
figure in a file is the figure on the page. Cells hold exact values; a column whose rows have
different units (a count beside a percentage) holds each value already rounded for its own
unit and names that unit in the row's `_kinds`, which the page and the PDF use to show it.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.db import PROVINCE_TZ
from core.extensions import db
from core.formatting import format_date, format_datetime
from core.wards.labels import GROUP_LABELS, PHASE_LABELS
from core.wards.models import Ward
from reports import tables
from reports.annual import method
from reports.annual.services import Sources
from reports.indicators import definitions, targets
from reports.indicators.definitions import SECTION_TITLES, Indicator
from reports.indicators.models import Scope, SnapshotKind
from reports.indicators.values import Figures
from reports.tables import Column, Table, rounded

LONG_RANGE_YEAR = 2030
UNIT_LABELS = {
    "percent": "%",
    "count": _l("number"),
    "score": _l("points (0–100)"),
    "hours": _l("hours"),
}
SNAPSHOT_LABELS = {
    SnapshotKind.CLOSING: _l("closing snapshot"),
    SnapshotKind.CURRENT: _l("current snapshot (provisional)"),
    SnapshotKind.BACKFILL: _l("snapshot rebuilt from the records"),
    SnapshotKind.REPORT: _l("snapshot of a submitted report"),
}
# The key indicators of the groups', phases' and wards' tables.
KEY_CODES = (
    "shops_active",
    "shops_assessed",
    "digital_payment_share",
    "portal_listed_share",
    "ip_supported_share",
)


# An indicator's unit (percent, count, score, hours) is also the `Column.kind` it is shown as.


def _locale() -> str:
    return str(get_locale() or "vi")


def _numerator_kind(indicator: Indicator) -> str:
    return "count" if indicator.unit == "percent" else indicator.unit


def show(value: Any, kind: str) -> str:
    """A cell as the page and the PDF show it: 1.500; 35,5 %; 01/12/2026; — for none."""
    return tables.show(value, kind, _locale())


def cell_kind(row: dict, column: Column) -> str:
    """The kind a cell is shown as: its row's own for a column of mixed units."""
    return tables.cell_kind(row, column)


@dataclass
class Report:
    """The annual report: its sources, its title and its tables (cover first)."""

    sources: Sources
    title: str
    tables: list[Table]

    def table(self, key: str) -> Table:
        return next(table for table in self.tables if table.key == key)


def build(sources: Sources) -> Report:
    """Every table of the year's report, in the order the report prints them."""
    figures = Figures.of(sources.snapshot)
    title = _(
        "Report on the results of the traceability and retail digitalisation programme, "
        "year %(year)s",
        year=str(sources.year),
    )
    note = snapshot_note(sources)
    wards = list(db.session.scalars(select(Ward).order_by(Ward.code)))
    tables = [
        cover(sources, title),
        with_targets(sources, figures, note),
        *by_section(figures, note),
        by_group(sources, figures, note),
        by_phase(figures, note),
        by_ward(sources, figures, wards, note),
        by_month(sources),
        method.table(sources),
    ]
    return Report(sources=sources, title=title, tables=tables)


def snapshot_note(sources: Sources) -> str:
    locale, snapshot = _locale(), sources.snapshot
    return _(
        "Figures as of %(day)s, %(kind)s taken %(taken)s.",
        day=format_date(snapshot.as_of, locale),
        kind=str(SNAPSHOT_LABELS[snapshot.kind]),
        taken=format_datetime(snapshot.taken_at, locale, tzinfo=PROVINCE_TZ),
    )


def cover(sources: Sources, title: str) -> Table:
    locale, snapshot, period = _locale(), sources.snapshot, sources.period
    state = (
        _("Provisional: the year is still running, figures as of %(day)s.", day=_d(snapshot.as_of))
        if sources.provisional
        else _("Final: the year is over.")
    )
    rows = [
        ("title", _("Report"), title),
        ("issuer", _("Issued by"), _("Department of Science and Technology of Đồng Nai province")),
        (
            "recipients",
            _("Sent to"),
            _("Đồng Nai Provincial People's Committee; Ministry of Science and Technology"),
        ),
        (
            "period",
            _("Period"),
            f"{format_date(period.start, locale)} – {format_date(period.end, locale)}",
        ),
        ("as_of", _("Figures as of"), format_date(snapshot.as_of, locale)),
        ("state", _("Status"), state),
        ("snapshot", _("Snapshot"), f"#{snapshot.id}, {SNAPSHOT_LABELS[snapshot.kind]}"),
        (
            "taken",
            _("Snapshot taken"),
            format_datetime(snapshot.taken_at, locale, tzinfo=PROVINCE_TZ),
        ),
        ("due", _("Due date"), format_date(sources.due, locale)),
    ]
    return Table(
        key="cover",
        title=_("Cover"),
        columns=[Column("item", _("Item"), width=24), Column("value", _("Details"), width=80)],
        rows=[{"key": key, "item": item, "value": value} for key, item, value in rows],
    )


def _d(day) -> str:
    return format_date(day, _locale())


def _mixed(row: dict, key: str, value: Any, kind: str) -> None:
    """A cell of a column whose rows differ in unit: rounded for its own unit, kind noted."""
    row[key] = rounded(value, kind)
    row.setdefault("_kinds", {})[key] = kind


def _indicator_columns() -> list[Column]:
    return [
        Column("indicator", _("Indicator"), width=48),
        Column("unit", _("Unit"), width=10),
        Column("numerator", _("Numerator")),
        Column("denominator", _("Denominator"), "count"),
        Column("value", _("Value")),
    ]


def _indicator_row(indicator: Indicator, figures: Figures) -> dict:
    figure = figures.get(indicator)
    row: dict[str, Any] = {
        "code": indicator.code,
        "indicator": indicator.name(_locale()),
        "unit": str(UNIT_LABELS[indicator.unit]),
        "denominator": None if indicator.denominator is None else figure.denominator,
    }
    _mixed(row, "numerator", figure.numerator, _numerator_kind(indicator))
    _mixed(row, "value", figure.value, indicator.unit)
    return row


def with_targets(sources: Sources, figures: Figures, note: str) -> Table:
    """Every indicator with targets: its value against this year's, 2030's and the trajectory."""
    day, year = sources.snapshot.as_of, sources.year
    rows = []
    for indicator in definitions.all_indicators():
        if not indicator.has_targets:
            continue
        goals = targets.targets_of(indicator)
        row = _indicator_row(indicator, figures)
        standing, expected = targets.standing(indicator, figures.get(indicator).value, day, goals)
        kind = indicator.unit
        _mixed(row, "target_year", goals.get(year), kind)
        _mixed(row, "target_long", goals.get(LONG_RANGE_YEAR), kind)
        _mixed(row, "expected", expected, kind)
        row["standing"] = str(targets.STANDING_LABELS[standing])
        row["standing_key"] = standing.value
        rows.append(row)
    columns = [
        *_indicator_columns(),
        Column("target_year", _("Target %(year)s", year=str(year))),
        Column("target_long", _("Target %(year)s", year=str(LONG_RANGE_YEAR))),
        Column("expected", _("Trajectory on %(day)s", day=_d(day))),
        Column("standing", _("Standing"), width=14),
    ]
    return Table(
        key="targets", title=_("Indicators with targets"), columns=columns, rows=rows, note=note
    )


def by_section(figures: Figures, note: str) -> list[Table]:
    """The indicators without targets, one table per section (sections left empty are left out)."""
    out = []
    for section, title in SECTION_TITLES.items():
        rows = [
            _indicator_row(indicator, figures)
            for indicator in definitions.in_section(section)
            if not indicator.has_targets
        ]
        if rows:
            out.append(
                Table(
                    key=f"section_{section}",
                    title=str(title),
                    columns=_indicator_columns(),
                    rows=rows,
                    note=note,
                )
            )
    return out


def _key_columns() -> list[Column]:
    return [
        Column(code, definitions.get(code).name(_locale()), definitions.get(code).unit)
        for code in KEY_CODES
    ]


def _key_cells(figures: Figures, scope: Scope, key: str) -> dict[str, Fraction | None]:
    return {code: figures.get(definitions.get(code), scope, key).value for code in KEY_CODES}


def _scope_table(
    figures: Figures, scope: Scope, labels: dict, key: str, title: str, header: str, note: str
) -> Table:
    deployed = definitions.get("wards_deployed")
    columns = [
        Column("name", header, width=24),
        Column("wards", _("Wards and communes"), "count"),
        Column("wards_deployed", deployed.name(_locale()), "count"),
        *_key_columns(),
    ]
    rows = []
    for member, label in labels.items():
        rows.append(
            {
                "key": member.value,
                "name": str(label),
                "wards": figures.measure("wards_total", scope, member.value),
                "wards_deployed": figures.get(deployed, scope, member.value).value,
                **_key_cells(figures, scope, member.value),
            }
        )
    return Table(key=key, title=title, columns=columns, rows=rows, note=note)


def by_group(sources: Sources, figures: Figures, note: str) -> Table:
    day = _d(sources.snapshot.as_of)
    note = f"{note} {_('A ward counts in the group of its type on %(day)s.', day=day)}"
    return _scope_table(
        figures, Scope.GROUP, GROUP_LABELS, "groups", _("Urban and rural"), _("Group"), note
    )


def by_phase(figures: Figures, note: str) -> Table:
    title = _("Roll-out phase")
    return _scope_table(figures, Scope.PHASE, PHASE_LABELS, "phases", title, title, note)


def by_ward(sources: Sources, figures: Figures, wards: list[Ward], note: str) -> Table:
    """The 95 wards and communes with their key figures."""
    day = sources.snapshot.as_of
    deployed = definitions.get("wards_deployed")
    columns = [
        Column("code", _("Code"), width=8),
        Column("name", _("Ward or commune"), width=28),
        Column("group", _("Group"), width=14),
        Column("phase", _("Roll-out phase"), width=16),
        Column("shops_active", definitions.get("shops_active").name(_locale()), "count"),
        Column("shops_assessed", definitions.get("shops_assessed").name(_locale()), "count"),
        Column("deployed", _("Deployed"), width=10),
        Column(
            "digital_payment_share",
            definitions.get("digital_payment_share").name(_locale()),
            "percent",
        ),
        Column("products", _("Products with a GTIN"), "count"),
        Column(
            "portal_listed_share",
            definitions.get("portal_listed_share").name(_locale()),
            "percent",
        ),
    ]
    rows = []
    for ward in wards:
        code = ward.code
        cells = _key_cells(figures, Scope.WARD, code)
        rows.append(
            {
                "code": code,
                "name": ward.name_on(day),
                "group": str(GROUP_LABELS[ward.group_on(day)]),
                "phase": str(PHASE_LABELS[ward.rollout_phase]),
                "shops_active": cells["shops_active"],
                "shops_assessed": cells["shops_assessed"],
                "deployed": _("Yes") if figures.get(deployed, Scope.WARD, code).value else _("No"),
                "digital_payment_share": cells["digital_payment_share"],
                "products": figures.measure("products_gtin", Scope.WARD, code),
                "portal_listed_share": cells["portal_listed_share"],
            }
        )
    return Table(key="wards", title=_("Wards and communes"), columns=columns, rows=rows, note=note)


def by_month(sources: Sources) -> Table:
    """The headline indicators month by month, each month read from its own snapshot."""
    locale = _locale()
    headline = definitions.headline()
    columns = [
        Column("month", _("Month"), width=10),
        *(Column(i.code, i.name(locale), i.unit) for i in headline),
        Column("as_of", _("Figures as of"), "date"),
        Column("snapshot", _("Snapshot"), width=24),
    ]
    rows = []
    for month, snapshot in sources.months:
        figures = Figures.of(snapshot)
        rows.append(
            {
                "month": f"{month.number:02d}/{month.year}",
                **{i.code: figures.get(i).value for i in headline},
                "as_of": snapshot.as_of,
                "snapshot": str(SNAPSHOT_LABELS[snapshot.kind]),
            }
        )
    return Table(
        key="months",
        title=_("Month by month"),
        columns=columns,
        rows=rows,
        note=_("Each month is read from its own snapshot: stocks as of its last day."),
    )
