"""API schemas of the registry: `*In` parse requests, `*Out` shape answers, `*Query` filter lists.

They parse once: text becomes enums (`Choice`, by value), dates, Decimals, ints and stripped
strings (`Text`), as the services take them. The rules (GTIN check digit, OCOP validity…) are in
`traceability.registry.rules` and the services, shared with the pages.
"""

from flask import url_for
from marshmallow import Schema, fields
from marshmallow.validate import Length, Range

from core.fields import Choice, Date, Id, Int, List, Text
from traceability.registry import services
from traceability.registry.images import variant_name
from traceability.registry.models import (
    IpKind,
    IpStatus,
    OcopGroup,
    PortalState,
    ProducerKind,
    ProductCategory,
    ReviewState,
    SiteKind,
    VerificationState,
)


class Tracked(Schema):
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)


class ProducerIn(Schema):
    legal_name = Text(required=True, validate=Length(max=200))
    kind = Choice(ProducerKind, required=True)
    tax_code = Text(required=True, metadata={"example": "3600123456"})
    gs1_company_prefix = Text(allow_none=True, metadata={"example": "8938501"})
    gln = Text(allow_none=True)
    ward_code = Text(required=True, metadata={"example": "26068"})
    address = Text(required=True)
    contact_name = Text()
    phone = Text()
    email = Text()
    website = Text()


class ProducerOut(Tracked):
    id = fields.Integer()
    legal_name = fields.String()
    kind = fields.Enum(ProducerKind, by_value=True)
    tax_code = fields.String()
    gs1_company_prefix = fields.String(allow_none=True)
    gln = fields.String(allow_none=True)
    ward_code = fields.String()
    address = fields.String()
    contact_name = fields.String()
    phone = fields.String()
    email = fields.String()
    website = fields.String()
    verification_state = fields.Enum(VerificationState, by_value=True)
    verified_at = fields.AwareDateTime(allow_none=True)
    rejection_reason = fields.String()


class ProducerQuery(Schema):
    q = fields.String()
    ward_code = fields.String()
    kind = Choice(ProducerKind)
    verification_state = Choice(VerificationState)


class ReasonIn(Schema):
    # Blank (or too short) is the service's to refuse: it says what the reason is for.
    reason = Text(required=True, validate=Length(max=500))


class ProductIn(Schema):
    producer_id = Id(
        metadata={"description": "Staff only; a producer's token always acts for its own producer"}
    )
    # Not stripped: " 0893…" is an input error to report (GS1 conformance), not to guess at.
    gtin = fields.String(required=True, metadata={"example": "08938501234560"})
    name = Text(required=True, validate=Length(max=200))
    description = Text()
    category = Choice(ProductCategory, required=True)
    ocop_group = Choice(OcopGroup, allow_none=True)
    ocop_stars = Int(allow_none=True, validate=Range(3, 5))
    ocop_certificate_no = Text()
    ocop_decision_no = Text()
    ocop_valid_from = Date(allow_none=True)
    ocop_valid_to = Date(allow_none=True, metadata={"description": "Default: 36 months"})
    standards = List(Text(validate=Length(max=60)), max_items=12)
    ip_status = Choice(IpStatus)
    ip_kind = Choice(IpKind, allow_none=True)
    ip_number = Text()


class ProductOut(Tracked):
    id = fields.Integer()
    producer_id = fields.Integer()
    gtin = fields.String(metadata={"description": "GTIN-14"})
    name = fields.String()
    description = fields.String()
    category = fields.Enum(ProductCategory, by_value=True)
    ocop_group = fields.Enum(OcopGroup, by_value=True, allow_none=True)
    ocop_stars = fields.Integer(allow_none=True)
    ocop_certificate_no = fields.String()
    ocop_decision_no = fields.String()
    ocop_valid_from = fields.Date(allow_none=True)
    ocop_valid_to = fields.Date(allow_none=True)
    standards = fields.List(fields.String())
    ip_status = fields.Enum(IpStatus, by_value=True)
    ip_kind = fields.Enum(IpKind, by_value=True, allow_none=True)
    ip_number = fields.String()
    portal_state = fields.Enum(PortalState, by_value=True)
    portal_reference = fields.String()
    portal_state_on = fields.Date(allow_none=True)
    review_state = fields.Enum(ReviewState, by_value=True)
    rejection_reason = fields.String()
    withdrawn_at = fields.AwareDateTime(allow_none=True)
    images = fields.Method("image_urls")
    warnings = fields.Method("product_warnings")

    def image_urls(self, product) -> list[str]:
        return [
            url_for("media.product_image", name=variant_name(img.key, 640), _external=True)
            for img in product.images
        ]

    def product_warnings(self, product) -> list[str]:
        return [str(w) for w in services.product_warnings(product)]


