"""Who sees an import: the person who made it, and staff and admins.

An officer sees its own imports; another officer's import answers 404, as another ward's shop
does; producers have no part in the retail programme (403).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core import access
from core.accounts.models import User
from core.errors import NotFound
from core.extensions import db
from retail.shops.models import ShopImport


def visible_imports(user: User):
    access.require_retail_role(user)
    stmt = select(ShopImport)
    return stmt if user.is_staff else stmt.where(ShopImport.created_by_id == user.id)


def get_import(import_id: int, user: User) -> ShopImport:
    access.require_retail_role(user)
    record = db.session.get(ShopImport, import_id)
    if record is None or not (user.is_staff or record.created_by_id == user.id):
        raise NotFound(_l("Not found."))
    return record
