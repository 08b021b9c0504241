"""Registry pages: sign-up, the producer portal, and the staff review queue."""

from __future__ import annotations

import datetime as dt

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select
from wtforms.fields.choices import SelectChoice

from core import access
from core.accounts.forms import EmptyForm
from core.accounts.models import Role
from core.audit import AuditEntry
from core.db import utcnow
from core.errors import DomainError, Forbidden, ValidationFailed
from core.extensions import csrf, db, limiter
from core.forms import attach_errors
from core.pagination import paginate
from core.wards.models import Ward
from traceability.registry import forms, images, rules, services
from traceability.registry.models import (
    Batch,
    PortalState,
    Producer,
    Product,
    ProductImage,
    ReviewState,
    Site,
    VerificationState,
)
from traceability.stamps import services as stamp_services

bp = Blueprint("registry", __name__)
staff_bp = Blueprint("staff", __name__, url_prefix="/staff")
media_bp = Blueprint("media", __name__, url_prefix="/media")


def _ward_choices() -> list[tuple[str, str]]:
    wards = db.session.scalars(select(Ward).order_by(Ward.code)).all()
    choices = sorted((SelectChoice(w.code, w.name) for w in wards), key=lambda c: c.label)
    return [forms.BLANK, *choices]


def _own_producer() -> Producer:
    """The producer the logged-in producer account acts for."""
    if current_user.role is not Role.PRODUCER or current_user.producer is None:
        raise Forbidden(_("This page is for producer accounts."))
    return current_user.producer


def _save(form, action, success_message: str):
    """Run a service, commit once, or show its errors on the form. Returns the result or None."""
    try:
        result = action()
    except ValidationFailed as exc:
        db.session.rollback()
        attach_errors(form, exc)
        return None
    db.session.commit()
    flash(success_message, "success")
    return result


def _flash_warnings(product: Product) -> None:
    for warning in services.product_warnings(product):
        flash(str(warning), "warning")


def _show_withdrawn() -> bool:
    """Lists hide withdrawn rows unless asked (?withdrawn=1)."""
    return request.args.get("withdrawn") == "1"


def _unless_withdrawn(stmt, model):
    return stmt if _show_withdrawn() else stmt.where(model.withdrawn_at.is_(None))


