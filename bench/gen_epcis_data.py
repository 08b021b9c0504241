"""Generate a province's EPCIS 2.0 trace events for the EPCIS benchmark (issue 11).

At BENCH_SCALE = 1.0 (the default; 0.01 for a quick check every count is scaled):

- 200 producers with 10,000 products (`gen_reports_data`'s producers and products), two sites each
  (a growing area and a processing site);
- 100,000 batches of verified products over 2026, one stamp order of 60 stamps on every 25th of
  them (4,000 stamped batches, 240,000 stamps);
- 1,000,000 events (BENCH_EPCIS_EVENTS), batch by batch, as the producers and their customers
  record them: each batch's journey on its lot (LGTIN) — harvest (`commissioning`, ADD), processing
  (a TransformationEvent, 60 %), packing, inspection with a VietGAP certificate (70 %), shipping to
  a shop with its GLN (`destinationList`) and receiving there (80 %); a stamped batch's items
  (SGTINs): their commissioning, AggregationEvents of 10 items into an SSCC case, the cases'
  shipping, and per item the shop's receiving and `retail_selling`. Identifiers come in both forms
  (a third as EPC URNs, the rest as Digital Links), the readable facts as `dnt:` extensions.

Events are built in Python and their rows computed as `store.store_event` does (`rows_of`:
`hashing.event_hash`, canonical identifiers, the batch and owner each names), then COPY'd with the
tables' secondary indexes and constraints off (re-created after, as `gen_reports_data` does).
`check_against_store` first stores a sample through `store.store_event` and compares every column
but the record time (the store's clock); any difference stops the run. Then the batches'
`first_event_at` / `shipped_at` (`store.refresh_batch`), the sequences, VACUUM ANALYZE.
Alone: `.venv/bin/python bench/gen_epcis_data.py` builds and keeps BENCH_EPCIS_DATABASE
(`bench_epcis`); `BENCH_EPCIS_REUSE=1 bench_epcis.py` measures on it.
"""

# The SQL below is built from this file's own constants and numbers, never from input.
# ruff: noqa: S608

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import benchlib
import gen_reports_data as gen
import sqlalchemy as sa

from traceability.events import hashing, identifiers, store, vocabulary
from traceability.events.models import EventIdentifier, TraceEvent
from traceability.gs1.gtin import check_digit

DEFAULT_DATABASE = "bench_epcis"
VN = dt.timezone(dt.timedelta(hours=7))
OFFSET = "+07:00"
DATA_END = dt.datetime(2026, 12, 1, tzinfo=VN)
EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/epcis-context.jsonld"
SHOPS = 2_000  # GLNs of the shops batches are shipped to
ITEMS_PER_CASE = 10


@dataclass(frozen=True)
class Counts:
    scale: float
    producers: int
    products: int
    batches: int
    stamped_every: int  # every n-th batch has a stamp order
    stamps_per_batch: int
    events: int

    @classmethod
    def at(cls, scale: float) -> Counts:
        def n(full: int) -> int:
            return max(1, round(full * scale))

        events = int(os.environ.get("BENCH_EPCIS_EVENTS", str(n(1_000_000))))
        return cls(scale, n(200), n(10_000), n(100_000), 25, 60, events)


# --- the registry (producers, products, sites, batches, stamps) -----------------------------