class ProductQuery(Schema):
    q = fields.String(metadata={"description": "Part of the name or GTIN"})
    withdrawn = fields.Boolean(
        metadata={"description": "true: list withdrawn rows too (hidden by default)"}
    )
    producer_id = Id()
    gtin = fields.String()
    category = Choice(ProductCategory)
    review_state = Choice(ReviewState)
    portal_state = Choice(PortalState)
    ip_status = Choice(IpStatus)


class PortalIn(Schema):
    portal_state = Choice(PortalState, required=True)
    portal_reference = Text(load_default="")
    portal_state_on = Date(allow_none=True, load_default=None)


class SiteIn(Schema):
    producer_id = Id(metadata={"description": "Staff only"})
    name = Text(required=True)
    kind = Choice(SiteKind, required=True)
    planting_area_code = Text()
    ward_code = Text(required=True)
    address = Text()
    latitude = fields.Decimal(allow_none=True, as_string=False)
    longitude = fields.Decimal(allow_none=True, as_string=False)
    area_ha = fields.Decimal(allow_none=True, as_string=False)
    crop_or_species = Text()
    certifications = List(Text(validate=Length(max=60)), max_items=12)


class SiteOut(Tracked):
    id = fields.Integer()
    producer_id = fields.Integer()
    name = fields.String()
    kind = fields.Enum(SiteKind, by_value=True)
    planting_area_code = fields.String()
    ward_code = fields.String()
    address = fields.String()
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)
    area_ha = fields.Float(allow_none=True)
    crop_or_species = fields.String()
    certifications = fields.List(fields.String())
    withdrawn_at = fields.AwareDateTime(allow_none=True)


class SiteQuery(Schema):
    producer_id = Id()
    ward_code = fields.String()
    kind = Choice(SiteKind)
    withdrawn = fields.Boolean(
        metadata={"description": "true: list withdrawn rows too (hidden by default)"}
    )


class BatchIn(Schema):
    product_id = Id(required=True)
    site_id = Id(allow_none=True)
    lot_code = Text(required=True, metadata={"description": "GS1 AI (10)"})
    produced_on = Date(allow_none=True)
    expires_on = Date(allow_none=True)
    quantity = fields.Decimal(allow_none=True, as_string=False)
    unit = Text()
    notes = Text()


class BatchOut(Tracked):
    id = fields.Integer()
    product_id = fields.Integer()
    producer_id = fields.Integer()
    site_id = fields.Integer(allow_none=True)
    lot_code = fields.String()
    produced_on = fields.Date(allow_none=True)
    expires_on = fields.Date(allow_none=True)
    quantity = fields.Float(allow_none=True)
    unit = fields.String()
    notes = fields.String()
    withdrawn_at = fields.AwareDateTime(allow_none=True)
    recalled_at = fields.AwareDateTime(
        allow_none=True, metadata={"description": "Set while the batch is recalled"}
    )
    recall_notice = fields.String(
        metadata={"description": "What consumers who scan a stamp of the batch read, in red"}
    )


class RecallIn(Schema):
    notice = Text(
        required=True,
        metadata={
            "description": "For consumers: why the batch is recalled and what to do with it "
            "(1 to 300 characters)",
            "example": "Phát hiện dư lượng thuốc trừ sâu; xin ngừng dùng và mang trả nơi mua.",
        },
    )


class BatchQuery(Schema):
    product_id = Id()
    site_id = Id()
    lot_code = fields.String()
    withdrawn = fields.Boolean(
        metadata={"description": "true: list withdrawn rows too (hidden by default)"}
    )
