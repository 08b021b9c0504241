"""User accounts, roles and API tokens."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import Column, ForeignKey, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, bool_true, created_at, intpk, utcnow
from core.enums import str_enum

if TYPE_CHECKING:  # for type checkers only: core does not import a domain at run time
    from core.wards.models import Ward
    from traceability.registry.models import Producer


class Role(enum.StrEnum):
    PRODUCER = "producer"
    OFFICER = "officer"
    STAFF = "staff"
    ADMIN = "admin"


officer_wards = Table(
    "officer_wards",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("ward_code", ForeignKey("wards.code", ondelete="CASCADE"), primary_key=True),
)


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[intpk]
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"))
    # A producer account acts for exactly one producer; other roles have none.
    producer_id: Mapped[int | None] = mapped_column(
        ForeignKey("producers.id", ondelete="CASCADE", use_alter=True), index=True
    )
    is_active: Mapped[bool_true]
    # Raised on logout, password change and deactivation: every earlier session cookie carries the
    # old number and is refused (core.web.load_user).
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    locale: Mapped[str | None] = mapped_column(String(5))
    created_at: Mapped[created_at]
    last_login_at: Mapped[dt.datetime | None]

    producer: Mapped[Producer | None] = relationship(foreign_keys=[producer_id], lazy="joined")
    wards: Mapped[list[Ward]] = relationship(
        secondary=officer_wards, lazy="selectin", order_by="Ward.code"
    )

    def get_id(self) -> str:
        """What Flask-Login keeps in the session and remember cookies: "id:session_version"."""
        return f"{self.id}:{self.session_version or 0}"

    @property
    def is_staff(self) -> bool:
        """Department staff and admins see every producer's records."""
        return self.role in (Role.STAFF, Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class ApiToken(Base):
    __tablename__ = "api_tokens"
    __table_args__ = (UniqueConstraint("token_hash"),)

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    # Only a hash is kept; the prefix lets people recognise a token in lists.
    token_prefix: Mapped[str] = mapped_column(String(12))
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[created_at]
    expires_at: Mapped[dt.datetime | None]
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship(lazy="joined")

    @property
    def is_usable(self) -> bool:
        now = utcnow()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
