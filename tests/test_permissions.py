"""Every route has an owner: who may call it, and what everyone else gets (pages and API).

The world: producers A and B (verified), each with a product, photo, site and batch; a field
officer, Department staff and an admin. Routes name A's records; "other" is producer B.
"""

from __future__ import annotations

import io
import os
import re
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import pytest
from PIL import Image

from core.accounts.models import Role
from core.extensions import db, limiter
from tests import (
    factories,
    permissions_epcis_capture,
    permissions_epcis_query,
    permissions_events_pages,
    permissions_exchange,
    permissions_ledger,
)
from tests.conftest import ConnectionBoundSession
from tests.permissions_stamp_api import STAMP_APIS
from tests.permissions_stamp_pages import STAMP_PAGES
from traceability.registry import images
from traceability.stamps import cards, counterfeit, scans, serials
from traceability.stamps import jobs as stamp_jobs
from traceability.stamps.models import Stamp

ROLES = ("anon", "owner", "other", "officer", "staff", "admin")

# Trace events and the EPCIS API: rows in modules of their own, each with a setup(world) -> dict
# of the placeholders its rows use.
EVENT_MODULES = (
    permissions_events_pages,
    permissions_epcis_capture,
    permissions_epcis_query,
    permissions_ledger,
    permissions_exchange,
)


class World:
    """Ids of the records the table's URLs refer to, and a way to log in as each role.

    Built once per module (see `_world_db`): while it is built, its attributes are the live rows
    the event modules' setup(world) use; then `freeze()` keeps only plain values (ids, emails,
    tokens), which every test reads from its own, rolled-back savepoint.
    """

    def __init__(self):
        self.a, self.a_user = factories.producer()
        self.b, self.b_user = factories.producer()
        self.product = factories.product(self.a, self.a_user)
        self.site = factories.site(self.a, self.a_user)
        self.batch = factories.batch(self.product, self.a_user, site_id=self.site.id)
        photo = io.BytesIO()
        Image.new("RGB", (200, 150), "green").save(photo, "JPEG")
        photo.seek(0)
        self.image = images.add_product_image(self.product, photo, self.a_user)
        self.users = {
            "owner": self.a_user,
            "other": self.b_user,
            "officer": factories.user(Role.OFFICER),
            "staff": factories.staff(),
            "admin": factories.user(Role.ADMIN),
        }
        from core.accounts.services import create_token

        # Stamps: an order of producer A for a published product, one scan and one report.
        self.stamp_product = factories.published_product(self.a, self.a_user)
        self.stamp_batch = factories.batch(self.stamp_product, self.a_user)
        self.order = factories.stamp_order(self.stamp_batch, self.a_user, quantity=3)
        stamp_jobs.render_order(self.order.id)
        self.stamp = db.session.scalars(
            db.select(Stamp).where(Stamp.order_id == self.order.id).order_by(Stamp.seq)
        ).first()
        found = scans.resolve(self.stamp.gtin, None, self.stamp.serial)
        self.scan_id = scans.record_scan(found, ip="203.0.113.9", user_agent="").scan_id
        self.report = counterfeit.create_report(
            found, {"message": "Tem trông khác thường"}, client="test"
        )
        self.a_token_row, _raw = create_token(self.a_user, "owner's page token")
        db.session.commit()
        self.tokens = {role: factories.token(u) for role, u in self.users.items()}
        db.session.commit()
        self.values = {}
        for module in EVENT_MODULES:
            self.values |= module.setup(self)
        db.session.commit()
        self.freeze()

    def freeze(self) -> None:
        """Replace the rows by the plain values the tests use (the rows outlive no session)."""
        self.values |= {
            "product": self.product.id,
            "site": self.site.id,
            "batch": self.batch.id,
            "image": self.image.id,
            "image_name": images.variant_name(self.image.key, 320),
            "producer": self.a.id,
            "owner_token_id": self.a_token_row.id,
            "user": self.users["officer"].id,
            "reset_token": "not-a-valid-link",
            "ward": "26188",
            "lang": "en",
            "order": self.order.id,
            "stamp": self.stamp.id,
            "seq": self.stamp.seq,
            "report": self.report.id,
            "report_ref": self.report.reference,
            "scan_token": scans.scan_token(self.scan_id),
            "dl": serials.stamp_path(self.stamp.gtin, None, self.stamp.serial).removeprefix("/01/"),
        }
        self.a_user_id = self.a_user.id
        self.users = {
            role: SimpleNamespace(id=u.id, email=u.email) for role, u in self.users.items()
        }
        for name in ("a", "a_user", "b", "b_user", "product", "site", "batch", "image"):
            delattr(self, name)
        for name in ("stamp_product", "stamp_batch", "order", "stamp", "report", "a_token_row"):
            delattr(self, name)

    def fill(self, template: str) -> str:
        return template.format(**self.values, gtin=factories.gtin())


