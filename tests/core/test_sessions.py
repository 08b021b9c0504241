"""Sessions end when they should: a copied cookie stops working after logout, a password change,
deactivation or a role change (every cookie names the user's session version)."""

from __future__ import annotations

from flask_login.utils import encode_cookie

from core.accounts import services
from core.accounts.models import Role
from core.extensions import db
from tests import factories


def copy_session(app, client) -> dict[str, str]:
    """The cookie jar as a thief would copy it: name → value."""
    name = app.config["SESSION_COOKIE_NAME"]
    cookie = client.get_cookie(name)
    assert cookie is not None, "not logged in"
    return {name: cookie.value}


def replay(app, cookies: dict[str, str]):
    """A brand-new browser that only has the copied cookies."""
    other = app.test_client()
    for name, value in cookies.items():
        other.set_cookie(name, value)
    return other


def opens_producer_pages(app, cookies) -> bool:
    response = replay(app, cookies).get("/producer")
    if response.status_code == 302:
        assert "/login" in response.headers["Location"]
        return False
    assert response.status_code == 200
    return True


def test_a_cookie_copied_before_logout_no_longer_opens_the_producer_pages(app, client, make):
    _producer, owner = make.producer()
    db.session.commit()
    client.login(owner.email, factories.PASSWORD)
    stolen = copy_session(app, client)
    assert opens_producer_pages(app, stolen)
    client.submit("/logout", token_from="/account")
    assert not opens_producer_pages(app, stolen)


def test_logout_ends_the_sessions_on_other_devices_too(app, client, make):
    _producer, owner = make.producer()
    db.session.commit()
    phone = app.test_client()
    phone.login(owner.email, factories.PASSWORD)
    client.login(owner.email, factories.PASSWORD)
    client.submit("/logout", token_from="/account")
    assert phone.get("/producer").status_code == 302


def test_a_password_change_ends_earlier_sessions_but_keeps_the_current_one(app, client, make):
    _producer, owner = make.producer()
    db.session.commit()
    client.login(owner.email, factories.PASSWORD)
    stolen = copy_session(app, client)
    response = client.submit(
        "/account",
        {"current_password": factories.PASSWORD, "new_password": "tieu-chin-ngot-31"},
        token_from="/account",
    )
    assert response.status_code == 302
    assert client.get("/producer").status_code == 200  # the person who changed it stays in
    assert not opens_producer_pages(app, stolen)
    assert opens_producer_pages(app, copy_session(app, client))


def test_deactivation_ends_sessions_and_api_tokens(app, client, make):
    producer, owner = make.producer()
    admin = make.user(Role.ADMIN)
    _token, raw = services.create_token(owner, "ERP")
    db.session.commit()
    client.login(owner.email, factories.PASSWORD)
    stolen = copy_session(app, client)
    bearer = {"Authorization": f"Bearer {raw}"}
    assert client.get(f"/api/v1/producers/{producer.id}", headers=bearer).status_code == 200

    services.set_active(owner, False, admin)
    db.session.commit()
    assert not opens_producer_pages(app, stolen)
    assert client.get(f"/api/v1/producers/{producer.id}", headers=bearer).status_code == 401

    # Reactivated, the token works again but the old session cookie stays dead.
    services.set_active(owner, True, admin)
    db.session.commit()
    assert client.get(f"/api/v1/producers/{producer.id}", headers=bearer).status_code == 200
    assert not opens_producer_pages(app, stolen)


def test_a_role_change_ends_the_users_sessions(app, client, make):
    staff = make.staff()
    admin = make.user(Role.ADMIN)
    db.session.commit()
    client.login(staff.email, factories.PASSWORD)
    assert client.get("/staff/review").status_code == 200
    services.update_user(
        staff, full_name=staff.full_name, role=Role.OFFICER, ward_codes=["26188"], actor=admin
    )
    db.session.commit()
    response = client.get("/staff/review")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_remember_cookie_carries_the_session_version_too(app, client, make):
    _producer, owner = make.producer()
    db.session.commit()
    name = app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    current = encode_cookie(owner.get_id())
    assert opens_producer_pages(app, {name: current})
    services.end_sessions(owner)  # as logout does
    db.session.commit()
    assert not opens_producer_pages(app, {name: current})
    # A cookie naming only the id (made before versions existed) is anonymous as well.
    assert not opens_producer_pages(app, {name: encode_cookie(str(owner.id))})
    assert opens_producer_pages(app, {name: encode_cookie(owner.get_id())})
