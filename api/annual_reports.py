"""The Department's annual report, as XLSX or PDF."""

from flask import Response
from flask.views import MethodView

from api.auth import api_blueprint, commit, current_api_user
from core import access
from reports.annual import content, files, services
from reports.annual.schemas import AnnualReportQuery

blp = api_blueprint(
    "Annual reports",
    __name__,
    "/api/v1/annual-reports",
    "The Department's annual report, as XLSX or PDF.",
)

BINARY = {"type": "string", "format": "binary"}


@blp.route("/<int:year>")
class AnnualReport(MethodView):
    @blp.arguments(AnnualReportQuery, location="query")
    @blp.doc(
        responses={
            "200": {
                "description": "The report of the year: a PDF, or with format=xlsx a workbook "
                "with one sheet per table. A running year's report is provisional (figures as "
                "of today); a finished year's reads its closing snapshot.",
                "content": {files.PDF: {"schema": BINARY}, files.XLSX: {"schema": BINARY}},
            }
        }
    )
    def get(self, query, year):
        """Download the annual report of a year (staff); 404 before 2025 or for a year to come"""
        access.require_staff(current_api_user())
        sources = services.sources(year)
        commit()  # a snapshot the report needed is kept
        extension = query["format"].value
        body = files.render(content.build(sources), extension)
        return Response(
            body,
            mimetype=files.TYPES[extension],
            headers={
                "Content-Disposition": f'attachment; filename="{files.filename(year, extension)}"',
                "Cache-Control": "private, no-store",
            },
        )
