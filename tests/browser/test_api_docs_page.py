"""The API docs (Swagger UI) work under the site's Content-Security-Policy: no inline script."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.no_db_isolation


def test_swagger_ui_renders_the_document_without_csp_violations(phone, live_server):
    messages: list[str] = []
    phone.on("console", lambda message: messages.append(message.text))
    phone.on("pageerror", lambda error: messages.append(str(error)))
    response = phone.goto("/api/docs")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    expect(phone.locator(".swagger-ui .info .title")).to_contain_text(
        live_server.app.config["API_TITLE"]
    )
    expect(phone.locator(".opblock-tag").first).to_be_visible()
    violations = [m for m in messages if "Content Security Policy" in m or "Refused" in m]
    assert not violations, violations
