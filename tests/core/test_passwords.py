"""Password rules (ASVS L1 V2.1): at least 10 characters, not a common or easily guessed password,
not built from the account's own email, name, producer or product names."""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from werkzeug.security import check_password_hash

from core.accounts import passwords, services
from core.accounts.models import Role
from core.errors import FieldErrors, ValidationFailed
from core.extensions import db
from tests import factories

EN = {"Accept-Language": "en"}
CONTEXT_WORDS = "Do not build the password from your email"
COMMON = "This is one of the most common passwords"
GUESSABLE = "This password is easy to guess"


def problems(password: str, *context: str) -> list[str]:
    with force_locale("en"):
        return [str(m) for m in passwords.problems(password, context)]


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("short-1", "Use at least 10 characters."),
        ("1234567890", "Mix letters with digits or symbols."),
        ("qwertyuiopas", "Mix letters with digits or symbols."),
        ("password123", COMMON),
        ("Password123", COMMON),
        ("1qaz2wsx3edc", COMMON),
        ("matkhau2026", GUESSABLE),  # "mật khẩu" is Vietnamese for password
        ("Dongnai@2026", GUESSABLE),
        ("aaaaaaaaaa1", GUESSABLE),
    ],
)
def test_weak_passwords_are_refused(app_ctx, password, expected):
    found = problems(password)
    assert found and found[0].startswith(expected), found


@pytest.mark.parametrize(
    "password", [factories.PASSWORD, "mat-khau-2026", "tieu-chin-ngot-31", "Bưởi-Tân-Triều-9"]
)
def test_good_passwords_pass(app_ctx, password):
    assert problems(password) == []


@pytest.mark.parametrize(
    ("password", "context"),
    [
        ("hoa.nguyen2026!", ("hoa.nguyen@example.vn",)),  # the email's local part
        ("NguyenVanBinh#7", ("binh@example.vn", "Nguyễn Văn Bình")),  # the name, no diacritics
        ("htx-buoi-tan-trieu-1", ("x@example.vn", "A", "HTX Bưởi Tân Triều")),  # the producer
    ],
)
def test_context_passwords_are_refused(app_ctx, password, context):
    found = problems(password, *context)
    assert found and found[0].startswith(CONTEXT_WORDS), found


def test_short_context_words_do_not_refuse_good_passwords(app_ctx):
    # "An" and "Hà" are whole names, but too short to refuse every password containing them.
    assert problems("ca-phe-sang-an-ha-71", "An", "Hà") == []


def test_a_password_change_refuses_the_producers_and_its_products_names(app_ctx, make):
    producer, owner = make.producer(legal_name="HTX Sầu Riêng Long Khánh")
    make.product(producer, owner, name="Sầu riêng Ri6 sấy lạnh")
    db.session.commit()
    db.session.refresh(producer)
    for new in ("SauRiengLongKhanh-26", "sau-rieng-ri6-say-lanh!"):
        with force_locale("en"), pytest.raises(ValidationFailed) as exc:
            services.change_password(owner, factories.PASSWORD, new)
        assert exc.value.errors["new_password"][0].startswith(CONTEXT_WORDS), new
    services.change_password(owner, factories.PASSWORD, "tieu-chin-ngot-31")
    assert check_password_hash(owner.password_hash, "tieu-chin-ngot-31")


def test_an_admin_cannot_give_a_new_account_its_own_email_as_password(app_ctx):
    with force_locale("en"), pytest.raises(ValidationFailed) as exc:
        services.create_user(
            email="tran.thi.mai@example.vn",
            password="tran.thi.mai-123",
            full_name="Trần Thị Mai",
            role=Role.STAFF,
        )
    assert exc.value.errors["password"][0].startswith(CONTEXT_WORDS)


def test_sign_up_refuses_the_business_name_as_password(client, app_ctx):
    from tests.traceability.test_registry import SIGNUP

    data = dict(SIGNUP, password="HTX-Buoi-Moi-2026")  # legal_name "HTX Bưởi Mới"
    html = client.submit("/signup", data, token_from="/signup", headers=EN).get_data(as_text=True)
    assert CONTEXT_WORDS in html


def test_the_minimum_length_stays_ten(app):
    assert app.config["PASSWORD_MIN_LENGTH"] == 10
    errors = FieldErrors()
    with app.test_request_context(), force_locale("en"):
        services.check_password_rules("Ab3$efgh9", errors)  # 9 characters
        assert [str(m) for m in errors.errors["password"]] == ["Use at least 10 characters."]
