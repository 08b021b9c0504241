"""Benchmark: the origin log (issue 12): the append cost per event, proofs at 1,000,000 leaves.

1. Append: the same BENCH_LEDGER_EVENTS (10,000) event EPCISDocument as the EPCIS benchmark
   (bench/gen_epcis_data.py's journeys, a registry of BENCH_LEDGER_SCALE of a province) stored
   through `traceability.events.store.store_events` and committed, in one process on PostgreSQL,
   BENCH_LEDGER_RUNS times with the ledger hook on and as many with `hooks.record_events` replaced
   by a no-op (the baseline), alternating (off, on, off, on, …); each run's journeys are shifted a
   year, so nothing is a duplicate. After each "on" run, `tree.integrate()` of its entries and
   the commit are timed alone (µs per entry).
   Also this process's CPU time per event (steadier than wall time on a busy machine).
2. Proofs: in a second scratch database, 1,000,000 (BENCH_LEDGER_LEAVES) synthetic trace-event
   leaves: records made by `records.make_record`, the subtree hashes by `merkle.extend` in Python,
   both COPYed in, the head set. Then BENCH_LEDGER_PROOFS (300) `tree.inclusion_proof` of random
   leaves at the full size and `tree.consistency_proof` of random size pairs, each checked with
   `merkle.verify_*` against the roots of an in-memory `MemoryTree` of the same leaves; beside
   them, the same proofs from that `MemoryTree` and one indexed SELECT of the ~20 stored nodes a
   proof reads (psycopg, prepared). Table sizes (rows, MB).
3. `results/ledger.json`; both scratch databases are dropped.

Run: `.venv/bin/python bench/bench_ledger.py` or `BENCH_ONLY=ledger make bench`;
BENCH_LEDGER_PARTS=append (or proofs) runs one part.
"""

# The SQL below is built from this file's own constants (table names), never from input.
# ruff: noqa: S608

from __future__ import annotations

import datetime as dt
import functools
import os
import random
import statistics
import time
from contextlib import contextmanager

import benchlib
import gen_epcis_data as gen
import sqlalchemy as sa
from bench_epcis import capture_document, psycopg_connect
from bench_reports import stats

SCALE = float(os.environ.get("BENCH_LEDGER_SCALE", "0.05"))  # 5,000 batches: > 10,000 events
EVENTS = int(os.environ.get("BENCH_LEDGER_EVENTS", "10000"))
RUNS = int(os.environ.get("BENCH_LEDGER_RUNS", "3"))  # of each, on and off
LEAVES = int(os.environ.get("BENCH_LEDGER_LEAVES", "1000000"))
PROOFS = int(os.environ.get("BENCH_LEDGER_PROOFS", "300"))
PARTS = set(os.environ.get("BENCH_LEDGER_PARTS", "append,proofs").split(","))
SEED = 20261202
log = functools.partial(print, flush=True)


def _staff(app):
    from core.accounts import services as accounts
    from core.accounts.models import Role
    from core.extensions import db

    with app.app_context():
        staff = accounts.create_user(
            email="staff-ledger@bench.example.vn",
            password=benchlib.PASSWORD,
            full_name="Cán bộ Sở",
            role=Role.STAFF,
        )
        db.session.commit()
        return staff.id


@contextmanager
def hook_off(enabled: bool):
    """The ledger hook of the event store as it is, or replaced by a no-op (the baseline)."""
    from traceability.ledger import hooks

    real = hooks.record_events
    if not enabled:
        hooks.record_events = lambda rows, time: None
    try:
        yield
    finally:
        hooks.record_events = real


