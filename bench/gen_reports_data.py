"""Generate a province-sized database for the reports benchmark (issue 10, item 9).

At BENCH_SCALE = 1.0 (the default; 0.01 for a quick check every count is scaled):

- 20,000 producers across the 95 wards (a few wards much larger than others), mostly verified;
- 1,000,000 products (categories, review states, portal states dated in 2026, IP statuses, OCOP
  stars and certificate validity, some expired and some expiring);
- 2,000 stamp orders of 1,000 stamps (one batch each): 2,000,000 stamps, a few void, some flagged;
- 10,000,000 scans spread over 2026 (first scans genuine, later ones scanned before, a flagged
  stamp's later scans suspicious, a void stamp's scans void, plus scans of codes never issued and of
  bare GTINs), each stamp's scan_count / first_scan_at / last_scan_at equal to its scans;
- 5,000 counterfeit reports, about half of them handled (confirmed or dismissed);
- 200,000 shops (active, a few closed or merged) with one to three assessments each (draft,
  awaiting confirmation, submitted, verified; levels 0–5 from the total as the framework's
  thresholds say; pillar scores with the six pillar keys; the four flags), submitted over 2026;
- the published v1 framework (`seed_default`) and a staff user (`staff@bench.example.vn`,
  benchlib.PASSWORD) to log in with.

Everything is set-based SQL (`INSERT … SELECT … FROM generate_series`) through the schema the
migrations built, so every NOT NULL, CHECK, UNIQUE and foreign key holds. For the three big tables
the secondary indexes and constraints (unique, foreign keys) are dropped during the insert and
re-created afterwards from their own definitions (`pg_get_indexdef`, `pg_get_constraintdef`): the
same schema, built in bulk instead of row by row. Attributes come from a deterministic
equidistributed sequence (frac(id · α) with a different irrational α per attribute), so two runs
at the same scale produce the same data. Then VACUUM ANALYZE, as autovacuum would have done.

Run alone: `.venv/bin/python bench/gen_reports_data.py` builds (or rebuilds) the database
BENCH_REPORTS_DATABASE (default `bench_reports_data`) on the BENCH_DATABASE_URL server and keeps
it; `bench_reports.py` with BENCH_REPORTS_REUSE=1 then measures on it without regenerating.
"""

# The SQL below is built from this file's own constants and numbers, never from input.
# ruff: noqa: S608

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import benchlib
import sqlalchemy as sa

STAFF_EMAIL = "staff@bench.example.vn"
OFFICER_EMAIL = "officer@bench.example.vn"
DEFAULT_DATABASE = "bench_reports_data"
# "Now" for the generated data: every date falls in [2025-01-01, NOW), most of them in 2026.
NOW = "2026-12-01 12:00:00+07"
YEAR_START = "2026-01-01 00:00:00+07"
WARD_CODES = "SELECT array_agg(code ORDER BY code) AS w FROM wards"


@dataclass(frozen=True)
class Counts:
    """The sizes at a scale (1.0: the issue's full size)."""

    scale: float
    producers: int = 0
    products: int = 0
    orders: int = 0
    stamps_per_order: int = 1000
    shops: int = 0
    reports: int = 0

    @classmethod
    def at(cls, scale: float) -> Counts:
        def n(full: int) -> int:
            return max(1, round(full * scale))

        return cls(
            scale=scale,
            producers=n(20_000),
            products=n(1_000_000),
            orders=n(2_000),
            shops=n(200_000),
            reports=n(5_000),
        )


def scale_from_env() -> float:
    return float(os.environ.get("BENCH_SCALE", "1.0"))


# --- deterministic pseudo-random attributes ------------------------------------------------

_PRIMES = [p for p in range(2, 400) if all(p % d for d in range(2, int(p**0.5) + 1))]


def u(expr: str, salt: int) -> str:
    """SQL for a number in [0, 1) drawn from `expr` (an integer): frac(expr · frac(√p)).

    Different salts use rationally independent multipliers, so the attributes of one row are
    (jointly) equidistributed over the rows and not tied to each other.
    """
    alpha = math.sqrt(_PRIMES[salt]) % 1
    return f"(({expr})::float8 * {alpha!r} - floor(({expr})::float8 * {alpha!r}))"


