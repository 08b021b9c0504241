"""Logging in and out, passwords, CSRF, API tokens, rate limits and security headers."""

import re

import pytest
from sqlalchemy import select
from werkzeug.security import check_password_hash

from core.accounts.models import ApiToken, Role, User
from core.accounts.services import create_token, hash_token
from core.extensions import db
from tests import factories

EN = {"Accept-Language": "en"}


def test_passwords_are_stored_hashed(make):
    user = make.user(Role.STAFF)
    assert factories.PASSWORD not in user.password_hash
    assert check_password_hash(user.password_hash, factories.PASSWORD)


def test_production_hashes_with_scrypt(app, monkeypatch):
    from core.accounts.services import hash_password

    monkeypatch.setitem(app.config, "PASSWORD_HASH_METHOD", "scrypt")
    with app.app_context():
        assert hash_password("a-long-password-1").startswith("scrypt:")


def test_log_in_and_out(client, make):
    user = make.user(Role.STAFF)
    db.session.commit()
    response = client.login(user.email.upper(), factories.PASSWORD)
    assert response.headers["Location"] == "/dashboard"
    assert client.get("/staff/review").status_code == 200
    assert client.get("/logout").status_code == 405  # logging out is a POST with CSRF
    client.submit("/logout", token_from="/account")
    assert client.get("/staff/review").status_code == 302


def test_wrong_password_says_so_without_naming_which_part(client, make):
    user = make.user(Role.STAFF)
    db.session.commit()
    response = client.submit("/login", {"email": user.email, "password": "nope"}, headers=EN)
    assert response.status_code == 200
    assert "The email or password is not right." in response.get_data(as_text=True)
    unknown = client.submit("/login", {"email": "who@example.vn", "password": "nope"}, headers=EN)
    assert "The email or password is not right." in unknown.get_data(as_text=True)


def test_deactivated_users_cannot_log_in(client, make):
    user = make.user(Role.STAFF)
    user.is_active = False
    db.session.commit()
    response = client.submit("/login", {"email": user.email, "password": factories.PASSWORD})
    assert response.status_code == 200


def test_forms_without_csrf_token_are_refused(client, make):
    user = make.user(Role.STAFF)
    db.session.commit()
    response = client.post(
        "/login", data={"email": user.email, "password": factories.PASSWORD}, headers=EN
    )
    assert response.status_code == 200
    assert "The form expired. Please submit it again." in response.get_data(as_text=True)
    assert client.get("/account").status_code == 302  # not logged in
    client.login(user.email, factories.PASSWORD)
    forged = client.post(
        "/account",
        data={"current_password": factories.PASSWORD, "new_password": "taken-over-123"},
        headers=EN,
    )
    assert forged.status_code == 400
    assert "This form has expired." in forged.get_data(as_text=True)
    db.session.refresh(user)
    assert check_password_hash(user.password_hash, factories.PASSWORD)


def test_login_ignores_redirects_to_other_sites(client, make):
    user = make.user(Role.STAFF)
    db.session.commit()
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        response = client.submit(
            f"/login?next={target}", {"email": user.email, "password": factories.PASSWORD}
        )
        assert response.headers["Location"] == "/dashboard"
        client.submit("/logout", token_from="/account")
    response = client.submit(
        "/login?next=/wards/", {"email": user.email, "password": factories.PASSWORD}
    )
    assert response.headers["Location"] == "/wards/"


def test_changing_password_needs_the_current_one(client, make):
    user = make.user(Role.OFFICER)
    db.session.commit()
    client.login(user.email, factories.PASSWORD)
    bad = client.submit(
        "/account",
        {"current_password": "wrong", "new_password": "a-new-secret-9"},
        token_from="/account",
        headers=EN,
    )
    assert "The current password is not right." in bad.get_data(as_text=True)
    weak = client.submit(
        "/account",
        {"current_password": factories.PASSWORD, "new_password": "short"},
        token_from="/account",
        headers=EN,
    )
    assert "Use at least 10 characters." in weak.get_data(as_text=True)
    ok = client.submit(
        "/account",
        {"current_password": factories.PASSWORD, "new_password": "a-new-secret-9"},
        token_from="/account",
    )
    assert ok.status_code == 302
    db.session.refresh(user)
    assert check_password_hash(user.password_hash, "a-new-secret-9")