def _files(*folders: str) -> dict[Path, tuple[int, int]]:
    found = {}
    for folder in folders:
        for path in Path(folder).rglob("*"):
            if path.is_file():
                found[path] = _stat(path)
    return found


@pytest.fixture(scope="module")
def _world_db(app):
    """The World, built once per module on a connection whose transaction is never committed.

    Each test then runs in a SAVEPOINT of that transaction, rolled back afterwards (see
    `_isolate` below), so every test starts from the same World as if it had just been built.
    Files the World wrote (the photo's variants, the stamp PDF) are put back if a test deleted or
    rewrote them (deleting a photo unlinks its files at once).
    """
    folders = (app.config["UPLOAD_FOLDER"], app.config["STAMP_FOLDER"])
    vars(limiter).update(app.limiter_state)
    cards.clear_caches()
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        original = db.session
        db.session = _session_on(connection)
        try:
            before = _files(*folders)
            with app.test_request_context():
                world = World()
            db.session.remove()
            written = {
                path: (stat, path.read_bytes())
                for path, stat in _files(*folders).items()
                if before.get(path) != stat
            }
            yield connection, world, written
        finally:
            db.session.remove()
            db.session = original
            transaction.rollback()
            connection.close()


def _session_on(connection):
    return db._make_scoped_session(
        {
            "class_": ConnectionBoundSession,
            "bind": connection,
            "join_transaction_mode": "create_savepoint",
        }
    )


@pytest.fixture(autouse=True)
def _isolate(app, _world_db):
    """This module's per-test isolation (it overrides the conftest's): a SAVEPOINT of the
    module's transaction, rolled back after the test, and the World's files restored."""
    connection, _world, written = _world_db
    vars(limiter).update(app.limiter_state)
    cards.clear_caches()
    with app.app_context(), restored(connection, written):
        yield


@contextmanager
def restored(connection, written: dict):
    """Run the block on a session in a SAVEPOINT of `connection`; afterwards roll it back and
    write again those of the `written` files that were deleted or changed."""
    savepoint = connection.begin_nested()
    original = db.session
    db.session = _session_on(connection)
    try:
        yield
    finally:
        db.session.remove()
        db.session = original
        savepoint.rollback()
        for path, (stat, data) in written.items():
            if not path.is_file() or _stat(path) != stat:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
                os.utime(path, ns=(stat[1], stat[1]))


