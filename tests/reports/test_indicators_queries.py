"""No per-row query: computing every measure runs the same few statements for 1 record or many."""

from __future__ import annotations

from sqlalchemy import event

from core.extensions import db
from reports.indicators import measures
from reports.indicators.periods import Period
from tests.reports import engine_data as data
from tests.reports.engine_data import TAN_TRIEU, TRANG_BOM, TRANG_DAI, at, d


def statements_of(action) -> list[str]:
    seen: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        action()
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    return seen


def add_records(ward: str, shops: int) -> None:
    maker, owner = data.producer(ward, created="2026-01-05", verified="2026-01-06")
    order = data.stamp_order(maker, owner, 3, "2026-03-02")
    for stamp in data.stamps_of(order):
        data.scan(stamp, at(d("2026-03-05")))
    data.counterfeit_report(at(d("2026-03-06")), producer_id=maker.id, handled=at(d("2026-03-07")))
    for n in range(shops):
        shop = data.shop(ward)
        data.assessment(shop, "2026-03-01", flags={"takes_digital_payment": n % 2 == 0})
        data.assessment(shop, "2026-03-15")


def test_the_statements_do_not_grow_with_the_records(app_ctx):
    window = measures.Window(Period.parse("2026-03"), d("2026-03-31"))
    add_records(TAN_TRIEU, 1)
    db.session.flush()
    db.session.expire_all()
    few = statements_of(lambda: measures.compute(window))
    for ward in (TRANG_DAI, TRANG_BOM):
        add_records(ward, 6)
    db.session.flush()
    db.session.expire_all()
    many = statements_of(lambda: measures.compute(window))
    assert len(many) == len(few)
    # One or two grouped queries per family, the wards (and their types), the criterion.
    assert len(few) <= 14, few
    result = measures.compute(window)
    assert sum(result.values["shops_assessed"].values()) == 13
    assert sum(result.values["scans"].values()) == 9