def measure_append(url: str) -> dict:
    from core.accounts.models import User
    from core.extensions import db
    from traceability.events import capture, store
    from traceability.ledger import tree
    from traceability.ledger.models import LedgerEntry

    app = benchlib.bench_app(url)
    with app.app_context():
        benchlib.migrate_and_load_wards()
        db.session.commit()
    engine = benchlib._engine(url)
    with engine.connect() as conn:
        gen.build_registry(conn, gen.Counts.at(SCALE))
        conn.commit()
        registry = gen.Registry.read(conn)
        for table in gen.TABLES[:5]:
            conn.exec_driver_sql(f"ANALYZE {table}")
        conn.commit()
    engine.dispose()
    user_id = _staff(app)
    runs: list[dict] = []
    plan = [run % 2 == 1 for run in range(2 * RUNS)]  # off, on, off, on, …
    for number, enabled in enumerate(plan):
        doc = capture_document(registry, EVENTS, number + 1)
        extras = capture.context_extras(doc["@context"])
        pairs = [(event, extras or None) for event in doc["epcisBody"]["eventList"]]
        assert len(pairs) == EVENTS, f"the registry gives {len(pairs)} events, not {EVENTS}"
        with app.app_context(), hook_off(enabled):
            user = db.session.get(User, user_id)
            entries_before = db.session.scalar(sa.select(sa.func.count()).select_from(LedgerEntry))
            start, cpu = time.perf_counter(), time.process_time()
            stored = store.store_events(pairs, user=user, source="api")
            db.session.commit()
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
            entries = db.session.scalar(sa.select(sa.func.count()).select_from(LedgerEntry))
            row = {
                "ledger": enabled,
                "events": sum(1 for s in stored if s.created),
                "seconds": round(seconds, 3),
                "us_per_event": round(seconds * 1e6 / EVENTS, 1),
                # This process's CPU alone (not PostgreSQL's): steadier on a busy machine.
                "cpu_us_per_event": round(cpu * 1e6 / EVENTS, 1),
                "entries_added": entries - entries_before,
            }
            if enabled:
                start = time.perf_counter()
                done = tree.integrate()
                db.session.commit()
                seconds = time.perf_counter() - start
                row["integrated"] = done
                row["integrate_seconds"] = round(seconds, 3)
                row["integrate_us_per_entry"] = round(seconds * 1e6 / max(done, 1), 1)
                row["tree_size"] = tree.tree_size()
            db.session.remove()
        log(f"  {'on ' if enabled else 'off'} {row}")
        runs.append(row)
    on = [r["us_per_event"] for r in runs if r["ledger"]]
    off = [r["us_per_event"] for r in runs if not r["ledger"]]
    added = statistics.median(on) - statistics.median(off)
    cpu_on = statistics.median(r["cpu_us_per_event"] for r in runs if r["ledger"])
    cpu_off = statistics.median(r["cpu_us_per_event"] for r in runs if not r["ledger"])
    checks = {
        "every_event_new": all(r["events"] == EVENTS for r in runs),
        "one_entry_per_event_when_on": all(
            r["entries_added"] == (EVENTS if r["ledger"] else 0) for r in runs
        ),
        "all_integrated": all(r["integrated"] == EVENTS for r in runs if r["ledger"]),
    }
    return {
        "runs": runs,
        "median_us_per_event_on": statistics.median(on),
        "median_us_per_event_off": statistics.median(off),
        "us_per_event_added": round(added, 1),
        "ratio_on_over_off": round(statistics.median(on) / statistics.median(off), 3),
        "median_cpu_us_per_event_on": cpu_on,
        "median_cpu_us_per_event_off": cpu_off,
        "cpu_us_per_event_added": round(cpu_on - cpu_off, 1),
        "median_integrate_us_per_entry": statistics.median(
            r["integrate_us_per_entry"] for r in runs if r["ledger"]
        ),
        "checks": checks,
    }


# --- proofs at 1,000,000 leaves -------------------------------------------------------------------


