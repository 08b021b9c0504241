"""The Department's registry pages under /staff: the review queue, producers, verification and
refusal, and the national-portal status of products."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from core import access, pages
from core.extensions import db
from core.pagination import paginate
from traceability.registry import forms, rules, services
from traceability.registry.models import Producer, Product, ReviewState, VerificationState

staff_bp = Blueprint("staff", __name__, url_prefix="/staff")


@staff_bp.before_request
@login_required
def _staff_only():
    access.require_staff(current_user)


@staff_bp.get("/review")
def review_queue():
    pending = db.session.scalars(
        select(Producer)
        .where(Producer.verification_state == VerificationState.PENDING)
        .order_by(Producer.created_at)
    ).all()
    submitted = db.session.scalars(
        select(Product)
        .where(Product.review_state == ReviewState.SUBMITTED)
        .order_by(Product.submitted_at)
    ).all()
    outside_prefix = {
        p.id
        for p in submitted
        if rules.outside_company_prefix(p.gtin, p.producer.gs1_company_prefix)
    }
    return render_template(
        "staff/review.html", pending=pending, submitted=submitted, outside_prefix=outside_prefix
    )


@staff_bp.get("/producers")
def producers():
    stmt = select(Producer).order_by(Producer.legal_name)
    state = request.args.get("state")
    if state in {s.value for s in VerificationState}:
        stmt = stmt.where(Producer.verification_state == VerificationState(state))
    ward = request.args.get("ward")
    if ward:
        stmt = stmt.where(Producer.ward_code == ward)
    return render_template("staff/producers.html", page=paginate(stmt), state=state)


@staff_bp.get("/producers/<int:producer_id>")
def producer_detail(producer_id: int):
    producer = access.get_for_read(Producer, producer_id, current_user)
    return render_template(
        "staff/producer_detail.html", producer=producer, reason_form=forms.ReasonForm()
    )


@staff_bp.post("/producers/<int:producer_id>/verify")
def producer_verify(producer_id: int):
    producer = access.get_for_read(Producer, producer_id, current_user)
    pages.act(
        lambda: services.verify_producer(producer, current_user),
        _("%(name)s is verified.", name=producer.legal_name),
    )
    return redirect(url_for("staff.review_queue"))


def _say_why() -> None:
    flash(_("Say why, so the producer knows what to fix."), "error")


@staff_bp.post("/producers/<int:producer_id>/reject")
def producer_reject(producer_id: int):
    producer = access.get_for_read(Producer, producer_id, current_user)
    form = forms.ReasonForm()
    if not form.validate_on_submit():
        _say_why()
    elif pages.act(
        lambda: services.reject_producer(producer, form.reason.data, current_user),
        _("%(name)s has been refused; the reason is shown to it.", name=producer.legal_name),
    ):
        return redirect(url_for("staff.review_queue"))
    return redirect(url_for("staff.producer_detail", producer_id=producer_id))


@staff_bp.post("/products/<int:product_id>/verify")
def product_verify(product_id: int):
    product = access.get_for_read(Product, product_id, current_user)
    pages.act(
        lambda: services.verify_product(product, current_user),
        _("%(name)s is verified.", name=product.name),
    )
    return redirect(url_for("staff.review_queue"))


@staff_bp.post("/products/<int:product_id>/reject")
def product_reject(product_id: int):
    product = access.get_for_read(Product, product_id, current_user)
    form = forms.ReasonForm()
    if not form.validate_on_submit():
        _say_why()
    elif pages.act(
        lambda: services.reject_product(product, form.reason.data, current_user),
        _("%(name)s has been returned to the producer.", name=product.name),
    ):
        return redirect(url_for("staff.review_queue"))
    return redirect(url_for("registry.product_detail", product_id=product_id))


@staff_bp.route("/products/<int:product_id>/portal", methods=["GET", "POST"])
def product_portal(product_id: int):
    product = access.get_for_read(Product, product_id, current_user)
    form = forms.PortalForm(obj=product)
    if form.validate_on_submit() and pages.act(
        lambda: services.set_portal_status(
            product,
            state=form.portal_state.data,
            reference=form.portal_reference.data,
            on=form.portal_state_on.data,
            actor=current_user,
        ),
        _("The national-portal status has been saved."),
        form=form,
    ):
        return redirect(url_for("registry.product_detail", product_id=product.id))
    return render_template("staff/portal_form.html", form=form, product=product)
