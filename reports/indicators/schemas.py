"""API schemas of the indicators: definitions with targets, values by period and scope, targets,
snapshots, and the open-data rows."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validates_schema

from core.fields import Choice
from reports.indicators.models import PeriodKind, Scope, SnapshotKind
from reports.indicators.periods import BadPeriod, Period
from traceability.registry.models import ProductCategory


class PeriodField(fields.String):
    """A period as text (2026-11, 2026-Q4, 2026), loaded as a `Period`."""

    def __init__(self, **kwargs):
        metadata = {
            "description": "A month 2026-11, a quarter 2026-Q4 or a year 2026",
            "example": "2026-11",
            **(kwargs.pop("metadata", None) or {}),
        }
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> Period:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return Period.parse(text)
        except BadPeriod as exc:
            raise ValidationError(str(exc)) from None

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else str(value)


class Number(fields.Number):
    """A JSON number: whole numbers as integers (12), others as floats (35.5)."""

    num_type = float

    def _format_num(self, value):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        return float(value)


# --- definitions and targets ------------------------------------------------------------------


class TargetOut(Schema):
    year = fields.Integer()
    value = fields.Float(metadata={"description": "Per cent (0–100), a count or a score"})
    default = fields.Float(
        allow_none=True, metadata={"description": "The definition's figure for the year, if any"}
    )
    is_default = fields.Boolean(metadata={"description": "False when staff changed it"})
    updated_at = fields.DateTime(allow_none=True, metadata={"description": "When staff set it"})
    updated_by = fields.String(allow_none=True, metadata={"description": "Who set it (staff)"})


class IndicatorOut(Schema):
    code = fields.String()
    name_vi = fields.String()
    name_en = fields.String()
    numerator = fields.String(metadata={"description": "The measure counted"})
    denominator = fields.String(allow_none=True, metadata={"description": "Out of; none: a count"})
    unit = fields.String(metadata={"description": "percent, count, score or hours"})
    direction = fields.String(metadata={"description": "up: more is better; down; none"})
    section = fields.String()
    headline = fields.Boolean()
    by_category = fields.Boolean(metadata={"description": "Also given per product category"})
    flow = fields.Boolean(metadata={"description": "Counts what happened in the period"})
    targets = fields.List(fields.Nested(TargetOut))


class TargetsOut(Schema):
    indicator = fields.String()
    unit = fields.String()
    targets = fields.List(fields.Nested(TargetOut))


TARGET_MAX = 100_000_000  # indicator_targets.value is NUMERIC(12, 4)


def _storable(value) -> None:
    if abs(value) >= TARGET_MAX:
        raise ValidationError(f"Must be below {TARGET_MAX}.")


class TargetIn(Schema):
    # A JSON number; the service checks the range for the indicator's unit (per cent ≤ 100) and
    # the decimals. Range's Decimal bounds would reach the OpenAPI document as strings: the
    # column's bound is given as a number in the metadata and checked by a plain validator.
    value = fields.Decimal(
        required=True,
        allow_nan=False,
        validate=_storable,
        metadata={
            "description": "The year's target: per cent (0–100), a count or a score",
            "maximum": TARGET_MAX,
            "exclusiveMaximum": True,
        },
    )


# --- values ------------------------------------------------------------------------------------


class ValuesQuery(Schema):
    period = PeriodField(
        load_default=None,
        metadata={"description": "The period (default: the running month)"},
    )
    scope = Choice(Scope, load_default=Scope.PROVINCE)
    key = fields.String(
        load_default="",
        metadata={
            "description": "ward: its code; group: urban or rural; phase: pilot_2026, "
            "extension_2030 or not_planned; province: empty"
        },
    )
    category = Choice(
        ProductCategory,
        load_default=None,
        metadata={"description": "A product category (only the indicators broken down by it)"},
    )

    @validates_schema
    def _key_fits_scope(self, data, **kwargs):
        scope, key = data["scope"], data["key"]
        if scope is Scope.PROVINCE and key:
            raise ValidationError("The province has no key: leave it empty.", "key")
        if scope is not Scope.PROVINCE and not key:
            raise ValidationError("Name the ward, group or phase.", "key")


class SnapshotOut(Schema):
    id = fields.Integer()
    period = fields.String(attribute="period_key")
    period_kind = fields.Enum(PeriodKind, by_value=True)
    period_start = fields.Date()
    period_end = fields.Date()
    kind = fields.Enum(
        SnapshotKind,
        by_value=True,
        metadata={"description": "closing (final), current (running), backfill, report"},
    )
    as_of = fields.Date(metadata={"description": "The day its stock figures are of"})
    taken_at = fields.DateTime()


class ValueOut(Schema):
    indicator = fields.String()
    name = fields.String(metadata={"description": "In the request's language"})
    unit = fields.String()
    value = fields.Float(allow_none=True, metadata={"description": "Exact, as a float"})
    numerator = fields.Float(allow_none=True)
    denominator = fields.Float(allow_none=True)
    target = fields.Float(
        allow_none=True, metadata={"description": "The target of the as-of day's year"}
    )
    expected = fields.Float(
        allow_none=True, metadata={"description": "Where the trajectory stands on the as-of day"}
    )
    gap = fields.Float(allow_none=True, metadata={"description": "value − expected"})
    standing = fields.String(
        metadata={"description": "on_track, behind, at_risk, no_target or no_data"}
    )


class ValuesOut(Schema):
    period = fields.String()
    as_of = fields.Date()
    scope = fields.Enum(Scope, by_value=True)
    key = fields.String()
    category = fields.String(allow_none=True)
    snapshot = fields.Nested(SnapshotOut)
    values = fields.List(fields.Nested(ValueOut))


class SnapshotQuery(Schema):
    period_kind = Choice(PeriodKind, load_default=None)
    period = PeriodField(load_default=None)


class SnapshotIn(Schema):
    period = PeriodField(required=True)


# --- open data ---------------------------------------------------------------------------------


class OpenDataQuery(Schema):
    period = PeriodField(load_default=None, metadata={"description": "Only this period"})
    period_kind = Choice(PeriodKind, load_default=None)


class OpenDataRowOut(Schema):
    """One open-data row: the fields of indicators.csv and indicators.json."""

    period = fields.String()
    period_kind = fields.String()
    period_start = fields.Date()
    period_end = fields.Date()
    as_of = fields.Date()
    provisional = fields.Boolean()
    scope = fields.String()
    scope_key = fields.String()
    scope_name = fields.String()
    indicator = fields.String()
    indicator_name = fields.String()
    unit = fields.String()
    value = Number(allow_none=True)
    numerator = Number(allow_none=True)
    denominator = Number(allow_none=True)
    suppressed = fields.Boolean()
