"""API schemas of the roll-out: the criterion and each ward's computed state."""

from marshmallow import Schema, ValidationError, fields

from core.fields import Int
from core.wards.models import RolloutPhase
from retail.rollout.services import MIN_SHOPS_MAX, WardState


def _share_in_range(value) -> None:
    if value is not None and not 0 < value <= 100:
        raise ValidationError("Must be above 0 and at most 100.")


class CriterionOut(Schema):
    min_shops = fields.Integer(
        metadata={"description": "Shops with a submitted or verified assessment a ward needs"}
    )
    min_share_percent = fields.Float(
        allow_none=True,
        metadata={"description": "And this share (per cent) of its active shops; null: none"},
    )
    updated_at = fields.DateTime(allow_none=True)


class CriterionIn(Schema):
    min_shops = Int(required=True, minimum=1, maximum=MIN_SHOPS_MAX)
    # Range's Decimal bounds would reach the OpenAPI document as strings: the bounds are given
    # as numbers in the metadata and checked by a plain validator.
    min_share_percent = fields.Decimal(
        allow_none=True,
        load_default=None,
        validate=_share_in_range,
        metadata={
            "description": "Above 0, up to 100, at most two decimals; null for none",
            "minimum": 0,
            "exclusiveMinimum": True,
            "maximum": 100,
        },
    )


class WardProgressOut(Schema):
    code = fields.String()
    name = fields.String()
    rollout_phase = fields.Enum(RolloutPhase, by_value=True)
    rollout_started_on = fields.Date(allow_none=True)
    state = fields.Enum(WardState, by_value=True)
    reached_on = fields.Date(
        allow_none=True, metadata={"description": "The day the criterion first held (deployed)"}
    )
    assessed_shops = fields.Integer(
        metadata={"description": "Active shops with a submitted or verified assessment"}
    )
    registered_shops = fields.Integer(metadata={"description": "Active shops"})
    needed_shops = fields.Integer(metadata={"description": "Assessed shops the criterion asks"})


class StateChangeOut(Schema):
    code = fields.String()
    name = fields.String()
    state_before = fields.Enum(WardState, by_value=True)
    state_after = fields.Enum(WardState, by_value=True)
    reached_on_before = fields.Date(allow_none=True)
    reached_on_after = fields.Date(allow_none=True)


class CriterionSavedOut(CriterionOut):
    wards_changed = fields.List(
        fields.Nested(StateChangeOut),
        metadata={"description": "The wards whose state the change moved"},
    )


class WardProgressQuery(Schema):
    rollout_phase = fields.Enum(RolloutPhase, by_value=True)
    state = fields.Enum(WardState, by_value=True)
