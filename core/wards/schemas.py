"""API schemas of wards."""

from marshmallow import Schema, fields
from marshmallow.validate import OneOf

from core.fields import Date
from core.wards.models import AreaGroup, RolloutPhase, WardKind


class WardStatusOut(Schema):
    valid_from = fields.Date()
    name = fields.String()
    kind = fields.Enum(WardKind, by_value=True)
    legal_basis = fields.String()


class WardOut(Schema):
    code = fields.String(metadata={"description": "GSO code (5 digits); never changes"})
    name = fields.String(metadata={"description": "Name as of `on` (default today)"})
    name_en = fields.String()
    kind = fields.Enum(WardKind, by_value=True)
    group = fields.Enum(AreaGroup, by_value=True)
    former_province = fields.String()
    rollout_phase = fields.Enum(RolloutPhase, by_value=True)
    rollout_started_on = fields.Date(allow_none=True)
    statuses = fields.List(fields.Nested(WardStatusOut))


class WardQuery(Schema):
    q = fields.String(metadata={"description": "Part of the name, or the exact code"})
    kind = fields.String(validate=OneOf([k.value for k in WardKind]))
    group = fields.String(validate=OneOf([g.value for g in AreaGroup]))
    rollout_phase = fields.String(validate=OneOf([p.value for p in RolloutPhase]))
    on = Date(metadata={"description": "Names and types as of this date"})


class WardRolloutIn(Schema):
    rollout_phase = fields.String(required=True, validate=OneOf([p.value for p in RolloutPhase]))
    rollout_started_on = Date(allow_none=True, load_default=None)