def _stat(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns


@pytest.fixture
def world(app_ctx, _world_db):
    return _world_db[1]


# (method, URL, {role: status}); "*" is every role not named. Pages answer anonymous users
# with a redirect to the login page (302); records of another producer are 404, not 403.
PAGE = 302, 200
OWNED_READ = {"anon": 302, "owner": 200, "other": 404, "officer": 403, "staff": 200, "admin": 200}
OWNED_POST = {"anon": 302, "owner": 302, "other": 404, "officer": 403, "staff": 302, "admin": 302}
PRODUCER_ONLY = {"anon": 302, "owner": 200, "other": 200, "*": 403}
PRODUCER_ONLY_POST = {"anon": 302, "owner": 200, "other": 200, "*": 403}
STAFF_ONLY = {"anon": 302, "staff": 200, "admin": 200, "*": 403}
STAFF_POST = {"anon": 302, "staff": 302, "admin": 302, "*": 403}
LOGGED_IN = {"anon": 302, "*": 200}
REGISTRY_LIST = {"anon": 302, "officer": 403, "*": 200}
PUBLIC = {"*": 200}

PAGES = [
    ("GET", "/", {"anon": 200, "*": 302}),
    ("GET", "/healthz", PUBLIC),
    ("GET", "/login", PUBLIC),
    ("POST", "/login", {"*": 200}),  # wrong password: the form again, with an error
    ("POST", "/logout", {"anon": 302, "*": 302}),
    ("GET", "/signup", {"anon": 200, "*": 302}),
    ("POST", "/signup", {"anon": 200, "*": 302}),  # empty form: errors shown
    ("GET", "/dashboard", {"*": 302}),
    ("GET", "/lang/{lang}", {"*": 302}),
    ("GET", "/account", LOGGED_IN),
    ("POST", "/account", LOGGED_IN),
    ("GET", "/account/tokens", LOGGED_IN),
    ("POST", "/account/tokens", LOGGED_IN),
    (
        "POST",
        "/account/tokens/{owner_token_id}/revoke",
        {"anon": 302, "owner": 302, "admin": 302, "*": 404},
    ),
    ("GET", "/admin/users", {"anon": 302, "admin": 200, "*": 403}),
    ("POST", "/admin/users", {"anon": 302, "admin": 200, "*": 403}),
    ("GET", "/admin/users/{user}", {"anon": 302, "admin": 200, "*": 403}),
    ("POST", "/admin/users/{user}", {"anon": 302, "admin": 200, "*": 403}),  # no name: errors
    ("GET", "/admin/users/{user}/deactivate", {"anon": 302, "admin": 200, "*": 403}),
    ("POST", "/admin/users/{user}/deactivate", {"anon": 302, "admin": 302, "*": 403}),
    ("GET", "/admin/users/{user}/reactivate", {"anon": 302, "admin": 200, "*": 403}),
    ("POST", "/admin/users/{user}/reactivate", {"anon": 302, "admin": 302, "*": 403}),
    ("POST", "/admin/users/{user}/reset-link", {"anon": 302, "admin": 200, "*": 403}),
    ("GET", "/reset/{reset_token}", {"*": 404}),  # a forged link; real ones: test_admin_users
    ("POST", "/reset/{reset_token}", {"*": 404}),
    ("GET", "/wards/", LOGGED_IN),
    ("GET", "/wards/{ward}/rollout", STAFF_ONLY),
    ("POST", "/wards/{ward}/rollout", STAFF_POST),
    ("GET", "/producer", PRODUCER_ONLY),
    ("GET", "/producer/profile", PRODUCER_ONLY),
    ("POST", "/producer/profile", {"anon": 302, "owner": 302, "other": 302, "*": 403}),
    # Nothing to resubmit (already verified): refused, the reason flashed, sent back (pages.act).
    ("POST", "/producer/resubmit", {"anon": 302, "owner": 302, "other": 302, "*": 403}),
    ("GET", "/products", REGISTRY_LIST),
    ("GET", "/products/new", PRODUCER_ONLY),
    ("POST", "/products/new", PRODUCER_ONLY_POST),
    ("GET", "/products/{product}", OWNED_READ),
    ("GET", "/products/{product}/edit", OWNED_READ),
    ("POST", "/products/{product}/edit", OWNED_READ),  # empty form: shown again with errors
    ("POST", "/products/{product}/submit", OWNED_POST),
    ("GET", "/products/{product}/delete", OWNED_READ),  # the confirmation page
    ("POST", "/products/{product}/delete", OWNED_POST),
    ("POST", "/products/{product}/withdraw", OWNED_POST),
    ("POST", "/products/{product}/restore", OWNED_POST),  # not withdrawn: flashed, redirected
    ("POST", "/products/{product}/images", OWNED_POST),
    ("POST", "/products/{product}/images/{image}/delete", OWNED_POST),
    ("GET", "/sites", REGISTRY_LIST),
    ("GET", "/sites/new", PRODUCER_ONLY),
    ("POST", "/sites/new", PRODUCER_ONLY_POST),
    ("GET", "/sites/{site}/edit", OWNED_READ),
    ("POST", "/sites/{site}/edit", OWNED_POST),
    ("GET", "/sites/{site}/delete", OWNED_READ),
    ("POST", "/sites/{site}/delete", OWNED_POST),
    ("POST", "/sites/{site}/withdraw", OWNED_POST),
    ("POST", "/sites/{site}/restore", OWNED_POST),
    ("GET", "/batches", REGISTRY_LIST),
    ("GET", "/batches/new", PRODUCER_ONLY),
    ("POST", "/batches/new", PRODUCER_ONLY_POST),
    ("GET", "/batches/{batch}/edit", OWNED_READ),
    ("POST", "/batches/{batch}/edit", OWNED_POST),
    ("GET", "/batches/{batch}/delete", OWNED_READ),
    ("POST", "/batches/{batch}/delete", OWNED_POST),
    ("POST", "/batches/{batch}/withdraw", OWNED_POST),
    ("POST", "/batches/{batch}/restore", OWNED_POST),
    ("GET", "/batches/{batch}/recall", OWNED_READ),
    ("POST", "/batches/{batch}/recall", OWNED_READ),  # no notice: the form again, with an error
    ("GET", "/batches/{batch}/recall/lift", OWNED_POST),  # not recalled: flashed, redirected
    ("POST", "/batches/{batch}/recall/lift", OWNED_POST),
    ("GET", "/staff/review", STAFF_ONLY),
    ("GET", "/staff/producers", STAFF_ONLY),
    ("GET", "/staff/producers/{producer}", STAFF_ONLY),
    # Already verified / still a draft: refused, the reason flashed, sent back (pages.act).
    ("POST", "/staff/producers/{producer}/verify", STAFF_POST),
    ("POST", "/staff/producers/{producer}/reject", STAFF_POST),
    ("POST", "/staff/products/{product}/verify", STAFF_POST),
    ("POST", "/staff/products/{product}/reject", STAFF_POST),
    ("GET", "/staff/products/{product}/portal", STAFF_ONLY),
    ("POST", "/staff/products/{product}/portal", STAFF_POST),
    ("GET", "/media/products/{image_name}", PUBLIC),
    ("GET", "/api/openapi.json", PUBLIC),
    ("GET", "/api/docs", PUBLIC),
    *STAMP_PAGES,
    *(row for module in EVENT_MODULES for row in module.PAGES),
]

# The API: no token is 401 everywhere; records of another producer are 404.
API_OWNED_READ = {
    "anon": 401,
    "owner": 200,
    "other": 404,
    "officer": 403,
    "staff": 200,
    "admin": 200,
}
API_OWNED_WRITE = {
    "anon": 401,
    "owner": 200,
    "other": 404,
    "officer": 403,
    "staff": 200,
    "admin": 200,
}
API_LIST = {"anon": 401, "officer": 403, "*": 200}
# Restoring a row that is not withdrawn: 409 for those who may write it.
API_NOT_WITHDRAWN = {"anon": 401, "other": 404, "officer": 403, "*": 409}
API_STAFF = {"anon": 401, "staff": 200, "admin": 200, "*": 403}

APIS = [
    ("GET", "/api/v1/wards/", None, {"anon": 401, "*": 200}),
    ("GET", "/api/v1/wards/{ward}", None, {"anon": 401, "*": 200}),
    ("PATCH", "/api/v1/wards/{ward}", {"rollout_phase": "pilot_2026"}, API_STAFF),
    ("GET", "/api/v1/producers/", None, API_LIST),
    (
        "POST",
        "/api/v1/producers/",
        {
            "legal_name": "HTX Mới",
            "kind": "cooperative",
            "tax_code": "3609999991",
            "ward_code": "26188",
            "address": "Ấp 1",
        },
        {"anon": 401, "staff": 201, "admin": 201, "*": 403},
    ),
    ("GET", "/api/v1/producers/{producer}", None, API_OWNED_READ),
    ("PATCH", "/api/v1/producers/{producer}", {"phone": "0251 3000 000"}, API_OWNED_WRITE),
    (
        "POST",
        "/api/v1/producers/{producer}/verify",
        None,
        {"anon": 401, "owner": 403, "other": 404, "officer": 403, "*": 409},
    ),
    (
        "POST",
        "/api/v1/producers/{producer}/reject",
        {"reason": "Thiếu giấy phép"},
        {"anon": 401, "owner": 403, "other": 404, "officer": 403, "*": 200},
    ),
    ("GET", "/api/v1/products/", None, API_LIST),
    (
        "POST",
        "/api/v1/products/",
        {"gtin": "{gtin}", "name": "Mới", "category": "other"},
        {"anon": 401, "owner": 201, "other": 201, "officer": 403, "*": 422},
    ),  # staff must name a producer
    ("GET", "/api/v1/products/{product}", None, API_OWNED_READ),
    ("PATCH", "/api/v1/products/{product}", {"description": "Mô tả"}, API_OWNED_WRITE),
    (
        "DELETE",
        "/api/v1/products/{product}",
        None,
        {"anon": 401, "other": 404, "officer": 403, "*": 204},
    ),  # a draft: it goes with its photo and its batch without stamps
    ("POST", "/api/v1/products/{product}/withdraw", None, API_OWNED_WRITE),
    ("POST", "/api/v1/products/{product}/restore", None, API_NOT_WITHDRAWN),
    (
        "POST",
        "/api/v1/products/{product}/submit",
        None,
        {"anon": 401, "other": 404, "officer": 403, "*": 200},
    ),
    (
        "POST",
        "/api/v1/products/{product}/verify",
        None,
        {"anon": 401, "owner": 403, "other": 404, "officer": 403, "*": 409},
    ),
    (
        "POST",
        "/api/v1/products/{product}/reject",
        {"reason": "Ảnh không rõ"},
        {"anon": 401, "owner": 403, "other": 404, "officer": 403, "*": 409},
    ),
    (
        "PUT",
        "/api/v1/products/{product}/portal",
        # (not "submitted": that needs the portal's ten items, and answers 409 without them)
        {"portal_state": "rejected"},
        {"anon": 401, "owner": 403, "other": 404, "officer": 403, "*": 200},
    ),
    ("GET", "/api/v1/sites/", None, API_LIST),
    (
        "POST",
        "/api/v1/sites/",
        {"name": "Vườn mới", "kind": "growing_area", "ward_code": "26188"},
        {"anon": 401, "owner": 201, "other": 201, "officer": 403, "*": 422},
    ),
    ("GET", "/api/v1/sites/{site}", None, API_OWNED_READ),
    ("PATCH", "/api/v1/sites/{site}", {"area_ha": 3.5}, API_OWNED_WRITE),
    (
        "DELETE",
        "/api/v1/sites/{site}",
        None,
        {"anon": 401, "other": 404, "officer": 403, "*": 409},
    ),  # a batch comes from it
    ("POST", "/api/v1/sites/{site}/withdraw", None, API_OWNED_WRITE),
    ("POST", "/api/v1/sites/{site}/restore", None, API_NOT_WITHDRAWN),
    ("GET", "/api/v1/batches/", None, API_LIST),
    (
        "POST",
        "/api/v1/batches/",
        {"product_id": "{product}", "lot_code": "NEW01"},
        {"anon": 401, "owner": 201, "other": 422, "officer": 422, "*": 201},
    ),
    ("GET", "/api/v1/batches/{batch}", None, API_OWNED_READ),
    ("PATCH", "/api/v1/batches/{batch}", {"quantity": 12.5}, API_OWNED_WRITE),
    (
        "DELETE",
        "/api/v1/batches/{batch}",
        None,
        {"anon": 401, "owner": 204, "other": 404, "officer": 403, "*": 204},
    ),
    ("POST", "/api/v1/batches/{batch}/withdraw", None, API_OWNED_WRITE),
    ("POST", "/api/v1/batches/{batch}/restore", None, API_NOT_WITHDRAWN),
    ("POST", "/api/v1/batches/{batch}/recall", {"notice": "Nhãn in sai hạn dùng"}, API_OWNED_WRITE),
    ("POST", "/api/v1/batches/{batch}/lift-recall", None, API_NOT_WITHDRAWN),  # not recalled: 409
    *STAMP_APIS,
    *(row for module in EVENT_MODULES for row in module.APIS),
]


def expected(table: dict, role: str) -> int:
    return table.get(role, table.get("*"))


def _fill_body(body, world):
    if body is None:
        return None
    filled = {}
    for key, value in body.items():
        if isinstance(value, str) and value.startswith("{"):
            value = world.fill(value)
            value = int(value) if key.endswith("_id") else value
        filled[key] = value
    return filled


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "url", "table"), PAGES, ids=[f"{m} {u}" for m, u, _ in PAGES])
def test_page_permissions(client, world, role, method, url, table):
    if role != "anon":
        client.login(world.users[role].email, factories.PASSWORD)
    target = world.fill(url)
    if method == "GET":
        response = client.get(target)
    else:
        response = client.submit(target, {}, token_from="/login")
    response.close()
    want = expected(table, role)
    assert response.status_code == want, (
        f"{role} {method} {target}: {response.status_code}, expected {want}"
    )
    if (
        response.status_code == 302
        and role == "anon"
        and want == 302
        and url not in ("/", "/lang/{lang}", "/logout")
    ):
        assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "url", "body", "table"), APIS, ids=[f"{m} {u}" for m, u, _, _ in APIS]
)
def test_api_permissions(client, world, role, method, url, body, table):
    headers = {} if role == "anon" else {"Authorization": f"Bearer {world.tokens[role]}"}
    response = client.open(
        world.fill(url), method=method, json=_fill_body(body, world), headers=headers
    )
    response.close()  # file downloads hold their file open until closed
    want = expected(table, role)
    assert response.status_code == want, (
        f"{role} {method} {url}: {response.status_code} {response.get_data(as_text=True)[:300]}"
    )
    if response.status_code >= 400 and url.startswith("/api/epcis"):
        # The EPCIS binding answers RFC 7807 problem JSON with its exception types.
        body = response.get_json()
        assert {"type", "title", "status"} <= set(body), body
        assert body["status"] == response.status_code
    elif response.status_code >= 400:
        body = response.get_json()
        assert set(body) == {"code", "status", "message", "errors"}, body
        assert body["code"] == response.status_code


