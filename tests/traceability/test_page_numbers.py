"""Every paginated page answers a page number of any size: past the last page is an empty page."""

import pytest

from core.extensions import db
from tests import factories

HUGE = "9223372036854775807"  # overflowed SQLite's OFFSET: a 500 before
PRODUCER_LISTS = ["/products", "/sites", "/batches", "/stamps/orders", "/stamps/orders/{order}"]
STAFF_LISTS = ["/staff/producers", "/staff/reports", "/stamps/orders"]


@pytest.fixture
def world(app_ctx):
    producer, owner = factories.producer()
    product = factories.published_product(producer, owner)
    batch = factories.batch(product, owner)
    order = factories.stamp_order(batch, owner)
    staff = factories.staff()
    db.session.commit()
    return {"owner": owner, "staff": staff, "order": order.id}


@pytest.mark.parametrize("page", [HUGE, "2147483648", "-5", "abc", "0"])
@pytest.mark.parametrize(
    ("who", "url"),
    [("owner", url) for url in PRODUCER_LISTS] + [("staff", url) for url in STAFF_LISTS],
)
def test_any_page_number_is_a_page_not_a_server_error(client, world, who, url, page):
    client.login(world[who].email, factories.PASSWORD)
    response = client.get(url.format(order=world["order"]), query_string={"page": page})
    assert response.status_code == 200
