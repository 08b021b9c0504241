"""Who may open every retail page and API route: officers only in their wards (another ward's
shop answers 404, as another producer's rows do), staff and admins everywhere, producers 403.

Each `tests/permissions_retail_*.py` module lists its routes as rows of (method, url, table) for
pages and (method, url, body, table) for the API; a table maps a role to the expected status,
"*" being every role not named. URLs take placeholders from `RetailWorld` ({shop}, {ward}, …) and
from each module's `setup(world)`. `tests/test_permissions.py` counts these rows as covering
their routes.
"""

from __future__ import annotations

import pytest

from core.accounts.models import Role
from core.extensions import db
from tests import factories
from tests import permissions_reports_annual as annual_report
from tests import permissions_reports_dashboard as dashboard
from tests import permissions_reports_opendata as open_data
from tests import permissions_reports_quarterly as quarterly
from tests import permissions_reports_targets as targets
from tests import permissions_retail_assessments as assessments
from tests import permissions_retail_frameworks as frameworks
from tests import permissions_retail_imports as imports
from tests import permissions_retail_results as results
from tests import permissions_retail_rollout as rollout
from tests import permissions_retail_shops as shops

MODULES = (shops, imports, frameworks, assessments, results, rollout)
# The reports' rows run in the same world: an officer of one ward, another ward's officer.
MODULES += (dashboard, targets, annual_report, quarterly, open_data)
PAGES = [row for module in MODULES for row in module.PAGES]
APIS = [row for module in MODULES for row in module.APIS]

# officer: assigned to WARD (the world's shop is there); officer_b: assigned to another ward only.
ROLES = ("anon", "producer", "officer", "officer_b", "staff", "admin")
WARD = "26188"  # Phường Tân Triều
OTHER_WARD = "25993"  # Phường Trảng Dài


class RetailWorld:
    def __init__(self):
        from retail.shops import services as shop_services
        from retail.shops.models import ShopKind

        _producer, producer_user = factories.producer()
        self.users = {
            "producer": producer_user,
            "officer": factories.user(Role.OFFICER, wards=(WARD,)),
            "officer_b": factories.user(Role.OFFICER, wards=(OTHER_WARD,)),
            "staff": factories.staff(),
            "admin": factories.user(Role.ADMIN),
        }
        self.shop = shop_services.create_shop(
            {
                "name": "Tạp hóa Cô Ba",
                "owner_name": "Nguyễn Thị Ba",
                "phone": "+84912345678",
                "ward_code": WARD,
                "address": "12 Đường số 3",
                "kind": ShopKind.GROCERY,
            },
            self.users["officer"],
        )
        db.session.commit()
        self.values = {"shop": self.shop.id, "ward": WARD, "other_ward": OTHER_WARD}
        for module in MODULES:
            self.values |= module.setup(self)
        db.session.commit()
        self.tokens = {role: factories.token(u) for role, u in self.users.items()}
        db.session.commit()

    def fill(self, template: str) -> str:
        return template.format(**self.values)


@pytest.fixture
def world(app_ctx):
    return RetailWorld()


def expected(table: dict, role: str) -> int:
    return table.get(role, table.get("*"))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "url", "table"), PAGES, ids=[f"{m} {u}" for m, u, _ in PAGES])
def test_retail_page_permissions(client, world, role, method, url, table):
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


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "url", "body", "table"), APIS, ids=[f"{m} {u}" for m, u, _, _ in APIS]
)
def test_retail_api_permissions(client, world, role, method, url, body, table):
    headers = {} if role == "anon" else {"Authorization": f"Bearer {world.tokens[role]}"}
    filled = None
    if body is not None:
        filled = {
            k: (world.fill(v) if isinstance(v, str) and v.startswith("{") else v)
            for k, v in body.items()
        }
        filled = {
            k: (int(v) if k.endswith("_id") and isinstance(v, str) else v)
            for k, v in filled.items()
        }
    response = client.open(world.fill(url), method=method, json=filled, headers=headers)
    response.close()
    want = expected(table, role)
    assert response.status_code == want, (
        f"{role} {method} {url}: {response.status_code} {response.get_data(as_text=True)[:300]}"
    )
    if response.status_code >= 400:
        payload = response.get_json()
        assert set(payload) == {"code", "status", "message", "errors"}, payload


def test_every_table_names_each_role(world):
    """A table without "*" must name every role, so no role is left untested by accident."""
    for *_, table in [*PAGES, *APIS]:
        if "*" not in table:
            assert set(ROLES) <= set(table), table