def fill_tree(url: str, leaves: int) -> tuple[list[bytes], dict]:
    """LEAVES synthetic trace-event entries, sequenced, with their subtree hashes; COPYed in."""
    from core.extensions import db
    from traceability.ledger import merkle, records

    app = benchlib.bench_app(url)
    with app.app_context():
        benchlib.migrate_and_load_wards()
        db.session.commit()
    took: dict = {}
    start = time.perf_counter()
    base = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    rows, hashes = [], []
    for n in range(leaves):
        moment = base + dt.timedelta(seconds=n * 30)
        digest = "sha256:" + (n.to_bytes(8, "big") * 4).hex()
        record = records.make_record("trace_event", digest, time=moment)
        leaf = merkle.leaf_hash(record)
        rows.append((n + 1, "trace_event", record.decode(), leaf.hex(), moment, n))
        hashes.append(leaf)
    took["records_s"] = round(time.perf_counter() - start, 1)
    start = time.perf_counter()
    created, _frontier = merkle.extend(0, [], hashes)
    took["extend_s"] = round(time.perf_counter() - start, 1)
    start = time.perf_counter()
    with psycopg_connect(url) as conn, conn.cursor() as cur:
        cur.execute("SET synchronous_commit = off")
        columns = "id, kind, record, leaf_hash, created_at, leaf_index"
        with cur.copy(f"COPY ledger_entries ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        with cur.copy('COPY ledger_nodes (level, "index", hash) FROM STDIN') as copy:
            for node in created:
                copy.write_row(node)
        cur.execute("UPDATE ledger_head SET size = %s WHERE id = 1", (leaves,))
        cur.execute("SELECT setval(pg_get_serial_sequence('ledger_entries', 'id'), %s)", (leaves,))
        conn.commit()
        conn.autocommit = True
        for table in ("ledger_entries", "ledger_nodes"):
            cur.execute(f"VACUUM (ANALYZE) {table}")
    took["copy_s"] = round(time.perf_counter() - start, 1)
    return hashes, took


def table_sizes(url: str) -> dict:
    with psycopg_connect(url) as conn:
        out = {}
        for table in ("ledger_entries", "ledger_nodes"):
            rows, total, heap = conn.execute(
                f"SELECT count(*), pg_total_relation_size('{table}'),"
                f" pg_relation_size('{table}') FROM {table}"
            ).fetchone()
            out[table] = {
                "rows": rows,
                "total_mb": round(total / 2**20, 1),
                "heap_mb": round(heap / 2**20, 1),
            }
        return out


def _us(work) -> tuple[float, object]:
    start = time.perf_counter()
    value = work()
    return (time.perf_counter() - start) * 1e6, value


def measure_proofs(url: str, hashes: list[bytes]) -> dict:
    from core.extensions import db
    from traceability.ledger import merkle, tree

    size = len(hashes)
    rng = random.Random(SEED)
    memory = merkle.MemoryTree(hashes)
    leaves = [rng.randrange(size) for _ in range(PROOFS)]
    pairs = []
    while len(pairs) < PROOFS:
        a, b = sorted(rng.sample(range(1, size + 1), 2))
        pairs.append((a, b))
    roots = {n: memory.root(n) for n in {size, *(x for p in pairs for x in p)}}
    out: dict = {"tree_size": size, "proofs": PROOFS}
    app = benchlib.bench_app(url)
    with app.app_context():
        if tree.tree_size() != size or tree.root(size) != roots[size]:
            raise SystemExit("bench_ledger: the stored tree's root differs from the MemoryTree's")
        # What one proof reads: the keys and the number of queries (fetch is wrapped).
        reads: list[tuple[int, int]] = []
        real_fetch = tree.fetch

        def counting(keys):
            keys = set(keys)
            reads.append((len(keys), -(-len(keys) // tree.FETCH_CHUNK)))
            return real_fetch(keys)

        tree.fetch = counting
        try:
            inclusion_us, consistency_us, ok = [], [], True
            tree.inclusion_proof(leaves[0], size)  # warm: statement cache, connection
            reads.clear()
            for index in leaves:
                ms, proof = _us(lambda index=index: tree.inclusion_proof(index, size))
                inclusion_us.append(ms)
                try:
                    merkle.verify_inclusion(index, size, hashes[index], proof, roots[size])
                except merkle.ProofError:
                    ok = False
            inclusion_reads = list(reads)
            reads.clear()
            for a, b in pairs:
                ms, proof = _us(lambda a=a, b=b: tree.consistency_proof(a, b))
                consistency_us.append(ms)
                try:
                    merkle.verify_consistency(a, b, roots[a], roots[b], proof)
                except merkle.ProofError:
                    ok = False
            consistency_reads = list(reads)
        finally:
            tree.fetch = real_fetch
        db.session.remove()
    memory_inclusion = [_us(lambda i=i: memory.inclusion_proof(i, size))[0] for i in leaves]
    memory_consistency = [_us(lambda a=a, b=b: memory.consistency_proof(a, b))[0] for a, b in pairs]
    out["inclusion"] = {
        "db_us": stats(inclusion_us),
        "memory_us": stats(memory_inclusion),
        "nodes_read": stats([float(k) for k, _ in inclusion_reads]),
        "queries_per_proof": max(q for _, q in inclusion_reads),
        "fetch_calls_per_proof": len(inclusion_reads) / PROOFS,
    }
    out["consistency"] = {
        "db_us": stats(consistency_us),
        "memory_us": stats(memory_consistency),
        "nodes_read": stats([float(k) for k, _ in consistency_reads]),
        "fetch_calls_per_proof": len(consistency_reads) / PROOFS,
    }
    out["select_us"] = measure_select(url, memory, leaves, size)
    out["checks"] = {"proofs_verify": ok}
    return out


def measure_select(url: str, memory, leaves: list[int], size: int) -> dict:
    """The floor: one indexed SELECT of the nodes an inclusion proof needs (about 20 rows),
    through psycopg with a prepared statement (the app's fetch builds a similar OR of INs)."""
    from traceability.ledger import merkle

    times = []
    with psycopg_connect(url) as conn:
        for index in leaves:
            keys = [
                key
                for lo, hi in merkle.inclusion_ranges(index, size)
                for key in merkle.range_nodes(lo, hi)
            ]
            levels, indexes = [k[0] for k in keys], [k[1] for k in keys]
            start = time.perf_counter()
            found = conn.execute(
                'SELECT n.level, n."index", n.hash FROM ledger_nodes n'
                " JOIN unnest(%s::smallint[], %s::bigint[]) AS k(level, idx)"
                ' ON n.level = k.level AND n."index" = k.idx',
                (levels, indexes),
                prepare=True,
            ).fetchall()
            times.append((time.perf_counter() - start) * 1e6)
            assert len(found) == len(keys), (index, len(found), len(keys))
    return stats(times) | {"rows": len(keys)}


def run() -> dict:
    benchlib.require_postgres()
    settings = {"scale": SCALE, "events": EVENTS, "runs": RUNS, "leaves": LEAVES, "proofs": PROOFS}
    result: dict = {"settings": settings, "load_average_before": os.getloadavg()}
    if "append" in PARTS:
        with benchlib.scratch_database("ledger") as url:
            log(f"append: {EVENTS:,} events, {RUNS} runs with the ledger hook, {RUNS} without:")
            result["append"] = measure_append(url)
        benchlib.write_result("ledger", result)  # the append's figures, should the proofs fail
    if "proofs" not in PARTS:
        return result
    with benchlib.scratch_database("ledger_tree") as url:
        log(f"proofs: filling {LEAVES:,} leaves…")
        hashes, took = fill_tree(url, LEAVES)
        result["fill_seconds"] = took
        result["sizes"] = table_sizes(url)
        log(f"  {took}; {result['sizes']}")
        result["proofs"] = measure_proofs(url, hashes)
    result["load_average_after"] = os.getloadavg()
    return result


def print_table(result: dict) -> None:
    log("\nOrigin log benchmark")
    if "append" in result:
        print_append(result["append"])
    if "proofs" in result:
        print_proofs(result)


def print_append(a: dict) -> None:
    log(
        f"  store_events: {a['median_us_per_event_off']} µs/event without the log, "
        f"{a['median_us_per_event_on']} with: +{a['us_per_event_added']} µs "
        f"(× {a['ratio_on_over_off']}); integrate {a['median_integrate_us_per_entry']} µs/entry"
    )
    log(
        f"  this process's CPU: {a['median_cpu_us_per_event_off']} µs/event without, "
        f"{a['median_cpu_us_per_event_on']} with: +{a['cpu_us_per_event_added']} µs"
    )


def print_proofs(result: dict) -> None:
    p = result["proofs"]
    for kind in ("inclusion", "consistency"):
        db_ms, mem = p[kind]["db_us"], p[kind]["memory_us"]
        log(
            f"  {kind:<11} at {p['tree_size']:,}: p50 {db_ms['p50']} µs p99 {db_ms['p99']} µs "
            f"(MemoryTree p50 {mem['p50']} µs; nodes {p[kind]['nodes_read']['p50']})"
        )
    log(f"  one SELECT of {p['select_us']['rows']} nodes: p50 {p['select_us']['p50']} µs")
    log(f"  sizes: {result['sizes']}")


def main() -> None:
    result = run()
    parts = [result[part] for part in ("append", "proofs") if part in result]
    checks = [check for part in parts for check in part["checks"].values()]
    result["checks_ok"] = all(checks)
    path = benchlib.write_result("ledger", result)
    print_table(result)
    log(f"\nwritten: {path.relative_to(benchlib.PROJECT_ROOT)}")
    if not result["checks_ok"]:
        raise SystemExit("bench_ledger: a check failed (see the checks in the result file)")


if __name__ == "__main__":
    main()
