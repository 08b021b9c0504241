"""API schemas of assessments: `*In` parse requests, `*Out` shape answers, `*Query` filter lists.

They parse types only; whether an answer is one of a question's options, whether a step exists
and every state rule are checked by `retail.assessments.services` against the framework version
the assessment uses. The same `AnswersIn` parses the phone pages' JSON saves.
"""

from marshmallow import Schema, fields
from marshmallow.validate import Length

from core.fields import Id, Int
from retail.assessments.models import AssessmentOrigin, AssessmentState

# More than any questionnaire asks; keeps a body from holding thousands of keys.
MAX_ANSWERS = 200


class AssessmentIn(Schema):
    shop_id = Id(required=True, metadata={"description": "The shop to assess."})


class AnswersIn(Schema):
    answers = fields.Dict(
        keys=fields.String(validate=Length(min=1, max=60)),
        values=Int(strict=True, allow_none=True),
        required=True,
        validate=Length(max=MAX_ANSWERS),
        metadata={
            "description": "{question key: option value}; null clears an answer.",
            "example": {"cashless_methods": 2, "cashless_share": 1},
        },
    )
    step = Int(
        minimum=1,
        maximum=100,
        load_default=None,
        allow_none=True,
        metadata={
            "description": "The step (pillar, from 1) these answers belong to; when given, "
            "answers of other pillars are refused and the draft remembers the step."
        },
    )


class AssessmentQuery(Schema):
    shop_id = Id(metadata={"description": "Only this shop's assessments."})
    state = fields.Enum(AssessmentState, by_value=True)


class FrameworkRef(Schema):
    id = fields.Integer()
    key = fields.String()
    version = fields.Integer()


class AssessmentOut(Schema):
    id = fields.Integer()
    shop_id = fields.Integer()
    framework = fields.Nested(FrameworkRef)
    origin = fields.Enum(AssessmentOrigin, by_value=True)
    state = fields.Enum(AssessmentState, by_value=True)
    assessor_id = fields.Integer(allow_none=True)
    answers = fields.Dict(keys=fields.String(), values=fields.Integer())
    step = fields.Integer()
    assessed_on = fields.Date(allow_none=True)
    submitted_at = fields.AwareDateTime(allow_none=True)
    verified_at = fields.AwareDateTime(allow_none=True)
    verified_by_id = fields.Integer(allow_none=True)
    pillar_scores = fields.Dict(
        keys=fields.String(),
        values=fields.Float(),
        metadata={"description": "Pillar key → score 0-100, unrounded; empty until submitted."},
    )
    total = fields.Float(allow_none=True)
    level = fields.Integer(allow_none=True)
    flags = fields.Dict(keys=fields.String(), values=fields.Boolean())
    has_photo = fields.Function(lambda a: a.photo_path is not None)
    corrects_id = fields.Integer(allow_none=True)
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
