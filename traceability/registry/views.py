"""Registry pages: sign-up, the producer portal, products, sites and batches.

Each page parses its form and runs one service through `core.pages.act`, which commits once or
rolls back and says why. The staff review pages are in `staff_views`, product photos in `media`.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select
from wtforms.fields.choices import SelectChoice

from core import access, pages
from core.accounts.models import Role
from core.audit import AuditEntry
from core.db import utcnow
from core.errors import Forbidden
from core.extensions import csrf, db, limiter
from core.forms import BLANK
from core.pagination import paginate
from core.wards.models import Ward
from traceability.registry import forms, images, lifecycle, places, services
from traceability.registry.models import (
    Batch,
    IpStatus,
    Producer,
    Product,
    ProductCategory,
    ProductImage,
    ReviewState,
    Site,
    VerificationState,
)
from traceability.stamps import recalls, verdicts

bp = Blueprint("registry", __name__)


def ward_choices() -> list[SelectChoice]:
    wards = db.session.scalars(select(Ward).order_by(Ward.code)).all()
    choices = sorted((SelectChoice(w.code, w.name) for w in wards), key=lambda c: c.label)
    return [BLANK, *choices]


def _own_producer() -> Producer:
    """The producer the logged-in producer account acts for."""
    if current_user.role is not Role.PRODUCER or current_user.producer is None:
        raise Forbidden(_("This page is for producer accounts."))
    return current_user.producer


def _flash_warnings(product: Product) -> None:
    for warning in services.product_warnings(product):
        flash(str(warning), "warning")


def _show_withdrawn() -> bool:
    """Lists hide withdrawn rows unless asked (?withdrawn=1)."""
    return request.args.get("withdrawn") == "1"


def _unless_withdrawn(stmt, model):
    return stmt if _show_withdrawn() else stmt.where(model.withdrawn_at.is_(None))


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
    )


@bp.app_context_processor
def _inject_labels():
    return {
        "labels": forms.template_labels(),
        "ReviewState": ReviewState,
        "VerificationState": VerificationState,
    }


# --- sign-up and the producer's own profile -----------------------------------------------

SIGNED_UP = _l(
    "Thank you. If this email is new, your account has been created: log in below with the "
    "email and password you just chose, then prepare your products while the Department "
    "verifies your registration. If you already have an account, log in with your password, "
    "or ask the Department for a password-reset link."
)


@bp.route("/signup", methods=["GET", "POST"])
@csrf.exempt  # the form checks its own token, after the limiter has counted the attempt
@limiter.limit(lambda: current_app.config["RATELIMIT_SIGNUP"], methods=["POST"])
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("web.dashboard"))
    form = forms.SignupForm()
    form.ward_code.choices = ward_choices()
    # The same answer whether the email was new (account created) or already had an account
    # (nothing created, its holder is told at login): not a way to find out who has an account.
    if form.validate_on_submit() and pages.act(
        lambda: services.register_producer(form.account(), form.producer_data()),
        SIGNED_UP,
        form=form,
    ):
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
        "registry/dashboard.html", producer=producer, counts=counts, warnings=warnings
    )


@bp.route("/producer/profile", methods=["GET", "POST"])
@login_required
def producer_profile():
    producer = _own_producer()
    form = forms.ProducerForm(obj=producer)
    form.ward_code.choices = ward_choices()
    if form.validate_on_submit() and pages.act(
        lambda: services.update_producer(producer, form.producer_data(), current_user),
        _("Your details have been saved."),
        form=form,
    ):
        return redirect(url_for("registry.producer_dashboard"))
    return render_template("registry/producer_form.html", form=form, producer=producer)


@bp.post("/producer/resubmit")
@login_required
def producer_resubmit():
    producer = _own_producer()
    pages.act(
        lambda: services.resubmit_producer(producer, current_user),
        _("Your registration has been sent to the Department again."),
    )
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
    # The reports' ward page links here: products of that ward's producers.
    ward = db.session.get(Ward, request.args.get("ward") or "")
    if ward is not None:
        stmt = stmt.where(Producer.ward_code == ward.code)
    return render_template(
        "registry/products.html",
        page=paginate(stmt),
        q=q,
        state=state,
        ward=ward,
        show_withdrawn=_show_withdrawn(),
    )


@bp.route("/products/new", methods=["GET", "POST"])
@login_required
def product_new():
    producer = _own_producer()
    form = forms.ProductForm()
    if request.method == "GET":
        form.category.data = ProductCategory.AGRICULTURAL
        form.ip_status.data = IpStatus.NONE
    done = form.validate_on_submit() and pages.act(
        lambda: services.create_product(producer, form.to_data(), current_user),
        _("The product has been saved as a draft."),
        form=form,
    )
    if done:
        _flash_warnings(done.value)
        return redirect(url_for("registry.product_detail", product_id=done.value.id))
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
        reason_form=forms.ReasonForm(),
    )


@bp.route("/products/<int:product_id>/edit", methods=["GET", "POST"])
@login_required
def product_edit(product_id: int):
    product = access.get_for_write(Product, product_id, current_user)
    form = forms.ProductForm()
    if request.method == "GET":
        form.fill_from(product)
    if form.validate_on_submit() and pages.act(
        lambda: services.update_product(product, form.to_data(), current_user),
        _("The product has been saved."),
        form=form,
    ):
        _flash_warnings(product)
        return redirect(url_for("registry.product_detail", product_id=product.id))
    return render_template("registry/product_form.html", form=form, product=product)


@bp.post("/products/<int:product_id>/submit")
@login_required
def product_submit(product_id: int):
    product = access.get_for_write(Product, product_id, current_user)
    pages.act(
        lambda: services.submit_product(product, current_user),
        _("The product has been sent to the Department for verification."),
    )
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
            lifecycle.product_deletion(product),
            back=detail,
            withdraw=url_for("registry.product_withdraw", product_id=product_id),
        )
    if pages.act(
        lambda: lifecycle.delete_product(product, current_user),
        _("The product has been deleted."),
    ):
        return redirect(url_for("registry.products"))
    return redirect(detail)


@bp.post("/products/<int:product_id>/withdraw")
@login_required
def product_withdraw(product_id: int):
    product = access.get_for_write(Product, product_id, current_user)
    pages.act(
        lambda: lifecycle.withdraw_product(product, current_user),
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
    pages.act(
        lambda: lifecycle.restore_product(product, current_user),
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
        pages.act(
            lambda: images.add_product_image(product, form.image.data.stream, current_user),
            _("The photo has been added."),
        )
    return redirect(url_for("registry.product_detail", product_id=product_id))


@bp.post("/products/<int:product_id>/images/<int:image_id>/delete")
@login_required
def product_image_delete(product_id: int, image_id: int):
    product = access.get_for_write(Product, product_id, current_user)
    image = db.session.get(ProductImage, image_id)
    if image is None or image.product_id != product.id:
        abort(404)
    pages.act(
        lambda: images.delete_product_image(image, current_user),
        _("The photo has been removed."),
    )
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
    form.ward_code.choices = ward_choices()
    if request.method == "GET":
        form.ward_code.data = producer.ward_code
    if form.validate_on_submit() and pages.act(
        lambda: places.create_site(producer, form.to_data(), current_user),
        _("The site has been saved."),
        form=form,
    ):
        return redirect(url_for("registry.sites"))
    return render_template("registry/site_form.html", form=form, site=None)


@bp.route("/sites/<int:site_id>/edit", methods=["GET", "POST"])
@login_required
def site_edit(site_id: int):
    site = access.get_for_write(Site, site_id, current_user)
    form = forms.SiteForm(obj=site)
    form.ward_code.choices = ward_choices()
    if form.validate_on_submit() and pages.act(
        lambda: places.update_site(site, form.to_data(), current_user),
        _("The site has been saved."),
        form=form,
    ):
        return redirect(url_for("registry.sites"))
    return render_template("registry/site_form.html", form=form, site=site)


@bp.route("/sites/<int:site_id>/delete", methods=["GET", "POST"])
@login_required
def site_delete(site_id: int):
    site = access.get_for_write(Site, site_id, current_user)
    edit = url_for("registry.site_edit", site_id=site_id)
    if request.method == "GET":
        return _confirm_delete(
            "site",
            site,
            lifecycle.site_deletion(site),
            back=edit,
            withdraw=url_for("registry.site_withdraw", site_id=site_id),
        )
    if pages.act(
        lambda: lifecycle.delete_site(site, current_user), _("The site has been deleted.")
    ):
        return redirect(url_for("registry.sites"))
    return redirect(edit)


@bp.post("/sites/<int:site_id>/withdraw")
@login_required
def site_withdraw(site_id: int):
    site = access.get_for_write(Site, site_id, current_user)
    pages.act(
        lambda: lifecycle.withdraw_site(site, current_user),
        _("The site has been withdrawn: its batches keep it, but no new batch can come from it."),
    )
    return redirect(url_for("registry.site_edit", site_id=site_id))


@bp.post("/sites/<int:site_id>/restore")
@login_required
def site_restore(site_id: int):
    site = access.get_for_write(Site, site_id, current_user)
    pages.act(lambda: lifecycle.restore_site(site, current_user), _("The site has been restored."))
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
    form.product_id.choices = [BLANK] + [
        SelectChoice(str(p.id), f"{p.name} ({p.gtin})") for p in products
    ]
    form.site_id.choices = [BLANK] + [SelectChoice(str(s.id), s.name) for s in site_rows]
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
        today=verdicts.province_date(utcnow()),
    )


@bp.route("/batches/new", methods=["GET", "POST"])
@login_required
def batch_new():
    producer = _own_producer()
    form = _batch_form(producer.id)
    if request.method == "GET":
        form.product_id.data = request.args.get("product_id", type=int)
    if form.validate_on_submit() and pages.act(
        lambda: places.create_batch(form.to_data(), current_user),
        _("The batch has been saved."),
        form=form,
    ):
        return redirect(url_for("registry.batches"))
    return render_template("registry/batch_form.html", form=form, batch=None)


@bp.route("/batches/<int:batch_id>/edit", methods=["GET", "POST"])
@login_required
def batch_edit(batch_id: int):
    batch = access.get_for_write(Batch, batch_id, current_user)
    form = _batch_form(batch.producer_id, batch)
    if form.validate_on_submit() and pages.act(
        lambda: places.update_batch(batch, form.to_data(), current_user),
        _("The batch has been saved."),
        form=form,
    ):
        return redirect(url_for("registry.batches"))
    return render_template("registry/batch_form.html", form=form, batch=batch)


@bp.route("/batches/<int:batch_id>/delete", methods=["GET", "POST"])
@login_required
def batch_delete(batch_id: int):
    batch = access.get_for_write(Batch, batch_id, current_user)
    edit = url_for("registry.batch_edit", batch_id=batch_id)
    if request.method == "GET":
        return _confirm_delete(
            "batch",
            batch,
            lifecycle.batch_deletion(batch),
            back=edit,
            withdraw=url_for("registry.batch_withdraw", batch_id=batch_id),
        )
    if pages.act(
        lambda: lifecycle.delete_batch(batch, current_user), _("The batch has been deleted.")
    ):
        return redirect(url_for("registry.batches"))
    return redirect(edit)


@bp.post("/batches/<int:batch_id>/withdraw")
@login_required
def batch_withdraw(batch_id: int):
    batch = access.get_for_write(Batch, batch_id, current_user)
    pages.act(
        lambda: lifecycle.withdraw_batch(batch, current_user),
        _("The batch has been withdrawn: its stamps and scans are kept, but no new stamps."),
    )
    return redirect(url_for("registry.batch_edit", batch_id=batch_id))


@bp.post("/batches/<int:batch_id>/restore")
@login_required
def batch_restore(batch_id: int):
    batch = access.get_for_write(Batch, batch_id, current_user)
    pages.act(
        lambda: lifecycle.restore_batch(batch, current_user), _("The batch has been restored.")
    )
    return redirect(url_for("registry.batch_edit", batch_id=batch_id))


def _recall_page(batch: Batch, form: forms.RecallForm | None = None):
    """The recall form, or (the batch is recalled) the confirmation of lifting it."""
    return render_template(
        "registry/recall.html",
        batch=batch,
        form=form,
        stamps=recalls.recall_stamp_count(batch),
        notice_max=recalls.RECALL_NOTICE_MAX,
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
    if form.validate_on_submit() and pages.act(
        lambda: recalls.recall_batch(batch, form.notice.data or "", current_user),
        _("The batch has been recalled: consumers who scan its stamps now see your notice."),
        form=form,
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
    pages.act(
        lambda: recalls.lift_recall(batch, current_user),
        _("The recall has been lifted: the batch's stamps no longer say it is recalled."),
    )
    return redirect(edit)
