"""Account operations: create users, check passwords, issue and revoke API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from core import access, audit
from core.accounts import passwords
from core.accounts.models import ApiToken, Role, User
from core.audit import AuditEntry
from core.errors import Conflict, FieldErrors, NotFound, ValidationFailed
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


def check_password_rules(
    password: str, errors: FieldErrors, field: str = "password", context: Iterable[str] = ()
) -> None:
    """Length, not a common or guessable password, none of the `context` words (see passwords)."""
    for message in passwords.problems(password, context):
        errors.add(field, message)


def password_context(user: User) -> list[str]:
    """The words a user's password must not be built from: email, name, producer, products."""
    producer = user.producer
    names = [getattr(p, "name", "") for p in getattr(producer, "products", None) or ()]
    return [user.email, user.full_name, getattr(producer, "legal_name", None) or "", *names]


def email_taken(email: str) -> bool:
    return bool(
        db.session.scalar(select(func.count()).where(User.email == normalise_email(email or "")))
    )


def check_new_user(
    errors: FieldErrors,
    *,
    email: str,
    password: str,
    full_name: str,
    context: Iterable[str] = (),
    reveal_taken: bool = True,
    **_ignored,
) -> None:
    """Add to `errors` what is wrong with a new account's email, name and password.

    Self sign-up passes `reveal_taken=False`: whether an email has an account is not told there.
    """
    email = normalise_email(email or "")
    if "@" not in email or len(email) > 254:
        errors.add("email", _l("Enter a valid email address."))
    elif reveal_taken and email_taken(email):
        errors.add("email", _l("An account with this email already exists."))
    if not (full_name or "").strip():
        errors.add("full_name", _l("Enter a name."))
    check_password_rules(password or "", errors, context=[email, full_name or "", *context])


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
    check_new_user(
        errors,
        email=email,
        password=password,
        full_name=full_name,
        context=[getattr(producer, "legal_name", None) or ""],
    )
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
    return user


SIGNUP_ATTEMPT = "user.signup_with_existing_email"


def record_signup_attempt(email: str, password: str) -> None:
    """Someone signed up with an email that has an account: nothing is created, the account's
    holder is told at their next login (record_login). Hashing keeps the timing of a real one."""
    hash_password(password)
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    audit.record(None, SIGNUP_ATTEMPT, user)
    db.session.flush()


def record_login(user: User) -> int:
    """Note a successful login; the number of sign-ups tried with this email since the last one."""
    since = user.last_login_at or user.created_at
    attempts = db.session.scalar(
        select(func.count()).where(
            AuditEntry.action == SIGNUP_ATTEMPT,
            AuditEntry.object_type == User.__tablename__,
            AuditEntry.object_id == str(user.id),
            AuditEntry.at > since,
        )
    )
    user.last_login_at = dt.datetime.now(dt.UTC)
    return attempts or 0


def end_sessions(user: User) -> None:
    """Make every session and remember cookie issued so far for `user` anonymous.

    Cookies carry the user's `session_version` (User.get_id); core.web.load_user refuses any
    other number. Raised on logout, password change or reset, deactivation and role change.
    """
    user.session_version = (user.session_version or 0) + 1


def change_password(user: User, current: str, new: str) -> None:
    """Set a new password; every earlier session ends (the caller logs the current one in again)."""
    errors = FieldErrors()
    if not check_password_hash(user.password_hash, current):
        errors.add("current_password", _l("The current password is not right."))
    check_password_rules(new, errors, "new_password", context=password_context(user))
    errors.raise_if_any()
    user.password_hash = hash_password(new)
    end_sessions(user)
    audit.record(user, "user.password_change", user)


def _other_active_admins(user: User) -> int:
    return db.session.scalar(
        select(func.count()).where(
            User.role == Role.ADMIN, User.is_active.is_(True), User.id != user.id
        )
    )


def set_active(user: User, active: bool, actor: User) -> None:
    """Deactivate (every session and API token stops working) or reactivate an account."""
    access.require_admin(actor)
    if active == user.is_active:
        return
    if not active:
        if user.id == actor.id:
            raise Conflict(_l("You cannot deactivate your own account."))
        if user.is_admin and not _other_active_admins(user):
            raise Conflict(_l("At least one active administrator must remain."))
        end_sessions(user)
    user.is_active = active
    audit.record(actor, "user.activate" if active else "user.deactivate", user)


