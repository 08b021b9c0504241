"""API schemas of stamps: `*In` parse requests, `*Out` shape answers, `*Query` filter lists.

They parse once: JSON into ints, floats, booleans, enums and text without the spaces around
it; the services take those values and check the rules (order size, print layout, stamp
ranges, report workflow), shared with the pages. Scans and reports never show the client hash:
it is for rate rules, not for readers.
"""

from flask import url_for
from marshmallow import Schema, fields
from marshmallow.validate import Length, OneOf

from core.fields import Choice, Date, Id, Int, Text
from traceability.registry.schemas import Tracked
from traceability.stamps.models import RenderState, ReportState, StampState, Verdict
from traceability.stamps.orders import LAYOUT_KINDS
from traceability.stamps.serials import stamp_url


class StampOrderIn(Schema):
    batch_id = Id(required=True, metadata={"description": "One of your batches"})
    quantity = Int(
        required=True, metadata={"description": "Stamps to issue, 1 to 100,000", "example": 500}
    )
    kind = fields.String(
        validate=OneOf(LAYOUT_KINDS),
        metadata={"description": "A4 sheets or a label roll (default: sheet)"},
    )
    rows = Int(metadata={"description": "Labels per column of a sheet"})
    cols = Int(metadata={"description": "Labels per row of a sheet"})
    size_mm = fields.Float(metadata={"description": "Side of one square label, in millimetres"})
    show_caption = fields.Boolean(metadata={"description": "Print the product name under the code"})
    scan_hint = fields.Boolean(
        metadata={"description": "Print “Quét để kiểm tra” (scan to check) under the code"}
    )
    activation_required = fields.Boolean(
        load_default=False,
        metadata={"description": "Issue the stamps inactive; activate them when they are used"},
    )
    note = Text(load_default="", validate=Length(max=200))


class LayoutOut(Schema):
    kind = fields.String()
    rows = fields.Integer()
    cols = fields.Integer()
    size_mm = fields.Float()
    show_caption = fields.Boolean()
    scan_hint = fields.Boolean()


class StampOrderOut(Tracked):
    id = fields.Integer()
    producer_id = fields.Integer()
    product_id = fields.Integer()
    batch_id = fields.Integer()
    gtin = fields.String(attribute="product.gtin")
    lot_code = fields.String(attribute="batch.lot_code")
    quantity = fields.Integer()
    activation_required = fields.Boolean()
    layout = fields.Nested(LayoutOut)
    note = fields.String()
    render_state = fields.Enum(RenderState, by_value=True)
    rendered_count = fields.Integer(metadata={"description": "Stamps drawn into the PDF so far"})
    progress = fields.Method(
        "render_progress",
        metadata={"type": "integer", "description": "Per cent of the PDF rendered"},
    )
    render_error = fields.String()
    rendered_at = fields.AwareDateTime(allow_none=True)
    links = fields.Method(
        "order_links",
        metadata={
            "type": "object",
            "description": "URLs of the order, its PDF (409 until ready), CSV and stamps",
        },
    )

    def render_progress(self, order) -> int:
        return 100 * (order.rendered_count or 0) // order.quantity

    def order_links(self, order) -> dict:
        return {
            name: url_for(f"Stamps.{endpoint}", order_id=order.id, _external=True)
            for name, endpoint in (
                ("self", "StampOrderById"),
                ("pdf", "StampOrderPdf"),
                ("csv", "StampOrderCsv"),
                ("stamps", "StampOrderStamps"),
            )
        }


class StampOrderQuery(Schema):
    producer_id = Id()
    product_id = Id()
    batch_id = Id()
    render_state = Choice(RenderState)


class StampOut(Schema):
    id = fields.Integer()
    order_id = fields.Integer()
    producer_id = fields.Integer()
    batch_id = fields.Integer()
    seq = fields.Integer(metadata={"description": "Number of the stamp in its order's print"})
    gtin = fields.String()
    lot_code = fields.String(attribute="batch.lot_code")
    serial = fields.String(metadata={"description": "GS1 AI (21)"})
    url = fields.Method(
        "digital_link",
        metadata={"type": "string", "description": "The GS1 Digital Link URI in the QR code"},
    )
    state = fields.Enum(StampState, by_value=True)
    activated_at = fields.AwareDateTime(allow_none=True)
    voided_at = fields.AwareDateTime(allow_none=True)
    void_reason = fields.String()
    flagged = fields.Boolean(metadata={"description": "A counterfeit report was confirmed"})
    scan_count = fields.Integer()
    first_scan_at = fields.AwareDateTime(allow_none=True)
    last_scan_at = fields.AwareDateTime(allow_none=True)

    def digital_link(self, stamp) -> str:
        return stamp_url(stamp.gtin, stamp.batch.lot_code, stamp.serial)


