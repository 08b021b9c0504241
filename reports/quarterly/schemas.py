"""API schemas of the quarterly ward reports."""

from marshmallow import Schema, ValidationError, fields
from marshmallow.validate import Length

from core.fields import Choice, Text
from reports.indicators.models import PeriodKind
from reports.indicators.periods import BadPeriod, Period
from reports.quarterly.models import WardReportState
from reports.quarterly.services import COMMENT_MAX, NARRATIVE_MAX, Status


class Quarter(fields.String):
    """A quarter written as 2026-Q4, loaded as a `Period`."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            period = Period.parse(text)
        except BadPeriod as exc:
            raise ValidationError(str(exc)) from None
        if period.kind is not PeriodKind.QUARTER:
            raise ValidationError("Write a quarter as 2026-Q4.")
        return period


class WardReportQuery(Schema):
    quarter = Quarter(
        metadata={"description": "The quarter, e.g. 2026-Q4 (default: the running one)"}
    )
    ward = Text(validate=Length(max=5), metadata={"description": "A ward's code"})
    state = Choice(
        WardReportState, metadata={"description": "The report's stored state (no report: none)"}
    )
    status = Choice(
        Status, metadata={"description": "Where the ward stands: as the staff overview counts"}
    )


class WardReportOut(Schema):
    ward_code = fields.String()
    ward_name = fields.String()
    quarter = fields.String(metadata={"description": "2026-Q4"})
    due_on = fields.Date(metadata={"description": "The 5th of the quarter's last month"})
    state = Choice(
        WardReportState, allow_none=True, metadata={"description": "null: nothing saved yet"}
    )
    status = Choice(Status)
    late = fields.Boolean(metadata={"description": "Due date passed and not with the Department"})
    submitted_late = fields.Boolean()
    submitted_at = fields.DateTime(allow_none=True)
    returned_at = fields.DateTime(allow_none=True)
    return_comment = fields.String(metadata={"description": "Why staff sent it back"})
    accepted_at = fields.DateTime(allow_none=True)
    snapshot_id = fields.Integer(allow_none=True, metadata={"description": "Frozen figures"})


class FigureOut(Schema):
    code = fields.String(metadata={"description": "The indicator's code"})
    name = fields.String()
    unit = fields.String(metadata={"description": "percent, count, score or hours"})
    numerator = fields.Float(allow_none=True)
    denominator = fields.Float(allow_none=True)
    value = fields.Float(
        allow_none=True, metadata={"description": "Rounded to 4 decimals; null: no denominator"}
    )


class WardReportDetailOut(WardReportOut):
    activities = fields.String()
    difficulties = fields.String()
    proposals = fields.String()
    figures_frozen = fields.Boolean(
        metadata={"description": "True once submitted: later edits do not change them"}
    )
    figures_as_of = fields.Date()
    figures_taken_at = fields.DateTime()
    figures = fields.List(fields.Nested(FigureOut))


class NarrativeIn(Schema):
    activities = Text(load_default="", validate=Length(max=NARRATIVE_MAX))
    difficulties = Text(load_default="", validate=Length(max=NARRATIVE_MAX))
    proposals = Text(load_default="", validate=Length(max=NARRATIVE_MAX))


class ReturnIn(Schema):
    comment = Text(
        required=True,
        validate=Length(max=COMMENT_MAX),
        metadata={"description": "What the ward should change (required, not blank)"},
    )
