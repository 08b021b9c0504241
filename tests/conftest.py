"""Shared fixtures: the schema is built by running the migrations, and every test rolls back.

The database is SQLite in a temporary file by default; set TEST_DATABASE_URL to run the same
suite against PostgreSQL (CI does both).
"""

from __future__ import annotations

import contextvars
import os
import re
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from flask_migrate import upgrade
from flask_sqlalchemy.session import Session as FlaskSession

from core import create_app
from core.config import normalise_database_url
from core.extensions import db, limiter
from core.wards.services import load_wards
from traceability.stamps import cards

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED = PROJECT_ROOT.parent / "shared"

CSRF_FIELD = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def in_ci() -> bool:
    """Is this run CI's (CI=true)? There, what a test needs must be there: no silent skips."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def missing_shared(what: Path, meaning: str = "the team's shared data is not beside the project"):
    """Skip a test whose ../shared input is absent; fail instead under CI=true."""
    message = f"{what} not found: {meaning}"
    if in_ci():
        pytest.fail(f"{message}; CI must check out ../shared")
    pytest.skip(message)


def shared_path(*parts: str) -> Path:
    """A file under ../shared, or skip the test saying what is missing (fail under CI=true)."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        missing_shared(path)
    return path


def database_url(tmp_dir: Path, name: str = "test") -> str:
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_dir / f'{name}.sqlite3'}"


def is_postgres(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql"))


class FreshDatabases:
    """Creates empty databases on the same server as the test database (or SQLite files)."""

    def __init__(self, base_url: str, tmp_dir: Path):
        self.base_url = normalise_database_url(base_url)
        self.tmp_dir = tmp_dir
        self.created: list[str] = []

    def __call__(self) -> str:
        name = f"t_{uuid.uuid4().hex[:12]}"
        if not is_postgres(self.base_url):
            return f"sqlite:///{self.tmp_dir / f'{name}.sqlite3'}"
        admin = sa.create_engine(
            sa.make_url(self.base_url).set(database="postgres"), isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        admin.dispose()
        self.created.append(name)
        return sa.make_url(self.base_url).set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        if not self.created:
            return
        admin = sa.create_engine(
            sa.make_url(self.base_url).set(database="postgres"), isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as conn:
            for name in self.created:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(scope="session")
def tmp_session_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("dongnai")


@pytest.fixture(scope="session")
def fresh_database(tmp_session_dir):
    """A factory of empty databases, dropped at the end of the session."""
    factory = FreshDatabases(database_url(tmp_session_dir), tmp_session_dir)
    yield factory
    factory.drop_all()


def make_test_app(url: str, tmp_dir: Path, **overrides):
    config = {
        "TESTING": True,
        "DATABASE_URL": url,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-for-tests",
        "UPLOAD_FOLDER": str(tmp_dir / "uploads"),
        "STAMP_FOLDER": str(tmp_dir / "stamps"),
        "SHOP_IMPORT_FOLDER": str(tmp_dir / "imports"),
        # The origin log's development key, generated once per test session (not in instance/).
        "LEDGER_SIGNING_KEY_FILE": str(tmp_dir / "ledger-signing.key"),
        # Stamp PDFs render inside the request, in the test's transaction.
        "JOB_QUEUE": "sync",
        # Limits stay on, but high enough for a test suite logging in hundreds of times.
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_LOGIN": "100000 per minute",
        "RATELIMIT_SIGNUP": "100000 per minute",
        "RATELIMIT_API": "100000 per minute",
        "RATELIMIT_RESOLVER": "100000 per minute",
        "RATELIMIT_LOG": "100000 per minute",
        "RATELIMIT_REPORT": "100000 per minute",
        "BASE_URL": "https://trace.example.vn",
        "SERVER_NAME": None,
        # A cheaper hash keeps the suite fast; production uses scrypt (tested in test_accounts).
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }
    if overrides.get("JOB_QUEUE") == "thread":
        # The in-process runners' periodic threads (stamp sweeper, log checkpoints) run their
        # first round at once, then sleep past the test session: woken in a later test they
        # would share that test's isolated session (db.session is swapped process-wide) and
        # break its savepoints, as CI saw on PostgreSQL.
        config["LEDGER_CHECKPOINT_SECONDS"] = 24 * 3600
        config["STAMP_SWEEP_SECONDS"] = 24 * 3600
    config.update(overrides)
    return create_app(config)


@pytest.fixture(scope="session")
def app(tmp_session_dir):
    """The application on a database built by running every migration, with the wards loaded."""
    app = make_test_app(database_url(tmp_session_dir), tmp_session_dir)
    with app.app_context():
        upgrade()
        load_wards()
        db.session.commit()
    app.limiter_state = dict(vars(limiter))
    yield app
    with app.app_context():
        db.engine.dispose()


class ConnectionBoundSession(FlaskSession):
    """Flask-SQLAlchemy's session picks an engine per model and ignores `bind`; honour it."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        return bind or self.bind or super().get_bind(mapper, clause, bind, **kwargs)


@pytest.fixture(autouse=True)
def _isolate(request, app):
    """Run each test inside a transaction that is rolled back afterwards.

    Requests commit as usual; on this connection a commit only releases a SAVEPOINT.
    Flask-Limiter keeps its state on the extension object, which other apps built by tests
    overwrite: each test starts from the session app's.
    """
    vars(limiter).update(app.limiter_state)
    # Product cards cached by the resolver must not outlive the test that made them.
    cards.clear_caches()
    if request.node.get_closest_marker("no_db_isolation"):
        yield
        return
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        original = db.session
        db.session = db._make_scoped_session(
            {
                "class_": ConnectionBoundSession,
                "bind": connection,
                "join_transaction_mode": "create_savepoint",
            }
        )
        try:
            yield
        finally:
            db.session.remove()
            db.session = original
            transaction.rollback()
            connection.close()


@pytest.fixture
def app_ctx(app):
    with app.test_request_context():
        yield


class Client(FlaskClient):
    """A test client that can submit forms with their CSRF token, as a browser would.

    Each request runs in an empty context, so it pushes its own app context (own `g`, own
    session, own locale) even while the test holds one for its factories, as in production.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)

    def csrf_token(self, page: str = "/login") -> str:
        html = self.get(page).get_data(as_text=True)
        match = CSRF_FIELD.search(html)
        assert match, f"no CSRF token on {page}"
        return match.group(1) or match.group(2)

    def submit(self, url: str, data: dict | None = None, *, token_from: str | None = None, **kw):
        data = dict(data or {})
        data["csrf_token"] = self.csrf_token(token_from or "/login")
        return self.post(url, data=data, **kw)

    def login(self, email: str, password: str):
        response = self.submit("/login", {"email": email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response


@pytest.fixture
def client(app):
    app.test_client_class = Client
    return app.test_client()


@pytest.fixture
def make(app_ctx):
    """Factories that build realistic rows through the services (see tests/factories.py)."""
    from tests import factories

    return factories
