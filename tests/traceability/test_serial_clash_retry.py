"""A serial clash is retried inside a savepoint: the failed attempt leaves nothing behind.

The clash is on the second stamp of the draw, so the first stamp of the failed attempt was
already written when the unique constraint refused the second; only the savepoint takes it back
(SQLite keeps the rows a failed multi-row statement wrote before the failure; PostgreSQL aborts
the whole transaction, which without the savepoint cannot even try again).
"""

from __future__ import annotations

from sqlalchemy import func, select

from core.extensions import db
from tests import factories
from traceability.stamps import orders, serials
from traceability.stamps.models import Stamp, StampOrder


def stamps_of(order) -> list[Stamp]:
    return list(
        db.session.scalars(select(Stamp).where(Stamp.order_id == order.id).order_by(Stamp.seq))
    )


def test_a_clash_on_a_later_stamp_leaves_no_stamp_of_the_failed_draw(app_ctx, monkeypatch):
    producer, owner = factories.producer()
    batch = factories.batch(factories.published_product(producer, owner), owner)
    taken = stamps_of(factories.stamp_order(batch, owner, quantity=1))[0].serial
    db.session.commit()
    draws = [["CLASHDRAW01", taken], ["REDRAWN0001", "REDRAWN0002"]]

    def new_serials(count):
        assert draws, "the redrawn serials were refused too: the failed attempt left rows"
        return draws.pop(0)

    monkeypatch.setattr(serials, "new_serials", new_serials)

    order = orders.create_order(batch, {"quantity": 2}, owner)
    db.session.commit()

    assert [(s.seq, s.serial) for s in stamps_of(order)] == [
        (1, "REDRAWN0001"),
        (2, "REDRAWN0002"),
    ]
    assert db.session.scalar(select(func.count()).where(Stamp.serial == "CLASHDRAW01")) == 0
    assert db.session.scalar(select(func.count()).select_from(Stamp)) == 3
    assert db.session.scalar(select(func.count()).select_from(StampOrder)) == 2
