"""Benchmark: EPCIS 2.0 capture rate and query time at 1,000,000 events (issue 11, "Done when").

1. Data: bench/gen_epcis_data.py (1,000,000 events of 100,000 batches and 240,000 stamped items)
   in a scratch database, or with BENCH_EPCIS_REUSE=1 the one it left (BENCH_EPCIS_DATABASE).
2. Queries at that size: BENCH_QUERIES GETs of `/api/epcis/events` each with `MATCH_anyEPC` (one
   item), `MATCH_epcClass` (one lot), `EQ_eventID`, a one-day `GE_/LT_eventTime` range with
   perPage=100, and a paged walk (that day, 3 pages by nextPageToken), one at a time, against
   gunicorn as deployed (APP_ENV=production, 2 × cores + 1 sync workers, a staff token); server
   times from its access log (`%(D)s`). Baselines in the same run: the statements the app ran
   for one request of each kind (caught in process) replayed through psycopg, and a bare Flask
   app answering a JSON body of the same size under the same gunicorn settings. EXPLAIN (ANALYZE,
   BUFFERS) of every statement: `results/epcis_explain.txt`.
3. Capture: POST a BENCH_CAPTURE_EVENTS (10,000) event EPCISDocument (the same journeys a year
   earlier per run: no duplicates) to `/api/epcis/capture`, BENCH_CAPTURE_RUNS times; capture is
   synchronous within the request, so the POST's time is the capture's; the job and rows are
   checked. Floor: those very rows deleted and inserted again by plain psycopg (executemany, then
   COPY) in one transaction. Cost split on a BENCH_PROFILE_EVENTS (2,000) event document: parsing,
   validation and hashing alone, then the capture in process under cProfile, rolled back
   (`results/epcis_profile.txt`).
4. `results/epcis.json`; gunicorn stopped, a scratch database dropped (a reused one keeps its
   1,000,000 events: the captured ones are deleted again).

Run: `.venv/bin/python bench/bench_epcis.py` or `BENCH_ONLY=epcis make bench`. BENCH_SCALE (1.0),
BENCH_WORKERS; the others above.
"""

# The SQL below is built from this file's own constants (table names), never from input.
# ruff: noqa: S608

from __future__ import annotations

import cProfile
import datetime as dt
import functools
import io
import json
import os
import pstats
import random
import re
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import bench_reports
import benchlib
import gen_epcis_data as gen
import sqlalchemy as sa
from bench_reports import Client, busy_share, cpu_times, stats, wait_for_quiet

BENCH_DIR = Path(__file__).resolve().parent
SCALE = float(os.environ.get("BENCH_SCALE", "1.0"))
REUSE = os.environ.get("BENCH_EPCIS_REUSE", "0") == "1"
CAPTURE_EVENTS = int(os.environ.get("BENCH_CAPTURE_EVENTS", "10000"))
CAPTURE_RUNS = int(os.environ.get("BENCH_CAPTURE_RUNS", "2"))
PROFILE_EVENTS = int(os.environ.get("BENCH_PROFILE_EVENTS", "2000"))
SQL_SAMPLES = 20  # requests of each kind whose statements are replayed
QUERIES = int(os.environ.get("BENCH_QUERIES", "100"))
WORKERS = int(os.environ.get("BENCH_WORKERS", str(2 * (os.cpu_count() or 1) + 1)))
STAFF_EMAIL = "staff-epcis@bench.example.vn"
log = functools.partial(print, flush=True)


def bare_json_app():
    """gunicorn 'bench_epcis:bare_json_app()': Flask answering `/json?bytes=N` with an
    EPCISQueryDocument-shaped JSON padded to exactly N bytes (the real answer's size)."""
    from flask import Flask, Response, request

    app = Flask(__name__, static_folder=None)
    shell = {"@context": [gen.EPCIS_CONTEXT], "type": "EPCISQueryDocument", "pad": ""}

    @app.get("/json")
    def answer() -> Response:
        size = request.args.get("bytes", 1000, type=int)
        body = dict(shell, creationDate=dt.datetime.now(dt.UTC).isoformat())
        empty = len(json.dumps(body).encode())
        body["pad"] = "x" * max(0, size - empty)
        return Response(json.dumps(body), mimetype="application/ld+json")

    @app.get("/healthz")
    def healthz() -> dict:
        return {"status": "ok"}

    return app


