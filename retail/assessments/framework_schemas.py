"""API schemas of assessment frameworks: the versions listed, one read with its document, and
the document posted to publish.

The posted document is checked by `retail.assessments.checks` (through `frameworks`), not here:
one set of rules, whose problem lines come back as a 422 under `errors.json.document`. This
schema only documents the shape and passes the object on as it is (unknown fields included).
"""

from marshmallow import INCLUDE, Schema, fields
from marshmallow.validate import Length

from core.fields import Choice, Text
from retail.assessments.models import FrameworkState

TEXTS = {
    "type": "object",
    "description": 'Texts by language: {"vi": "…" (required), "en": "…"}',
    "example": {"vi": "Trải nghiệm khách hàng số", "en": "Digital customer experience"},
}
LEVEL = {"level": 0, "min": 0, "name": {"vi": "Chưa chuyển đổi số", "en": "Not started"}}
PILLAR = {
    "key": "customer",
    "weight": 100,
    "name": {"vi": "Trải nghiệm khách hàng số", "en": "Digital customer experience"},
    "questions": [
        {
            "key": "cashless_methods",
            "text": {"vi": "Cửa hàng nhận thanh toán không dùng tiền mặt bằng cách nào?"},
            "flag": "takes_digital_payment>=1",
            "options": [
                {
                    "value": 0,
                    "points": 0,
                    "label": {"vi": "Chỉ nhận tiền mặt", "en": "Cash only"},
                    "advice": {"vi": "Đăng ký mã VietQR miễn phí tại ngân hàng của bạn."},
                },
                {"value": 1, "points": 2, "label": {"vi": "Có mã VietQR tại quầy"}},
            ],
        }
    ],
}


class FrameworkQuery(Schema):
    key = Text(validate=Length(max=60), metadata={"example": "retail-dx"})
    current = fields.Boolean(
        metadata={"description": "Only the version new assessments use (one per key)."}
    )


class FrameworkOut(Schema):
    id = fields.Integer()
    key = fields.String(metadata={"example": "retail-dx"})
    version = fields.Integer()
    state = Choice(FrameworkState)
    name_vi = fields.String()
    name_en = fields.String()
    published_at = fields.AwareDateTime(allow_none=True)
    is_current = fields.Boolean(
        metadata={"description": "Whether new assessments of this key use this version."}
    )


class FrameworkDocumentOut(FrameworkOut):
    document = fields.Dict(
        metadata={
            "description": "The questionnaire: key, version, name, levels, pillars with their "
            "questions, answer options (value, points, label, advice) and flags."
        }
    )


class FrameworkDocumentIn(Schema):
    """A framework document to publish as the next version of its key."""

    class Meta:
        unknown = INCLUDE

    key = fields.Raw(metadata={"type": "string", "example": "retail-dx"})
    name = fields.Raw(metadata=TEXTS)
    levels = fields.Raw(
        metadata={
            "type": "array",
            "items": {"type": "object"},
            "description": "From level 0 at min 0, level and min increasing, min at most 100.",
            "example": [LEVEL],
        }
    )
    pillars = fields.Raw(
        metadata={
            "type": "array",
            "items": {"type": "object"},
            "description": "Weights sum to 100; each question has options with points ≥ 0, "
            "its best above 0; flags are name>=value.",
            "example": [PILLAR],
        }
    )