def test_a_token_is_shown_once_and_stored_only_as_a_hash(client, make):
    producer, owner = make.producer()
    db.session.commit()
    client.login(owner.email, factories.PASSWORD)
    page = client.submit("/account/tokens", {"name": "ERP sync"}, token_from="/account/tokens")
    raw = re.search(
        r'<code class="token" id="new-token">([^<]+)</code>', page.get_data(as_text=True)
    ).group(1)
    stored = db.session.scalar(select(ApiToken).where(ApiToken.user_id == owner.id))
    assert stored.token_hash == hash_token(raw) and raw not in stored.token_hash
    assert raw not in client.get("/account/tokens").get_data(as_text=True)
    api = client.get(f"/api/v1/producers/{producer.id}", headers={"Authorization": f"Bearer {raw}"})
    assert api.status_code == 200
    client.submit(f"/account/tokens/{stored.id}/revoke", token_from="/account/tokens")
    again = client.get(
        f"/api/v1/producers/{producer.id}", headers={"Authorization": f"Bearer {raw}"}
    )
    assert again.status_code == 401


def test_a_user_cannot_revoke_someone_elses_token(client, make):
    _p, owner = make.producer()
    _q, other = make.producer()
    token, _raw = create_token(owner, "mine")
    db.session.commit()
    client.login(other.email, factories.PASSWORD)
    response = client.submit(f"/account/tokens/{token.id}/revoke", token_from="/account/tokens")
    assert response.status_code == 404
    db.session.refresh(token)
    assert token.revoked_at is None


def test_expired_tokens_are_refused(client, make, app_ctx):
    import datetime as dt

    _p, owner = make.producer()
    token, raw = create_token(owner, "short-lived", expires_in_days=1)
    token.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    db.session.commit()
    assert (
        client.get("/api/v1/products/", headers={"Authorization": f"Bearer {raw}"}).status_code
        == 401
    )


def test_login_and_signup_are_rate_limited(app, client, monkeypatch):
    from core.extensions import limiter

    monkeypatch.setitem(app.config, "RATELIMIT_LOGIN", "3 per minute")
    monkeypatch.setitem(app.config, "RATELIMIT_SIGNUP", "2 per minute")
    try:
        limiter.reset()
        codes = [
            client.post("/login", data={"email": "a@b.vn", "password": "x"}).status_code
            for _ in range(4)
        ]
        assert codes == [200, 200, 200, 429]  # refused for the missing CSRF token, but counted
        assert [client.post("/signup").status_code for _ in range(3)] == [200, 200, 429]
        assert client.get("/login").status_code == 200  # reading the form is not limited
    finally:
        limiter.reset()


def test_pages_send_security_headers(client):
    response = client.get("/login")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_session_cookie_is_http_only(client, make):
    user = make.user(Role.STAFF)
    db.session.commit()
    response = client.submit("/login", {"email": user.email, "password": factories.PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_admins_create_officers_scoped_to_wards(client, make):
    admin = make.user(Role.ADMIN)
    db.session.commit()
    client.login(admin.email, factories.PASSWORD)
    response = client.submit(
        "/admin/users",
        {
            "email": "officer.new@example.vn",
            "full_name": "Cán bộ mới",
            "password": "officer-pass-1",
            "role": "officer",
            "wards": ["26188", "26098"],
        },
        token_from="/admin/users",
    )
    assert response.status_code == 302
    officer = db.session.scalar(select(User).where(User.email == "officer.new@example.vn"))
    assert officer.role is Role.OFFICER
    assert [w.code for w in officer.wards] == ["26098", "26188"]


def test_an_officer_needs_wards(client, make):
    admin = make.user(Role.ADMIN)
    db.session.commit()
    client.login(admin.email, factories.PASSWORD)
    response = client.submit(
        "/admin/users",
        {
            "email": "o2@example.vn",
            "full_name": "Cán bộ",
            "password": "officer-pass-1",
            "role": "officer",
        },
        token_from="/admin/users",
        headers=EN,
    )
    assert response.status_code == 200
    assert "Choose the wards this officer works in." in response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.email == "o2@example.vn")) is None


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_pages_speak_vietnamese_by_default_and_english_on_request(client, lang):
    headers = {} if lang == "vi" else EN
    html = client.get("/login", headers=headers).get_data(as_text=True)
    assert f'<html lang="{lang}">' in html
    assert ("Đăng nhập" if lang == "vi" else "Log in") in html


def test_language_choice_is_remembered(client):
    client.get("/lang/en?next=/login")
    assert '<html lang="en">' in client.get("/login").get_data(as_text=True)
    response = client.get("/lang/vi?next=https://evil.example/")
    assert response.headers["Location"] == "/"


def test_the_token_page_is_never_cached(client, make):
    user = make.user(Role.STAFF)
    db.session.commit()
    client.login(user.email, factories.PASSWORD)
    page = client.submit("/account/tokens", {"name": "ERP"}, token_from="/account/tokens")
    assert 'id="new-token"' in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    assert client.get("/account/tokens").headers["Cache-Control"] == "no-store"
