"""A producer's lists of sites and batches show its own rows only, on pages and in the API.

The permission table checks single records (another producer's id is 404); these check the
lists, where an unscoped query would show every producer's rows. Staff see both producers' rows,
so the rows of producer B are there to leak.
"""

from __future__ import annotations

import pytest

from core.extensions import db
from tests import factories


@pytest.fixture
def two_producers(app_ctx):
    a, a_user = factories.producer()
    b, b_user = factories.producer()
    rows = {}
    for key, producer, user in (("a", a, a_user), ("b", b, b_user)):
        site = factories.site(producer, user, name=f"Vườn riêng {key.upper()}-{factories.unique()}")
        product = factories.product(producer, user)
        batch = factories.batch(
            product, user, site_id=site.id, lot_code=f"RIENG{key.upper()}{factories.unique()}"
        )
        rows[key] = {"user": user, "site": site, "batch": batch}
    rows["staff"] = factories.staff()
    db.session.commit()
    return rows


def _page(client, user, url: str) -> str:
    client.login(user.email, factories.PASSWORD)
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize(("url", "shown"), [("/sites", "site"), ("/batches", "batch")])
def test_a_producers_list_page_shows_only_its_own_rows(client, two_producers, url, shown):
    def label(key):
        row = two_producers[key][shown]
        return row.name if shown == "site" else row.lot_code

    html = _page(client, two_producers["a"]["user"], url)
    assert label("a") in html
    assert label("b") not in html


@pytest.mark.parametrize("url", ["/sites", "/batches"])
def test_staff_list_pages_show_every_producers_rows(client, two_producers, url):
    html = _page(client, two_producers["staff"], url)
    for key in ("a", "b"):
        assert two_producers[key]["site"].name in html


@pytest.mark.parametrize(
    ("url", "shown"), [("/api/v1/sites/", "site"), ("/api/v1/batches/", "batch")]
)
def test_a_producers_api_list_holds_only_its_own_rows(client, two_producers, url, shown):
    def ids(user):
        headers = {"Authorization": f"Bearer {factories.token(user)}"}
        response = client.get(url, query_string={"page_size": 100}, headers=headers)
        assert response.status_code == 200
        return {row["id"] for row in response.get_json()}

    own, other = two_producers["a"][shown].id, two_producers["b"][shown].id
    assert ids(two_producers["a"]["user"]) == {own}
    assert {own, other} <= ids(two_producers["staff"])
