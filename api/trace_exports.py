"""A product's or batch's trace events as one EPCIS 2.0 JSON-LD document (EPCISDocument)."""

from __future__ import annotations

from flask import Response, json
from flask.views import MethodView

from api.auth import api_blueprint, current_api_user
from core import access
from traceability.events import documents
from traceability.registry.models import Batch, Product

blp = api_blueprint(
    "Trace event exports",
    __name__,
    "/api/v1",
    "A product's or batch's trace events as an EPCIS 2.0 JSON-LD document.",
)

JSON_LD = "application/ld+json"
DOCUMENT = (
    "An EPCISDocument (EPCIS 2.0 JSON-LD, valid by the 2.0.1 JSON Schema), events oldest "
    "first, each as captured with its eventID and recordTime."
)


def download(document: dict, name: str) -> Response:
    return Response(
        json.dumps(document, ensure_ascii=False, indent=1),
        mimetype=JSON_LD,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "private, no-store",
        },
    )


@blp.route("/batches/<int:batch_id>/epcis")
class BatchEpcis(MethodView):
    @blp.response(200, {"type": "object"}, content_type=JSON_LD, description=DOCUMENT)
    def get(self, batch_id):
        """Download a batch's trace events (through its lot or its stamps) as EPCIS 2.0"""
        batch = access.get_for_read(Batch, batch_id, current_api_user())
        name = documents.filename("batch", batch.product.gtin, batch.lot_code)
        return download(documents.batch_document(batch), name)


@blp.route("/products/<int:product_id>/epcis")
class ProductEpcis(MethodView):
    @blp.response(200, {"type": "object"}, content_type=JSON_LD, description=DOCUMENT)
    def get(self, product_id):
        """Download a product's trace events (its GTIN, lots, stamps and batches) as EPCIS 2.0"""
        product = access.get_for_read(Product, product_id, current_api_user())
        name = documents.filename("product", product.gtin)
        return download(documents.product_document(product), name)
