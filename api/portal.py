"""The national traceability portal: a product's ten items (Circular 02/2024/TT-BKHCN) as JSON,
CSV or EPCIS 2.0, the check of which are missing, and the import of the portal's listing results.
"""

from __future__ import annotations

from flask import Response, json, request
from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields
from marshmallow.validate import OneOf

from api.auth import api_blueprint, commit, current_api_user
from core import access
from core.errors import ValidationFailed
from traceability.events import documents
from traceability.exchange import exports, imports
from traceability.exchange import items as ten
from traceability.registry.models import Product

blp = api_blueprint(
    "National portal",
    __name__,
    "/api/v1",
    "The ten data items of Circular 02/2024/TT-BKHCN per product, and the portal's listing "
    "results.",
)

FORMATS = {
    "json": "application/json",
    "csv": "text/csv",
    "epcis": "application/ld+json",
}


class ExportQuery(Schema):
    format = fields.String(
        load_default="json",
        validate=OneOf(tuple(FORMATS)),
        metadata={"description": "json: the ten items; csv: one row per batch; epcis: events"},
    )


class ListingQuery(Schema):
    only_valid = fields.Boolean(
        load_default=False,
        metadata={"description": "Save the good rows and leave out the bad ones"},
    )


class MissingOut(Schema):
    code = fields.String(metadata={"description": "The item's code, one of the ten"})
    label = fields.Function(lambda m: str(m.label))
    message = fields.Function(lambda m: str(m.message), metadata={"description": "What to do"})
    url = fields.String(allow_none=True, metadata={"description": "The page where to do it"})


class CheckOut(Schema):
    gtin = fields.String()
    complete = fields.Boolean()
    missing = fields.List(fields.Nested(MissingOut))


class ListingRowOut(Schema):
    line = fields.Integer(metadata={"description": "The spreadsheet's row (header = 1)"})
    gtin = fields.String()
    status = fields.String(metadata={"description": "updated, unchanged or error"})
    errors = fields.List(fields.Dict())


class ListingOut(Schema):
    total = fields.Integer()
    saved = fields.Integer(metadata={"description": "Products whose portal state was changed"})
    changes = fields.Integer()
    unchanged = fields.Integer()
    bad_rows = fields.Integer()
    refused = fields.Boolean()
    rows = fields.List(fields.Nested(ListingRowOut))


@blp.route("/products/<int:product_id>/portal-export")
class PortalExport(MethodView):
    @blp.arguments(ExportQuery, location="query")
    @blp.doc(
        responses={
            "200": {
                "description": "format=json: the ten items (docs/exchange.md); csv: one row per "
                "batch, Vietnamese headers, with a BOM; epcis: the product's events as an "
                "EPCIS 2.0 EPCISDocument.",
                "content": {
                    FORMATS["json"]: {"schema": {"type": "object"}},
                    FORMATS["csv"]: {"schema": {"type": "string"}},
                    FORMATS["epcis"]: {"schema": {"type": "object"}},
                },
            }
        }
    )
    def get(self, query, product_id):
        """Download a product's ten portal items (JSON or CSV) or its events (EPCIS 2.0)"""
        product = access.get_for_read(Product, product_id, current_api_user())
        kind = query["format"]
        if kind == "json":
            body = json.dumps(exports.product_json(product), ensure_ascii=False, indent=1)
            name = f"portal-{product.gtin}.json"
        elif kind == "csv":
            body, name = exports.products_csv([product]), f"portal-{product.gtin}.csv"
        else:
            body = json.dumps(exports.product_epcis(product), ensure_ascii=False, indent=1)
            name = documents.filename("product", product.gtin)
        return Response(
            body,
            mimetype=FORMATS[kind],
            headers={
                "Content-Disposition": f'attachment; filename="{name}"',
                "Cache-Control": "private, no-store",
            },
        )


@blp.route("/products/<int:product_id>/portal-check")
class PortalCheck(MethodView):
    @blp.response(200, CheckOut)
    def get(self, product_id):
        """Which of the ten items a product lacks before it can be submitted to the portal"""
        product = access.get_for_read(Product, product_id, current_api_user())
        missing = ten.missing_items(product)
        return {"gtin": product.gtin, "complete": not missing, "missing": missing}


def _uploaded() -> bytes:
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise ValidationFailed({"file": [_l("Send the file in the multipart field “file”.")]})
        return upload.read()
    data = request.get_data()
    if not data.strip() or request.mimetype == "application/json":
        raise ValidationFailed(
            {"file": [_l("Send the CSV file as the body (text/csv) or in the field “file”.")]}
        )
    return data


@blp.route("/portal/listing-results")
class ListingResults(MethodView):
    @blp.arguments(ListingQuery, location="query")
    @blp.doc(
        requestBody={
            "required": True,
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                    }
                },
            },
        }
    )
    @blp.response(200, ListingOut)
    def post(self, query):
        """Import the portal's listing results (CSV: GTIN, state, reference, date; staff)

        Every row is checked first; with any bad row nothing is saved (422, the rows in
        `errors.json.rows`) unless `only_valid`. Sending the same file again changes nothing.
        """
        user = current_api_user()
        access.require_staff(user)
        only_valid = query["only_valid"] or request.form.get("only_valid") in ("1", "true")
        report = imports.import_listing(_uploaded(), user, only_valid=only_valid)
        if report.refused:
            raise imports.ListingRefused(report)
        commit()
        return report.as_dict()
