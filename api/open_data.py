"""Aggregated indicators by ward and period, public (no token)."""

from flask.views import MethodView
from flask_smorest import Blueprint

from api.auth import refuse_unknown_query
from reports.indicators.schemas import OpenDataQuery, OpenDataRowOut
from reports.opendata import services

# Open data is public: this blueprint asks for no token (api_blueprint would), but still
# refuses query parameters it does not document, as every other operation does.
blp = Blueprint(
    "Open data",
    __name__,
    url_prefix="/api/v1/open-data",
    description="Aggregated indicators by ward and period, public (no token).",
)
blp.before_request(refuse_unknown_query)


@blp.route("/indicators")
class OpenDataIndicators(MethodView):
    @blp.doc(security=[])  # public: no token
    @blp.arguments(OpenDataQuery, location="query")
    @blp.response(200, OpenDataRowOut(many=True))
    def get(self, query):
        """The open-data rows (the rows of indicators.json), optionally of one period or kind"""
        period = query["period"]
        items = services.filtered(
            services.published(),
            period=None if period is None else period.key,
            kind=query["period_kind"],
        )
        headers = {
            "Cache-Control": f"public, max-age={services.max_age()}",
            "Access-Control-Allow-Origin": "*",
        }
        return services.table(items).rows, headers