def update_user(
    user: User, *, full_name: str, role: Role, ward_codes: Iterable[str], actor: User
) -> User:
    """An admin changes an account's name, role and (officers) wards.

    A producer account stays a producer account of the same producer; a role change ends the
    user's sessions, so the new role applies from the next login on.
    """
    access.require_admin(actor)
    errors = FieldErrors()
    full_name = (full_name or "").strip()
    if not full_name or len(full_name) > 120:
        errors.add("full_name", _l("Enter a name."))
    if (user.role is Role.PRODUCER) != (role is Role.PRODUCER):
        errors.add("role", _l("A producer account stays a producer account."))
    elif (
        user.is_admin
        and role is not Role.ADMIN
        and user.is_active
        and not _other_active_admins(user)
    ):
        errors.add("role", _l("At least one active administrator must remain."))
    codes = sorted(set(ward_codes)) if role is Role.OFFICER else []
    wards = _wards(codes)
    if role is Role.OFFICER and (not wards or len(wards) != len(codes)):
        errors.add("wards", _l("Choose the wards this officer works in."))
    errors.raise_if_any()
    before = {"role": user.role.value, "wards": [w.code for w in user.wards]}
    after = {"role": role.value, "wards": [w.code for w in wards]}
    if role is not user.role:
        end_sessions(user)
    user.full_name = full_name
    user.role = role
    user.wards = wards
    db.session.flush()
    audit.record(actor, "user.update", user, before=before, after=after, full_name=full_name)
    return user


def _wards(codes) -> list[Ward]:
    return list(db.session.scalars(select(Ward).where(Ward.code.in_(codes)))) if codes else []


def set_officer_wards(user: User, ward_codes: Iterable[str], actor: User) -> User:
    """Staff (not only admins) change the wards an officer works in, for the retail roll-out.

    An officer keeps at least one ward; the audit entry is the same as an admin's edit.
    """
    access.require_staff(actor)
    if user.role is not Role.OFFICER:
        raise ValidationFailed({"wards": [_l("Only field officers work in wards.")]})
    codes = sorted(set(ward_codes))
    wards = _wards(codes)
    if not wards or len(wards) != len(codes):
        raise ValidationFailed({"wards": [_l("Choose the wards this officer works in.")]})
    before = {"role": user.role.value, "wards": [w.code for w in user.wards]}
    user.wards = wards
    db.session.flush()
    after = {"role": user.role.value, "wards": codes}
    audit.record(actor, "user.update", user, before=before, after=after, full_name=user.full_name)
    return user


# --- one-time password-reset links (there is no mail server: an admin hands the link over) ---

_RESET_SALT = "password-reset"


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_RESET_SALT)


def _password_fingerprint(user: User) -> str:
    # A change of password (the link's own use) changes this, so a link works once.
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def create_reset_token(user: User, actor: User | None) -> str:
    """A signed link token for `user`, valid PASSWORD_RESET_MAX_AGE seconds and only once.

    It names the user, their session version and a fingerprint of their password hash: a
    reset, a password change, a logout or a deactivation kills it. Nothing is stored. `actor`
    is the admin, or None for an operator on the server's console (`flask users reset-link`).
    """
    if actor is not None:
        access.require_admin(actor)
    if not user.is_active:
        raise Conflict(_l("Reactivate the account before making a reset link."))
    audit.record(actor, "user.reset_link", user)
    return _reset_serializer().dumps(
        {"u": user.id, "v": user.session_version or 0, "p": _password_fingerprint(user)}
    )


def reset_link_max_age() -> int:
    return int(current_app.config.get("PASSWORD_RESET_MAX_AGE", 24 * 3600))


def user_for_reset_token(token: str) -> User | None:
    """The active user a reset token is still good for, or None (expired, used, forged)."""
    try:
        data = _reset_serializer().loads(token, max_age=reset_link_max_age())
    except BadData:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    user = db.session.get(User, data["u"])
    if (
        user is None
        or not user.is_active
        or data.get("v") != (user.session_version or 0)
        or data.get("p") != _password_fingerprint(user)
    ):
        return None
    return user


def reset_password(token: str, new: str) -> User:
    """Set a new password through a reset link; the link and every earlier session end."""
    user = user_for_reset_token(token)
    if user is None:
        raise NotFound(_l("This link has expired or has already been used."))
    errors = FieldErrors()
    check_password_rules(new, errors, "new_password", context=password_context(user))
    errors.raise_if_any()
    user.password_hash = hash_password(new)
    end_sessions(user)
    audit.record(user, "user.password_reset", user)
    return user


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