def build_registry(conn: sa.Connection, c: Counts) -> None:
    """Producers and products as the reports benchmark makes them; sites, batches and stamps."""
    reg = gen.Counts(scale=c.scale, producers=c.producers, products=c.products)
    gen._producers(conn, reg)
    gen._products(conn, reg)
    g = "g"
    sites = """
        INSERT INTO sites (producer_id, name, kind, planting_area_code, ward_code, address,
            crop_or_species, certifications, created_at, updated_at)
        SELECT p.id, k.label || ' ' || p.id, k.kind, CASE WHEN k.kind = 'growing_area'
            THEN 'VT-' || p.ward_code || '-' || p.id ELSE '' END, p.ward_code, p.address,
            CASE WHEN k.kind = 'growing_area' THEN 'Sầu riêng' ELSE '' END, '[]',
            p.created_at, p.created_at
        FROM producers p
        CROSS JOIN (VALUES ('growing_area', 'Vùng trồng'), ('processing', 'Cơ sở sơ chế'))
            AS k(kind, label)
        ORDER BY p.id, k.kind
        """
    batches = f"""
        INSERT INTO batches (product_id, producer_id, site_id, lot_code, produced_on, quantity,
            unit, notes, created_at, updated_at, recall_notice)
        SELECT p.id, p.producer_id, s.id, 'L26' || lpad({g}::text, 6, '0'), made::date,
            100 + floor({gen.u(g, 21)} * 4900), 'kg', '', made, made, ''
        FROM generate_series(1, {c.batches}) AS {g}
        CROSS JOIN LATERAL (SELECT '2026-01-05 07:00+07'::timestamptz
                                   + {gen.u(g, 20)} * interval '300 days' AS made) AS m
        CROSS JOIN (SELECT count(*) AS n FROM products WHERE review_state = 'verified') AS v
        JOIN (SELECT id, producer_id, row_number() OVER (ORDER BY id) AS rn
              FROM products WHERE review_state = 'verified') AS p
          ON p.rn = 1 + ({g}::bigint * 7919) % v.n
        JOIN sites s ON s.producer_id = p.producer_id AND s.kind = 'growing_area'
        """
    orders = f"""
        INSERT INTO stamp_orders (producer_id, product_id, batch_id, quantity,
            activation_required, layout, note, render_state, rendered_count, render_error,
            rendered_at, pdf_key, created_at, updated_at)
        SELECT b.producer_id, b.product_id, b.id, {c.stamps_per_batch}, false,
            '{{"kind": "sheet", "rows": 4, "cols": 3, "size_mm": 30.0}}', '', 'ready',
            {c.stamps_per_batch}, '', b.created_at + interval '10 minutes',
            'orders/' || b.id || '.pdf', b.created_at + interval '5 minutes',
            b.created_at + interval '10 minutes'
        FROM batches b WHERE b.id % {c.stamped_every} = 0 ORDER BY b.id
        """
    stamps = """
        INSERT INTO stamps (order_id, producer_id, batch_id, seq, gtin, serial, state,
            void_reason, flagged, scan_count)
        SELECT o.id, o.producer_id, o.batch_id, seq, p.gtin,
            lpad(o.id::text, 6, '0') || lpad(seq::text, 7, '0'), 'active', '', false, 0
        FROM stamp_orders o
        JOIN products p ON p.id = o.product_id
        CROSS JOIN LATERAL generate_series(1, o.quantity) AS seq
        """
    for statement in (sites, batches, orders, stamps):
        gen.run(conn, statement)


@dataclass
class Batch:
    id: int
    producer_id: int
    gtin: str
    lot: str
    made: dt.datetime
    quantity: float
    growing_site: int
    processing_site: int
    serials: list[str] = field(default_factory=list)


@dataclass
class Registry:
    """What the events name and what the store looks up, read once from the database."""

    batches: list[Batch]
    wards: list[str]
    lots: dict[tuple[str, str], tuple[int, int]]  # (gtin, lot) → (batch, producer)
    stamps: dict[tuple[str, str], tuple[int, int]]  # (gtin, serial) → (batch, producer)
    products: dict[str, int]  # gtin → producer

    @classmethod
    def read(cls, conn: sa.Connection) -> Registry:
        sites = {
            (p, k): s for s, p, k in conn.exec_driver_sql("SELECT id, producer_id, kind FROM sites")
        }
        batches = {}
        for row in conn.exec_driver_sql(
            "SELECT b.id, b.producer_id, p.gtin, b.lot_code, b.created_at, b.quantity "
            "FROM batches b JOIN products p ON p.id = b.product_id ORDER BY b.id"
        ):
            where = sites[(row[1], "growing_area")], sites[(row[1], "processing")]
            batches[row[0]] = Batch(*row[:4], row[4].astimezone(VN), float(row[5]), *where)
        stamps = {}
        serials = "SELECT batch_id, gtin, serial FROM stamps ORDER BY batch_id, seq"
        for batch_id, gtin, serial in conn.exec_driver_sql(serials):
            batches[batch_id].serials.append(serial)
            stamps[(gtin, serial)] = (batch_id, batches[batch_id].producer_id)
        return cls(
            batches=list(batches.values()),
            wards=[w for (w,) in conn.exec_driver_sql("SELECT code FROM wards ORDER BY code")],
            lots={(b.gtin, b.lot): (b.id, b.producer_id) for b in batches.values()},
            stamps=stamps,
            products=dict(conn.exec_driver_sql("SELECT gtin, producer_id FROM products").all()),
        )