def pick(expr: str, salt: int, choices: list[tuple[str, float]]) -> str:
    """SQL CASE choosing one of `choices` (SQL literal, share) with the given shares."""
    draw = u(expr, salt)
    parts, total = [], 0.0
    for literal, share in choices[:-1]:
        total += share
        parts.append(f"WHEN {draw} < {total!r} THEN {literal}")
    return f"(CASE {' '.join(parts)} ELSE {choices[-1][0]} END)"


# --- bulk loading with the indexes off --------------------------------------------------------


@contextmanager
def indexes_off(conn: sa.Connection, table: str) -> Iterator[None]:
    """Drop the table's secondary indexes, unique constraints and foreign keys; re-create them
    afterwards from their own definitions (the primary key stays)."""
    constraints = conn.exec_driver_sql(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %(t)s::regclass AND contype IN ('u', 'f') ORDER BY contype DESC",
        {"t": table},
    ).all()
    indexes = conn.exec_driver_sql(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %(t)s "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
        {"t": table},
    ).all()
    for name, _ in constraints:
        conn.exec_driver_sql(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    yield
    # Unique constraints (their indexes) first, then foreign keys, then the plain indexes.
    for name, definition in sorted(constraints, key=lambda c: not c[1].startswith("UNIQUE")):
        conn.exec_driver_sql(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    for _, definition in indexes:
        conn.exec_driver_sql(definition)


# --- the parts --------------------------------------------------------------------------------


def run(conn: sa.Connection, statement: str) -> None:
    """One statement without parameters (its `%` are the modulo operator)."""
    conn.exec_driver_sql(statement.replace("%", "%%"))


def _producers(conn: sa.Connection, c: Counts) -> None:
    g = "g"
    ward = f"codes.w[1 + least(94, floor(95 * power({u(g, 1)}, 1.4))::int)]"
    created = f"'2025-01-01 08:00+07'::timestamptz + {u(g, 2)} * interval '690 days'"
    state = pick(
        g, 3, [("'verified'", 0.85), ("'pending'", 0.10), ("'rejected'", 0.03), ("'suspended'", 1)]
    )
    kind = pick(g, 4, [("'household'", 0.6), ("'cooperative'", 0.25), ("'enterprise'", 1)])
    run(
        conn,
        f"""
        INSERT INTO producers (legal_name, kind, tax_code, gs1_company_prefix, ward_code, address,
            contact_name, phone, email, website, verification_state, verified_at,
            rejection_reason, created_at, updated_at)
        SELECT 'Cơ sở sản xuất ' || {g}, {kind},
            (3600000000 + {g})::text, '893' || lpad({g}::text, 5, '0'), {ward},
            'Số ' || ({g} % 300 + 1) || ', Đồng Nai', 'Nguyễn Văn ' || {g},
            '09' || lpad(({g} * 7919 % 100000000)::text, 8, '0'), 'p' || {g} || '@bench.example.vn',
            '', st, CASE WHEN st IN ('verified', 'suspended') THEN created + interval '3 days' END,
            CASE WHEN st = 'rejected' THEN 'Thiếu giấy phép' ELSE '' END, created, created
        FROM (SELECT {g}, {created} AS created, {state} AS st
              FROM generate_series(1, {c.producers}) AS {g}) AS p
        CROSS JOIN ({WARD_CODES}) AS codes
        """,
    )


def _products(conn: sa.Connection, c: Counts) -> None:
    g = "g"
    category = pick(
        g,
        5,
        [("'ocop'", 0.10), ("'key_product'", 0.05), ("'agricultural'", 0.45), ("'other'", 1)],
    )
    review = pick(
        g,
        6,
        [("'verified'", 0.78), ("'submitted'", 0.12), ("'draft'", 0.07), ("'rejected'", 1)],
    )
    portal = pick(
        g,
        7,
        [("'listed'", 0.40), ("'submitted'", 0.10), ("'rejected'", 0.02), ("'not_submitted'", 1)],
    )
    ip = pick(g, 8, [("'filed'", 0.30), ("'protected'", 0.20), ("'none'", 1)])
    group = pick(
        g, 9, [("'food'", 0.5), ("'drinks'", 0.2), ("'herbal'", 0.1), ("'handicrafts'", 1)]
    )
    odd = " + ".join(f"substr(body, {i}, 1)::int" for i in range(1, 14, 2))
    even = " + ".join(f"substr(body, {i}, 1)::int" for i in range(2, 13, 2))
    ip_other = pick(g, 8, [("'filed'", 0.03), ("'protected'", 0.02), ("'none'", 1)])
    with indexes_off(conn, "products"):
        run(
            conn,
            f"""
            INSERT INTO products (producer_id, gtin, name, description, category, ocop_group,
                ocop_stars, ocop_certificate_no, ocop_decision_no, ocop_valid_from, ocop_valid_to,
                standards, ip_status, ip_kind, ip_number, portal_state, portal_reference,
                portal_state_on, review_state, submitted_at, reviewed_at, rejection_reason,
                created_at, updated_at)
            SELECT pr.id, body || ((10 - (3 * ({odd}) + {even}) % 10) % 10)::text,
                'Sản phẩm ' || {g}, '', cat,
                CASE WHEN cat = 'ocop' THEN {group} END,
                CASE WHEN cat = 'ocop' THEN 3 + floor({u(g, 10)} * 3)::int END,
                CASE WHEN cat = 'ocop' THEN {g} || '/QĐ-UBND' ELSE '' END, '',
                CASE WHEN cat = 'ocop' THEN valid_from END,
                CASE WHEN cat = 'ocop' THEN valid_from + interval '3 years' - interval '1 day' END,
                '[]', ips, CASE WHEN ips <> 'none' THEN 'trademark' END,
                CASE WHEN ips = 'protected' THEN 'VN-4-' || {g} ELSE '' END,
                ps, CASE WHEN ps IN ('listed', 'submitted') THEN 'NP-' || {g} ELSE '' END,
                CASE WHEN ps <> 'not_submitted'
                     THEN DATE '2026-01-02' + floor({u(g, 11)} * 330)::int END,
                rs, CASE WHEN rs <> 'draft' THEN created + interval '1 day' END,
                CASE WHEN rs IN ('verified', 'rejected') THEN created + interval '4 days' END,
                CASE WHEN rs = 'rejected' THEN 'Thiếu ảnh' ELSE '' END, created, created
            FROM (
                SELECT {g}, '0893' || lpad({g}::text, 9, '0') AS body, {category} AS cat,
                    {review} AS rs,
                    (1 + ({g}::bigint * 7919) % {c.producers}) AS producer_no,
                    DATE '2023-01-01' + floor({u(g, 12)} * 1400)::int AS valid_from,
                    '2025-01-01 09:00+07'::timestamptz + {u(g, 13)} * interval '690 days'
                        AS created,
                    {g} AS n
                FROM generate_series(1, {c.products}) AS {g}
            ) AS x
            CROSS JOIN LATERAL (SELECT CASE WHEN cat IN ('ocop', 'key_product') THEN {ip}
                                            ELSE {ip_other} END AS ips,
                                       CASE WHEN rs = 'verified' THEN {portal}
                                            ELSE 'not_submitted' END AS ps) AS y
            JOIN producers pr ON pr.id = (SELECT min(id) FROM producers) + producer_no - 1
            """,
        )


def _stamps(conn: sa.Connection, c: Counts) -> None:
    g = "g"
    # One batch per order, for products spread over the table (verified ones, as in real use).
    run(
        conn,
        f"""
        INSERT INTO batches (product_id, producer_id, lot_code, produced_on, unit, notes,
            created_at, updated_at, recall_notice)
        SELECT p.id, p.producer_id, 'L26' || lpad({g}::text, 5, '0'),
            DATE '2026-01-05' + floor({u(g, 14)} * 300)::int, 'kg', '',
            '2026-01-05 10:00+07'::timestamptz + {u(g, 14)} * interval '300 days',
            '2026-01-05 10:00+07'::timestamptz + {u(g, 14)} * interval '300 days', ''
        FROM generate_series(1, {c.orders}) AS {g}
        CROSS JOIN (SELECT count(*) AS n FROM products WHERE review_state = 'verified') AS v
        JOIN (SELECT id, producer_id, row_number() OVER (ORDER BY id) AS rn
              FROM products WHERE review_state = 'verified') AS p
          ON p.rn = 1 + ({g}::bigint * 499) % v.n
        """,
    )
    run(
        conn,
        f"""
        INSERT INTO stamp_orders (producer_id, product_id, batch_id, quantity,
            activation_required, layout, note, render_state, rendered_count, render_error,
            rendered_at, pdf_key, created_at, updated_at)
        SELECT b.producer_id, b.product_id, b.id, {c.stamps_per_order}, false,
            '{{"kind": "sheet", "rows": 4, "cols": 3, "size_mm": 30.0}}', '', 'ready',
            {c.stamps_per_order}, '', b.created_at + interval '10 minutes',
            'orders/' || b.id || '.pdf', b.created_at + interval '5 minutes',
            b.created_at + interval '10 minutes'
        FROM batches b ORDER BY b.id
        """,
    )
    # Scan counts 0..10 (mean 4.9 over the stamps), first and last scans between the order and
    # NOW; each scan's time is then spread evenly between them.
    with indexes_off(conn, "stamps"):
        run(
            conn,
            f"""
            INSERT INTO stamps (order_id, producer_id, batch_id, seq, gtin, serial, state,
                voided_at, void_reason, flagged, scan_count, first_scan_at, last_scan_at)
            SELECT o.id, o.producer_id, o.batch_id, seq, p.gtin,
                lpad(o.id::text, 6, '0') || lpad(seq::text, 7, '0'),
                CASE WHEN void THEN 'void' ELSE 'active' END,
                CASE WHEN void THEN o.created_at + interval '20 days' END,
                CASE WHEN void THEN 'Tem hỏng khi dán' ELSE '' END,
                {u("o.id * 1000 + seq", 16)} < 0.02, n,
                CASE WHEN n > 0 THEN first_at END,
                CASE WHEN n > 0 THEN first_at + {u("o.id * 1000 + seq", 17)}
                                     * ('{NOW}'::timestamptz - first_at) END
            FROM stamp_orders o
            JOIN products p ON p.id = o.product_id
            CROSS JOIN LATERAL generate_series(1, o.quantity) AS seq
            CROSS JOIN LATERAL (SELECT
                {u("o.id * 1000 + seq", 15)} < 0.005 AS void,
                least(10, floor({u("o.id * 1000 + seq", 18)} * 10.8))::int AS n,
                o.created_at + interval '1 day'
                    + {u("o.id * 1000 + seq", 19)} * 0.5
                      * ('{NOW}'::timestamptz - o.created_at - interval '1 day') AS first_at
            ) AS d
            """,
        )
    with indexes_off(conn, "scans"):
        run(
            conn,
            """
            INSERT INTO scans (at, stamp_id, producer_id, gtin, lot, serial, verdict, reason,
                client_family, client_hash)
            SELECT s.first_scan_at + CASE WHEN s.scan_count > 1
                     THEN (k - 1)::float8 / (s.scan_count - 1)
                          * (s.last_scan_at - s.first_scan_at)
                     ELSE interval '0' END,
                s.id, s.producer_id, s.gtin, b.lot_code, s.serial,
                CASE WHEN s.state = 'void' THEN 'void'
                     WHEN k = 1 THEN 'genuine'
                     WHEN s.flagged AND k >= 3 THEN 'suspicious'
                     ELSE 'scanned_before' END,
                CASE WHEN s.state = 'void' THEN 'void'
                     WHEN s.flagged AND k >= 3 THEN 'many_places' END,
                CASE WHEN (s.id + k) % 3 = 0 THEN 'ios' ELSE 'android' END,
                lpad(to_hex((s.id * 2654435761 + k * 40503) % 281474976710597), 24, '0')
            FROM stamps s
            JOIN batches b ON b.id = s.batch_id
            CROSS JOIN LATERAL generate_series(1, s.scan_count) AS k
            WHERE s.scan_count > 0
            """,
        )
        # Scans of no stamp: codes never issued (no producer) and bare GTINs (1 % of scans each).
        extra = max(1, c.orders * c.stamps_per_order // 20)
        run(
            conn,
            f"""
            INSERT INTO scans (at, stamp_id, producer_id, gtin, lot, serial, verdict,
                client_family, client_hash)
            SELECT '{YEAR_START}'::timestamptz + {u(g, 20)}
                       * ('{NOW}'::timestamptz - '{YEAR_START}'::timestamptz),
                NULL, CASE WHEN {g} % 2 = 0 THEN p.producer_id END, p.gtin,
                CASE WHEN {g} % 2 = 1 THEN 'X' || {g} END,
                CASE WHEN {g} % 2 = 1 THEN 'FAKE' || lpad({g}::text, 9, '0') END,
                CASE WHEN {g} % 2 = 1 THEN 'not_issued' ELSE 'product' END,
                'android', lpad(to_hex({g} * 7919), 24, '0')
            FROM generate_series(1, {2 * extra}) AS {g}
            JOIN products p ON p.id = (SELECT min(id) FROM products)
                                      + ({g}::bigint * 104729) % {c.products}
            """,
        )


def _reports(conn: sa.Connection, c: Counts) -> None:
    g = "g"
    state = pick(
        g,
        21,
        [("'new'", 0.3), ("'investigating'", 0.2), ("'confirmed'", 0.25), ("'dismissed'", 1)],
    )
    run(
        conn,
        f"""
        INSERT INTO counterfeit_reports (at, stamp_id, producer_id, gtin, lot, serial, verdict,
            message, where_bought, contact, client_hash, state, staff_note, handled_by_id,
            handled_at, reference)
        SELECT at, s.id, s.producer_id, s.gtin, NULL, s.serial, 'suspicious',
            'Tem có dấu hiệu giả', 'Chợ ' || ({g} % 50), '', lpad(to_hex({g}), 24, '0'), st,
            '', NULL,
            CASE WHEN st IN ('confirmed', 'dismissed')
                 THEN least('{NOW}'::timestamptz,
                            at + interval '2 hours' + {u(g, 22)} * interval '240 hours') END,
            'BC-' || lpad(({g} / 10000)::text, 4, '0') || '-' || lpad(({g} % 10000)::text, 4, '0')
        FROM (SELECT {g}, {state} AS st,
                     '{YEAR_START}'::timestamptz + {u(g, 23)} * interval '325 days' AS at
              FROM generate_series(1, {c.reports}) AS {g}) AS r
        JOIN stamps s ON s.id = (SELECT min(id) FROM stamps)
                                + ({g}::bigint * 7877) % {c.orders * c.stamps_per_order}
        """,
    )


def _shops(conn: sa.Connection, c: Counts, framework_id: int) -> None:
    g = "g"
    ward = f"codes.w[1 + least(94, floor(95 * power({u(g, 1)}, 1.2))::int)]"
    kind = pick(
        g,
        2,
        [
            ("'grocery'", 0.35),
            ("'convenience'", 0.15),
            ("'market_stall'", 0.2),
            ("'pharmacy'", 0.05),
            ("'food_service'", 0.15),
            ("'agri_supplies'", 0.05),
            ("'other'", 1),
        ],
    )
    state = pick(g, 3, [("'active'", 0.92), ("'closed'", 0.06), ("'merged'", 1)])
    run(
        conn,
        f"""
        INSERT INTO shops (name, owner_name, phone, ward_code, address, market, kind, state,
            closed_on, merged_into_id, created_at, updated_at)
        SELECT 'Cửa hàng ' || {g}, 'Trần Thị ' || {g},
            '09' || lpad(({g}::bigint * 104729 % 100000000)::text, 8, '0'), {ward},
            'Số ' || ({g} % 500 + 1) || ', Đồng Nai', '', {kind}, st,
            CASE WHEN st = 'closed' THEN (created + interval '120 days')::date END,
            NULL, created, created
        FROM (SELECT {g}, {state} AS st,
                     '2025-06-01 08:00+07'::timestamptz + {u(g, 4)} * interval '540 days'
                         AS created
              FROM generate_series(1, {c.shops}) AS {g}) AS x
        CROSS JOIN ({WARD_CODES}) AS codes
        """,
    )
    # A merged shop points at the shop registered just before it (one that is not merged).
    run(
        conn,
        """
        UPDATE shops m SET merged_into_id = (
            SELECT max(t.id) FROM shops t WHERE t.id < m.id AND t.state <> 'merged')
        WHERE m.state = 'merged'
        """,
    )
    run(conn, "UPDATE shops SET state = 'active' WHERE state = 'merged' AND merged_into_id IS NULL")
    pillars = ("customer", "strategy", "infrastructure", "operations", "skills", "data")
    weights = (25, 10, 15, 25, 15, 10)
    key = "(s.id * 3 + k)"
    scores = {p: f"round((100 * {u(key, 24 + i)})::numeric, 4)" for i, p in enumerate(pillars)}
    total = " + ".join(f"{w} * sc.{p}" for p, w in zip(pillars, weights, strict=True))
    pillar_json = ", ".join(f"'{p}', sc.{p}::float8" for p in pillars)
    flags = {
        "takes_digital_payment": 0.6,
        "uses_einvoice": 0.3,
        "online_presence": 0.45,
        "sells_online": 0.2,
    }
    flag_json = ", ".join(
        f"'{name}', {u(key, 40 + i)} < {share}" for i, (name, share) in enumerate(flags.items())
    )
    # The last assessment of some shops is still a draft or awaits confirmation; the earlier
    # ones of a shop were submitted (some verified).
    run(
        conn,
        f"""
        INSERT INTO assessments (shop_id, framework_id, origin, state, answers, step,
            assessed_on, submitted_at, verified_at, pillar_scores, total, level, flags,
            created_at, updated_at)
        SELECT s.id, {framework_id}, CASE WHEN st = 'awaiting_confirmation' THEN 'self'
                                          ELSE 'officer' END,
            st, '{{}}', CASE WHEN st = 'draft' THEN 2 ELSE 6 END,
            at::date, CASE WHEN st IN ('submitted', 'verified') THEN at END,
            CASE WHEN st = 'verified' THEN at + interval '2 days' END,
            CASE WHEN st = 'draft' THEN '{{}}'::json ELSE json_build_object({pillar_json}) END,
            CASE WHEN st <> 'draft' THEN total END,
            CASE WHEN st = 'draft' THEN NULL
                 WHEN total >= 85 THEN 5 WHEN total >= 70 THEN 4 WHEN total >= 50 THEN 3
                 WHEN total >= 30 THEN 2 WHEN total >= 10 THEN 1 ELSE 0 END,
            CASE WHEN st = 'draft' THEN '{{}}'::json ELSE json_build_object({flag_json}) END,
            at - interval '1 hour', at
        FROM shops s
        CROSS JOIN LATERAL (SELECT 1 + floor({u("s.id", 5)} * 3)::int AS n) AS cnt
        CROSS JOIN LATERAL generate_series(1, cnt.n) AS k
        CROSS JOIN LATERAL (SELECT
            CASE WHEN k = cnt.n AND {u(key, 6)} < 0.08 THEN 'draft'
                 WHEN k = cnt.n AND {u(key, 7)} < 0.03 THEN 'awaiting_confirmation'
                 WHEN {u(key, 8)} < 0.4 THEN 'verified' ELSE 'submitted' END AS st,
            greatest(s.created_at, '{YEAR_START}'::timestamptz) + interval '1 day'
                + (k - 1 + {u(key, 9)}) / cnt.n
                  * ('{NOW}'::timestamptz - interval '3 days'
                     - greatest(s.created_at, '{YEAR_START}'::timestamptz)) AS at
        ) AS a
        CROSS JOIN LATERAL (SELECT {", ".join(f"{v} AS {p}" for p, v in scores.items())}) AS sc
        CROSS JOIN LATERAL (SELECT ({total}) / 100 AS total) AS t
        """,
    )


# --- the whole database -----------------------------------------------------------------------


@dataclass
class Generated:
    counts: Counts
    seconds: dict[str, float] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())


TABLES = (
    "producers",
    "products",
    "batches",
    "stamp_orders",
    "stamps",
    "scans",
    "counterfeit_reports",
    "shops",
    "assessments",
)


def generate(database_url: str, scale: float, *, log: Callable[[str], None] = print) -> Generated:
    """Build the whole database at `scale` on an empty database (migrations included)."""
    from core.accounts import services as accounts
    from core.accounts.models import Role
    from core.extensions import db
    from retail.assessments import frameworks

    counts = Counts.at(scale)
    out = Generated(counts)
    app = benchlib.bench_app(database_url)

    def timed(name: str, work: Callable[[], None]) -> None:
        start = time.perf_counter()
        work()
        out.seconds[name] = round(time.perf_counter() - start, 2)
        log(f"  {name:<28} {out.seconds[name]:>8.1f} s")

    with app.app_context():

        def schema() -> None:
            benchlib.migrate_and_load_wards()
            db.session.commit()

        timed("schema and wards", schema)

        def people() -> None:
            accounts.create_user(
                email=STAFF_EMAIL,
                password=benchlib.PASSWORD,
                full_name="Cán bộ Sở",
                role=Role.STAFF,
            )
            accounts.create_user(
                email=OFFICER_EMAIL,
                password=benchlib.PASSWORD,
                full_name="Cán bộ phường",
                role=Role.OFFICER,
                ward_codes=[benchlib.WARD_CODE],
            )
            frameworks.seed_default()
            db.session.commit()

        timed("users and framework", people)
        framework_id = db.session.execute(
            sa.text("SELECT id FROM assessment_frameworks WHERE state = 'published'")
        ).scalar_one()
        db.session.remove()

        engine = benchlib._engine(database_url)
        with engine.connect() as conn:
            conn.exec_driver_sql("SET maintenance_work_mem = '512MB'")
            conn.exec_driver_sql("SET work_mem = '64MB'")
            conn.exec_driver_sql("SET synchronous_commit = off")
            # The planner overestimates the LATERAL generate_series rows and would spend
            # seconds JIT-compiling each INSERT … SELECT (13 s of 14 at BENCH_SCALE=0.01).
            conn.exec_driver_sql("SET jit = off")
            conn.commit()

            def in_tx(part: Callable[..., None], *args) -> Callable[[], None]:
                def run() -> None:
                    part(conn, counts, *args)
                    conn.commit()

                return run

            timed(f"producers ({counts.producers:,})", in_tx(_producers))
            timed(f"products ({counts.products:,})", in_tx(_products))
            timed("batches, orders, stamps, scans", in_tx(_stamps))
            timed(f"counterfeit reports ({counts.reports:,})", in_tx(_reports))
            timed(f"shops ({counts.shops:,}), assessments", in_tx(_shops, framework_id))

            def vacuum() -> None:
                auto = conn.execution_options(isolation_level="AUTOCOMMIT")
                for table in TABLES:
                    auto.exec_driver_sql(f"VACUUM (ANALYZE) {table}")

            timed("vacuum analyze", vacuum)
            for table in TABLES:
                out.rows[table] = conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar()
        engine.dispose()
    return out


def report(generated: Generated, log: Callable[[str], None] = print) -> None:
    log(f"  {'total':<28} {generated.total_seconds:>8.1f} s")
    for table, number in generated.rows.items():
        log(f"  {table:<20} {number:>12,} rows")


def _database_url(name: str) -> str:
    return (
        sa.make_url(benchlib.admin_url()).set(database=name).render_as_string(hide_password=False)
    )


def main() -> None:
    benchlib.require_postgres()
    name = os.environ.get("BENCH_REPORTS_DATABASE", DEFAULT_DATABASE)
    scale = scale_from_env()
    admin = benchlib._engine(benchlib.admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    print(f"generating at scale {scale} into {name}:", flush=True)
    generated = generate(_database_url(name), scale, log=lambda line: print(line, flush=True))
    report(generated)
    print(f"kept: {name} (log in as {STAFF_EMAIL} / {benchlib.PASSWORD})")


if __name__ == "__main__":
    main()