class Server(bench_reports.Server):
    """gunicorn as bench_reports starts it (its access log, readiness and stop), but serving the
    app with the API's rate limit lifted or the bare JSON app, and with a long timeout."""

    def __init__(self, target: str, workdir: Path, url: str | None = None):
        self.target, self.port = target, bench_reports.free_port()
        self.access_log = workdir / f"{target}-{self.port}-access.log"
        self.error_log = workdir / f"{target}-{self.port}-error.log"
        env = bench_reports.server_env("app", url or "") if target == "app" else dict(os.environ)
        env["FLASK_RATELIMIT_API"] = "1000000 per minute"
        spec = ["wsgi:app"] if target == "app" else ["bench_epcis:bare_json_app()"]
        command = [
            str(bench_reports.BIN / "gunicorn"),
            *("--bind", f"127.0.0.1:{self.port}", "--workers", str(WORKERS)),
            *("--worker-class", "sync", "--backlog", "2048"),
            *("--timeout", "1800", "--graceful-timeout", "5"),  # a capture is one long request
            *("--access-logfile", str(self.access_log)),
            *("--access-logformat", "%(s)s %(m)s %(D)s %(U)s"),
            *("--error-logfile", str(self.error_log), "--log-level", "warning"),
            *("--chdir", str(benchlib.PROJECT_ROOT), "--pythonpath", str(BENCH_DIR), *spec),
        ]
        self.process = subprocess.Popen(
            command, env=env, start_new_session=True, stdout=subprocess.DEVNULL
        )
        self._wait_ready()

    def entries(self) -> list[tuple[str, float]]:
        """(status, server ms) of every request logged so far."""
        return [(status, ms) for status, _, ms, _ in self.log_entries()]

    def settle(self, expected: int, timeout: float = 10) -> list[tuple[str, float]]:
        return [(status, ms) for status, _, ms, _ in super().settle(expected, timeout)]

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


@contextmanager
def database() -> Iterator[tuple[str, dict | None]]:
    """(url, what generating it took) of a generated database; dropped unless reused."""
    if REUSE:
        yield gen.database_url(os.environ.get("BENCH_EPCIS_DATABASE", gen.DEFAULT_DATABASE)), None
        return
    with benchlib.scratch_database("epcis") as url:
        log(f"generating at scale {SCALE}:")
        generated = gen.generate(url, SCALE, log=log)
        gen.report(generated, log)
        yield url, dict(seconds=generated.seconds, rows=generated.rows, check=generated.check)


def staff_token(url: str) -> tuple[int, str]:
    from core.accounts import services as accounts
    from core.accounts.models import Role, User
    from core.extensions import db

    app = benchlib.bench_app(url)
    with app.app_context():
        staff = db.session.scalar(sa.select(User).where(User.email == STAFF_EMAIL))
        if staff is None:
            who = {"full_name": "Cán bộ Sở", "role": Role.STAFF}
            staff = accounts.create_user(email=STAFF_EMAIL, password=benchlib.PASSWORD, **who)
        token = accounts.create_token(staff, "bench-epcis")[1]
        db.session.commit()
        return staff.id, token


def capture_document(registry: gen.Registry, count: int, years_back: int) -> dict:
    """An EPCISDocument of `count` events: the first batches' journeys `years_back` years earlier
    (new event times, so new hashes: nothing in it is a duplicate)."""
    maker = gen.Maker(registry, shift=-dt.timedelta(days=364 * years_back))
    events: list[dict] = []
    for batch in registry.batches:
        events.extend(maker.batch(batch))
        if len(events) >= count:
            break
    return {
        "@context": [gen.EPCIS_CONTEXT, *gen.event_context()],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-12-01T08:00:00.000Z",
        "epcisBody": {"eventList": events[:count]},
    }


def psycopg_connect(url: str):
    import psycopg

    return psycopg.connect(gen._psycopg_url(url))


