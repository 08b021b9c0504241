"""In a real browser on a phone: staff upload a big file, watch the progress bar that
import-progress.js moves, and land on the report; the pages fit a 360 px screen."""

from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from core.extensions import db
from tests import factories
from tests.browser import conftest as browser_conftest
from tests.conftest import make_test_app
from tests.retail.data.sheets import shop_row, xlsx_bytes

pytestmark = [pytest.mark.browser, pytest.mark.no_db_isolation]

browser = browser_conftest.browser  # the phone-sized Chromium of the browser tests
NARROW = {"width": 360, "height": 740}
ROWS = 6000


@pytest.fixture
def server(fresh_database, tmp_path):
    """The site over HTTP with the thread runner (the default without Redis) and a staff user."""
    from flask_migrate import upgrade

    from core.wards.services import load_wards

    app = make_test_app(
        fresh_database(),
        tmp_path,
        RATELIMIT_ENABLED=False,
        JOB_QUEUE="thread",
        SHOP_IMPORT_FOLDER=str(tmp_path / "imports"),
    )
    with app.app_context():
        upgrade()
        load_wards()
        email = factories.staff().email
        db.session.commit()
        db.session.remove()
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{http.server_port}", email
    finally:
        http.shutdown()
        thread.join(timeout=10)
        http.server_close()
        for job in app.extensions.get("shop_import_threads", {}).values():
            job.join(timeout=30)
        with app.app_context():
            db.engine.dispose()


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_big_file_shows_its_progress_then_the_report(browser, server, tmp_path):
    url, email = server
    path = tmp_path / "shops.xlsx"
    path.write_bytes(xlsx_bytes([shop_row(n) for n in range(1, ROWS + 1)]))
    context = browser.new_context(viewport=NARROW, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(browser_conftest.TIMEOUT_MS)
    page.goto(f"{url}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{url}/retail/imports")
    assert fits(page)
    page.set_input_files("input[type=file]", str(path))
    page.click("form.import-upload button[type=submit]")
    page.wait_for_url("**/retail/imports/*")
    # The script moves the bar (or the import is already saving, or done).
    page.wait_for_function(
        "() => { const bar = document.querySelector('progress');"
        " return !bar || !bar.hasAttribute('value') || bar.value > 0; }",
        timeout=30_000,
    )
    page.wait_for_selector(".import-counts", timeout=60_000)  # reloaded into the report
    text = page.inner_text("main")
    assert f"{ROWS:,}".replace(",", ".") in text  # 6.000 rows, as Vietnamese write it
    assert fits(page)
    context.close()