# --- the events -----------------------------------------------------------------------------


def event_context() -> list:
    """The extra @context of every generated document (the `dnt` extensions' namespace)."""
    return [{vocabulary.DNT_PREFIX: vocabulary.DNT_NS}]


def _form(gtin: str, ai: str, value: str, urn: bool) -> str:
    """A lot (AI 10) or serial (AI 21) as a Digital Link or as an EPC URN (7-digit prefix)."""
    if not urn:
        return f"{identifiers.GS1_HOST}/01/{gtin}/{ai}/{value}"
    kind = "class:lgtin" if ai == "10" else "id:sgtin"
    return f"urn:epc:{kind}:{gtin[1:8]}.{gtin[0] + gtin[8:13]}.{value}"


def _check(body: str) -> str:
    return body + str(check_digit(body))


def shop(n: int) -> str:
    return identifiers.gln(_check(f"8930{n:08d}"))


def sscc(batch_id: int, case: int) -> str:
    return f"{identifiers.GS1_HOST}/00/{_check(f'08938501{batch_id:07d}{case:02d}')}"


class Maker:
    """The events of one batch, the same on every run (a random.Random seeded by the batch)."""

    def __init__(self, registry: Registry, shift: dt.timedelta = dt.timedelta(0)):
        self.registry = registry
        self.shift = shift  # bench_epcis captures the same journeys again a year earlier

    def _event(self, kind, at, step, disposition, where, action, epcs=None, lot=None, qty=None):
        event = {
            "type": kind,
            "eventTime": (at + self.shift).astimezone(VN).isoformat(timespec="milliseconds"),
            "eventTimeZoneOffset": OFFSET,
            "bizStep": step,
            "disposition": disposition,
            "readPoint": {"id": where},
            "bizLocation": {"id": where},
            "action": action,
            "epcList": epcs or [],
        }
        if lot is not None:
            event["quantityList"] = [{"epcClass": lot, "quantity": qty, "uom": "KGM"}]
        return event

    def batch(self, b: Batch) -> list[dict]:
        rnd = random.Random(b.id * 7919)
        lot = _form(b.gtin, "10", b.lot, rnd.random() < 1 / 3)
        qty = round(b.quantity, 1)
        at = b.made + dt.timedelta(minutes=rnd.randrange(0, 180))
        farm, site = identifiers.site(b.growing_site), identifiers.site(b.processing_site)
        out = [self._event("ObjectEvent", at, "commissioning", "active", farm, "ADD", [], lot, qty)]
        out[0]["dnt:note"] = "Thu hoạch buổi sáng, trời khô ráo"
        if rnd.random() < 0.6:
            at += dt.timedelta(hours=rnd.randrange(4, 30))
            made = self._event("TransformationEvent", at, "commissioning", None, site, None)
            for name in ("disposition", "action", "epcList"):
                del made[name]
            made["inputQuantityList"] = [{"epcClass": lot, "quantity": qty, "uom": "KGM"}]
            qty = round(qty * 0.9, 1)
            made["outputQuantityList"] = [{"epcClass": lot, "quantity": qty, "uom": "KGM"}]
            out.append(made)
        at += dt.timedelta(hours=rnd.randrange(4, 30))
        out.append(
            self._event("ObjectEvent", at, "packing", "in_progress", site, "OBSERVE", [], lot, qty)
        )
        if b.serials:
            out.extend(self._stamped(b, at, site, rnd))
        if rnd.random() < 0.7:
            at += dt.timedelta(hours=rnd.randrange(2, 48))
            number = f"VG-{b.producer_id:04d}-{b.id % 97:02d}"
            check = self._event(
                "ObjectEvent", at, "inspecting", "conformant", site, "OBSERVE", [], lot, qty
            )
            check["certificationInfo"] = f"urn:dongnai-trace:certificate:VietGAP:{number}"
            check["dnt:certificateStandard"] = "VietGAP"
            check["dnt:certificateNumber"] = number
            out.append(check)
        at += dt.timedelta(hours=rnd.randrange(2, 48))
        n = 1 + rnd.randrange(SHOPS)
        cases = [sscc(b.id, c) for c in self._cases(b)]
        ship = self._event(
            "ObjectEvent", at, "shipping", "in_transit", site, "OBSERVE", cases, lot, qty
        )
        ship["destinationList"] = [{"type": "location", "destination": shop(n)}]
        ship["dnt:destinationName"] = f"Cửa hàng thực phẩm sạch số {n}"
        ship["dnt:destinationWard"] = self.registry.wards[n % len(self.registry.wards)]
        out.append(ship)
        if rnd.random() < 0.8 or b.serials:
            at += dt.timedelta(hours=rnd.randrange(2, 30))
            got = self._event(
                "ObjectEvent", at, "receiving", "in_progress", shop(n), "OBSERVE", cases, lot, qty
            )
            got["sourceList"] = [{"type": "location", "source": site}]
            got["dnt:sourceName"] = f"Cơ sở sơ chế {b.producer_id}"
            out.append(got)
            for k, serial in enumerate(b.serials):
                item = _form(b.gtin, "21", serial, k % 3 == 0)
                moment = at + dt.timedelta(minutes=k)
                out.append(
                    self._event(
                        "ObjectEvent", moment, "receiving", "active", shop(n), "OBSERVE", [item]
                    )
                )
                sold = min(at + dt.timedelta(hours=rnd.randrange(2, 24 * 30)), DATA_END)
                out.append(
                    self._event(
                        "ObjectEvent",
                        sold,
                        "retail_selling",
                        "retail_sold",
                        shop(n),
                        "DELETE",
                        [item],
                    )
                )
        return out

    def _cases(self, b: Batch) -> range:
        return range(1, -(-len(b.serials) // ITEMS_PER_CASE) + 1)

    def _stamped(self, b: Batch, at: dt.datetime, site: str, rnd: random.Random) -> list[dict]:
        urn = rnd.random() < 1 / 3
        items = [_form(b.gtin, "21", serial, urn) for serial in b.serials]
        out = [self._event("ObjectEvent", at, "commissioning", "active", site, "ADD", items)]
        for n in self._cases(b):
            at += dt.timedelta(minutes=2)
            case = self._event("AggregationEvent", at, "packing", "in_progress", site, "ADD")
            del case["epcList"]
            case["parentID"] = sscc(b.id, n)
            case["childEPCs"] = items[(n - 1) * ITEMS_PER_CASE : n * ITEMS_PER_CASE]
            out.append(case)
        return out


# --- the rows store.store_event writes ----------------------------------------------------------

# In the tables' order; `rows_of` fills them in this order (the check compares them by name).
EVENT_COLUMNS = tuple(c.name for c in TraceEvent.__table__.columns)
IDENTIFIER_COLUMNS = tuple(c.name for c in EventIdentifier.__table__.columns)[1:]  # no id


def rows_of(
    event: dict, registry: Registry, context: list, record_time: dt.datetime, source: str = "api"
) -> tuple[list, list[tuple]]:
    """The trace_events row (without its id) and the event_identifiers rows (without event_pk)
    that `store.store_event(event, user=None, source=source, context=context)` writes."""
    event_hash = hashing.event_hash(event, context or None)
    document = dict(event)
    document.setdefault("eventID", event_hash)
    document["recordTime"] = store.format_time(record_time)
    owners: set[int] = set()
    idents = []
    for role, captured in store.listed_identifiers(event):
        value = identifiers.canonical(captured)
        key = identifiers.key_of(value)
        gtin = lot = serial = batch = None
        if key is not None:
            gtin, lot, serial = key.gtin, key.lot, key.serial
            batch, owner = _batch_of(registry, key)
            if owner is not None:
                owners.add(owner)
        idents.append((role, value, gtin, lot, serial, batch))
    row = [
        document["eventID"],
        event_hash,
        store.dedupe_key(event_hash, event),
        event["type"],
        event.get("action"),
        store.parse_time(event["eventTime"]),
        event["eventTimeZoneOffset"],
        record_time,
        vocabulary.expand("BizStep", event.get("bizStep")),
        vocabulary.expand("Disp", event.get("disposition")),
        (event.get("readPoint") or {}).get("id"),
        (event.get("bizLocation") or {}).get("id"),
        False,
        owners.pop() if len(owners) == 1 else None,
        None,
        source,
        None,
        json.dumps(document),
        json.dumps(context),
    ]
    return row, idents


def _batch_of(registry: Registry, key) -> tuple[int | None, int | None]:
    """As `store._batch_of`: a serial's stamp, else a lot's batch, else the GTIN's producer."""
    if key.serial is not None and (key.gtin, key.serial) in registry.stamps:
        return registry.stamps[(key.gtin, key.serial)]
    if key.lot is not None and (key.gtin, key.lot) in registry.lots:
        return registry.lots[(key.gtin, key.lot)]
    return None, registry.products.get(key.gtin)


# Workers (forked) read the registry from here.
_REGISTRY: Registry | None = None


def _rows_of_batches(span: tuple[int, int]) -> list[tuple[list, list[tuple]]]:
    registry = _REGISTRY
    assert registry is not None
    maker, context = Maker(registry), event_context()
    events = [e for b in registry.batches[span[0] : span[1]] for e in maker.batch(b)]
    # Recorded (captured) a few minutes after they happened.
    late = dt.timedelta(minutes=7)
    return [rows_of(e, registry, context, store.parse_time(e["eventTime"]) + late) for e in events]


def iter_rows(registry: Registry, workers: int, chunk: int = 250) -> Iterator[tuple]:
    """Every batch's events' rows, in batch order, computed by `workers` processes."""
    global _REGISTRY
    _REGISTRY = registry
    spans = [(i, i + chunk) for i in range(0, len(registry.batches), chunk)]
    with multiprocessing.get_context("fork").Pool(max(1, workers)) as pool:
        for rows in pool.imap(_rows_of_batches, spans):
            yield from rows


def load_events(url: str, registry: Registry, count: int, workers: int, log=print) -> dict:
    """COPY `count` events (and their identifiers) into the tables; ids from 1."""
    import psycopg

    done = {"events": 0, "identifiers": 0}
    started = time.perf_counter()
    with psycopg.connect(_psycopg_url(url)) as conn, conn.cursor() as cur:
        cur.execute("SET synchronous_commit = off")
        events_copy = f"COPY trace_events ({', '.join(EVENT_COLUMNS)}) FROM STDIN"
        idents_copy = f"COPY event_identifiers ({', '.join(IDENTIFIER_COLUMNS)}) FROM STDIN"
        pending: list[tuple] = []
        with cur.copy(events_copy) as copy:
            for row, idents in iter_rows(registry, workers):
                done["events"] += 1
                pk = done["events"]
                copy.write_row([pk, *row])
                pending.extend((pk, *ident) for ident in idents)
                if pk % 100_000 == 0:
                    log(f"    {pk:>9,} events ({time.perf_counter() - started:.0f} s)")
                if pk >= count:
                    break
        with cur.copy(idents_copy) as copy:
            for ident in pending:
                copy.write_row(ident)
        done["identifiers"] = len(pending)
        conn.commit()
    if done["events"] < count:
        log(f"  warning: the batches make only {done['events']:,} events, not {count:,}")
    return done


def _psycopg_url(url: str) -> str:
    return sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


# --- the check against the store ---------------------------------------------------------------


def check_against_store(app, registry: Registry, sample: int = 300) -> dict:
    """Store `sample` events (of batches spread over the table, stamped ones too) through
    `store.store_event` and compare every column with `rows_of`; rolled back afterwards."""
    from core.extensions import db

    chosen = registry.batches[:: max(1, len(registry.batches) // 40)]
    chosen += [b for b in registry.batches if b.serials][:3]
    maker, context = Maker(registry), event_context()
    events = [e for b in chosen for e in maker.batch(b)][:sample]
    mismatches = []
    with app.app_context():
        try:
            for event in events:
                got = store.store_event(event, user=None, source="api", context=context).event
                want, idents = rows_of(event, registry, context, got.record_time)
                have = [getattr(got, name) for name in EVENT_COLUMNS[1:-2]]
                have += [got.document, got.context]
                want[-2:] = [json.loads(want[-2]), json.loads(want[-1])]
                ours = sorted(got.identifiers, key=lambda i: i.id)
                have.append(
                    [(i.role, i.identifier, i.gtin, i.lot, i.serial, i.batch_id) for i in ours]
                )
                want.append(idents)
                names = [*EVENT_COLUMNS[1:], "identifiers"]
                mismatches += [
                    {"column": name, "store": str(a), "loader": str(b)}
                    for name, a, b in zip(names, have, want, strict=True)
                    if a != b
                ]
        finally:
            db.session.rollback()
            db.session.remove()
    return {"events": len(events), "mismatches": mismatches[:10], "ok": not mismatches}


# --- the whole database ------------------------------------------------------------------------


@dataclass
class Generated:
    counts: Counts
    seconds: dict[str, float] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    check: dict = field(default_factory=dict)


EVENT_TABLES = ("trace_events", "event_identifiers")
TABLES = ("producers", "products", "sites", "batches", "stamps", *EVENT_TABLES)


def generate(database_url: str, scale: float, *, log: Callable[[str], None] = print) -> Generated:
    """Build the registry and load the events into an empty database (migrations included)."""
    from core.extensions import db

    counts = Counts.at(scale)
    out = Generated(counts)
    app = benchlib.bench_app(database_url)
    workers = int(os.environ.get("BENCH_GEN_WORKERS", str(os.cpu_count() or 1)))

    def timed(name: str, work: Callable[[], object]):
        start = time.perf_counter()
        result = work()
        out.seconds[name] = round(time.perf_counter() - start, 2)
        log(f"  {name:<34} {out.seconds[name]:>8.1f} s")
        return result

    with app.app_context():
        timed("schema and wards", lambda: (benchlib.migrate_and_load_wards(), db.session.commit()))
    engine = benchlib._engine(database_url)
    with engine.connect() as conn:
        conn.exec_driver_sql("SET synchronous_commit = off; SET jit = off")

        def registry_sql() -> None:
            build_registry(conn, counts)
            for table in TABLES[:5]:
                conn.exec_driver_sql(f"ANALYZE {table}")
            conn.commit()

        timed("producers … stamps", registry_sql)
        registry = timed("registry into memory", lambda: Registry.read(conn))
        out.check = timed("check against store_event", lambda: check_against_store(app, registry))
        if not out.check["ok"]:
            raise SystemExit(f"gen_epcis_data: the loader's rows differ: {out.check['mismatches']}")
        conn.commit()

        def load() -> None:
            with gen.indexes_off(conn, EVENT_TABLES[1]), gen.indexes_off(conn, EVENT_TABLES[0]):
                conn.commit()  # the COPY runs on its own connection
                done = load_events(database_url, registry, counts.events, workers, log)
                log(f"    loaded {done['events']:,} events, {done['identifiers']:,} identifiers")
            conn.commit()

        timed(f"events ({counts.events:,}), indexes", load)

        def finish() -> None:
            gen.run(conn, SEQUENCES)
            gen.run(conn, REFRESH_BATCHES)
            conn.commit()
            auto = conn.execution_options(isolation_level="AUTOCOMMIT")
            for table in TABLES:
                auto.exec_driver_sql(f"VACUUM (ANALYZE) {table}")

        timed("batches' first event, vacuum", finish)
        for table in TABLES:
            out.rows[table] = conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar()
    engine.dispose()
    return out


SEQUENCES = " ".join(
    f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT max(id) FROM {t}));"
    for t in EVENT_TABLES
)
# What store.refresh_batch keeps, for every batch at once.
REFRESH_BATCHES = """
    UPDATE batches b SET first_event_at = x.first_at, shipped_at = x.shipped_at
    FROM (SELECT i.batch_id, min(e.event_time) AS first_at,
                 min(e.event_time) FILTER (
                     WHERE e.biz_step = 'https://ref.gs1.org/cbv/BizStep-shipping') AS shipped_at
          FROM event_identifiers i JOIN trace_events e ON e.id = i.event_pk
          WHERE i.batch_id IS NOT NULL AND NOT e.erroneous
          GROUP BY i.batch_id) AS x
    WHERE b.id = x.batch_id
"""


database_url = gen._database_url


def report(generated: Generated, log: Callable[[str], None] = print) -> None:
    log(f"  {'total':<34} {sum(generated.seconds.values()):>8.1f} s")
    for table, number in generated.rows.items():
        log(f"  {table:<20} {number:>12,} rows")


def main() -> None:
    benchlib.require_postgres()
    name, scale = os.environ.get("BENCH_EPCIS_DATABASE", DEFAULT_DATABASE), gen.scale_from_env()
    with benchlib._engine(benchlib.admin_url(), isolation_level="AUTOCOMMIT").connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    print(f"generating at scale {scale} into {name}:", flush=True)
    generated = generate(database_url(name), scale, log=lambda line: print(line, flush=True))
    report(generated)
    print(f"check against store_event: {generated.check['events']} events, ok; kept: {name}")


if __name__ == "__main__":
    main()