def measure_capture(url: str, registry: gen.Registry, token: str, workdir: Path) -> dict:
    runs = []
    auth = {"Authorization": f"Bearer {token}"}
    sent = {
        **auth,
        "Content-Type": "application/ld+json",
        "GS1-Capture-Error-Behaviour": "rollback",
    }
    with Server("app", workdir, url) as server:
        client = Client(server.port)
        for n in range(1, CAPTURE_RUNS + 1):
            body = json.dumps(capture_document(registry, CAPTURE_EVENTS, n)).encode()
            busy = wait_for_quiet()
            logged, before = len(server.settle(len(server.entries()))), cpu_times()
            start = time.perf_counter()
            http = HTTPConnection("127.0.0.1", server.port, timeout=3600)  # Client's is 180 s
            http.request("POST", "/api/epcis/capture", body=body, headers=sent)
            with http.getresponse() as got:
                status, headers, answer = got.status, dict(got.getheaders()), got.read()
            seconds = time.perf_counter() - start
            share = busy_share(before, cpu_times())
            location = headers.get("Location", "")
            if status != 202 or not location:
                raise SystemExit(f"bench_epcis: capture answered {status}: {answer[:2000]!r}")
            job_status, _, job = client.request("GET", location, headers=auth)
            job = json.loads(job)
            with psycopg_connect(url) as conn:
                pk = conn.execute(
                    "SELECT id FROM epcis_captures WHERE capture_id = %s",
                    (location.rstrip("/").rsplit("/", 1)[-1],),
                ).fetchone()[0]
                stored = {t: len(rows) for t, (_, rows) in captured_rows(conn, pk).items()}
            run = {
                "events": CAPTURE_EVENTS,
                "body_bytes": len(body),
                "seconds": round(seconds, 2),
                "events_per_s": round(CAPTURE_EVENTS / seconds, 1),
                "server_s": round(server.settle(logged + 1)[logged][1] / 1000, 2),
                "job": {k: job.get(k) for k in ("success", "running", "errors")},
                "stored_rows": stored,
                "checks": {
                    "job_read": job_status == 200,
                    "success": job.get("success") is True and not job.get("errors"),
                    "all_stored": stored["trace_events"] == CAPTURE_EVENTS,
                },
                "cpu_busy_share": share,
                "busy_before": busy,
                "floor": measure_floor(url, pk),
            }
            run["app_over_floor"] = {
                how: round(run["seconds"] / floor["seconds"], 1)
                for how, floor in run["floor"].items()
            }
            log(
                f"  capture {n}: {run['seconds']:.1f} s, {run['events_per_s']:.0f} events/s; "
                f"floor {run['floor']}"
            )
            runs.append(run)
    return {"runs": runs, "events_per_s": statistics.median(r["events_per_s"] for r in runs)}


def captured_rows(conn, capture_pk: int) -> dict[str, tuple[list[str], list[tuple]]]:
    """(columns, rows) of trace_events and event_identifiers that a capture job stored."""
    out = {}
    for table, where in (
        ("trace_events", "t.capture_pk = %s"),
        ("event_identifiers", "t.event_pk IN (SELECT id FROM trace_events WHERE capture_pk = %s)"),
    ):
        cursor = conn.execute(
            f"SELECT t.* FROM {table} t WHERE {where} ORDER BY t.id", (capture_pk,)
        )
        out[table] = [c.name for c in cursor.description], [_jsonable(r) for r in cursor]
    return out


def measure_floor(url: str, capture_pk: int) -> dict:
    """The captured rows, deleted and inserted again by plain psycopg: executemany, then COPY."""
    out = {}
    with psycopg_connect(url) as conn:
        rows = captured_rows(conn, capture_pk)
        for how in ("executemany", "copy"):
            delete_captured(conn, "= %s", (capture_pk,))
            start = time.perf_counter()
            with conn.cursor() as cur:
                for table, (cols, values) in rows.items():
                    names = ", ".join(cols)
                    if how == "copy":
                        with cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                            for row in values:
                                copy.write_row(row)
                    else:
                        marks = ", ".join(["%s"] * len(cols))
                        cur.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", values)
            conn.commit()
            seconds = time.perf_counter() - start
            events = len(rows["trace_events"][1])
            out[how] = {"seconds": round(seconds, 3), "events_per_s": round(events / seconds, 1)}
    return out


def _jsonable(row: tuple) -> tuple:
    """A row read back, with its JSON columns as JSON text again (psycopg parsed them)."""
    from psycopg.types.json import Json

    return tuple(Json(v) if isinstance(v, dict | list) else v for v in row)