def test_every_route_is_in_the_permission_table(app):
    """A new route must be added to the table above, with who may call it.

    Whole rule templates are compared (each placeholder reduced to "{}"), so a new route under
    an existing prefix (say /products/<id>/history) is not taken as covered by /products.
    """
    from tests.retail.test_retail_permissions import APIS as RETAIL_APIS
    from tests.retail.test_retail_permissions import PAGES as RETAIL_PAGES

    known = {(m, _template(u)) for m, u, _ in [*PAGES, *RETAIL_PAGES]}
    known |= {(m, _template(u)) for m, u, _, _ in [*APIS, *RETAIL_APIS]}
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes.add((method, _template(rule.rule)))
    missing = sorted(f"{m} {u}" for m, u in routes - known)
    assert not missing, f"routes without an entry in the permission table: {missing}"
    stale = sorted(f"{m} {u}" for m, u in known - routes)
    assert not stale, f"permission-table rows that match no route: {stale}"


def _template(url: str) -> str:
    """A route's shape: `/sites/{site}/edit` and `/sites/<int:site_id>/edit` → `/sites/{}/edit`.

    A row's query string (`/x?format=csv`) names the same route."""
    return re.sub(r"\{[^}]*\}|<[^>]*>", "{}", url.split("?", 1)[0])


