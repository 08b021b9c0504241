"""A producer or staff recall a batch from its page or the API, after being told how many stamps
the recall reaches; the consumer page turns red at once, and lifting the recall asks first."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from core.accounts.models import Role
from core.audit import AuditEntry
from core.extensions import db
from tests import factories
from traceability.registry.models import Batch
from traceability.stamps import orders, recalls, serials, verdicts
from traceability.stamps.models import Stamp

EN = {"Accept-Language": "en"}
# The same client logs in too: another User-Agent would end its session ("strong" protection).
BROWSER = {"Accept": "text/html,application/xhtml+xml"}
NOTICE = "Phát hiện dư lượng thuốc trừ sâu; xin ngừng dùng và mang trả nơi mua."


class Recallable:
    """A verified producer's published product with a batch of `quantity` stamps."""

    def __init__(self, quantity: int = 3):
        self.producer, self.owner = factories.producer()
        self.product = factories.published_product(self.producer, self.owner)
        self.batch = factories.batch(self.product, self.owner)
        self.order = factories.stamp_order(self.batch, self.owner, quantity=quantity)
        db.session.commit()
        stamp = db.session.scalars(select(Stamp).where(Stamp.order_id == self.order.id)).first()
        self.stamp_path = serials.stamp_path(self.product.gtin, self.batch.lot_code, stamp.serial)
        self.recall = f"/batches/{self.batch.id}/recall"
        self.lift = f"/batches/{self.batch.id}/recall/lift"
        self.edit = f"/batches/{self.batch.id}/edit"

    def fresh(self) -> Batch:
        db.session.expire_all()
        return db.session.get(Batch, self.batch.id)


@pytest.fixture
def world(app_ctx):
    return Recallable()


def text(response) -> str:
    return response.get_data(as_text=True)


def consumer_page(client, world) -> str:
    response = client.get(world.stamp_path, headers=BROWSER)
    assert response.status_code == 200
    return text(response)


def api(user) -> dict:
    return {"Authorization": f"Bearer {factories.token(user)}", **EN}


# --- pages ---------------------------------------------------------------------------------


def test_the_recall_page_says_how_many_stamps_it_reaches_in_the_readers_format(client, app_ctx):
    world = Recallable(quantity=2000)
    orders.void_stamp(
        db.session.scalars(select(Stamp).where(Stamp.order_id == world.order.id)).first(),
        world.owner,
        "rách",
    )
    db.session.commit()
    client.login(world.owner.email, factories.PASSWORD)
    vi = text(client.get(world.recall))
    assert "Toàn bộ 1.999 tem của lô này" in vi  # void stamps say "void", not "recalled"
    en = text(client.get(world.recall, headers=EN))
    assert "Every one of the 1,999 stamps of this batch will tell consumers" in en
    assert 'name="notice"' in en and 'maxlength="300"' in en


def test_a_batch_without_stamps_says_none_are_reached_yet(client, make):
    producer, owner = make.producer()
    batch = make.batch(make.product(producer, owner), owner)
    db.session.commit()
    client.login(owner.email, factories.PASSWORD)
    page = text(client.get(f"/batches/{batch.id}/recall", headers=EN))
    assert "No stamps have been issued for this batch yet" in page


def test_the_owner_recalls_on_the_page_and_the_consumer_page_turns_red(client, world):
    assert 'class="verdict recalled"' not in consumer_page(client, world)  # cards now cached
    client.login(world.owner.email, factories.PASSWORD)
    assert f'href="{world.recall}"' in text(client.get(world.edit, headers=EN))
    response = client.submit(world.recall, {"notice": NOTICE}, token_from=world.recall, headers=EN)
    assert response.status_code == 302 and response.headers["Location"].endswith(world.edit)
    batch = world.fresh()
    assert batch.recalled_at is not None and batch.recall_notice == NOTICE
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "batch.recall")).one()
    assert entry.actor_id == world.owner.id and entry.detail["stamps"] == 3

    edit = text(client.get(world.edit, headers=EN))
    assert "The batch has been recalled" in edit  # the flash
    day = verdicts.province_date(batch.recalled_at).strftime("%d/%m/%Y")
    banner = f'<p class="flash error recall" role="status">Đã thu hồi ngày {day}: {NOTICE}</p>'
    assert banner in text(client.get(world.edit))  # Vietnamese dates in the default language
    assert f'href="{world.lift}"' in text(client.get(world.edit, headers=EN))
    assert f"Đã thu hồi ngày {day}: {NOTICE}" in text(client.get("/batches"))
    html = consumer_page(client, world)
    assert 'class="verdict recalled"' in html and NOTICE in html


@pytest.mark.parametrize(("notice", "message"), [("   ", "Tell consumers why"), ("x" * 301, "300")])
def test_an_empty_or_too_long_notice_is_refused_on_the_page(client, world, notice, message):
    client.login(world.owner.email, factories.PASSWORD)
    response = client.submit(world.recall, {"notice": notice}, token_from=world.recall, headers=EN)
    assert response.status_code == 200
    assert message in text(response) and 'aria-invalid="true"' in text(response)
    assert world.fresh().recalled_at is None