def profile_capture(url: str, registry: gen.Registry, user_id: int) -> dict:
    """Where a capture's time goes, on a BENCH_PROFILE_EVENTS document: parsing, validation and
    hashing timed alone (ms per event), then the capture in process under cProfile (rolled back)."""
    from core.accounts.models import User
    from core.extensions import db
    from traceability.events import capture, hashing, validation

    small = capture_document(registry, PROFILE_EVENTS, CAPTURE_RUNS + 1)
    body, context, events = json.dumps(small).encode(), gen.event_context(), small["epcisBody"]
    parts: dict = {"events": PROFILE_EVENTS}
    validation.validate_document(capture_document(registry, 1, 9))  # the schema compiled once
    for name, work in (
        ("json_parse_ms_per_event", lambda: json.loads(body)),
        ("validation_ms_per_event", lambda: validation.validate_document(small)),
        (
            "hashing_ms_per_event",
            lambda: [hashing.event_hash(e, context) for e in events["eventList"]],
        ),
    ):
        start = time.perf_counter()
        work()
        parts[name] = round((time.perf_counter() - start) * 1000 / PROFILE_EVENTS, 2)
    profiler = cProfile.Profile()
    with benchlib.bench_app(url).app_context():
        try:
            start = time.perf_counter()
            with profiler:
                captured = capture.capture_document(small, db.session.get(User, user_id))
                db.session.flush()
            parts["profiled_capture_s"] = round(time.perf_counter() - start, 2)
            parts["profiled_ok"] = captured.job.success is True
        finally:
            db.session.rollback()
            db.session.remove()
    text = io.StringIO()
    stats_ = pstats.Stats(profiler, stream=text)
    stats_.sort_stats("cumulative").print_stats(50)
    text.write("\n=== by own time ===\n")
    stats_.sort_stats("tottime").print_stats(30)
    (benchlib.RESULTS_DIR / "epcis_profile.txt").write_text(text.getvalue())
    total = stats_.total_tt
    parts["profiled_shares"] = {
        label: round(sum(v[3] for k, v in stats_.stats.items() if want(k)) / total, 3)
        for label, want in PROFILED.items()
    }
    return parts


# Cumulative time of these functions in the profile, shares of the whole capture:
PROFILED = {
    "validation": lambda k: k[2] == "check_document" and k[0].endswith("validation.py"),
    "hashing": lambda k: k[2] == "event_hash" and k[0].endswith("hashing.py"),
    "store": lambda k: k[2] == "store_events" and k[0].endswith("store.py"),
    "sql_execute": lambda k: k[2] == "_execute_context" and "sqlalchemy" in k[0],  # overlaps:
    "flush": lambda k: k[2] == "flush" and k[0].endswith("orm/session.py"),  # a flush runs SQL
    "psycopg_query_convert": lambda k: k[2] == "_query2pg_nocache",
}


# Where each kind's values come from: identifiers and events spread over the tables.
SAMPLE_SQL = {
    "MATCH_anyEPC": "SELECT identifier FROM event_identifiers WHERE role = 'epc'"
    " AND serial IS NOT NULL AND id % 97 = 0 ORDER BY id LIMIT 5000",
    "MATCH_epcClass": "SELECT DISTINCT identifier FROM event_identifiers WHERE role = 'quantity'"
    " AND id % 53 = 0 LIMIT 5000",
    "EQ_eventID": "SELECT event_id FROM trace_events WHERE id % 101 = 0 ORDER BY id LIMIT 5000",
}