def test_api_ignores_session_cookies(client, world):
    """A logged-in browser session is not an API credential (no CSRF exposure)."""
    client.login(world.users["staff"].email, factories.PASSWORD)
    assert client.get("/api/v1/products/").status_code == 401


def test_revoked_and_unknown_tokens_are_refused(client, world):
    from core.accounts import services
    from core.accounts.models import ApiToken, User

    headers = {"Authorization": f"Bearer {world.tokens['owner']}"}
    assert client.get("/api/v1/products/", headers=headers).status_code == 200
    token = db.session.scalars(
        db.select(ApiToken).where(ApiToken.user_id == world.a_user_id).order_by(ApiToken.id.desc())
    ).first()
    services.revoke_token(token, db.session.get(User, world.a_user_id))
    db.session.commit()
    response = client.get("/api/v1/products/", headers=headers)
    assert response.status_code == 401
    assert response.get_json()["message"]
    assert (
        client.get("/api/v1/products/", headers={"Authorization": "Bearer dnt_nope"}).status_code
        == 401
    )
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_each_test_starts_from_the_world_as_built(app, client, world, _world_db):
    """The World is built once per module: what a test deletes (rows, and the photo's files,
    which go at once) is back for the next one."""
    from traceability.registry.models import Product, ProductImage

    connection, _world, written = _world_db
    photo = next(path for path in written if path.name == world.values["image_name"])
    assert any(path.suffix == ".pdf" for path in written)  # the stamp order's PDF
    headers = {"Authorization": f"Bearer {world.tokens['owner']}"}
    product_url = world.fill("/api/v1/products/{product}")
    with restored(connection, written):
        assert client.delete(product_url, headers=headers).status_code == 204
        assert db.session.get(Product, world.values["product"]) is None
        assert not photo.exists()
    assert db.session.get(Product, world.values["product"]) is not None
    assert db.session.get(ProductImage, world.values["image"]) is not None
    assert photo.read_bytes() == written[photo][1]
    assert client.get(product_url, headers=headers).status_code == 200
    media = client.get(world.fill("/media/products/{image_name}"))
    media.close()
    assert media.status_code == 200
