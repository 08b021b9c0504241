"""Stamp orders and their files, stamps, scan statistics and counterfeit reports."""

import logging
from collections.abc import Iterator

from flask import Response, send_file
from flask.views import MethodView
from flask_babel import lazy_gettext as _l

from api.auth import api_blueprint, commit, current_api_user, paginate_select
from core import access
from core.errors import Conflict, NotFound, ValidationFailed
from core.extensions import db
from core.web import stream_in_app_context
from traceability.registry.models import Batch, Producer, Product
from traceability.stamps import counterfeit, jobs, orders, printing, stats
from traceability.stamps.models import (
    CounterfeitReport,
    RenderState,
    Stamp,
    StampOrder,
)
from traceability.stamps.schemas import (
    ActivatedOut,
    ReportOut,
    ReportQuery,
    ReportStateIn,
    ScanStatsOut,
    ScanStatsQuery,
    StampOrderIn,
    StampOrderOut,
    StampOrderQuery,
    StampOut,
    StampQuery,
    StampRangeIn,
    VoidedOut,
    VoidIn,
    VoidRangeIn,
)

log = logging.getLogger(__name__)

blp = api_blueprint(
    "Stamps",
    __name__,
    "/api/v1",
    "QR stamp orders (GS1 Digital Link), their stamps, scan statistics and counterfeit reports.",
)