def query_samples(url: str, count: int) -> dict[str, list[str]]:
    """Query strings of each kind, spread over the data (the same on every run)."""
    rnd = random.Random(11)
    with psycopg_connect(url) as conn:
        values = {name: [r[0] for r in conn.execute(sql)] for name, sql in SAMPLE_SQL.items()}
    days = [dt.date(2026, 2, 1) + dt.timedelta(days=rnd.randrange(290)) for _ in range(count)]

    def day(d: dt.date) -> str:
        since, until = (f"{x.isoformat()}T00:00:00+07:00" for x in (d, d + dt.timedelta(days=1)))
        return urlencode({"GE_eventTime": since, "LT_eventTime": until, "perPage": 100})

    out = {k: [urlencode({k: rnd.choice(v)}) for _ in range(count)] for k, v in values.items()}
    out["day_perPage_100"] = [day(d) for d in days]
    out["paged_walk"] = out["day_perPage_100"][: max(1, count // 3)]
    return out


def walk(get, query: str, pages: int) -> list[tuple[int, dict, bytes]]:
    """`pages` answers of a query, each following the previous one's next link; `get(query)`
    answers (status, headers, body)."""
    answers = [get(query)]
    while len(answers) < pages and answers[-1][0] == 200:
        _, headers, body = answers[-1]
        match = re.search(r'<([^>]+)>\s*;\s*rel="?next"?', headers.get("Link", ""))
        token = json.loads(body).get("nextPageToken")
        if match is None and not token:
            break
        answers.append(get(urlsplit(match[1]).query if match else f"nextPageToken={token}"))
    return answers


def found(answer: tuple[int, dict, bytes]) -> int:
    if answer[0] != 200:
        return 0
    return len(json.loads(answer[2])["epcisBody"]["queryResults"]["resultsBody"]["eventList"])


def pages_of(kind: str) -> int:
    return 3 if kind == "paged_walk" else 1


def measure_queries(url: str, token: str, workdir: Path, samples: dict[str, list[str]]) -> dict:
    out: dict[str, dict] = {}
    sent = {"Authorization": f"Bearer {token}", "Accept": "application/ld+json"}
    with Server("app", workdir, url) as server:
        client = Client(server.port)
        client_ms: list[float] = []

        def get(query: str) -> tuple[int, dict, bytes]:
            start = time.perf_counter()
            answer = client.request("GET", f"/api/epcis/events?{query}", headers=sent)
            client_ms.append((time.perf_counter() - start) * 1000)
            return answer

        warm_up = samples["MATCH_anyEPC"][:10]  # every worker's caches
        for query in warm_up:
            get(query)
        before = 1 + len(warm_up)  # log lines so far: /healthz and the warm-up
        for kind, queries in samples.items():
            cpu = cpu_times()
            client_ms.clear()
            answers = [walk(get, query, pages_of(kind)) for query in queries]
            flat = [a for pages in answers for a in pages]
            entries = server.settle(before + len(flat))[before:]
            server_ms = [ms for _, ms in entries]
            out[kind] = {
                "requests": len(flat),
                "server_ms": stats(server_ms),
                "client_ms": stats(client_ms),
                "bytes_median": statistics.median(len(a[2]) for a in flat),
                "events_per_answer": stats([float(found(a)) for a in flat]),
                "checks": {
                    "all_200": all(a[0] == 200 for a in flat)
                    and all(s == "200" for s, _ in entries),
                    "logged": len(entries) == len(flat),
                    "found_events": all(found(a) > 0 for a in flat),
                    "pages": all(len(pages) == pages_of(kind) for pages in answers),
                },
                "cpu_busy_share": busy_share(cpu, cpu_times()),
            }
            if kind == "paged_walk" and len(flat) == 3 * len(queries):
                out[kind]["server_ms_by_page"] = [stats(server_ms[p::3]) for p in range(3)]
            before += len(flat)
            log(f"  {kind:<16} server ms {out[kind]['server_ms']}")
    return out


def measure_bare(workdir: Path, app: dict) -> dict:
    """The bare app answering each query kind's median body size, as many times."""
    out, before = {}, 11  # log lines so far: /healthz and the warm-up
    with Server("bare", workdir) as server:
        client = Client(server.port)
        for _ in range(10):
            client.get("/json?bytes=1000")
        for kind, row in app.items():
            for _ in range(row["requests"]):
                client.get(f"/json?bytes={int(row['bytes_median'])}")
            entries = server.settle(before + row["requests"])[before:]
            before += row["requests"]
            out[kind] = {"server_ms": stats([ms for _, ms in entries])}
    return out


def sql_of_requests(url: str, token: str, samples: dict[str, list[str]]) -> dict[str, list]:
    """The statements on the event tables the app runs for each sample (a walk: all its pages),
    caught in process (test client) with their parameters."""
    from core.extensions import db

    app = benchlib.bench_app(url, RATELIMIT_ENABLED=False)
    caught: list[tuple[str, object]] = []

    def listen(conn, cursor, statement, parameters, context, executemany) -> None:
        if re.search(r"trace_events|event_identifiers", statement):
            caught.append((statement, parameters))

    out: dict[str, list] = {}
    sent = {"Authorization": f"Bearer {token}", "Accept": "application/ld+json"}
    with app.app_context():
        client = app.test_client()

        def get(query: str) -> tuple[int, dict, bytes]:
            answer = client.get(f"/api/epcis/events?{query}", headers=sent)
            return answer.status_code, dict(answer.headers), answer.data

        get(samples["MATCH_anyEPC"][0])  # first-use queries out of the way
        sa.event.listen(db.engine, "before_cursor_execute", listen)
        for kind, queries in samples.items():
            out[kind] = []
            for query in queries[:SQL_SAMPLES]:
                caught.clear()
                walk(get, query, pages_of(kind))
                out[kind].append(list(caught))
        sa.event.remove(db.engine, "before_cursor_execute", listen)
    return out


def measure_sql(url: str, caught: dict[str, list]) -> dict:
    """Each kind's statements replayed through psycopg (QUERIES times, cycling over the samples);
    EXPLAIN (ANALYZE, BUFFERS) of the first sample's saved."""
    out, explain = {}, []
    with psycopg_connect(url) as conn:
        for kind, samples in caught.items():
            times = []
            for n in range(QUERIES):
                start = time.perf_counter()
                for statement, params in samples[n % len(samples)]:
                    conn.execute(statement, params).fetchall()
                times.append((time.perf_counter() - start) * 1000)
            out[kind] = {"statements": len(samples[0]), "ms": stats(times)}
            for statement, params in samples[0]:
                plan = conn.execute(f"EXPLAIN (ANALYZE, BUFFERS) {statement}", params).fetchall()
                explain.append(f"=== {kind} ===\n{statement}\n-- {params}\n")
                explain.append("\n".join(r[0] for r in plan) + "\n")
            conn.rollback()
    (benchlib.RESULTS_DIR / "epcis_explain.txt").write_text("\n".join(explain))
    return out


def delete_captured(conn, which: str, params: tuple = ()) -> None:
    """Delete the events (and their identifiers) of the capture jobs `capture_pk {which}`."""
    events = f"SELECT id FROM trace_events WHERE capture_pk {which}"
    conn.execute(f"DELETE FROM event_identifiers WHERE event_pk IN ({events})", params)
    conn.execute(f"DELETE FROM trace_events WHERE capture_pk {which}", params)
    conn.commit()


def run() -> dict:
    benchlib.require_postgres()
    benchlib.RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    settings = (SCALE, CAPTURE_EVENTS, CAPTURE_RUNS, PROFILE_EVENTS, QUERIES, WORKERS, REUSE)
    names = "scale capture_events capture_runs profile_events queries workers reuse".split()  # noqa: SIM905
    result: dict = {"settings": dict(zip(names, settings, strict=True))}
    with database() as (url, generated), tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        result["generated"] = generated
        with psycopg_connect(url) as conn:
            result["rows"] = {
                t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in gen.EVENT_TABLES
            }
        result["load_average_before"] = os.getloadavg()
        user_id, token = staff_token(url)
        log(f"queries at {result['rows']['trace_events']:,} events:")
        samples = query_samples(url, QUERIES)
        app = measure_queries(url, token, workdir, samples)
        result["queries"] = {
            "app": app,
            "sql": measure_sql(url, sql_of_requests(url, token, samples)),
            "bare": measure_bare(workdir, app),
            "samples": {kind: queries[0] for kind, queries in samples.items()},
        }
        benchlib.write_result("epcis", result)  # the queries' figures, should the capture fail
        with benchlib._engine(url).connect() as conn:
            registry = gen.Registry.read(conn)
        log(f"capture of {CAPTURE_EVENTS:,} events:")
        try:
            result["capture"] = measure_capture(url, registry, token, workdir)
            result["capture"]["in_process"] = profile_capture(url, registry, user_id)
        finally:
            if REUSE:  # keep the reused database as gen_epcis_data left it
                with psycopg_connect(url) as conn:
                    delete_captured(conn, "IS NOT NULL")
                    conn.execute("DELETE FROM epcis_captures")
                    conn.commit()
        result["load_average_after"] = os.getloadavg()
    return result


def print_table(result: dict) -> None:
    log("\nEPCIS benchmark")
    for n, run_ in enumerate(result["capture"]["runs"], 1):
        log(
            f"  capture {n}: {run_['events_per_s']:.0f} events/s ({run_['seconds']} s); floor "
            f"{run_['floor']}; app/floor {run_['app_over_floor']}"
        )
    log(f"  in process: {result['capture']['in_process']}")
    q = result["queries"]
    for kind, row in q["app"].items():
        sql, bare = q["sql"][kind]["ms"]["p50"], q["bare"][kind]["server_ms"]["p50"]
        log(
            f"  {kind:<16} app p50 {row['server_ms']['p50']:>7} ms p95 "
            f"{row['server_ms']['p95']:>7} | SQL p50 {sql:>6} | bare p50 {bare:>5} ms"
        )


def main() -> None:
    result = run()
    checks = [c for r in result["capture"]["runs"] for c in r["checks"].values()]
    checks += [c for r in result["queries"]["app"].values() for c in r["checks"].values()]
    result["checks_ok"] = all(checks)
    path = benchlib.write_result("epcis", result)
    print_table(result)
    log(f"\nwritten: {path.relative_to(benchlib.PROJECT_ROOT)}")
    if not result["checks_ok"]:
        raise SystemExit("bench_epcis: a check failed (see the checks in the result file)")


if __name__ == "__main__":
    main()
