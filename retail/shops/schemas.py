"""API schemas of shops: `*In` parse requests with the shop rules, `*Out` shape answers,
`ShopQuery` filters the list.

The text fields parse with `retail.shops.rules`, as the pages' form does, so the services get
the same typed values from both (a phone in E.164, a registration number as digits).
"""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields
from marshmallow.validate import Length

from core.errors import FieldError
from core.fields import Choice, Id, Int
from retail.shops import rules
from retail.shops.models import ShopKind, ShopState

LEVEL_MAX = 100  # levels are the framework's; none reaches this


class Parsed(fields.String):
    """A string turned into its stored value by a rule of `retail.shops.rules`."""

    def __init__(self, parse, **kwargs):
        super().__init__(**kwargs)
        self.parse = parse

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return self.parse(text)
        except FieldError as exc:
            raise ValidationError(str(exc.message)) from exc


def _text(max_length: int, *, required: bool = False, **kwargs) -> Parsed:
    """Text with its spaces folded, within its length; `required` also refuses it empty."""
    return Parsed(
        lambda text: rules.parse_text(text, max_length=max_length, required=required),
        required=required,
        validate=Length(max=max_length),
        **kwargs,
    )


def _coordinate(limit: int, example: float) -> fields.Decimal:
    """Degrees as an exact Decimal of 6 places (the column's), within ±limit.

    The range is a plain validator with the bounds in the metadata: apispec would write a
    Range on a Decimal field as strings ("90.000000"), which OpenAPI refuses.
    """

    def within(value) -> None:
        if abs(value) > limit:
            raise ValidationError(f"Must be between -{limit} and {limit}.")

    return fields.Decimal(
        places=6,
        as_string=False,
        allow_none=True,
        validate=within,
        metadata={
            "example": example,
            "minimum": -limit,
            "maximum": limit,
            "description": "Degrees (WGS 84), rounded to 6 decimals",
        },
    )


class ShopIn(Schema):
    name = _text(rules.NAME_MAX, required=True)
    owner_name = _text(rules.OWNER_MAX)
    phone = Parsed(
        rules.parse_phone,
        allow_none=True,
        metadata={"example": "0912 345 678", "description": "Any common form; stored as E.164"},
    )
    registration_no = Parsed(
        rules.parse_registration_no,
        allow_none=True,
        metadata={"description": "10 or 13 digits (tax, household business), or a 12-digit ID"},
    )
    ward_code = fields.String(required=True, validate=Length(max=5), metadata={"example": "26188"})
    address = _text(rules.ADDRESS_MAX)
    market = _text(rules.MARKET_MAX, metadata={"description": "Required for a market stall"})
    kind = Choice(ShopKind, required=True)
    latitude = _coordinate(90, 10.957413)
    longitude = _coordinate(180, 106.842687)
    confirm_similar = fields.Boolean(
        load_default=False,
        metadata={
            "description": "true: register (or save) even though a shop of the same ward has "
            "a similar name and address (otherwise 409 with the similar shops)"
        },
    )


class ShopOut(Schema):
    id = fields.Integer()
    name = fields.String()
    owner_name = fields.String()
    phone = fields.String(allow_none=True, metadata={"description": "E.164"})
    phone_display = fields.Function(
        lambda shop: rules.show_phone(shop.phone), metadata={"example": "0912 345 678"}
    )
    registration_no = fields.String(allow_none=True)
    ward_code = fields.String()
    address = fields.String()
    market = fields.String()
    kind = Choice(ShopKind)
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)
    state = Choice(ShopState)
    closed_on = fields.Date(allow_none=True)
    merged_into_id = fields.Integer(allow_none=True)
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class ShopListed(ShopOut):
    assessed = fields.Boolean(metadata={"description": "Has a submitted (or verified) assessment"})
    level = fields.Integer(
        allow_none=True, metadata={"description": "Level of the latest submitted assessment"}
    )


class ShopQuery(Schema):
    q = fields.String(
        validate=Length(max=200), metadata={"description": "Part of the name, or a phone"}
    )
    ward_code = fields.String(validate=Length(max=5))
    kind = Choice(ShopKind)
    state = Choice(ShopState, metadata={"description": "Default: open and closed shops"})
    assessed = fields.Boolean()
    level = Int(minimum=0, maximum=LEVEL_MAX)


class MergeIn(Schema):
    duplicate_id = Id(required=True, metadata={"description": "The shop folded into this one"})


class MergeOut(Schema):
    shop = fields.Nested(ShopOut)
    moved_assessments = fields.Integer()
