"""Security headers on every answer (the API docs too), HSTS in production, and /healthz."""

import re

import pytest

from tests.conftest import make_test_app


def test_the_api_docs_page_has_the_sites_csp_and_no_inline_script(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    html = response.get_data(as_text=True)
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.DOTALL)
    assert scripts, html
    for attributes, body in scripts:
        assert "src=" in attributes and not body.strip(), "inline script on /api/docs"
    assert 'data-spec-url="/api/openapi.json"' in html


def test_the_docs_start_script_is_served(client):
    response = client.get("/static/js/swagger-init.js")
    assert response.status_code == 200
    assert "SwaggerUIBundle" in response.get_data(as_text=True)
    response.close()


def test_hsts_is_sent_in_production_only(client, tmp_path):
    assert "Strict-Transport-Security" not in client.get("/healthz").headers
    production = make_test_app(
        f"sqlite:///{tmp_path / 'prod.sqlite3'}", tmp_path, APP_ENV="production"
    )
    response = production.test_client().get("/login", base_url="https://trace.example.vn")
    hsts = response.headers["Strict-Transport-Security"]
    assert re.fullmatch(r"max-age=(\d+); includeSubDomains", hsts)
    assert int(hsts.split("=")[1].split(";")[0]) >= 180 * 24 * 3600


def test_healthz_is_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


@pytest.mark.no_db_isolation  # its own app and engine, not the test's connection
def test_healthz_is_503_in_the_error_shape_when_the_database_is_unreachable(tmp_path):
    unreachable = tmp_path / "no-such-folder" / "db.sqlite3"  # SQLite cannot create it
    app = make_test_app(f"sqlite:///{unreachable}", tmp_path)
    response = app.test_client().get("/healthz", headers={"Accept": "text/html"})
    assert response.status_code == 503
    body = response.get_json()
    assert set(body) == {"code", "status", "message", "errors"}
    assert (body["code"], body["status"]) == (503, "Service Unavailable")
