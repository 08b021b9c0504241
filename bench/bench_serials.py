"""Benchmark: issuing 100,000 stamp serials in one order on PostgreSQL (goal: ≤ 10 s).

One `create_order(quantity=100000)` plus its commit is what a producer's "order stamps" click
costs, so that is what is timed, end to end, through the real service on a database built by the
migrations. The time is split into serial generation (CSPRNG draws and encoding) and the insert
(COPY into `stamps`, unique index checks) by wrapping those two functions for the run, so the
split comes from the same run as the total. A second order follows, because it inserts into a
table (and a unique index) that already holds the first 100,000 rows. Afterwards the database is
checked: every order has exactly its quantity of rows, sequence numbers 1..n, and no serial
repeats for the GTIN.

Run: `.venv/bin/python bench/bench_serials.py` (BENCH_DATABASE_URL: the admin connection).
Writes bench/results/serials.json.
"""

from __future__ import annotations

import functools
import os
import statistics
import time
from collections.abc import Callable

import benchlib

QUANTITY = int(os.environ.get("BENCH_SERIALS", "100000"))
RUNS = int(os.environ.get("BENCH_SERIAL_RUNS", "2"))
GENERATION_REPEATS = 3
GOAL_SECONDS = 10.0


class Stopwatch:
    """Accumulates the time spent inside wrapped functions during one order."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def wrap(self, name: str, func: Callable) -> Callable:
        @functools.wraps(func)
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start

        return timed


def timed_order(seed: benchlib.Seed, quantity: int) -> dict:
    """Issue one order and commit, timing the whole and its parts (same run)."""
    from core.extensions import db
    from traceability.stamps import orders, serials

    watch = Stopwatch()
    originals = serials.new_serials, orders._bulk_insert_stamps
    serials.new_serials = watch.wrap("serial_generation_s", serials.new_serials)
    orders._bulk_insert_stamps = watch.wrap("insert_s", orders._bulk_insert_stamps)
    try:
        start = time.perf_counter()
        order = benchlib.order_stamps(seed, quantity)
        created = time.perf_counter()
        db.session.commit()
        done = time.perf_counter()
    finally:
        serials.new_serials, orders._bulk_insert_stamps = originals
    total = done - start
    parts = {name: round(value, 3) for name, value in watch.seconds.items()}
    return {
        "order_id": order.id,
        "quantity": quantity,
        "total_s": round(total, 3),
        "create_order_s": round(created - start, 3),
        "commit_s": round(done - created, 3),
        **parts,
        "rest_s": round(total - sum(watch.seconds.values()) - (done - created), 3),
        "serials_per_s": round(quantity / total),
        "goal_met": total <= GOAL_SECONDS,
    }


def generation_alone(quantity: int) -> dict:
    """`new_serials` without the database, repeated, to see its own cost and its spread."""
    from traceability.stamps.serials import new_serials

    times = []
    for _ in range(GENERATION_REPEATS):
        start = time.perf_counter()
        new_serials(quantity)
        times.append(time.perf_counter() - start)
    return {
        "repeats": GENERATION_REPEATS,
        "min_s": round(min(times), 3),
        "median_s": round(statistics.median(times), 3),
    }


def verify(orders: list[dict], gtin: str) -> dict:
    """Count what the database holds: every order complete and every serial unique per GTIN."""
    from sqlalchemy import func, select

    from core.extensions import db
    from traceability.stamps.models import Stamp

    per_order = {}
    for run in orders:
        rows, serials, seqs, low, high = db.session.execute(
            select(
                func.count(),
                func.count(func.distinct(Stamp.serial)),
                func.count(func.distinct(Stamp.seq)),
                func.min(Stamp.seq),
                func.max(Stamp.seq),
            ).where(Stamp.order_id == run["order_id"])
        ).one()
        complete = rows == serials == seqs == run["quantity"] and (low, high) == (
            1,
            run["quantity"],
        )
        per_order[str(run["order_id"])] = {
            "rows": rows,
            "distinct_serials": serials,
            "ok": complete,
        }
    total, distinct = db.session.execute(
        select(func.count(), func.count(func.distinct(Stamp.serial))).where(Stamp.gtin == gtin)
    ).one()
    ok = total == distinct == sum(r["quantity"] for r in orders)
    ok = ok and all(r["ok"] for r in per_order.values())
    return {"orders": per_order, "rows_for_gtin": total, "distinct_serials": distinct, "ok": ok}


def run() -> dict:
    benchlib.require_postgres()
    with benchlib.scratch_database("serials") as url:
        app = benchlib.bench_app(url)
        with app.app_context():
            from core.extensions import db

            benchlib.migrate_and_load_wards()
            seed = benchlib.seed_product()
            orders = []
            for number in range(1, RUNS + 1):
                orders.append(timed_order(seed, QUANTITY))
                print(f"order {number}: {orders[-1]['total_s']:.2f} s", flush=True)
            generation = generation_alone(QUANTITY)
            check = verify(orders, seed.gtin)
            db.session.remove()
            db.engine.dispose()
    if not check["ok"]:
        raise SystemExit(f"bench_serials: the database does not hold what was issued: {check}")
    return {
        "quantity": QUANTITY,
        "goal_seconds": GOAL_SECONDS,
        "goal_met": all(order["goal_met"] for order in orders),
        "runs": orders,
        "generation_alone": generation,
        "verification": check,
    }


def print_table(result: dict) -> None:
    print(f"\nIssuing {result['quantity']:,} serials (goal ≤ {result['goal_seconds']:.0f} s)")
    header = f"{'run':>4} {'total s':>8} {'serials s':>10} {'insert s':>9} {'commit s':>9}"
    print(header + f" {'rest s':>7} {'serials/s':>10}  goal")
    for number, order in enumerate(result["runs"], 1):
        print(
            f"{number:>4} {order['total_s']:>8.2f} {order.get('serial_generation_s', 0):>10.2f} "
            f"{order.get('insert_s', 0):>9.2f} {order['commit_s']:>9.2f} {order['rest_s']:>7.2f} "
            f"{order['serials_per_s']:>10,}  {'met' if order['goal_met'] else 'MISSED'}"
        )
    alone = result["generation_alone"]
    print(f"generation alone: min {alone['min_s']:.2f} s, median {alone['median_s']:.2f} s")
    check = result["verification"]
    print(f"verified: {check['rows_for_gtin']:,} rows, {check['distinct_serials']:,} distinct")


def main() -> None:
    result = run()
    path = benchlib.write_result("serials", result)
    print_table(result)
    print(f"wrote {path.relative_to(benchlib.PROJECT_ROOT)}")


if __name__ == "__main__":
    main()
