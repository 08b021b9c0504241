"""Sign-up is exempt from the global CSRF check (the limiter counts the attempt first), so its
form must refuse a post without its token itself: nothing is created, the form says it expired."""

from __future__ import annotations

from sqlalchemy import func, select

from core.accounts.models import User
from core.extensions import db
from tests.traceability.test_registry import SIGNUP
from traceability.registry.models import Producer

EN = {"Accept-Language": "en"}


def _made() -> tuple[int, int]:
    users = db.session.scalar(
        select(func.count()).select_from(User).where(User.email == SIGNUP["account_email"])
    )
    producers = db.session.scalar(
        select(func.count()).select_from(Producer).where(Producer.tax_code == SIGNUP["tax_code"])
    )
    return users, producers


def test_a_signup_post_without_its_csrf_token_creates_nothing(client, app_ctx):
    response = client.post("/signup", data=SIGNUP, headers=EN)
    # The form shown again (200) or the global CSRF refusal (400): either way, it expired.
    assert response.status_code in (200, 400)
    assert "form expired" in response.get_data(as_text=True).replace(
        "form has expired", "form expired"
    )
    assert _made() == (0, 0)
    # The same data with the form's token is accepted: the token was the only thing missing.
    accepted = client.submit("/signup", SIGNUP, token_from="/signup", headers=EN)
    assert accepted.status_code == 302
    assert _made() == (1, 1)
