"""Log in and out, the account page with API tokens, and user administration."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from core import access
from core.accounts import services
from core.accounts.forms import ROLE_LABELS, EmptyForm, LoginForm, PasswordForm, TokenForm, UserForm
from core.accounts.models import ApiToken, Role, User
from core.errors import ValidationFailed
from core.extensions import csrf, db, limiter
from core.forms import attach_errors
from core.wards.models import Ward
from core.web import is_safe_redirect

bp = Blueprint("auth", __name__)
admin_bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/login", methods=["GET", "POST"])
@csrf.exempt  # the form checks its own token, after the limiter has counted the attempt
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            form.form_errors.append(_("The email or password is not right."))
        else:
            db.session.commit()
            login_user(user)
            target = request.args.get("next")
            return redirect(target if is_safe_redirect(target) else url_for("web.dashboard"))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    if EmptyForm().validate_on_submit():
        logout_user()
        flash(_("You have logged out."), "info")
    return redirect(url_for("web.home"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                current_user, form.current_password.data, form.new_password.data
            )
        except ValidationFailed as exc:
            db.session.rollback()
            attach_errors(form, exc)
        else:
            db.session.commit()
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form)


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def tokens():
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        try:
            _token, new_token = services.create_token(
                current_user, form.name.data, expires_in_days=form.expires_in_days.data
            )
        except ValidationFailed as exc:
            db.session.rollback()
            attach_errors(form, exc)
        else:
            db.session.commit()
            form = TokenForm(formdata=None)
    rows = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.id.desc())
    ).all()
    return render_template(
        "auth/tokens.html", form=form, tokens=rows, new_token=new_token, revoke_form=EmptyForm()
    )


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    token = services.get_token_of(current_user, token_id)
    services.revoke_token(token, current_user)
    db.session.commit()
    flash(_("The token “%(name)s” has been revoked.", name=token.name), "success")
    return redirect(
        request.referrer if is_safe_redirect(request.referrer) else url_for("auth.tokens")
    )


@admin_bp.before_request
@login_required
def _admins_only():
    access.require_admin(current_user)


@admin_bp.route("/users", methods=["GET", "POST"])
def users():
    form = UserForm()
    wards = db.session.scalars(select(Ward).order_by(Ward.code)).all()
    form.wards.choices = [SelectChoice(w.code, f"{w.code} {w.name}") for w in wards]
    if form.validate_on_submit():
        try:
            services.create_user(
                email=form.email.data,
                password=form.password.data,
                full_name=form.full_name.data,
                role=Role(form.role.data),
                ward_codes=form.wards.data or [],
                actor=current_user,
            )
        except ValidationFailed as exc:
            db.session.rollback()
            attach_errors(form, exc)
        else:
            db.session.commit()
            flash(_("The account has been created."), "success")
            return redirect(url_for("admin.users"))
    rows = db.session.scalars(select(User).order_by(User.role, User.email)).all()
    return render_template(
        "auth/users.html", form=form, users=rows, role_labels=ROLE_LABELS, toggle_form=EmptyForm()
    )


@admin_bp.post("/users/<int:user_id>/active")
def toggle_active(user_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    user = db.session.get(User, user_id) or abort(404)
    if user.id == current_user.id:
        flash(_("You cannot deactivate your own account."), "error")
    else:
        services.set_active(user, not user.is_active, current_user)
        db.session.commit()
    return redirect(url_for("admin.users"))
