"""Log in and out, the account page with API tokens, and user administration."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import or_, select
from wtforms.fields.choices import SelectChoice

from core import access, pages
from core.accounts import services
from core.accounts.forms import (
    ROLE_LABELS,
    LoginForm,
    PasswordForm,
    ResetPasswordForm,
    TokenForm,
    UserEditForm,
    UserForm,
)
from core.accounts.models import ApiToken, Role, User
from core.accounts.passwords import compact
from core.errors import NotFound
from core.extensions import csrf, db, limiter
from core.wards.models import Ward, WardKind
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
            attempts = pages.act(lambda: services.record_login(user)).value
            login_user(user)
            if attempts:
                flash(
                    _(
                        "Since your last login, someone tried to register a new producer with "
                        "your email. Nothing was created. If it was not you, tell the Department."
                    ),
                    "warning",
                )
            target = request.args.get("next")
            return redirect(target if is_safe_redirect(target) else url_for("web.dashboard"))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    # Every session of this user ends, also copies of this cookie and other devices.
    if pages.act(lambda: services.end_sessions(current_user)):
        logout_user()
        flash(_("You have logged out."), "info")
    return redirect(url_for("web.home"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = PasswordForm()
    user = current_user._get_current_object()
    if form.validate_on_submit() and pages.act(
        lambda: services.change_password(user, form.current_password.data, form.new_password.data),
        _("Your password has been changed."),
        form=form,
    ):
        login_user(user)  # this session goes on with the new version; all others end
        return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """The one-time link an admin handed over: choose a new password."""
    user = services.user_for_reset_token(token)
    if user is None:
        raise NotFound(_("This link has expired or has already been used."))
    form = ResetPasswordForm()
    if form.validate_on_submit() and pages.act(
        lambda: services.reset_password(token, form.new_password.data),
        _("Your new password is set. Log in with it."),
        form=form,
    ):
        logout_user()
        return redirect(url_for("auth.login"))
    return no_store(render_template("auth/reset.html", form=form, user=user))


def no_store(body) -> Response:
    """A page with a secret shown once (a token, a reset link): never cached, never referred."""
    response = make_response(body)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def tokens():
    form = TokenForm()
    new_token = None
    done = form.validate_on_submit() and pages.act(
        lambda: services.create_token(
            current_user, form.name.data, expires_in_days=form.expires_in_days.data
        ),
        form=form,
    )
    if done:
        _token, new_token = done.value
        form = TokenForm(formdata=None)
    rows = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.id.desc())
    ).all()
    return no_store(
        render_template(
            "auth/tokens.html",
            form=form,
            tokens=rows,
            new_token=new_token,
        )
    )


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    token = services.get_token_of(current_user, token_id)
    pages.act(
        lambda: services.revoke_token(token, current_user),
        _("The token “%(name)s” has been revoked.", name=token.name),
    )
    return redirect(
        request.referrer if is_safe_redirect(request.referrer) else url_for("auth.tokens")
    )


@admin_bp.before_request
@login_required
def _admins_only():
    access.require_admin(current_user)


def ward_groups() -> list[tuple[str, list[Ward]]]:
    """The wards for the picker: phường, then xã (their type today), each by name."""
    wards = db.session.scalars(select(Ward)).all()
    labels = {WardKind.PHUONG: _("Wards (phường)"), WardKind.XA: _("Communes (xã)")}
    return [
        (labels[kind], sorted((w for w in wards if w.kind is kind), key=lambda w: compact(w.name)))
        for kind in (WardKind.PHUONG, WardKind.XA)
    ]


def _ward_choices() -> list[SelectChoice]:
    return [SelectChoice(w.code, w.name) for _label, group in ward_groups() for w in group]


@admin_bp.route("/users", methods=["GET", "POST"])
def users():
    form = UserForm()
    form.wards.choices = _ward_choices()
    if form.validate_on_submit() and pages.act(
        lambda: services.create_user(
            email=form.email.data,
            password=form.password.data,
            full_name=form.full_name.data,
            role=form.role.data,
            ward_codes=form.wards.data or [],
            actor=current_user,
        ),
        _("The account has been created."),
        form=form,
    ):
        return redirect(url_for("admin.users"))
    query = (request.args.get("q") or "").strip()[:100]
    stmt = select(User).order_by(User.role, User.email)
    if query:
        stmt = stmt.where(
            or_(
                User.email.icontains(query, autoescape=True),
                User.full_name.icontains(query, autoescape=True),
            )
        )
    return render_template(
        "auth/users.html",
        form=form,
        users=db.session.scalars(stmt).all(),
        query=query,
        role_labels=ROLE_LABELS,
        ward_groups=ward_groups(),
    )


def _user_or_404(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


@admin_bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int):
    user = _user_or_404(user_id)
    form = UserEditForm(obj=None if request.method == "POST" else user)
    if user.role is Role.PRODUCER:
        form.role.choices = [SelectChoice(Role.PRODUCER.value, ROLE_LABELS[Role.PRODUCER])]
    else:
        form.role.choices = [
            SelectChoice(r.value, label)
            for r, label in ROLE_LABELS.items()
            if r is not Role.PRODUCER
        ]
    form.wards.choices = _ward_choices()
    if request.method == "GET":
        form.wards.data = [w.code for w in user.wards]
    if form.validate_on_submit() and pages.act(
        lambda: services.update_user(
            user,
            full_name=form.full_name.data,
            role=form.role.data,
            ward_codes=form.wards.data or [],
            actor=current_user,
        ),
        _("The account has been saved."),
        form=form,
    ):
        return redirect(url_for("admin.users"))
    return render_template(
        "auth/user_edit.html",
        form=form,
        user=user,
        role_labels=ROLE_LABELS,
        ward_groups=ward_groups(),
        hours=services.reset_link_max_age() // 3600,
    )


def _confirm_active(user_id: int, active: bool):
    """GET asks "are you sure?"; POST (de)activates. Both work without JavaScript."""
    user = _user_or_404(user_id)
    if request.method == "POST":
        pages.act(
            lambda: services.set_active(user, active, current_user),
            _("%(name)s can log in again.", name=user.full_name)
            if active
            else _("%(name)s can no longer log in.", name=user.full_name),
        )
        return redirect(url_for("admin.edit_user", user_id=user.id))
    return render_template("auth/user_active.html", user=user, active=active)


@admin_bp.route("/users/<int:user_id>/deactivate", methods=["GET", "POST"])
def deactivate_user(user_id: int):
    return _confirm_active(user_id, False)


@admin_bp.route("/users/<int:user_id>/reactivate", methods=["GET", "POST"])
def reactivate_user(user_id: int):
    return _confirm_active(user_id, True)


@admin_bp.post("/users/<int:user_id>/reset-link")
def reset_link(user_id: int):
    """Make a one-time password-reset link and show it once (there is no mail to send it)."""
    user = _user_or_404(user_id)
    done = pages.act(lambda: services.create_reset_token(user, current_user))
    if not done:  # deactivated: the edit page says why
        return redirect(url_for("admin.edit_user", user_id=user.id))
    token = done.value
    # The public address (as on the QR stamps), not whatever host the admin reached us by.
    link = current_app.config["BASE_URL"].rstrip("/") + url_for("auth.reset_password", token=token)
    hours = services.reset_link_max_age() // 3600
    return no_store(render_template("auth/reset_link.html", user=user, link=link, hours=hours))
