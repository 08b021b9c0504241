"""Producer and staff pages for stamp orders, scans and counterfeit reports."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    send_from_directory,
    url_for,
)
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import func, select
from wtforms.fields.choices import SelectChoice

from core import access, pages
from core.audit import AuditEntry
from core.errors import Conflict, NotFound
from core.extensions import db
from core.formatting import format_number
from core.pagination import paginate
from core.web import stream_in_app_context
from traceability.registry.models import Batch, Producer, ReviewState
from traceability.stamps import counterfeit, forms, jobs, orders, printing, render, stats
from traceability.stamps.models import (
    CounterfeitReport,
    RenderState,
    ReportState,
    Stamp,
    StampOrder,
    StampState,
    Verdict,
)
from traceability.stamps.serials import stamp_url
from traceability.stamps.verdicts import batch_expired

bp = Blueprint("stamps", __name__)
staff_bp = Blueprint("stamp_staff", __name__, url_prefix="/staff")

SCAN_PERIODS = (7, 30, 90)
PNG_SIZE_PX = 600

ACTION_LABELS = {
    "stamp_order.create": _l("stamps issued"),
    "stamps.activate": _l("stamps released"),
    "stamps.void": _l("stamps voided"),
    "counterfeit_report.state": _l("status changed"),
}


@bp.app_context_processor
def _inject_labels():
    return {
        "stamp_labels": {
            "kind": forms.LAYOUT_KIND_LABELS,
            "render": forms.RENDER_STATE_LABELS,
            "stamp": forms.STAMP_STATE_LABELS,
            "verdict": forms.VERDICT_LABELS,
            "reason": forms.REASON_LABELS,
            "report": forms.REPORT_STATE_LABELS,
            "family": forms.CLIENT_FAMILY_LABELS,
        },
        "stamp_actions": ACTION_LABELS,
        "StampState": StampState,
        "Verdict": Verdict,
    }


def _flash_form_errors(form) -> None:
    for name, messages in form.errors.items():
        label = getattr(form, name).label.text if hasattr(form, name) else ""
        for message in messages:
            flash(f"{label}: {message}" if label else str(message), "error")


# --- ordering ------------------------------------------------------------------------------


def _why_not_orderable(batch: Batch) -> str | None:
    """Why stamps cannot be ordered for this batch yet, and what to do; None if they can."""
    product = batch.product
    if batch_expired(batch):
        return str(orders.EXPIRED_BATCH_MESSAGE)
    if product.is_published:
        return None
    if not product.producer.is_verified:
        return _(
            "The producer's registration has not been verified by the Department yet. Stamps "
            "can be ordered once it is verified; the producer's dashboard shows its status."
        )
    return {
        ReviewState.DRAFT: _(
            "%(name)s is still a draft. Submit it for verification on its page; once the "
            "Department has verified it you can order stamps for its batches.",
            name=product.name,
        ),
        ReviewState.SUBMITTED: _(
            "%(name)s is waiting for the Department to verify it. You can order stamps as soon "
            "as it is verified.",
            name=product.name,
        ),
        ReviewState.REJECTED: _(
            "The Department returned %(name)s. Fix what it asked for and submit the product "
            "again; stamps can be ordered once it is verified.",
            name=product.name,
        ),
    }.get(
        product.review_state,
        _("Stamps can be ordered only for a product the Department has verified."),
    )


@bp.route("/batches/<int:batch_id>/stamps/new", methods=["GET", "POST"])
@login_required
def order_new(batch_id: int):
    batch = access.get_for_write(Batch, batch_id, current_user)
    refusal = _why_not_orderable(batch)
    form = forms.StampOrderForm()
    if request.method == "GET":
        defaults = render.Layout()
        form.rows.data, form.cols.data = defaults.rows, defaults.cols
        form.size_mm.data = defaults.size_mm
    if refusal is not None:
        status = 409 if request.method == "POST" else 200
        return render_template(
            "stamps/order_form.html", form=form, batch=batch, refusal=refusal
        ), status
    if form.validate_on_submit():
        done = pages.act(
            lambda: orders.create_order(batch, form.to_data(), current_user),
            _issued_message,
            form=form,
        )
        if done:
            jobs.enqueue_render(done.value.id)
            return redirect(url_for("stamps.order_detail", order_id=done.value.id))
    return render_template("stamps/order_form.html", form=form, batch=batch, refusal=None)


def _issued_message(order: StampOrder) -> str:
    return ngettext(
        "%(num)d stamp has been issued. Its print file is being prepared; this page "
        "shows when it is ready.",
        "%(num)d stamps have been issued. Their print file is being prepared; this "
        "page shows when it is ready.",
        order.quantity,
    )


@bp.post("/batches/<int:batch_id>/stamps/preview.pdf")
@login_required
def order_preview(batch_id: int):
    """The first sheet of the layout on the order form, with sample codes; nothing is issued."""
    batch = access.get_for_write(Batch, batch_id, current_user)
    refusal = _why_not_orderable(batch)
    if refusal is not None:
        raise Conflict(refusal)
    form = forms.StampOrderForm()
    if not form.validate_on_submit():
        _flash_form_errors(form)
        return redirect(url_for("stamps.order_new", batch_id=batch_id))
    out = io.BytesIO()
    drawn = pages.act(
        lambda: printing.preview_sheet(batch, form.to_data(), current_user, out, str(get_locale())),
        form=form,
    )
    if not drawn:
        return render_template("stamps/order_form.html", form=form, batch=batch, refusal=None), 422
    response = Response(out.getvalue(), mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'inline; filename="stamp-preview-batch-{batch_id}.pdf"'
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- orders --------------------------------------------------------------------------------


@bp.get("/stamps/orders", endpoint="orders")
@login_required
def order_list():
    stmt = access.visible(StampOrder, current_user).order_by(StampOrder.id.desc())
    producers = {}
    page = paginate(stmt)
    if current_user.is_staff and page.items:
        ids = {o.producer_id for o in page.items}
        producers = {
            p.id: p for p in db.session.scalars(select(Producer).where(Producer.id.in_(ids)))
        }
    return render_template("stamps/orders.html", page=page, producers=producers)


def _stamps_of(order: StampOrder):
    return select(Stamp).where(Stamp.order_id == order.id).order_by(Stamp.seq)


@bp.get("/stamps/orders/<int:order_id>")
@login_required
def order_detail(order_id: int):
    order = access.get_for_read(StampOrder, order_id, current_user)
    range_form, void_form = forms.RangeForm(formdata=None), forms.VoidForm(formdata=None)
    # Two forms on one page: distinct ids keep each label tied to its own input.
    for prefix, form in (("activate", range_form), ("void", void_form)):
        form.first.id, form.last.id = f"{prefix}-first", f"{prefix}-last"
    one = request.args.get("void", type=int)
    if one and 1 <= one <= order.quantity:
        void_form.first.data = void_form.last.data = one
    counts = dict(
        db.session.execute(
            select(Stamp.state, func.count())
            .where(Stamp.order_id == order.id)
            .group_by(Stamp.state)
        ).all()
    )
    history = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.object_type == "stamp_orders", AuditEntry.object_id == str(order.id))
        .order_by(AuditEntry.id.desc())
        .limit(20)
    ).all()
    in_progress = order.render_state in (RenderState.PENDING, RenderState.RENDERING)
    response = Response(
        render_template(
            "stamps/order_detail.html",
            order=order,
            producer=db.session.get(Producer, order.producer_id),
            page=paginate(_stamps_of(order)),
            counts=counts,
            history=history,
            in_progress=in_progress,
            stamp_url=stamp_url,
            range_form=range_form,
            void_form=void_form,
        )
    )
    return response


@bp.get("/stamps/orders/<int:order_id>/stamps.pdf")
@login_required
def order_pdf(order_id: int):
    order = access.get_for_read(StampOrder, order_id, current_user)
    path = jobs.pdf_path(order) if order.render_state is RenderState.READY else None
    if path is None or not path.is_file():
        raise NotFound(
            _(
                "The print file of this order is not ready yet. Go back to the order page: it "
                "shows the progress, and the download link once the file is ready."
            )
        )
    return send_file(
        path,
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"stamps-order-{order.id}.pdf",
        max_age=0,
    )


@bp.get("/stamps/orders/<int:order_id>/stamps.csv")
@login_required
def order_csv(order_id: int):
    access.get_for_read(StampOrder, order_id, current_user)
    chunks = stream_in_app_context(lambda: printing.order_csv(db.session.get(StampOrder, order_id)))
    response = Response(chunks, mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="stamps-order-{order_id}.csv"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _label(order: StampOrder, seq: int) -> render.Label:
    stamp = db.session.scalar(select(Stamp).where(Stamp.order_id == order.id, Stamp.seq == seq))
    if stamp is None:
        raise NotFound(_("This order has no stamp number %(n)s.", n=seq))
    caption = order.product.name if order.layout.get("show_caption", True) else ""
    url = stamp_url(stamp.gtin, order.batch.lot_code, stamp.serial)
    return render.Label(url=url, serial=stamp.serial, caption=caption)


def _image(body, mimetype: str, order: StampOrder, seq: int, ext: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'inline; filename="stamp-{order.id}-{seq}.{ext}"'
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.get("/stamps/orders/<int:order_id>/stamps/<int:seq>.svg")
@login_required
def stamp_svg(order_id: int, seq: int):
    order = access.get_for_read(StampOrder, order_id, current_user)
    size_mm = order.layout.get("size_mm", render.Layout().size_mm)
    svg = render.render_svg(_label(order, seq), size_mm=size_mm)
    return _image(svg, "image/svg+xml", order, seq, "svg")


@bp.get("/stamps/orders/<int:order_id>/stamps/<int:seq>.png")
@login_required
def stamp_png(order_id: int, seq: int):
    order = access.get_for_read(StampOrder, order_id, current_user)
    png = render.render_png(_label(order, seq), size_px=PNG_SIZE_PX)
    return _image(png, "image/png", order, seq, "png")


def _back(order_id: int):
    return redirect(url_for("stamps.order_detail", order_id=order_id))


def _change_range(order_id: int, form, change, done, nothing: str):
    """Apply a range form from the order page; flash how many stamps changed, back to the order."""
    if not form.validate_on_submit():
        _flash_form_errors(form)
        return _back(order_id)
    changed = pages.act(lambda: change(form))
    if changed:
        count = changed.value
        flash(done(count) if count else nothing, "success" if count else "info")
    return _back(order_id)


@bp.post("/stamps/orders/<int:order_id>/activate")
@login_required
def order_activate(order_id: int):
    order = access.get_for_write(StampOrder, order_id, current_user)
    return _change_range(
        order_id,
        forms.RangeForm(),
        # Releasing is harmless to repeat: both numbers empty releases the whole order.
        lambda form: orders.activate_stamps(
            order, current_user, form.first.data, form.last.data, whole_order=form.is_empty
        ),
        lambda count: ngettext(
            "%(num)d stamp is now active: scans show it as genuine.",
            "%(num)d stamps are now active: scans show them as genuine.",
            count,
        ),
        _("No stamps changed: those stamps were already active or void."),
    )


@bp.post("/stamps/orders/<int:order_id>/void")
@login_required
def order_void(order_id: int):
    """Void stamps in two steps: first say how many and which, then void them when confirmed.

    Above VOID_TYPE_COUNT_ABOVE stamps the producer also types the number. No JavaScript.
    """
    order = access.get_for_write(StampOrder, order_id, current_user)
    form = forms.VoidForm()
    if not form.validate_on_submit():
        _flash_form_errors(form)
        return _back(order_id)
    whole = form.whole_order.data
    values = form.to_args()
    planned = pages.act(lambda: orders.plan_void(order, current_user, *values, whole_order=whole))
    if not planned:
        return _back(order_id)
    plan = planned.value
    if plan.count == 0:
        flash(_("No stamps changed: those stamps were already void."), "info")
        return _back(order_id)
    must_type = plan.count > forms.VOID_TYPE_COUNT_ABOVE
    error = None
    if form.confirmed.data == "yes":
        if not must_type or form.typed_number() == plan.count:
            return _change_range(
                order_id,
                form,
                lambda form: orders.void_stamps(order, current_user, *values, whole_order=whole),
                lambda count: ngettext(
                    "%(num)d stamp is now void: scans of it warn the consumer.",
                    "%(num)d stamps are now void: scans of them warn the consumer.",
                    count,
                ),
                _("No stamps changed: those stamps were already void."),
            )
        error = _(
            "Type the number of stamps to void, %(n)s, to confirm.",
            n=format_number(plan.count, get_locale()),
        )
    page = render_template(
        "stamps/order_void_confirm.html",
        order=order,
        form=form,
        plan=plan,
        whole=whole,
        must_type=must_type,
        error=error,
    )
    return page, 422 if error else 200


@bp.post("/stamps/orders/<int:order_id>/render")
@login_required
def order_render(order_id: int):
    order = access.get_for_write(StampOrder, order_id, current_user)
    if order.render_state is not RenderState.FAILED:
        # A stale page's button: answered 409, like an order of a product not yet verified.
        raise Conflict(printing.NOT_FAILED)
    again = pages.act(
        lambda: printing.retry_render(order, current_user),
        _("The print file is being prepared again."),
    )
    if again:
        jobs.enqueue_render(order_id)
    return _back(order_id)


# --- scans ---------------------------------------------------------------------------------


@bp.get("/stamps/scans")
@login_required
def scans():
    reports = access.visible(CounterfeitReport, current_user)
    producer = None
    producer_id = request.args.get("producer_id", type=int)
    if current_user.is_staff and producer_id:
        producer = access.get_for_read(Producer, producer_id, current_user)
        reports = reports.where(CounterfeitReport.producer_id == producer.id)
    # The same scope and the same summary as the API's /scans/stats.
    scope = stats.visible_scans(current_user, producer_id=producer.id if producer else None)
    days = request.args.get("days", 30, type=int)
    days = days if days in SCAN_PERIODS else 30
    last = stats.today()
    first = last - dt.timedelta(days=days - 1)
    period = stats.filter_scans(scope, date_from=first, date_to=last)
    summary = stats.scan_summary(period)
    chart = stats.per_day(scope, first, last)
    producers = []
    if current_user.is_staff:
        producers = db.session.scalars(select(Producer).order_by(Producer.legal_name)).all()
    return render_template(
        "stamps/scans.html",
        days=days,
        periods=SCAN_PERIODS,
        first=first,
        last=last,
        producer=producer,
        producers=producers,
        summary=summary,
        all_time=stats.total(scope),
        chart=chart,
        peak=max((d.count for d in chart), default=0),
        suspicious=stats.suspicious_stamps(scope),
        unissued_all=stats.not_issued(scope),
        reports=db.session.scalars(reports.order_by(CounterfeitReport.id.desc()).limit(20)).all(),
    )


# --- staff: counterfeit reports -----------------------------------------------------------


@staff_bp.before_request
@login_required
def _staff_only():
    access.require_staff(current_user)


@staff_bp.get("/reports")
def reports():
    stmt = select(CounterfeitReport).order_by(CounterfeitReport.id.desc())
    state = request.args.get("state")
    if state in {s.value for s in ReportState}:
        stmt = stmt.where(CounterfeitReport.state == ReportState(state))
    else:
        state = None
    page = paginate(stmt)
    ids = {r.producer_id for r in page.items if r.producer_id}
    producers = {p.id: p for p in db.session.scalars(select(Producer).where(Producer.id.in_(ids)))}
    return render_template(
        "stamps/staff/reports.html",
        page=page,
        state=state,
        states=list(ReportState),
        producers=producers,
    )


def _report_form(report: CounterfeitReport) -> forms.ReportStateForm:
    form = forms.ReportStateForm()
    allowed = [s for s in ReportState if s in counterfeit.REPORT_TRANSITIONS[report.state]]
    form.state.choices = [SelectChoice(s.value, forms.REPORT_STATE_LABELS[s]) for s in allowed]
    return form


@staff_bp.get("/reports/<int:report_id>")
def report_detail(report_id: int):
    report = access.get_for_read(CounterfeitReport, report_id, current_user)
    history = db.session.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.object_type == "counterfeit_reports",
            AuditEntry.object_id == str(report.id),
        )
        .order_by(AuditEntry.id.desc())
    ).all()
    stamp = report.stamp
    return render_template(
        "stamps/staff/report_detail.html",
        report=report,
        stamp=stamp,
        producer=db.session.get(Producer, report.producer_id) if report.producer_id else None,
        page_url=stamp_url(report.gtin, report.lot, report.serial),
        history=history,
        form=_report_form(report),
    )


@staff_bp.post("/reports/<int:report_id>/state")
def report_state(report_id: int):
    report = access.get_for_read(CounterfeitReport, report_id, current_user)
    form = forms.ReportStateForm()
    back = redirect(url_for("stamp_staff.report_detail", report_id=report_id))
    if not form.validate_on_submit():
        _flash_form_errors(form)
        return back
    pages.act(
        lambda: counterfeit.change_report_state(
            report, form.state.data, form.note.data or "", current_user
        ),
        lambda changed: _(
            "The report is now: %(state)s.", state=forms.REPORT_STATE_LABELS[changed.state]
        ),
    )
    return back


@staff_bp.get("/reports/<int:report_id>/photo")
def report_photo(report_id: int):
    report = access.get_for_read(CounterfeitReport, report_id, current_user)
    if not report.photo_key:
        raise NotFound(_("This report has no photo."))
    response = send_from_directory(
        Path(current_app.config["UPLOAD_FOLDER"]) / "reports", report.photo_key, max_age=0
    )
    # A consumer's photo is personal data: never cached by proxies or shared browsers.
    response.headers["Cache-Control"] = "private, no-store"
    return response
