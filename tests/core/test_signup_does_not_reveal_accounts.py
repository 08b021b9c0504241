"""Sign-up answers the same whether or not an email has an account (no user enumeration); the
holder of an existing account is told at their next login; a new producer can log in at once."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from core.accounts.models import User
from core.extensions import db
from tests import factories
from tests.traceability.test_registry import SIGNUP
from traceability.registry.models import Producer

EN = {"Accept-Language": "en"}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def sign_up(app, data):
    """Sign up in a fresh browser; what that browser is answered and then sees."""
    browser = app.test_client()
    response = browser.submit("/signup", data, token_from="/signup", headers=EN)
    page = browser.get("/login", headers=EN).get_data(as_text=True)
    flashes = re.findall(r'<p class="flash[^"]*"[^>]*>(.*?)</p>', page, re.S)
    return response, flashes, browser.get("/producer").status_code


def test_a_taken_email_gets_the_same_answer_as_a_new_one(app, client, make):
    _producer, existing = make.producer()
    db.session.commit()
    new, new_flashes, new_producer_page = sign_up(app, SIGNUP)
    taken_data = dict(
        SIGNUP, account_email=existing.email.upper(), tax_code="3603999777", legal_name="HTX Khác"
    )
    users, producers = count(User), count(Producer)
    taken, taken_flashes, taken_producer_page = sign_up(app, taken_data)

    assert (new.status_code, new.headers["Location"]) == (302, "/login")
    assert (taken.status_code, taken.headers["Location"]) == (302, "/login")
    assert new_flashes == taken_flashes and "If this email is new" in new_flashes[0]
    assert new_producer_page == taken_producer_page == 302  # neither is logged in by sign-up
    # Nothing was made for the taken email, and its holder's password is untouched.
    assert (count(User), count(Producer)) == (users, producers)
    db.session.refresh(existing)
    assert check_password_hash(existing.password_hash, factories.PASSWORD)


def test_a_form_with_a_taken_email_shows_no_email_error(client, make):
    _producer, existing = make.producer()
    db.session.commit()
    data = dict(SIGNUP, account_email=existing.email, password="short")
    html = client.submit("/signup", data, token_from="/signup", headers=EN).get_data(as_text=True)
    assert "Use at least 10 characters." in html
    assert "already exists" not in html


def test_the_holder_of_the_email_is_told_at_the_next_login(app, client, make):
    _producer, existing = make.producer()
    db.session.commit()
    client.get("/lang/en")  # flashed messages are translated when flashed, at login
    client.login(existing.email, factories.PASSWORD)  # a first login, before the attempt
    client.submit("/logout", token_from="/account")
    sign_up(app, dict(SIGNUP, account_email=existing.email))
    client.login(existing.email, factories.PASSWORD)
    html = client.get("/account", headers=EN).get_data(as_text=True)
    assert "someone tried to register a new producer with your email" in html
    # Told once: the next login is quiet.
    client.submit("/logout", token_from="/account")
    client.login(existing.email, factories.PASSWORD)
    assert "someone tried to register" not in client.get("/account", headers=EN).get_data(
        as_text=True
    )
