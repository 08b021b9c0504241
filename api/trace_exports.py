"""A product's or batch's trace events as one EPCIS 2.0 JSON-LD document (EPCISDocument)."""

from api.auth import api_blueprint

blp = api_blueprint(
    "Trace event exports",
    __name__,
    "/api/v1",
    "A product's or batch's trace events as an EPCIS 2.0 JSON-LD document.",
)
