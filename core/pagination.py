"""One page of a list on the HTML pages: `?page=N` read once, safely, for every list."""

from __future__ import annotations

from flask import request

from core.extensions import db

PAGE_SIZE = 50
# Beyond this a page number is no list at all; capping it keeps OFFSET inside what SQLite's and
# PostgreSQL's 64-bit integers hold (a page past the last is simply empty).
MAX_PAGE = 2**31 - 1


def page_number() -> int:
    """The requested page, 1 when missing or not a number, never beyond MAX_PAGE."""
    page = request.args.get("page", 1, type=int)
    return min(max(1, page), MAX_PAGE)


def paginate(stmt, per_page: int = PAGE_SIZE):
    """Flask-SQLAlchemy's Pagination of the statement for the requested page."""
    return db.paginate(stmt, page=page_number(), per_page=per_page, error_out=False)