def test_lifting_the_recall_asks_first_and_the_stamps_are_genuine_again(client, world):
    recalls.recall_batch(world.batch, NOTICE, world.owner)
    db.session.commit()
    client.login(world.owner.email, factories.PASSWORD)
    # The recall page of a recalled batch leads to the lift confirmation, not a second recall.
    again = client.get(world.recall)
    assert again.status_code == 302 and again.headers["Location"].endswith(world.lift)
    confirm = text(client.get(world.lift, headers=EN))
    assert NOTICE in confirm and "Its 3 stamps will no longer tell consumers" in confirm
    assert f'action="{world.lift}"' in confirm
    assert world.fresh().recalled_at is not None  # asking changed nothing

    response = client.submit(world.lift, token_from=world.lift)
    assert response.status_code == 302 and response.headers["Location"].endswith(world.edit)
    batch = world.fresh()
    assert batch.recalled_at is None and batch.recall_notice == ""
    assert "recall" not in text(client.get("/batches", headers=EN)).split("<tbody>")[1]
    html = consumer_page(client, world)
    assert 'class="verdict recalled"' not in html and NOTICE not in html
    # Lifting twice is refused with a message, not an error page.
    twice = client.submit(world.lift, token_from=world.edit, headers=EN)
    assert twice.status_code == 302
    assert "This batch is not recalled." in text(client.get(world.edit, headers=EN))
    assert client.get(world.lift).status_code == 302  # nothing to confirm


def test_staff_reach_the_recall_of_any_producers_batch_from_the_staff_pages(client, world):
    staff = factories.staff()
    db.session.commit()
    client.login(staff.email, factories.PASSWORD)
    producer = text(client.get(f"/staff/producers/{world.producer.id}"))
    assert f'href="/products/{world.product.id}"' in producer
    product = text(client.get(f"/products/{world.product.id}"))
    assert f'href="{world.edit}"' in product
    assert f'href="{world.recall}"' in text(client.get(world.edit))
    response = client.submit(world.recall, {"notice": NOTICE}, token_from=world.recall)
    assert response.status_code == 302
    assert world.fresh().recalled_at is not None
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "batch.recall")).one()
    assert entry.actor_id == staff.id


def test_another_producer_and_an_officer_cannot_recall(client, world):
    _, other = factories.producer()
    officer = factories.user(Role.OFFICER)
    db.session.commit()
    for user, status in ((other, 404), (officer, 403)):
        client.login(user.email, factories.PASSWORD)
        assert client.get(world.recall).status_code == status
        response = client.submit(world.recall, {"notice": NOTICE})
        assert response.status_code == status
        client.submit("/logout", token_from="/account")
    assert world.fresh().recalled_at is None


def test_the_notice_is_shown_as_text_not_markup(client, world):
    recalls.recall_batch(world.batch, "<script>alert(1)</script> trả lại", world.owner)
    db.session.commit()
    client.login(world.owner.email, factories.PASSWORD)
    for page in ("/batches", world.edit, world.lift):
        html = text(client.get(page))
        assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html


def test_the_recall_day_is_the_provinces_day_not_utcs(client, world):
    recalls.recall_batch(world.batch, NOTICE, world.owner)
    # 23:30 UTC on 1 March is 06:30 on 2 March in Đồng Nai.
    world.batch.recalled_at = dt.datetime(2026, 3, 1, 23, 30, tzinfo=dt.UTC)
    db.session.commit()
    client.login(world.owner.email, factories.PASSWORD)
    assert f"Đã thu hồi ngày 02/03/2026: {NOTICE}" in text(client.get(world.edit))
    assert "Recalled on 2 Mar 2026" in text(client.get("/batches", headers=EN))


# --- API -----------------------------------------------------------------------------------


def test_the_api_recalls_and_lifts_with_409_when_already_so(client, world):
    headers = api(world.owner)
    url = f"/api/v1/batches/{world.batch.id}"
    assert client.get(url, headers=headers).get_json()["recalled_at"] is None

    done = client.post(f"{url}/recall", json={"notice": NOTICE}, headers=headers)
    assert done.status_code == 200
    body = done.get_json()
    assert body["recall_notice"] == NOTICE and body["recalled_at"].endswith("+00:00")
    assert client.get(url, headers=headers).get_json()["recall_notice"] == NOTICE
    assert 'class="verdict recalled"' in consumer_page(client, world)

    twice = client.post(f"{url}/recall", json={"notice": "Lần nữa"}, headers=headers)
    assert twice.status_code == 409
    assert twice.get_json()["message"] == "This batch is already recalled."
    assert set(twice.get_json()) == {"code", "status", "message", "errors"}
    assert world.fresh().recall_notice == NOTICE  # the first notice stays

    lifted = client.post(f"{url}/lift-recall", headers=headers)
    assert lifted.status_code == 200
    assert lifted.get_json()["recalled_at"] is None and lifted.get_json()["recall_notice"] == ""
    again = client.post(f"{url}/lift-recall", headers=headers)
    assert again.status_code == 409 and again.get_json()["message"] == "This batch is not recalled."


@pytest.mark.parametrize(
    ("body", "field_message"),
    [({}, "Missing data"), ({"notice": " "}, "Tell consumers why"), ({"notice": "x" * 301}, "300")],
)
def test_the_api_needs_a_notice_of_at_most_300_characters(client, world, body, field_message):
    response = client.post(
        f"/api/v1/batches/{world.batch.id}/recall", json=body, headers=api(world.owner)
    )
    assert response.status_code == 422
    assert field_message in " ".join(response.get_json()["errors"]["json"]["notice"])
    assert world.fresh().recalled_at is None


def test_the_api_hides_other_producers_batches_and_refuses_officers(client, world):
    _, other = factories.producer()
    officer = factories.user(Role.OFFICER)
    staff = factories.staff()
    db.session.commit()
    url = f"/api/v1/batches/{world.batch.id}"
    for user, status in ((other, 404), (officer, 403)):
        for path, body in (("recall", {"notice": NOTICE}), ("lift-recall", None)):
            response = client.post(f"{url}/{path}", json=body, headers=api(user))
            assert response.status_code == status, (user.role, path)
            assert response.get_json()["code"] == status
    assert world.fresh().recalled_at is None
    assert (
        client.post(f"{url}/recall", json={"notice": NOTICE}, headers=api(staff)).status_code == 200
    )
