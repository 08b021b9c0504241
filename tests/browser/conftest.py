"""A live server on its own database, and a phone-sized Chromium driven by Playwright.

The live server is a separate application on a separate database (a new SQLite file, or a new
PostgreSQL database when TEST_DATABASE_URL is set), so these tests opt out of the per-test
rollback of the session application with the ``no_db_isolation`` marker.

Chromium comes from Debian (``apt-get install chromium``): ``playwright install`` is never
needed. Without Chromium or the playwright package the tests are skipped, except under CI
(``CI`` set), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask_babel import gettext
from werkzeug.serving import make_server

from core.extensions import db
from tests.conftest import make_test_app

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
TIMEOUT_MS = 10_000
PHONE = {"width": 390, "height": 844}
LOCALE = "vi-VN"


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _unavailable(reason: str):
    if _in_ci():
        pytest.fail(f"{reason}; CI must run the browser tests (install chromium with apt-get)")
    pytest.skip(f"{reason}: browser tests skipped (set CI=true to make this a failure)")


@dataclass
class LiveServer:
    app: Flask
    url: str
    producer_id: int
    email: str
    password: str

    def t(self, message: str) -> str:
        """``message`` as the pages show it to a Vietnamese browser (English if untranslated)."""
        with self.app.test_request_context("/", headers={"Accept-Language": "vi-VN,vi;q=0.9"}):
            return str(gettext(message))


@pytest.fixture
def live_server(fresh_database, tmp_path):
    """The app on a migrated database with the wards and one verified producer, over HTTP."""
    from flask_migrate import upgrade

    from core.wards.services import load_wards
    from tests import factories

    app = make_test_app(fresh_database(), tmp_path, RATELIMIT_ENABLED=False)
    with app.app_context():
        upgrade()
        load_wards()
        producer, owner = factories.producer(verified=True)
        db.session.commit()
        producer_id, email = producer.id, owner.email
        db.session.remove()

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(
            app=app,
            url=f"http://127.0.0.1:{server.server_port}",
            producer_id=producer_id,
            email=email,
            password=factories.PASSWORD,
        )
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def browser():
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} not found")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS, timeout=30_000
        )
        try:
            yield browser
        finally:
            browser.close()


def phone_page(browser, live_server, viewport: dict):
    """A page on a touch, Vietnamese phone of the given size, pointed at the live server."""
    from playwright.sync_api import expect

    context = browser.new_context(
        base_url=live_server.url,
        viewport=viewport,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale=LOCALE,
        timezone_id="Asia/Ho_Chi_Minh",
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def phone(browser, live_server):
    """A page on a phone-sized, touch, Vietnamese browser, pointed at the live server."""
    yield from phone_page(browser, live_server, PHONE)
