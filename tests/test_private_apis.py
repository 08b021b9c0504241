"""The few private APIs of libraries that the code relies on, checked so that an upgrade fails here.

Each is pinned in setup.cfg; when one of these tests fails after an upgrade, the message names the
library and what changed: adapt the code that uses it (named in each test) before upgrading.
"""

import configparser
import inspect
from importlib.metadata import version
from pathlib import Path

import pytest
from flask import Flask, current_app
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import scoped_session

from core.extensions import JsonApi, db
from tests.conftest import ConnectionBoundSession

SETUP_CFG = Path(__file__).resolve().parent.parent / "setup.cfg"


def _pins() -> dict[str, str]:
    config = configparser.ConfigParser()
    config.read(SETUP_CFG)
    lines = config["options"]["install_requires"].split()
    return dict(line.lower().split("==") for line in lines)


@pytest.mark.parametrize("library", ["flask-smorest", "flask-sqlalchemy", "werkzeug"])
def test_libraries_with_private_apis_in_use_are_pinned(library):
    pinned = _pins().get(library)
    assert pinned, f"{library}: its private API is used; pin it exactly (==) in setup.cfg"
    assert version(library) == pinned, (
        f"{library} {version(library)} is installed, setup.cfg pins {pinned}: the private APIs in "
        "tests/test_private_apis.py were checked against the pinned version"
    )


def test_flask_smorest_still_calls_the_hooks_json_api_overrides():
    """core.extensions.JsonApi overrides two hooks of flask_smorest.Api, which init_app calls."""
    for hook in ("_register_error_handlers", "_register_pagination_header"):
        original = getattr(Api, hook, None)
        assert callable(original), f"flask-smorest: Api.{hook} is gone; JsonApi overrides nothing"
        parameters = list(inspect.signature(original).parameters)
        assert parameters == ["self"], f"flask-smorest: Api.{hook} now takes {parameters}"

    called = []

    class Recording(Api):
        def _register_error_handlers(self):
            called.append("_register_error_handlers")

        def _register_pagination_header(self):
            called.append("_register_pagination_header")

    app = Flask(__name__)
    app.config.update(API_TITLE="t", API_VERSION="1", OPENAPI_VERSION="3.0.3")
    Recording().init_app(app)
    assert sorted(called) == ["_register_error_handlers", "_register_pagination_header"], (
        f"flask-smorest: Api.init_app no longer calls both hooks (called: {called})"
    )


def test_json_api_leaves_errors_to_core_errors(app):
    """Without the override, flask-smorest would answer HTTP errors in its own shape."""
    handlers = [
        handler
        for by_code in app.error_handler_spec.get(None, {}).values()
        for handler in by_code.values()
    ]
    smorest = [h for h in handlers if getattr(h, "__func__", None) is Api.handle_http_exception]
    assert not smorest, "flask-smorest registered its error handler despite JsonApi"
    (registered,) = app.extensions["flask-smorest"]["apis"].values()
    assert isinstance(registered["ext_obj"], JsonApi)


def test_flask_sqlalchemy_makes_scoped_sessions_as_the_test_isolation_needs(app):
    """tests/conftest.py `_isolate` binds every test's session to one connection this way."""
    make = getattr(SQLAlchemy, "_make_scoped_session", None)
    assert callable(make), "Flask-SQLAlchemy: SQLAlchemy._make_scoped_session is gone"
    parameters = list(inspect.signature(make).parameters)
    assert parameters == ["self", "options"], (
        f"Flask-SQLAlchemy: _make_scoped_session now takes {parameters}"
    )
    assert "session" in vars(db), "Flask-SQLAlchemy: db.session is no longer a plain attribute"
    with app.app_context(), db.engine.connect() as connection:
        made = db._make_scoped_session({"class_": ConnectionBoundSession, "bind": connection})
        assert isinstance(made, scoped_session), "Flask-SQLAlchemy: not a scoped_session any more"
        session = made()
        assert isinstance(session, ConnectionBoundSession), "Flask-SQLAlchemy: class_ is ignored"
        assert session.get_bind() is connection, "Flask-SQLAlchemy: bind is ignored"
        assert made() is session, "Flask-SQLAlchemy: not one session per app context"
        made.remove()


def test_werkzeug_proxies_still_give_the_object_behind_them(app):
    """core/web.py and stamps/jobs.py hand the real app to work that outlives the request."""
    with app.app_context():
        assert current_app._get_current_object() is app, (
            "Werkzeug: LocalProxy._get_current_object no longer returns the proxied object"
        )
