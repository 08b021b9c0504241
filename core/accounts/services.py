"""Account operations: create users, check passwords, issue and revoke API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from core import audit
from core.accounts.models import ApiToken, Role, User
from core.errors import FieldErrors, NotFound
from core.extensions import db
from core.wards.models import Ward

TOKEN_PREFIX = "dnt_"  # noqa: S105 - a public marker, not a secret
# Checked against when the email is unknown, so a login takes as long either way.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def hash_password(password: str) -> str:
    """Werkzeug's salted hash; the method is configurable (tests use a cheaper one)."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def normalise_email(email: str) -> str:
    return email.strip().lower()


def check_password_rules(password: str, errors: FieldErrors, field: str = "password") -> None:
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        errors.add(field, _l("Use at least %(n)d characters.", n=minimum))
    elif password.isdigit() or (password.lower() == password and password.isalpha()):
        errors.add(field, _l("Mix letters with digits or symbols."))


def check_new_user(
    errors: FieldErrors, *, email: str, password: str, full_name: str, **_ignored
) -> None:
    """Add to `errors` what is wrong with a new account's email, name and password."""
    email = normalise_email(email or "")
    if "@" not in email or len(email) > 254:
        errors.add("email", _l("Enter a valid email address."))
    elif db.session.scalar(select(func.count()).where(User.email == email)):
        errors.add("email", _l("An account with this email already exists."))
    if not (full_name or "").strip():
        errors.add("full_name", _l("Enter a name."))
    check_password_rules(password or "", errors)


def create_user(
    *,
    email: str,
    password: str,
    full_name: str,
    role: Role,
    producer=None,
    ward_codes: list[str] | tuple[str, ...] = (),
    actor: User | None = None,
) -> User:
    """Add a user; producers need a producer, officers one or more wards."""
    errors = FieldErrors()
    check_new_user(errors, email=email, password=password, full_name=full_name)
    if role is Role.PRODUCER and producer is None:
        errors.add("producer", _l("A producer account must belong to a producer."))
    wards = []
    if role is Role.OFFICER:
        wards = list(db.session.scalars(select(Ward).where(Ward.code.in_(ward_codes))))
        if not wards or len(wards) != len(set(ward_codes)):
            errors.add("wards", _l("Choose the wards this officer works in."))
    errors.raise_if_any()
    user = User(
        email=normalise_email(email),
        full_name=full_name.strip(),
        password_hash=hash_password(password),
        role=role,
        producer=producer,
        wards=wards,
    )
    db.session.add(user)
    db.session.flush()
    audit.record(actor or user, "user.create", user, role=role.value, email=user.email)
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None."""
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.is_active:
        return None
    user.last_login_at = dt.datetime.now(dt.UTC)
    return user


def change_password(user: User, current: str, new: str) -> None:
    errors = FieldErrors()
    if not check_password_hash(user.password_hash, current):
        errors.add("current_password", _l("The current password is not right."))
    check_password_rules(new, errors, "new_password")
    errors.raise_if_any()
    user.password_hash = hash_password(new)
    audit.record(user, "user.password_change", user)


def set_active(user: User, active: bool, actor: User) -> None:
    user.is_active = active
    audit.record(actor, "user.activate" if active else "user.deactivate", user)


def hash_token(raw: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is enough to keep them unreadable at rest.
    return hashlib.sha256(raw.encode()).hexdigest()


def create_token(
    user: User, name: str, *, expires_in_days: int | None = None, actor: User | None = None
) -> tuple[ApiToken, str]:
    """A new API token; the raw value is returned once and never stored."""
    errors = FieldErrors()
    name = name.strip()
    if not name or len(name) > 80:
        errors.add("name", _l("Give the token a name of up to 80 characters."))
    if expires_in_days is not None and not 1 <= expires_in_days <= 3650:
        errors.add("expires_in_days", _l("Choose between 1 and 3650 days."))
    errors.raise_if_any()
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = None
    if expires_in_days:
        expires_at = dt.datetime.now(dt.UTC) + dt.timedelta(days=expires_in_days)
    token = ApiToken(
        user=user,
        name=name,
        token_prefix=raw[:10],
        token_hash=hash_token(raw),
        expires_at=expires_at,
    )
    db.session.add(token)
    db.session.flush()
    audit.record(actor or user, "token.create", token, name=name, user_id=user.id)
    return token, raw


def revoke_token(token: ApiToken, actor: User) -> None:
    if token.revoked_at is None:
        token.revoked_at = dt.datetime.now(dt.UTC)
        audit.record(actor, "token.revoke", token, user_id=token.user_id)


def user_for_token(raw: str) -> User | None:
    """The active user behind a usable token, recording when it was last used."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(raw)))
    if token is None or not token.is_usable or not token.user.is_active:
        return None
    now = dt.datetime.now(dt.UTC)
    # Avoid a write on every API call: minute resolution is plenty for "last used".
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        token.last_used_at = now
    return token.user


def get_token_of(user: User, token_id: int) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    if token is None or (token.user_id != user.id and not user.is_admin):
        raise NotFound(_l("Not found."))
    return token
