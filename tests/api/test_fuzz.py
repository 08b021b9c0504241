"""A bounded schemathesis run over the whole OpenAPI document, as a producer and as staff.

Every operation gets generated inputs (valid and invalid: huge integers, odd strings, missing
and extra fields), sent to the application in-process. No answer may be a server error, and each
must match the document: its status is one it lists, its body fits the schema (errors: the one
error shape), its headers (X-Pagination) too. The run is derandomised so CI repeats it exactly;
FUZZ_EXAMPLES raises the number of examples per operation for a longer local run.
"""

from __future__ import annotations

import os
from pathlib import Path
from tempfile import TemporaryDirectory

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from core.extensions import db
from core.fields import INT_MAX
from tests.conftest import make_test_app
from traceability.stamps.models import Stamp

MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


def _spec() -> dict:
    """The document, read from an application that never opens its database."""
    with TemporaryDirectory(prefix="fuzz-spec-") as folder:
        tmp = Path(folder)
        app = make_test_app(f"sqlite:///{tmp / 'unused.sqlite3'}", tmp)
        return app.test_client().get("/api/openapi.json").get_json()


schema = schemathesis.openapi.from_dict(_spec())

# Ids of the rows the `tokens` fixture made, so that operations reach real rows, not only 404s.
KNOWN_IDS: dict[str, int] = {}


@schema.hook
def map_path_parameters(context, path_parameters):
    """Point every other valid generated id at a real row (invalid ones stay as generated)."""
    for name, value in (path_parameters or {}).items():
        known = KNOWN_IDS.get(name)
        if known and type(value) is int and 0 <= value <= INT_MAX and value % 2 == 0:
            path_parameters[name] = known
    return path_parameters


FUZZ_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate],
)


@pytest.fixture
def tokens(make, app, monkeypatch):
    """A verified producer with a product, site, batch and stamp order; its token and staff's.

    Orders stay small (the PDF renders inside the request here): the rule is the same.
    """
    monkeypatch.setitem(app.config, "STAMP_ORDER_MAX", 40)
    producer, owner = make.producer()
    product = make.published_product(producer, owner)
    site = make.site(producer, owner)
    batch = make.batch(product, owner, site_id=site.id)
    order = make.stamp_order(batch, owner)
    raw = {"producer": make.token(owner), "staff": make.token(make.staff())}
    db.session.commit()
    KNOWN_IDS.clear()
    KNOWN_IDS.update(
        producer_id=producer.id,
        product_id=product.id,
        site_id=site.id,
        batch_id=batch.id,
        order_id=order.id,
        stamp_id=db.session.scalar(select(Stamp.id).where(Stamp.order_id == order.id).limit(1)),
    )
    return raw


def _call(case, app, client, token: str) -> None:
    case.call_and_validate(
        app=app,
        session=client,
        headers={"Authorization": f"Bearer {token}"},
        checks=CHECKS,
    )


@schema.parametrize()
@FUZZ_SETTINGS
def test_api_as_a_producer(case, app, client, tokens):
    _call(case, app, client, tokens["producer"])


@schema.parametrize()
@FUZZ_SETTINGS
def test_api_as_staff(case, app, client, tokens):
    _call(case, app, client, tokens["staff"])