def _run(action, success_message: str) -> bool:
    """Run a state change (delete, withdraw, restore), commit, or flash why it is refused."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        action()
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return False
    db.session.commit()
    flash(success_message, "success")
    return True


def _confirm_delete(kind: str, obj, deletion, back: str, withdraw: str):
    """The confirmation page: what a delete removes, or why it cannot and withdrawal instead."""
    return render_template(
        "registry/confirm_delete.html",
        kind=kind,
        obj=obj,
        name=obj.lot_code if kind == "batch" else obj.name,
        deletion=deletion,
        back=back,
        withdraw=withdraw,
        action_form=EmptyForm(),
    )


ACTION_LABELS = {
    "product.create": _l("created"),
    "product.update": _l("changed"),
    "product.submit": _l("submitted for verification"),
    "product.verify": _l("verified by the Department"),
    "product.reject": _l("returned by the Department"),
    "product.portal": _l("national-portal status recorded"),
    "product.image_add": _l("photo added"),
    "product.image_delete": _l("photo removed"),
    "product.withdraw": _l("withdrawn"),
    "product.restore": _l("restored"),
}


def _labels() -> dict:
    return {
        "action": ACTION_LABELS,
        "category": forms.CATEGORY_LABELS,
        "ocop_group": forms.OCOP_GROUP_LABELS,
        "ip_status": forms.IP_STATUS_LABELS,
        "ip_kind": forms.IP_KIND_LABELS,
        "portal": forms.PORTAL_LABELS,
        "site_kind": forms.SITE_KIND_LABELS,
        "producer_kind": forms.PRODUCER_KIND_LABELS,
    }


@bp.app_context_processor
def _inject_labels():
    return {"labels": _labels(), "ReviewState": ReviewState, "VerificationState": VerificationState}


# --- sign-up and the producer's own profile -----------------------------------------------


@bp.route("/signup", methods=["GET", "POST"])
@csrf.exempt  # the form checks its own token, after the limiter has counted the attempt
@limiter.limit(lambda: current_app.config["RATELIMIT_SIGNUP"], methods=["POST"])
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("web.dashboard"))
    form = forms.SignupForm()
    form.ward_code.choices = _ward_choices()
    if form.validate_on_submit():
        account = {
            "email": form.account_email.data,
            "password": form.password.data,
            "full_name": form.account_name.data,
        }
        producer_data = {name: getattr(form, name).data for name in services.PRODUCER_CLEANERS}
        try:
            services.register_producer(account, producer_data)
        except ValidationFailed as exc:
            db.session.rollback()
            attach_errors(form, exc)
        else:
            # The same answer whether the email was new (account created) or already had an
            # account (nothing created, its holder is told at login): not a way to find out who
            # has an account. A new producer logs in with the password just chosen.
            db.session.commit()
            flash(
                _(
                    "Thank you. If this email is new, your account has been created: log in "
                    "below with the email and password you just chose, then prepare your products "
                    "while the Department verifies your registration. If you already have an "
                    "account, log in with your password, or ask the Department for a "
                    "password-reset link."
                ),
                "success",
            )
            return redirect(url_for("auth.login"))
    return render_template("registry/signup.html", form=form)


@bp.get("/producer")
@login_required
def producer_dashboard():
    producer = _own_producer()
    products = producer.products
    today = dt.date.today()
    warnings = [(p, w) for p in products for w in services.product_warnings(p, today)]
    counts = {
        "products": len(products),
        "verified": sum(1 for p in products if p.review_state is ReviewState.VERIFIED),
        "sites": len(producer.sites),
        "batches": db.session.scalar(
            select(func.count()).select_from(Batch).where(Batch.producer_id == producer.id)
        ),
    }
    return render_template(
        "registry/dashboard.html",
        producer=producer,
        counts=counts,
        warnings=warnings,
        resubmit_form=EmptyForm(),
    )


@bp.route("/producer/profile", methods=["GET", "POST"])
@login_required
def producer_profile():
    producer = _own_producer()
    form = forms.ProducerForm(obj=producer)
    form.ward_code.choices = _ward_choices()
    if request.method == "GET":
        form.kind.data = producer.kind.value
    if form.validate_on_submit():
        data = {name: getattr(form, name).data for name in services.PRODUCER_CLEANERS}
        if _save(
            form,
            lambda: services.update_producer(producer, data, current_user),
            _("Your details have been saved."),
        ):
            return redirect(url_for("registry.producer_dashboard"))
    return render_template("registry/producer_form.html", form=form, producer=producer)


@bp.post("/producer/resubmit")
@login_required
def producer_resubmit():
    producer = _own_producer()
    if EmptyForm().validate_on_submit():
        services.resubmit_producer(producer, current_user)
        db.session.commit()
        flash(_("Your registration has been sent to the Department again."), "success")
    return redirect(url_for("registry.producer_dashboard"))


# --- products ------------------------------------------------------------------------------


@bp.get("/products")
@login_required
def products():
    stmt = access.visible(Product, current_user).join(Producer).order_by(Product.name)
    stmt = _unless_withdrawn(stmt, Product)
    q = (request.args.get("q") or "").strip()
    if q:
        # % and _ are literal: autoescape
        stmt = stmt.where(
            or_(
                Product.name.icontains(q, autoescape=True),
                Product.gtin.contains(q, autoescape=True),
            )
        )
    state = request.args.get("state")
    if state in {s.value for s in ReviewState}:
        stmt = stmt.where(Product.review_state == ReviewState(state))
    return render_template(
        "registry/products.html",
        page=paginate(stmt),
        q=q,
        state=state,
        show_withdrawn=_show_withdrawn(),
    )


def _new_product_form():
    form = forms.ProductForm()
    if request.method == "GET":
        form.category.data = "agricultural"
        form.ip_status.data = "none"
    return form


@bp.route("/products/new", methods=["GET", "POST"])
@login_required
def product_new():
    producer = _own_producer()
    form = _new_product_form()
    if form.validate_on_submit():
        product = _save(
            form,
            lambda: services.create_product(producer, form.to_data(), current_user),
            _("The product has been saved as a draft."),
        )
        if product:
            _flash_warnings(product)
            return redirect(url_for("registry.product_detail", product_id=product.id))
    return render_template("registry/product_form.html", form=form, product=None)


@bp.get("/products/<int:product_id>")
@login_required
def product_detail(product_id: int):
    product = access.get_for_read(Product, product_id, current_user)
    history = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.object_type == "products", AuditEntry.object_id == str(product.id))
        .order_by(AuditEntry.id.desc())
        .limit(20)
    ).all()
    return render_template(
        "registry/product_detail.html",
        product=product,
        warnings=services.product_warnings(product),
        history=history,
        image_form=forms.ImageForm(),
        action_form=EmptyForm(),
        reason_form=forms.ReasonForm(),
    )


@bp.route("/products/<int:product_id>/edit", methods=["GET", "POST"])
@login_required
def product_edit(product_id: int):
    product = access.get_for_write(Product, product_id, current_user)
    form = forms.ProductForm()
    if request.method == "GET":
        form.fill_from(product)
    if form.validate_on_submit() and _save(
        form,
        lambda: services.update_product(product, form.to_data(), current_user),
        _("The product has been saved."),
    ):
        _flash_warnings(product)
        return redirect(url_for("registry.product_detail", product_id=product.id))
    return render_template("registry/product_form.html", form=form, product=product)


@bp.post("/products/<int:product_id>/submit")
@login_required
def product_submit(product_id: int):
    product = access.get_for_write(Product, product_id, current_user)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        services.submit_product(product, current_user)
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
    else:
        db.session.commit()
        flash(_("The product has been sent to the Department for verification."), "success")
    return redirect(url_for("registry.product_detail", product_id=product_id))


@bp.route("/products/<int:product_id>/delete", methods=["GET", "POST"])
@login_required
def product_delete(product_id: int):
    product = access.get_for_write(Product, product_id, current_user)
    detail = url_for("registry.product_detail", product_id=product_id)
    if request.method == "GET":
        return _confirm_delete(
            "product",
            product,
            services.product_deletion(product),
            back=detail,
            withdraw=url_for("registry.product_withdraw", product_id=product_id),
        )
    if _run(
        lambda: services.delete_product(product, current_user), _("The product has been deleted.")
    ):
        return redirect(url_for("registry.products"))
    return redirect(detail)


@bp.post("/products/<int:product_id>/withdraw")
@login_required
def product_withdraw(product_id: int):
    product = access.get_for_write(Product, product_id, current_user)
    _run(
        lambda: services.withdraw_product(product, current_user),
        _(
            "The product has been withdrawn: it keeps its records but gets no new batches "
            "or stamps."
        ),
    )
    return redirect(url_for("registry.product_detail", product_id=product_id))


@bp.post("/products/<int:product_id>/restore")
@login_required
def product_restore(product_id: int):
    product = access.get_for_write(Product, product_id, current_user)
    _run(
        lambda: services.restore_product(product, current_user),
        _("The product has been restored."),
    )
    return redirect(url_for("registry.product_detail", product_id=product_id))


@bp.post("/products/<int:product_id>/images")
@login_required
def product_image_add(product_id: int):
    product = access.get_for_write(Product, product_id, current_user)
    form = forms.ImageForm()
    if not form.validate_on_submit():
        for message in form.image.errors or form.form_errors or [_("Choose a photo to upload.")]:
            flash(str(message), "error")
    else:
        try:
            images.add_product_image(product, form.image.data.stream, current_user)
        except ValidationFailed as exc:
            db.session.rollback()
            for messages in exc.errors.values():
                for message in messages:
                    flash(message, "error")
        else:
            db.session.commit()
            flash(_("The photo has been added."), "success")
    return redirect(url_for("registry.product_detail", product_id=product_id))


@bp.post("/products/<int:product_id>/images/<int:image_id>/delete")
@login_required
def product_image_delete(product_id: int, image_id: int):
    product = access.get_for_write(Product, product_id, current_user)
    image = db.session.get(ProductImage, image_id)
    if image is None or image.product_id != product.id or not EmptyForm().validate_on_submit():
        abort(404)
    images.delete_product_image(image, current_user)
    db.session.commit()
    flash(_("The photo has been removed."), "success")
    return redirect(url_for("registry.product_detail", product_id=product_id))


# --- sites ---------------------------------------------------------------------------------


@bp.get("/sites")
@login_required
def sites():
    stmt = _unless_withdrawn(access.visible(Site, current_user).order_by(Site.name), Site)
    return render_template(
        "registry/sites.html", page=paginate(stmt), show_withdrawn=_show_withdrawn()
    )


@bp.route("/sites/new", methods=["GET", "POST"])
@login_required
def site_new():
    producer = _own_producer()
    form = forms.SiteForm()
    form.ward_code.choices = _ward_choices()
    if request.method == "GET":
        form.ward_code.data = producer.ward_code
    if form.validate_on_submit() and _save(
        form,
        lambda: services.create_site(producer, form.to_data(), current_user),
        _("The site has been saved."),
    ):
        return redirect(url_for("registry.sites"))
    return render_template("registry/site_form.html", form=form, site=None)


@bp.route("/sites/<int:site_id>/edit", methods=["GET", "POST"])
@login_required
def site_edit(site_id: int):
    site = access.get_for_write(Site, site_id, current_user)
    form = forms.SiteForm(obj=site)
    form.ward_code.choices = _ward_choices()
    if request.method == "GET":
        form.kind.data = site.kind.value
        form.certifications.data = ", ".join(site.certifications)
    if form.validate_on_submit() and _save(
        form,
        lambda: services.update_site(site, form.to_data(), current_user),
        _("The site has been saved."),
    ):
        return redirect(url_for("registry.sites"))
    return render_template("registry/site_form.html", form=form, site=site, delete_form=EmptyForm())


@bp.route("/sites/<int:site_id>/delete", methods=["GET", "POST"])
@login_required
def site_delete(site_id: int):
    site = access.get_for_write(Site, site_id, current_user)
    edit = url_for("registry.site_edit", site_id=site_id)
    if request.method == "GET":
        return _confirm_delete(
            "site",
            site,
            services.site_deletion(site),
            back=edit,
            withdraw=url_for("registry.site_withdraw", site_id=site_id),
        )
    if _run(lambda: services.delete_site(site, current_user), _("The site has been deleted.")):
        return redirect(url_for("registry.sites"))
    return redirect(edit)


@bp.post("/sites/<int:site_id>/withdraw")
@login_required
def site_withdraw(site_id: int):
    site = access.get_for_write(Site, site_id, current_user)
    _run(
        lambda: services.withdraw_site(site, current_user),
        _("The site has been withdrawn: its batches keep it, but no new batch can come from it."),
    )
    return redirect(url_for("registry.site_edit", site_id=site_id))


@bp.post("/sites/<int:site_id>/restore")
@login_required
def site_restore(site_id: int):
    site = access.get_for_write(Site, site_id, current_user)
    _run(lambda: services.restore_site(site, current_user), _("The site has been restored."))
    return redirect(url_for("registry.site_edit", site_id=site_id))


# --- batches -------------------------------------------------------------------------------


def _batch_form(producer_id: int, batch: Batch | None = None) -> forms.BatchForm:
    form = forms.BatchForm(obj=batch)
    # Withdrawn products and sites get no new batches; a batch keeps its own.
    products = db.session.scalars(
        select(Product)
        .where(
            Product.producer_id == producer_id,
            or_(
                Product.withdrawn_at.is_(None), Product.id == (batch.product_id if batch else None)
            ),
        )
        .order_by(Product.name)
    ).all()
    site_rows = db.session.scalars(
        select(Site)
        .where(
            Site.producer_id == producer_id,
            or_(Site.withdrawn_at.is_(None), Site.id == (batch.site_id if batch else None)),
        )
        .order_by(Site.name)
    ).all()
    form.product_id.choices = [forms.BLANK] + [
        SelectChoice(str(p.id), f"{p.name} ({p.gtin})") for p in products
    ]
    form.site_id.choices = [forms.BLANK] + [SelectChoice(str(s.id), s.name) for s in site_rows]
    if batch is not None and request.method == "GET":
        form.product_id.data = str(batch.product_id)
        form.site_id.data = str(batch.site_id) if batch.site_id else ""
    return form


@bp.get("/batches")
@login_required
def batches():
    stmt = access.visible(Batch, current_user).order_by(Batch.id.desc())
    stmt = _unless_withdrawn(stmt, Batch)
    product_id = request.args.get("product_id", type=int)
    if product_id:
        stmt = stmt.where(Batch.product_id == product_id)
    return render_template(
        "registry/batches.html",
        page=paginate(stmt),
        show_withdrawn=_show_withdrawn(),
        today=stamp_services.province_date(utcnow()),
    )


@bp.route("/batches/new", methods=["GET", "POST"])
@login_required
def batch_new():
    producer = _own_producer()
    form = _batch_form(producer.id)
    if request.method == "GET" and request.args.get("product_id"):
        form.product_id.data = request.args["product_id"]
    if form.validate_on_submit() and _save(
        form,
        lambda: services.create_batch(form.to_data(), current_user),
        _("The batch has been saved."),
    ):
        return redirect(url_for("registry.batches"))
    return render_template("registry/batch_form.html", form=form, batch=None)


@bp.route("/batches/<int:batch_id>/edit", methods=["GET", "POST"])
@login_required
def batch_edit(batch_id: int):
    batch = access.get_for_write(Batch, batch_id, current_user)
    form = _batch_form(batch.producer_id, batch)
    if form.validate_on_submit() and _save(
        form,
        lambda: services.update_batch(batch, form.to_data(), current_user),
        _("The batch has been saved."),
    ):
        return redirect(url_for("registry.batches"))
    return render_template(
        "registry/batch_form.html", form=form, batch=batch, delete_form=EmptyForm()
    )


@bp.route("/batches/<int:batch_id>/delete", methods=["GET", "POST"])
@login_required
def batch_delete(batch_id: int):
    batch = access.get_for_write(Batch, batch_id, current_user)
    edit = url_for("registry.batch_edit", batch_id=batch_id)
    if request.method == "GET":
        return _confirm_delete(
            "batch",
            batch,
            services.batch_deletion(batch),
            back=edit,
            withdraw=url_for("registry.batch_withdraw", batch_id=batch_id),
        )
    if _run(lambda: services.delete_batch(batch, current_user), _("The batch has been deleted.")):
        return redirect(url_for("registry.batches"))
    return redirect(edit)


@bp.post("/batches/<int:batch_id>/withdraw")
@login_required
def batch_withdraw(batch_id: int):
    batch = access.get_for_write(Batch, batch_id, current_user)
    _run(
        lambda: services.withdraw_batch(batch, current_user),
        _("The batch has been withdrawn: its stamps and scans are kept, but no new stamps."),
    )
    return redirect(url_for("registry.batch_edit", batch_id=batch_id))


@bp.post("/batches/<int:batch_id>/restore")
@login_required
def batch_restore(batch_id: int):
    batch = access.get_for_write(Batch, batch_id, current_user)
    _run(lambda: services.restore_batch(batch, current_user), _("The batch has been restored."))
    return redirect(url_for("registry.batch_edit", batch_id=batch_id))


def _recall_page(batch: Batch, form: forms.RecallForm | None = None):
    """The recall form, or (the batch is recalled) the confirmation of lifting it."""
    return render_template(
        "registry/recall.html",
        batch=batch,
        form=form,
        stamps=stamp_services.recall_stamp_count(batch),
        notice_max=stamp_services.RECALL_NOTICE_MAX,
        action_form=EmptyForm(),
        back=url_for("registry.batch_edit", batch_id=batch.id),
    )


@bp.route("/batches/<int:batch_id>/recall", methods=["GET", "POST"])
@login_required
def batch_recall(batch_id: int):
    batch = access.get_for_write(Batch, batch_id, current_user)
    if batch.recalled_at is not None:
        flash(_("This batch is already recalled."), "warning")
        return redirect(url_for("registry.batch_recall_lift", batch_id=batch_id))
    form = forms.RecallForm()
    if form.validate_on_submit() and _save(
        form,
        lambda: stamp_services.recall_batch(batch, form.notice.data, current_user),
        _("The batch has been recalled: consumers who scan its stamps now see your notice."),
    ):
        return redirect(url_for("registry.batch_edit", batch_id=batch_id))
    return _recall_page(batch, form)


@bp.route("/batches/<int:batch_id>/recall/lift", methods=["GET", "POST"])
@login_required
def batch_recall_lift(batch_id: int):
    batch = access.get_for_write(Batch, batch_id, current_user)
    edit = url_for("registry.batch_edit", batch_id=batch_id)
    if request.method == "GET":
        if batch.recalled_at is None:
            flash(_("This batch is not recalled."), "warning")
            return redirect(edit)
        return _recall_page(batch)
    _run(
        lambda: stamp_services.lift_recall(batch, current_user),
        _("The recall has been lifted: the batch's stamps no longer say it is recalled."),
    )
    return redirect(edit)


# --- staff: review queue -------------------------------------------------------------------


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
        "staff/review.html",
        pending=pending,
        submitted=submitted,
        outside_prefix=outside_prefix,
        action_form=EmptyForm(),
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
        "staff/producer_detail.html",
        producer=producer,
        action_form=EmptyForm(),
        reason_form=forms.ReasonForm(),
    )


@staff_bp.post("/producers/<int:producer_id>/verify")
def producer_verify(producer_id: int):
    producer = access.get_for_read(Producer, producer_id, current_user)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.verify_producer(producer, current_user)
    db.session.commit()
    flash(_("%(name)s is verified.", name=producer.legal_name), "success")
    return redirect(url_for("staff.review_queue"))


@staff_bp.post("/producers/<int:producer_id>/reject")
def producer_reject(producer_id: int):
    producer = access.get_for_read(Producer, producer_id, current_user)
    form = forms.ReasonForm()
    if form.validate_on_submit():
        services.reject_producer(producer, form.reason.data, current_user)
        db.session.commit()
        flash(
            _("%(name)s has been refused; the reason is shown to it.", name=producer.legal_name),
            "success",
        )
        return redirect(url_for("staff.review_queue"))
    flash(_("Say why, so the producer knows what to fix."), "error")
    return redirect(url_for("staff.producer_detail", producer_id=producer_id))


@staff_bp.post("/products/<int:product_id>/verify")
def product_verify(product_id: int):
    product = access.get_for_read(Product, product_id, current_user)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.verify_product(product, current_user)
    db.session.commit()
    flash(_("%(name)s is verified.", name=product.name), "success")
    return redirect(url_for("staff.review_queue"))


@staff_bp.post("/products/<int:product_id>/reject")
def product_reject(product_id: int):
    product = access.get_for_read(Product, product_id, current_user)
    form = forms.ReasonForm()
    if form.validate_on_submit():
        services.reject_product(product, form.reason.data, current_user)
        db.session.commit()
        flash(_("%(name)s has been returned to the producer.", name=product.name), "success")
        return redirect(url_for("staff.review_queue"))
    flash(_("Say why, so the producer knows what to fix."), "error")
    return redirect(url_for("registry.product_detail", product_id=product_id))


@staff_bp.route("/products/<int:product_id>/portal", methods=["GET", "POST"])
def product_portal(product_id: int):
    product = access.get_for_read(Product, product_id, current_user)
    form = forms.PortalForm(obj=product)
    if request.method == "GET":
        form.portal_state.data = product.portal_state.value
    if form.validate_on_submit() and _save(
        form,
        lambda: services.set_portal_status(
            product,
            state=PortalState(form.portal_state.data),
            reference=form.portal_reference.data,
            on=form.portal_state_on.data,
            actor=current_user,
        ),
        _("The national-portal status has been saved."),
    ):
        return redirect(url_for("registry.product_detail", product_id=product.id))
    return render_template("staff/portal_form.html", form=form, product=product)


# --- media ---------------------------------------------------------------------------------


@media_bp.get("/products/<name>")
def product_image(name: str):
    """Product photos are public (consumers see them); names are random keys."""
    response = send_from_directory(images.media_dir(), name, max_age=7 * 24 * 3600)
    response.headers["Cache-Control"] = "public, max-age=604800, immutable"
    return response
