"""Factories for tests: rows made through the same services the pages and API use.

They pass typed values (enum members, dates, Decimals, ints), as the forms and schemas do.
"""

from __future__ import annotations

import datetime as dt
import itertools

from core.accounts import services as accounts
from core.accounts.models import Role, User
from core.extensions import db
from traceability.gs1.gtin import check_digit
from traceability.registry import places, services
from traceability.registry.models import (
    Batch,
    OcopGroup,
    Producer,
    ProducerKind,
    Product,
    ProductCategory,
    Site,
    SiteKind,
)

PASSWORD = "correct-horse-42"
_seq = itertools.count(1)


def unique() -> int:
    return next(_seq)


def gtin(prefix: str = "8938501") -> str:
    """A valid GTIN-14 on the factory producers' GS1 company prefix, different every call."""
    body = ("0" + prefix + str(unique()).rjust(13 - len(prefix) - 1, "0"))[:13]
    return body + str(check_digit(body))


def tax_code() -> str:
    return str(3600000000 + unique())


def user(role: Role, *, wards=("26188",), **kw) -> User:
    n = unique()
    return accounts.create_user(
        email=kw.pop("email", f"{role.value}{n}@example.vn"),
        password=PASSWORD,
        full_name=kw.pop("full_name", f"{role.value.title()} {n}"),
        role=role,
        ward_codes=wards if role is Role.OFFICER else (),
        **kw,
    )


def staff() -> User:
    return user(Role.STAFF)


def producer(*, verified: bool = True, ward_code: str = "26188", **fields) -> tuple[Producer, User]:
    """A producer with its first account; verified by a staff member unless told otherwise."""
    n = unique()
    data = {
        "legal_name": f"HTX Thử nghiệm {n}",
        "kind": ProducerKind.COOPERATIVE,
        "tax_code": tax_code(),
        "ward_code": ward_code,
        "address": f"Ấp {n}",
        "gs1_company_prefix": "8938501",
    }
    data.update(fields)
    account = {"email": f"producer{n}@example.vn", "password": PASSWORD, "full_name": f"Chủ {n}"}
    owner = services.register_producer(account, data)
    if verified:
        services.verify_producer(owner.producer, staff())
    db.session.flush()
    return owner.producer, owner


def product(producer: Producer, actor: User, **fields) -> Product:
    data = {
        "gtin": gtin(),
        "name": f"Sản phẩm {unique()}",
        "category": ProductCategory.AGRICULTURAL,
    }
    data.update(fields)
    return services.create_product(producer, data, actor)


def ocop_product(producer: Producer, actor: User, **fields) -> Product:
    data = {
        "category": ProductCategory.OCOP,
        "ocop_group": OcopGroup.FOOD,
        "ocop_stars": 4,
        "ocop_certificate_no": f"{unique()}/OCOP-ĐN",
        "ocop_valid_from": dt.date(2025, 1, 1),
    }
    data.update(fields)
    return product(producer, actor, **data)


def site(producer: Producer, actor: User, **fields) -> Site:
    data = {
        "name": f"Vườn {unique()}",
        "kind": SiteKind.GROWING_AREA,
        "ward_code": producer.ward_code,
    }
    data.update(fields)
    return places.create_site(producer, data, actor)


def batch(product: Product, actor: User, **fields) -> Batch:
    data = {
        "product_id": product.id,
        "lot_code": f"LOT{unique()}",
        "produced_on": dt.date(2026, 11, 1),
    }
    data.update(fields)
    return places.create_batch(data, actor)


def token(owner: User) -> str:
    return accounts.create_token(owner, "test")[1]


def published_product(producer: Producer, actor: User, **fields) -> Product:
    """A product submitted by its producer and verified by the Department (shown to consumers)."""
    made = product(producer, actor, **fields)
    services.submit_product(made, actor)
    services.verify_product(made, staff())
    db.session.flush()
    return made


def stamp_order(batch: Batch, actor: User, quantity: int = 3, **fields):
    """An order of stamps for a batch of a published product (rendered by the caller, if needed).

    `fields` are typed, as the order form and the API give them (`activation_required=True`).
    """
    from traceability.stamps import orders

    data = {"quantity": quantity, "kind": "sheet", "rows": 4, "cols": 3, "size_mm": 30.0}
    data.update(fields)
    return orders.create_order(batch, data, actor)