@blp.route("/stamp-orders/")
class StampOrders(MethodView):
    @blp.arguments(StampOrderQuery, location="query")
    @blp.response(200, StampOrderOut(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """List the stamp orders you may see"""
        stmt = access.visible(StampOrder, current_api_user()).order_by(StampOrder.id)
        for field in ("producer_id", "product_id", "batch_id", "render_state"):
            if field in query:
                stmt = stmt.where(getattr(StampOrder, field) == query[field])
        return paginate_select(stmt, pagination_parameters)

    @blp.arguments(StampOrderIn)
    @blp.response(201, StampOrderOut)
    def post(self, data):
        """Order stamps for a batch of a verified product; the PDF is rendered in the background"""
        user = current_api_user()
        try:
            batch = access.get_for_write(Batch, data.pop("batch_id"), user)
        except NotFound:
            raise ValidationFailed({"batch_id": [_l("Choose one of your own batches.")]}) from None
        order = orders.create_order(batch, data, user)
        commit()
        try:
            jobs.enqueue_render(order.id)
        except Exception:
            # The order is committed and pending: the next sweep of the job runner renders it.
            # Answering 500 would make clients retry and issue the stamps twice.
            log.exception("could not queue stamp order %s for rendering", order.id)
        return order


@blp.route("/stamp-orders/<int:order_id>")
class StampOrderById(MethodView):
    @blp.response(200, StampOrderOut)
    def get(self, order_id):
        """Read an order and the progress of its PDF"""
        return access.get_for_read(StampOrder, order_id, current_api_user())


@blp.route("/stamp-orders/<int:order_id>/pdf")
class StampOrderPdf(MethodView):
    @blp.response(
        200,
        {"type": "string", "format": "binary"},
        content_type="application/pdf",
        description="The print-ready PDF (409 until render_state is ready)",
    )
    def get(self, order_id):
        """Download the order's PDF once rendered"""
        order = access.get_for_read(StampOrder, order_id, current_api_user())
        path = jobs.pdf_path(order)
        if order.render_state is RenderState.FAILED:
            raise Conflict(
                _l(
                    "Rendering the PDF of this order failed (%(error)s). Tell the Department; "
                    "the stamps are issued and the CSV can be downloaded.",
                    error=order.render_error,
                )
            )
        if order.render_state is not RenderState.READY or path is None or not path.exists():
            raise Conflict(
                _l(
                    "The PDF is not ready yet: %(done)s of %(total)s stamps drawn. Read the order "
                    "again until its render_state is ready.",
                    done=order.rendered_count,
                    total=order.quantity,
                )
            )
        return send_file(
            path,
            mimetype="application/pdf",
            as_attachment=True,
            download_name=f"stamps-order-{order.id}.pdf",
        )


@blp.route("/stamp-orders/<int:order_id>/csv")
class StampOrderCsv(MethodView):
    @blp.response(
        200,
        {"type": "string"},
        content_type="text/csv",
        description="seq,serial,url,gtin,lot: one line per stamp, for print shops",
    )
    def get(self, order_id):
        """Download the order's stamps as CSV (the URL to encode in each QR code)"""
        order = access.get_for_read(StampOrder, order_id, current_api_user())
        return Response(
            _csv_lines(order.id),
            mimetype="text/csv",
            headers={
                "Content-Disposition": f'attachment; filename="stamps-order-{order.id}.csv"',
                "Cache-Control": "private, no-store",
            },
        )


def _csv_lines(order_id: int) -> Iterator[str]:
    """The order's CSV, read in chunks while it is sent (an order may hold 100,000 stamps)."""
    return stream_in_app_context(lambda: printing.order_csv(db.session.get(StampOrder, order_id)))


@blp.route("/stamp-orders/<int:order_id>/stamps")
class StampOrderStamps(MethodView):
    @blp.arguments(StampQuery, location="query")
    @blp.response(200, StampOut(many=True))
    @blp.paginate()
    def get(self, query, order_id, pagination_parameters):
        """List an order's stamps in print order"""
        user = current_api_user()
        order = access.get_for_read(StampOrder, order_id, user)
        stmt = access.visible(Stamp, user).where(Stamp.order_id == order.id).order_by(Stamp.seq)
        for field in ("state", "flagged"):
            if field in query:
                stmt = stmt.where(getattr(Stamp, field) == query[field])
        return paginate_select(stmt, pagination_parameters)


@blp.route("/stamp-orders/<int:order_id>/void")
class StampOrderVoid(MethodView):
    @blp.arguments(VoidRangeIn)
    @blp.response(200, VoidedOut)
    def post(self, data, order_id):
        """Void stamps first..last of an order, e.g. a misprinted sheet, or all with "all": true

        An empty range is refused (422): voiding the whole order must be asked for explicitly.
        """
        user = current_api_user()
        order = access.get_for_write(StampOrder, order_id, user)
        voided = orders.void_stamps(
            order,
            user,
            data["reason"],
            data.get("first"),
            data.get("last"),
            whole_order=data["whole_order"],
        )
        commit()
        return {"voided": voided}


@blp.route("/stamp-orders/<int:order_id>/activate")
class StampOrderActivate(MethodView):
    @blp.arguments(StampRangeIn)
    @blp.response(200, ActivatedOut)
    def post(self, data, order_id):
        """Release issued stamps first..last of an order (without a range: all of them)"""
        user = current_api_user()
        order = access.get_for_write(StampOrder, order_id, user)
        first, last = data.get("first"), data.get("last")
        # Releasing twice is harmless, so no range still means the whole order, said explicitly.
        whole = data["whole_order"] or (first is None and last is None)
        activated = orders.activate_stamps(order, user, first, last, whole_order=whole)
        commit()
        return {"activated": activated}


@blp.route("/stamps/<int:stamp_id>")
class StampById(MethodView):
    @blp.response(200, StampOut)
    def get(self, stamp_id):
        """Read a stamp: its state and scans"""
        return access.get_for_read(Stamp, stamp_id, current_api_user())


@blp.route("/stamps/<int:stamp_id>/void")
class StampVoid(MethodView):
    @blp.arguments(VoidIn)
    @blp.response(200, StampOut)
    def post(self, data, stamp_id):
        """Void one stamp, with a reason; its page then tells consumers it is void"""
        user = current_api_user()
        stamp = access.get_for_write(Stamp, stamp_id, user)
        orders.void_stamp(stamp, user, data["reason"])
        commit()
        return stamp


@blp.route("/scans/stats")
class ScanStats(MethodView):
    @blp.arguments(ScanStatsQuery, location="query")
    @blp.response(200, ScanStatsOut)
    def get(self, query):
        """Scan statistics: by verdict, per day, by client and place, with warning counts"""
        user = current_api_user()
        producer_id = gtin = None
        if "producer_id" in query:
            producer_id = access.get_for_read(Producer, query["producer_id"], user).id
        if "product_id" in query:
            gtin = access.get_for_read(Product, query["product_id"], user).gtin
        # The same scope and summary as the scans page (every verdict, zeros included).
        scans = stats.filter_scans(
            stats.visible_scans(user, producer_id=producer_id, gtin=gtin),
            date_from=query.get("date_from"),
            date_to=query.get("date_to"),
        )
        return stats.scan_summary(scans)


@blp.route("/counterfeit-reports/")
class CounterfeitReports(MethodView):
    @blp.arguments(ReportQuery, location="query")
    @blp.response(200, ReportOut(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """List the counterfeit reports you may see (a producer: those about its products)"""
        user = current_api_user()
        stmt = access.visible(CounterfeitReport, user).order_by(CounterfeitReport.id)
        for field in ("state", "producer_id", "stamp_id"):
            if field in query:
                stmt = stmt.where(getattr(CounterfeitReport, field) == query[field])
        return [access.for_viewer(r, user) for r in paginate_select(stmt, pagination_parameters)]


@blp.route("/counterfeit-reports/<int:report_id>")
class CounterfeitReportById(MethodView):
    @blp.response(200, ReportOut)
    def get(self, report_id):
        """Read a counterfeit report"""
        user = current_api_user()
        return access.for_viewer(access.get_for_read(CounterfeitReport, report_id, user), user)

    @blp.arguments(ReportStateIn)
    @blp.response(200, ReportOut)
    def patch(self, data, report_id):
        """Move a report along its workflow, with a note (staff); confirming flags the stamp"""
        user = current_api_user()
        report = access.get_for_read(CounterfeitReport, report_id, user)
        counterfeit.change_report_state(report, data["state"], data["note"], user)
        commit()
        return access.for_viewer(report, user)
