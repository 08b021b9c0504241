"""Declarative base, constraint naming and reusable column types."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime, ForeignKey, MetaData, String, event, false, func, true
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, registry
from sqlalchemy.types import TypeDecorator

# Alembic autogenerate and hand-written migrations both rely on stable constraint names.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    """The current time, timezone-aware, in UTC."""
    return dt.datetime.now(dt.UTC)


# Dates people type and read (production, use-by, OCOP validity) are the province's calendar days.
PROVINCE_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def province_today() -> dt.date:
    """Today's date in Đồng Nai, whatever the server's time zone."""
    return utcnow().astimezone(PROVINCE_TZ).date()


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always returned timezone-aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware datetime (UTC)")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value


intpk = Annotated[int, mapped_column(primary_key=True)]
# Booleans default in Python and in the database, so rows written outside the ORM (migrations,
# bulk inserts, a psql session) get the same value: `flagged: Mapped[bool_false]`.
bool_false = Annotated[bool, mapped_column(default=False, server_default=false())]
bool_true = Annotated[bool, mapped_column(default=True, server_default=true())]
created_at = Annotated[
    dt.datetime, mapped_column(UTCDateTime(), default=utcnow, server_default=func.now())
]
updated_at = Annotated[
    dt.datetime,
    mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow, server_default=func.now()),
]
str_short = Annotated[str, mapped_column(String(120))]
user_fk = Annotated[
    int | None, mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
]


class Base(DeclarativeBase):
    """Base class of every model."""

    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={dt.datetime: UTCDateTime()},
    )


class Tracked:
    """Who created and last changed a row, and when."""

    created_at: Mapped[created_at]
    updated_at: Mapped[updated_at]
    created_by_id: Mapped[user_fk]
    updated_by_id: Mapped[user_fk]


SQLITE_BUSY_TIMEOUT_MS = 15_000


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, connection_record):
    """Enforce foreign keys on SQLite and let SQLAlchemy, not pysqlite, issue BEGIN.

    pysqlite's own transaction handling breaks SAVEPOINT, which the tests' per-test rollback and
    nested operations rely on (SQLAlchemy docs, "Serializable isolation / Savepoints").
    """
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # Several gunicorn workers and the stamp renderer write to the embedded database at
        # once: wait for the write lock instead of failing, and let readers read meanwhile.
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        if cursor.execute("PRAGMA journal_mode").fetchone()[0] not in ("wal", "memory"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(conn):
    if conn.dialect.name == "sqlite":
        # IMMEDIATE takes the write lock at the start, so busy_timeout applies: a deferred
        # transaction that later upgrades to writing gets "database is locked" at once.
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def on_rollback(session: Session, action) -> None:
    """Run `action` if this session's transaction rolls back, not if it commits.

    For side effects outside the database (files written for a row that may never be committed),
    so a failed request leaves nothing behind. Pass the Session itself (`db.session()`), not the
    scoped_session: listeners on a scoped_session apply to every session it makes.
    """
    if not isinstance(session, Session):
        raise TypeError("on_rollback needs a Session instance, e.g. db.session()")
    target = session

    def rolled_back(sess, *args):
        event.remove(target, "after_commit", committed)
        action()

    def committed(sess):
        event.remove(target, "after_soft_rollback", rolled_back)

    event.listen(target, "after_soft_rollback", rolled_back, once=True)
    event.listen(target, "after_commit", committed, once=True)
