"""Voiding never takes an empty range for "the whole order", and always asks first (item 11)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from core.errors import ValidationFailed
from core.extensions import db
from tests import factories
from traceability.stamps import orders
from traceability.stamps.models import Stamp, StampState

EN = {"Accept-Language": "en"}


@pytest.fixture
def world(app_ctx):
    producer, owner = factories.producer()
    product = factories.published_product(producer, owner)
    batch = factories.batch(product, owner)
    db.session.commit()
    return owner, batch


def _order(world, quantity, **fields):
    owner, batch = world
    order = factories.stamp_order(batch, owner, quantity=quantity, **fields)
    db.session.commit()
    return order


def _states(order) -> list[StampState]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Stamp.state).where(Stamp.order_id == order.id).order_by(Stamp.seq)
        )
    )


# --- the service -----------------------------------------------------------------------------


def test_the_service_refuses_an_empty_range_unless_told_whole_order(world):
    owner, _batch = world
    order = _order(world, 4)
    # The service takes typed numbers: empty boxes and "" are None by then (the page and API
    # tests below send them as text).
    with pytest.raises(ValidationFailed) as caught:
        orders.void_stamps(order, owner, "Tờ in lỗi", None, None)
    assert "first" in caught.value.errors
    assert set(_states(order)) == {StampState.ACTIVE}
    with pytest.raises(ValidationFailed):  # numbers and "whole order" together: ambiguous
        orders.void_stamps(order, owner, "Tờ in lỗi", 1, 2, whole_order=True)
    assert orders.void_stamps(order, owner, "Tờ in lỗi", 3) == 1  # one number: that stamp
    assert orders.void_stamps(order, owner, "Cả lô hỏng", whole_order=True) == 3
    assert set(_states(order)) == {StampState.VOID}


def test_activation_of_the_whole_order_is_explicit_too(world):
    owner, _batch = world
    order = _order(world, 3, activation_required=True)
    with pytest.raises(ValidationFailed):
        orders.activate_stamps(order, owner)
    assert orders.activate_stamps(order, owner, whole_order=True) == 3


def test_plan_void_counts_the_stamps_a_void_would_change_and_changes_nothing(world):
    owner, _batch = world
    order = _order(world, 6)
    orders.void_stamps(order, owner, "Rách", 2, 2)
    plan = orders.plan_void(order, owner, "Tờ in lỗi", 1, 4)
    assert (plan.first, plan.last, plan.count) == (1, 4, 3)
    assert orders.plan_void(order, owner, "x", whole_order=True).count == 5
    assert _states(order).count(StampState.VOID) == 1


# --- the page --------------------------------------------------------------------------------


def _void(client, order, data):
    page_url = f"/stamps/orders/{order.id}"
    return client.submit(f"{page_url}/void", data, token_from=page_url, headers=EN)


def test_an_empty_range_on_the_page_voids_nothing(client, world):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"  # flashes are made on the POST
    owner, _batch = world
    order = _order(world, 5)
    client.login(owner.email, factories.PASSWORD)
    empty_boxes = {"first": "", "last": "", "reason": "Tờ in lỗi"}
    for data in (
        {"reason": "Tờ in lỗi"},
        {"reason": "Tờ in lỗi", "confirmed": "yes"},
        empty_boxes,
        {**empty_boxes, "confirmed": "yes"},
        {**empty_boxes, "first": " "},
    ):
        response = _void(client, order, data)
        assert response.status_code == 302
    assert set(_states(order)) == {StampState.ACTIVE}
    page = client.get(f"/stamps/orders/{order.id}", headers=EN).get_data(as_text=True)
    assert "Enter the stamp numbers (from 1 to 5), or choose the whole order." in page


def test_the_whole_order_is_voided_after_confirming(client, world):
    owner, _batch = world
    order = _order(world, 5)
    client.login(owner.email, factories.PASSWORD)
    asked = _void(client, order, {"whole_order": "y", "reason": "Tờ in lỗi"})
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200
    assert "This will void 5 stamps (print numbers 1–5)." in page
    assert 'name="whole_order" value="y"' in page and 'name="confirmed" value="yes"' in page
    assert 'name="typed_count"' not in page  # 100 stamps or fewer: a button is enough
    assert set(_states(order)) == {StampState.ACTIVE}
    done = _void(client, order, {"whole_order": "y", "reason": "Tờ in lỗi", "confirmed": "yes"})
    assert done.status_code == 302
    assert set(_states(order)) == {StampState.VOID}


def test_voiding_more_than_100_stamps_asks_to_type_the_number(client, world):
    owner, _batch = world
    order = _order(world, 150)
    client.login(owner.email, factories.PASSWORD)
    data = {"first": "1", "last": "120", "reason": "Cuộn tem bị ướt"}
    page = _void(client, order, data).get_data(as_text=True)
    assert "This will void 120 stamps (print numbers 1–120)." in page
    assert 'name="typed_count"' in page

    confirm = {**data, "confirmed": "yes"}
    for typed in ("", "12", "150"):
        wrong = _void(client, order, {**confirm, "typed_count": typed})
        assert wrong.status_code == 422
        assert "Type the number of stamps to void, 120, to confirm." in wrong.get_data(as_text=True)
    assert set(_states(order)) == {StampState.ACTIVE}

    assert _void(client, order, {**confirm, "typed_count": "120"}).status_code == 302
    states = _states(order)
    assert states[:120] == [StampState.VOID] * 120 and set(states[120:]) == {StampState.ACTIVE}


def test_the_typed_number_may_be_written_the_vietnamese_way(client, world):
    owner, _batch = world
    order = _order(world, 1200)
    client.login(owner.email, factories.PASSWORD)
    data = {"whole_order": "y", "reason": "Hủy lô", "confirmed": "yes"}
    asked = _void(client, order, data).get_data(as_text=True)
    assert re.search(r"To confirm, type the number of stamps to void \(1,200\)", asked)
    page_url = f"/stamps/orders/{order.id}"
    in_vietnamese = client.submit(
        f"{page_url}/void", data, token_from=page_url, headers={"Accept-Language": "vi"}
    ).get_data(as_text=True)
    assert "Để xác nhận, hãy gõ số tem sẽ hủy (1.200)" in in_vietnamese
    assert "Thao tác này sẽ hủy 1.200 tem (số in từ 1 đến 1.200)." in in_vietnamese
    assert _void(client, order, {**data, "typed_count": "1.200"}).status_code == 302
    assert set(_states(order)) == {StampState.VOID}


# --- the API ---------------------------------------------------------------------------------


def test_the_api_needs_a_range_or_all_true(client, world):
    owner, _batch = world
    order = _order(world, 4)
    headers = {"Authorization": f"Bearer {factories.token(owner)}", **EN}
    db.session.commit()
    url = f"/api/v1/stamp-orders/{order.id}/void"
    for body in ({}, {"first": None, "last": None}, {"first": None}):
        empty = client.post(url, headers=headers, json={"reason": "Tờ in lỗi", **body})
        assert empty.status_code == 422
        assert "first" in empty.get_json()["errors"]["json"]
    assert set(_states(order)) == {StampState.ACTIVE}
    everything = client.post(url, headers=headers, json={"reason": "Tờ in lỗi", "all": True})
    assert everything.status_code == 200 and everything.get_json() == {"voided": 4}