class StampQuery(Schema):
    state = Choice(StampState)
    flagged = fields.Boolean()


class StampRangeIn(Schema):
    first = Int(allow_none=True, metadata={"description": "First stamp number"})
    last = Int(
        allow_none=True,
        metadata={"description": "Last stamp number (default: first, i.e. one stamp)"},
    )
    whole_order = fields.Boolean(
        data_key="all",
        load_default=False,
        metadata={
            "description": "true: every stamp of the order (then give no first/last). Activation "
            "without first and last also means the whole order."
        },
    )


class VoidRangeIn(StampRangeIn):
    """A void needs first (and last) or an explicit "all": true; an empty range voids nothing."""

    reason = Text(required=True, metadata={"example": "Tờ tem in lỗi"})
    whole_order = fields.Boolean(
        data_key="all",
        load_default=False,
        metadata={"description": "true: void every stamp of the order (then give no first/last)"},
    )


class VoidIn(Schema):
    reason = Text(required=True, metadata={"example": "Tem rách"})


class VoidedOut(Schema):
    voided = fields.Integer()


class ActivatedOut(Schema):
    activated = fields.Integer()


class ScanStatsQuery(Schema):
    producer_id = Id(metadata={"description": "Staff only; a producer sees its own"})
    product_id = Id()
    date_from = Date(metadata={"description": "First local day (Asia/Ho_Chi_Minh)"})
    date_to = Date(metadata={"description": "Last local day, included"})


class DayCount(Schema):
    day = fields.Date()
    scans = fields.Integer()


class PlaceCount(Schema):
    lat = fields.Float(metadata={"description": "Rounded to 0.1° (about 11 km)"})
    lon = fields.Float()
    scans = fields.Integer()


class ScanStatsOut(Schema):
    total = fields.Integer()
    by_verdict = fields.Dict(keys=fields.String(), values=fields.Integer())
    batch_warnings = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata={
            "description": "Scans whose page warned that the batch was recalled or past its "
            "use-by date (their verdict is still the stamp's: genuine or scanned before)"
        },
    )
    per_day = fields.List(fields.Nested(DayCount))
    by_client_family = fields.Dict(keys=fields.String(), values=fields.Integer())
    by_place = fields.List(
        fields.Nested(PlaceCount),
        metadata={"description": "Places consumers agreed to share, most scanned first"},
    )
    suspicious_stamps = fields.Integer(
        metadata={"description": "Stamps with at least one suspicious scan"}
    )
    not_issued = fields.Integer(
        metadata={"description": "Scans of serials or lots never issued (probing, copies)"}
    )
    not_issued_clients = fields.Integer(
        metadata={"description": "Distinct clients that scanned codes never issued"}
    )


class ReportOut(Schema):
    id = fields.Integer()
    reference = fields.String(metadata={"example": "BC-7KQ2-M9XD"})
    at = fields.AwareDateTime()
    stamp_id = fields.Integer(allow_none=True)
    producer_id = fields.Integer(allow_none=True)
    gtin = fields.String()
    lot = fields.String(allow_none=True)
    serial = fields.String(allow_none=True)
    verdict = fields.Enum(Verdict, by_value=True, allow_none=True)
    message = fields.String()
    where_bought = fields.String()
    contact = fields.String(
        allow_none=True,
        metadata={"description": "Consumer's phone or e-mail; staff only, null for producers"},
    )
    has_photo = fields.Function(
        lambda report: report.photo_key is not None, metadata={"type": "boolean"}
    )
    state = fields.Enum(ReportState, by_value=True)
    staff_note = fields.String()
    handled_by_id = fields.Integer(allow_none=True)
    handled_at = fields.AwareDateTime(allow_none=True)


class ReportQuery(Schema):
    state = Choice(ReportState)
    producer_id = Id()
    stamp_id = Id()


class ReportStateIn(Schema):
    state = Choice(
        ReportState,
        required=True,
        metadata={"description": "Moves the workflow allows; others answer 409"},
    )
    note = Text(load_default="", validate=Length(max=2000))
