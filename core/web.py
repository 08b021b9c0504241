"""Request plumbing shared by every page: locale, security headers, template helpers, home."""

from __future__ import annotations

import functools
from urllib.parse import urlsplit

from babel import Locale
from flask import (
    Blueprint,
    Flask,
    current_app,
    g,
    has_request_context,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.sessions import SecureCookieSessionInterface
from flask_babel import get_translations
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from core import formatting
from core.errors import error_body
from core.extensions import db, login_manager

bp = Blueprint("web", __name__)

LANG_COOKIE = "lang"

# Pages need nothing from other origins, the API docs too (templates/swagger_ui.html has no
# inline script: static/js/swagger-init.js).
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def select_locale() -> Locale:
    """The user's saved language, else ?lang= / the lang cookie, else the browser's, else vi."""
    return _locale(_language())


@functools.lru_cache(maxsize=8)
def _locale(code: str) -> Locale:
    # Flask-Babel parses what the selector returns on every request; a Locale passes through.
    return Locale.parse(code)


def _language() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands and background jobs
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    requested = request.args.get("lang") or request.cookies.get(LANG_COOKIE)
    if requested in languages:
        return requested
    user = getattr(g, "api_user", None) or (signed_in_user() if has_login_cookie() else None)
    if user is not None and user.locale in languages:
        return user.locale
    best = _browser_language(request.headers.get("Accept-Language", ""), tuple(languages))
    return best or current_app.config["BABEL_DEFAULT_LOCALE"]


@functools.lru_cache(maxsize=512)
def _browser_language(header: str, languages: tuple[str, ...]) -> str | None:
    """The best of our languages for an Accept-Language header (phones send a handful of
    distinct ones, so the parse is cached)."""
    return parse_accept_header(header, LanguageAccept).best_match(languages) if header else None


def has_login_cookie() -> bool:
    """Whether the request could belong to a signed-in user at all.

    Anonymous consumers (the stamp page, the hot path) carry no session or remember cookie; not
    touching current_user for them saves loading the session and keeps `Vary: Cookie` off.
    """
    config = current_app.config
    return (
        config["SESSION_COOKIE_NAME"] in request.cookies
        or config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
    )


def signed_in_user():
    return current_user if current_user and current_user.is_authenticated else None


def select_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def is_safe_redirect(target: str | None) -> bool:
    """Only same-site relative paths; never another host or a scheme-relative URL."""
    if not target:
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and target.startswith("/") and "\\" not in target


@login_manager.user_loader
def load_user(user_id: str):
    """The user of a session or remember cookie ("id:version", see User.get_id), or None.

    A cookie made before the user's last logout, password change, reset, deactivation or role
    change carries an older version and is anonymous, wherever it was copied to.
    """
    from core.accounts.models import User

    uid, _sep, version = (user_id or "").partition(":")
    if not (uid.isdigit() and version.isdigit()):
        return None
    user = db.session.get(User, int(uid))
    if user is None or not user.is_active or user.session_version != int(version):
        return None
    return user


@bp.get("/")
def home():
    if current_user.is_authenticated:
        return redirect(url_for("web.dashboard"))
    return render_template("home.html")


@bp.get("/dashboard")
def dashboard():
    """Send each role to the page it starts from."""
    from core.accounts.models import Role

    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    if current_user.role is Role.PRODUCER:
        return redirect(url_for("registry.producer_dashboard"))
    if current_user.is_staff:
        return redirect(url_for("staff.review_queue"))
    if current_user.role is Role.OFFICER:
        return redirect(url_for("rollout.day"))
    return redirect(url_for("wards.index"))


@bp.get("/lang/<code>")
def set_language(code: str):
    target = request.args.get("next")
    response = redirect(target if is_safe_redirect(target) else url_for("web.home"))
    if code in current_app.config["LANGUAGES"]:
        response.set_cookie(
            LANG_COOKIE,
            code,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            httponly=True,
            secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        )
        if current_user.is_authenticated:
            current_user.locale = code
            db.session.commit()
    return response


@bp.get("/healthz")
def healthz():
    """Up only when the database answers: a load balancer takes a 503 instance out of rotation."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        current_app.logger.exception("health check: the database is unreachable")
        db.session.rollback()
        return jsonify(error_body(503, str(_l("The database is unreachable.")))), 503
    return {"status": "ok"}


HSTS = "max-age=31536000; includeSubDomains"


def security_headers(response):
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Content-Security-Policy", CSP)
    if current_app.config["APP_ENV"] == "production":
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def stream_in_app_context(make_chunks):
    """Stream a body that reads the database after the view has returned (large CSV files).

    Each chunk is produced inside an application context of its own, entered and left within
    that step, so no context stays open between chunks: one left open would be closed by
    whichever thread or context happens to finish the response (Flask's stream_with_context
    keeps the request's context open instead, which breaks under the test client).
    """
    app = current_app._get_current_object()  # here, in the view: the generator runs later

    def generate():
        chunks = None
        while True:
            with app.app_context():
                if chunks is None:
                    chunks = make_chunks()
                chunk = next(chunks, None)
            if chunk is None:
                return
            yield chunk

    return generate()


def request_gettext() -> dict:
    """Jinja's new-style `gettext` and `ngettext`, bound to this request's catalogue, to pass in
    the context of a template rendered on the hot path (the stamp page): the ones Flask-Babel
    installs look the catalogue up again on every call, a tenth of the page's CPU. They behave
    as Jinja's (translate, mark safe under autoescape, then `%` with escaped variables)."""
    translations = get_translations()

    @pass_context
    def gettext(__context, __string, **variables):
        rv = translations.ugettext(__string)
        if __context.eval_ctx.autoescape:
            rv = Markup(rv)  # noqa: S704 - the catalogue's text; variables are escaped by %
        return rv % variables

    @pass_context
    def ngettext(__context, __singular, __plural, __num, **variables):
        variables.setdefault("num", __num)
        rv = translations.ungettext(__singular, __plural, __num)
        if __context.eval_ctx.autoescape:
            rv = Markup(rv)  # noqa: S704 - as above
        return rv % variables

    return {"gettext": gettext, "ngettext": ngettext}


class CookielessSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, without building its signer for requests that carry no
    session cookie (consumers on the stamp page): the same empty session, 2 % less of the page."""

    def open_session(self, app: Flask, request):
        if app.config["SESSION_COOKIE_NAME"] not in request.cookies:
            return self.session_class() if app.secret_key else None
        return super().open_session(app, request)


def init_app(app: Flask) -> None:
    from flask_babel import get_locale

    app.session_interface = CookielessSessionInterface()

    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    app.register_blueprint(bp)
    app.after_request(security_headers)
    app.jinja_env.globals.update(get_locale=get_locale, is_safe_redirect=is_safe_redirect)
    app.jinja_env.filters["date"] = formatting.date_filter
    app.jinja_env.filters["datetime"] = formatting.datetime_filter
    app.jinja_env.filters["num"] = formatting.number_filter
    app.jinja_env.filters["qty"] = formatting.quantity_filter
    app.jinja_env.filters["reject_page"] = _reject_page


def _reject_page(args: dict) -> dict:
    return {k: v for k, v in args.items() if k != "page"}
