"""The same-work floor of the stamp-page benchmark: bare Flask + psycopg doing the page's SQL.

The bare app (bare_app.py) writes nothing, so the ratio app/bare mixes our own overhead with
PostgreSQL's unavoidable work. This app does what a stamp page must do and nothing else:

1. count the stamp: `UPDATE stamps … WHERE gtin = … AND serial = … AND batch_id = … AND state
   <> 'void' RETURNING …` (the app's own statement: same columns, same conditions);
2. store the scan: `INSERT INTO scans (…) VALUES (…) RETURNING id`, with the same values (a
   verdict from the count, an HMAC of address and client family);
3. `COMMIT` (synchronous, as the app's);
4. render, with Jinja, a page shaped like the consumer page (bare_app's templates and the verdict
   line), padded to exactly the byte size of the real page, as bare_app does.

No framework extensions, no ORM, no rate limiter, no session: one psycopg connection per
gunicorn worker (opened after the fork), its statements prepared by psycopg after first use.
Product and batch (the ids the statements need) are read once per worker, as the app caches its
cards. The ratio app/floor is then what our own Python costs on top of the database's work.

Served by bench_page.py: `gunicorn --pythonpath bench floor_app:app`, with FLOOR_DATABASE_URL
(a psycopg URL) and BARE_PAGE_BYTES / BARE_SAMPLE_PATH as for the bare app.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os

import psycopg
from bare_app import PRODUCER, PRODUCT, TEMPLATES, padding_for
from flask import Flask, Response, render_template, request
from jinja2 import DictLoader

COUNT_STAMP = """
UPDATE stamps SET scan_count = scan_count + 1, last_scan_at = %(now)s,
    first_scan_at = coalesce(first_scan_at, %(now)s)
WHERE gtin = %(gtin)s AND serial = %(serial)s AND batch_id = %(batch_id)s AND state <> 'void'
RETURNING id, serial, batch_id, state, flagged, scan_count, first_scan_at, void_reason
"""
INSERT_SCAN = """
INSERT INTO scans (at, stamp_id, producer_id, gtin, lot, serial, verdict, reason,
    client_family, client_hash)
VALUES (%(now)s, %(stamp_id)s, %(producer_id)s, %(gtin)s, %(lot)s, %(serial)s, %(verdict)s,
    NULL, %(family)s, %(client)s)
RETURNING id
"""
BATCH = """
SELECT b.id, p.producer_id FROM batches b JOIN products p ON p.id = b.product_id
WHERE p.gtin = %s AND b.lot_code = %s
"""

app = Flask(__name__, static_folder=None)
app.jinja_env.loader = DictLoader(TEMPLATES)
SALT = hashlib.sha256(b"scan-client:" + os.environ.get("SECRET_KEY", "floor").encode()).digest()

_connection: psycopg.Connection | None = None
_batches: dict[tuple[str, str], tuple[int, int]] = {}


def connection() -> psycopg.Connection:
    """This worker's connection, opened on its first request (after gunicorn's fork)."""
    global _connection
    if _connection is None or _connection.closed:
        _connection = psycopg.connect(os.environ["FLOOR_DATABASE_URL"], prepare_threshold=0)
    return _connection


def batch_of(conn: psycopg.Connection, gtin: str, lot: str) -> tuple[int, int]:
    key = (gtin, lot)
    if key not in _batches:
        row = conn.execute(BATCH, key).fetchone()
        conn.commit()
        if row is None:
            raise LookupError(key)
        _batches[key] = row
    return _batches[key]


def _render(gtin: str, lot: str, serial: str, verdict: str, padding: str) -> str:
    return render_template(
        "page.html",
        product=PRODUCT,
        producer=PRODUCER,
        gtin=gtin,
        lot=lot,
        serial=serial,
        verdict=verdict,
        padding=padding,
    )


PADDING = padding_for(app, _render, int(os.environ.get("BARE_PAGE_BYTES", "5000")), "genuine")


@app.get("/01/<gtin>/10/<lot>/21/<serial>")
def page(gtin: str, lot: str, serial: str) -> Response:
    conn = connection()
    batch_id, producer_id = batch_of(conn, gtin, lot)
    now = dt.datetime.now(dt.UTC)
    counted = conn.execute(
        COUNT_STAMP, {"now": now, "gtin": gtin, "serial": serial, "batch_id": batch_id}
    ).fetchone()
    first = counted is not None and counted[5] == 1
    verdict = "not_issued" if counted is None else "genuine" if first else "scanned_before"
    family = "android" if "android" in request.user_agent.string.lower() else "other"
    client = hmac.new(SALT, f"{request.remote_addr}|{family}".encode(), hashlib.sha256)
    conn.execute(
        INSERT_SCAN,
        {
            "now": now,
            "stamp_id": counted[0] if counted else None,
            "producer_id": producer_id,
            "gtin": gtin,
            "lot": lot,
            "serial": serial,
            "verdict": verdict,
            "family": family,
            "client": client.hexdigest()[:24],
        },
    ).fetchone()
    conn.commit()
    response = Response(_render(gtin, lot, serial, verdict, PADDING), mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


@app.get("/healthz")
def healthz() -> dict:
    return {"status": "ok"}
