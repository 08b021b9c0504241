"""Benchmark: the indicator snapshots, the dashboard and the ward table's XLSX at province size
(issue 10, item 9).

Goals: the dashboard's server time ≤ 300 ms (warm, p95) and the ward table's XLSX export ≤ 3 s.

What one run does:
1. builds the data (bench/gen_reports_data.py: 1,000,000 products, 200,000 shops with
   assessments, 10,000,000 scans at BENCH_SCALE = 1.0) in a scratch database, or, with
   BENCH_REPORTS_REUSE=1, uses the database gen_reports_data.py left (BENCH_REPORTS_DATABASE,
   default bench_reports_data) after deleting its snapshots;
2. (a) times `snapshots.take` for the current month, the previous month (a closing snapshot) and
   the year, each committed, and each family of measures alone for the current month and the
   year (where a snapshot's time goes); then the closing snapshots of the other months the
   dashboard's charts read (what the month-end run `flask reports snapshot` does once a month);
3. (b) serves the app with gunicorn (APP_ENV=production, 5 sync workers as deployed), logs in as
   the staff user through /login with its CSRF token, and GETs `/reports/?period=<this month>`:
   a warm-up, then BENCH_REQUESTS one at a time, then the same number at each of
   BENCH_CONCURRENCY connections; the server time of each request is gunicorn's own (`%(D)s` in
   the access log), the client's time is measured too. The bare Flask app (bench/bare_app.py,
   padded to the dashboard's byte size, no database) is served and measured the same way, right
   after, with the same gunicorn settings: the ratio says what the dashboard's own work costs;
4. (c) GETs `/reports/export/wards.xlsx?period=<this month>` BENCH_XLSX_RUNS times, checks each
   is a workbook openpyxl opens with a row per ward, and times it;
5. writes bench/results/reports.json and prints a table; gunicorn is stopped and the scratch
   database dropped (a reused one is kept).

A running month's snapshot is re-taken when older than REPORTS_CURRENT_MAX_AGE_MINUTES (15):
the gunicorn run sets it to 240 so that "warm" stays warm during the measurement; what a re-take
costs is the current month's `take` time of step 2 (see docs/performance.md).

Run: `.venv/bin/python bench/bench_reports.py` (or `BENCH_ONLY=reports make bench`). Settings:
BENCH_SCALE (1.0), BENCH_REPORTS_REUSE (0), BENCH_REPORTS_DATABASE, BENCH_REPORTS_HTTP_ONLY (0:
with REUSE, keep the snapshots already taken and measure only steps 3–4), BENCH_REQUESTS (200),
BENCH_CONCURRENCY ("4,8"), BENCH_XLSX_RUNS (5), BENCH_WORKERS (2 × cores + 1).
"""

from __future__ import annotations

import datetime as dt
import http.client
import io
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import benchlib
import gen_reports_data as gen
import sqlalchemy as sa

BENCH_DIR = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
GOAL_DASHBOARD_P95_MS = 300.0
GOAL_XLSX_S = 3.0
BARE_SAMPLE = "/01/08938501000019/10/L261101/21/AAAAAAAAAAA"

SCALE = gen.scale_from_env()
REUSE = os.environ.get("BENCH_REPORTS_REUSE", "0") == "1"
# With REUSE: keep the snapshots a previous run took and measure only the HTTP part (b, c).
HTTP_ONLY = REUSE and os.environ.get("BENCH_REPORTS_HTTP_ONLY", "0") == "1"
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "200"))
CONCURRENCY = [int(c) for c in os.environ.get("BENCH_CONCURRENCY", "4,8").split(",") if c]
XLSX_RUNS = int(os.environ.get("BENCH_XLSX_RUNS", "5"))
WORKERS = int(os.environ.get("BENCH_WORKERS", str(2 * (os.cpu_count() or 1) + 1)))


QUIET_BUSY = float(os.environ.get("BENCH_QUIET_BUSY", "0.25"))
QUIET_WAIT = float(os.environ.get("BENCH_QUIET_WAIT", "90"))


def log(line: str) -> None:
    print(line, flush=True)


def cpu_times() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs so far (Linux); (0, 0) elsewhere."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return sum(fields) - idle, sum(fields)


def busy_share(before: tuple[int, int], after: tuple[int, int]) -> float | None:
    total = after[1] - before[1]
    return round((after[0] - before[0]) / total, 3) if total else None


def wait_for_quiet() -> float | None:
    """Wait (up to BENCH_QUIET_WAIT s) until the CPUs are mostly idle; the last busy share."""
    deadline = time.monotonic() + QUIET_WAIT
    while True:
        before = cpu_times()
        time.sleep(1)
        share = busy_share(before, cpu_times())
        if share is None or share <= QUIET_BUSY or time.monotonic() > deadline:
            return share


# --- the database ---------------------------------------------------------------------------


@contextmanager
def database() -> Iterator[tuple[str, dict | None]]:
    """(URL, what the generator did) of the database to measure on."""
    if REUSE:
        name = os.environ.get("BENCH_REPORTS_DATABASE", gen.DEFAULT_DATABASE)
        url = gen._database_url(name)
        engine = benchlib._engine(url)
        with engine.begin() as conn:
            if not HTTP_ONLY:
                conn.exec_driver_sql("DELETE FROM indicator_values")
                conn.exec_driver_sql("DELETE FROM indicator_snapshots")
            rows = {
                t: conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar()  # noqa: S608
                for t in gen.TABLES
            }
        engine.dispose()
        log(f"reusing {name}")
        yield url, {"reused": name, "rows": rows}
        return
    with benchlib.scratch_database("reports") as url:
        log(f"generating at scale {SCALE}:")
        made = gen.generate(url, SCALE, log=log)
        gen.report(made, log)
        yield url, {"scale": SCALE, "seconds": made.seconds, "rows": made.rows}


# --- (a) snapshots --------------------------------------------------------------------------


def measure_snapshots(url: str) -> dict:
    from core.db import province_today
    from core.extensions import db
    from reports.dashboard.services import months_to
    from reports.indicators import measures, snapshots
    from reports.indicators.models import PeriodKind, SnapshotValue
    from reports.indicators.periods import Period

    app = benchlib.bench_app(url)
    out: dict = {"take": {}, "families": {}}
    with app.app_context():
        today = province_today()
        current = Period.containing(PeriodKind.MONTH, today)
        periods = {
            "current_month": current,
            "previous_month": current.previous(),
            "year": Period.containing(PeriodKind.YEAR, today),
        }
        out["today"] = today.isoformat()
        for label, period in periods.items():
            start = time.perf_counter()
            snapshot = snapshots.take(period, today=today)
            db.session.commit()
            seconds = time.perf_counter() - start
            values = db.session.scalar(
                sa.select(sa.func.count()).where(SnapshotValue.snapshot_id == snapshot.id)
            )
            out["take"][label] = {
                "period": period.key,
                "kind": str(snapshot.kind),
                "seconds": round(seconds, 2),
                "computing_s": float(snapshot.seconds),
                "values": values,
            }
            log(f"  take {period.key:<8} ({label}): {seconds:6.2f} s, {values} values")
        for label in ("current_month", "year"):
            period = periods[label]
            window = measures.Window(period, period.as_of(today))
            times = {}
            for family in measures.FAMILIES:
                start = time.perf_counter()
                family(window, measures.Result())
                times[family.__name__] = round(time.perf_counter() - start, 2)
            db.session.rollback()
            out["families"][label] = times
            log(f"  families of {period.key}: " + ", ".join(f"{k} {v} s" for k, v in times.items()))
        # The closing snapshots of the months the dashboard's charts read (12 up to this one).
        start = time.perf_counter()
        each = []
        for month in months_to(current, today):
            before = time.perf_counter()
            snapshots.for_period(month, today=today)
            db.session.commit()
            each.append(time.perf_counter() - before)
        out["month_closings"] = {
            "months": len(each),
            "seconds": round(time.perf_counter() - start, 2),
            "max_s": round(max(each), 2),
        }
        log(
            f"  the dashboard's {len(each)} months: {out['month_closings']['seconds']:.1f} s "
            f"(longest {out['month_closings']['max_s']:.1f} s)"
        )
        out["current_period"] = current.key
    return out


# --- gunicorn and an HTTP client ------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn serving the real app or the bare one, with server times in its access log."""

    def __init__(self, target: str, workdir: Path, env: dict[str, str]):
        self.target = target
        self.port = free_port()
        self.access_log = workdir / f"{target}-{self.port}-access.log"
        self.error_log = workdir / f"{target}-{self.port}-error.log"
        spec = ["wsgi:app"] if target == "app" else ["--pythonpath", str(BENCH_DIR), "bare_app:app"]
        command = [
            str(BIN / "gunicorn"),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(WORKERS),
            "--worker-class",
            "sync",
            "--backlog",
            "2048",
            "--timeout",
            "120",  # a cold request may take the month snapshots it lacks
            "--graceful-timeout",
            "5",
            "--access-logfile",
            str(self.access_log),
            "--access-logformat",
            "%(s)s %(m)s %(D)s %(U)s",
            "--error-logfile",
            str(self.error_log),
            "--log-level",
            "warning",
            "--chdir",
            str(benchlib.PROJECT_ROOT),
            *spec,
        ]
        self.process = subprocess.Popen(
            command, env=env, start_new_session=True, stdout=subprocess.DEVNULL
        )
        self._wait_ready()

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"bench_reports: gunicorn exited:\n{self.errors()}")
            try:
                status, _, _ = Client(self.port).get("/healthz")
                if status == 200:
                    self.settle(1)  # its log line, so that later counts start after it
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise SystemExit(f"bench_reports: gunicorn did not answer:\n{self.errors()}")

    def errors(self) -> str:
        return self.error_log.read_text()[-3000:] if self.error_log.exists() else ""

    def lines(self) -> int:
        return len(self.log_entries())

    def log_entries(self) -> list[tuple[str, str, float, str]]:
        """(status, method, server ms, path) of every request logged so far."""
        if not self.access_log.exists():
            return []
        out = []
        for line in self.access_log.read_text().splitlines():
            status, method, micros, path = line.split(maxsplit=3)
            out.append((status, method, int(micros) / 1000, path))
        return out

    def settle(self, expected: int, timeout: float = 10) -> list[tuple[str, str, float, str]]:
        """The log once `expected` lines are written (gunicorn logs after answering)."""
        deadline = time.monotonic() + timeout
        while True:
            entries = self.log_entries()
            if len(entries) >= expected or time.monotonic() > deadline:
                return entries
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


class Client:
    """A browser-like client: one connection per request (sync workers close it), cookies kept."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=180)
        sent = {"Accept-Language": "vi", "Accept": "text/html,*/*"}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        sent.update(headers or {})
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                pair = value.split(";", 1)[0]
                key, _, val = pair.partition("=")
                self.cookies[key.strip()] = val.strip()
        return response.status, dict(response.getheaders()), data

    def get(self, path: str):
        return self.request("GET", path)

    def login(self, email: str, password: str) -> None:
        status, _, page = self.get("/login")
        match = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page)
        if status != 200 or match is None:
            raise SystemExit(f"bench_reports: no login form (status {status})")
        form = urllib.parse.urlencode(
            {"csrf_token": match[1].decode(), "email": email, "password": password}
        ).encode()
        status, _, _ = self.request(
            "POST",
            "/login",
            form,
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        if status != 302:
            raise SystemExit(f"bench_reports: logging in answered {status}, not a redirect")


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (p95 of 200 values: the 190th smallest)."""
    ordered = sorted(values)
    rank = max(1, int(-(-share * len(ordered) // 1)))
    return ordered[min(rank, len(ordered)) - 1]


def stats(values: list[float]) -> dict:
    return {
        "p50": round(statistics.median(values), 1),
        "p95": round(percentile(values, 0.95), 1),
        "p99": round(percentile(values, 0.99), 1),
        "max": round(max(values), 1),
        "mean": round(statistics.fmean(values), 1),
    }


def load(server: Server, client: Client, path: str, count: int, connections: int) -> dict:
    """`count` GETs of `path` over `connections` parallel connections; server and client times."""
    before = server.lines()
    client_ms: list[float] = []
    statuses: list[int] = []
    sizes: list[int] = []
    lock = threading.Lock()
    jobs = iter(range(count))

    def worker() -> None:
        own = Client(client.port)
        own.cookies = dict(client.cookies)
        while True:
            with lock:
                if next(jobs, None) is None:
                    return
            start = time.perf_counter()
            status, _, body = own.get(path)
            spent = (time.perf_counter() - start) * 1000
            with lock:
                client_ms.append(spent)
                statuses.append(status)
                sizes.append(len(body))

    cpu_before = cpu_times()
    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    entries = server.settle(before + count)[before:]
    server_ms = [ms for status, _, ms, _ in entries]
    bad = [s for s in statuses if s != 200] + [s for s, *_ in entries if s != "200"]
    return {
        "connections": connections,
        "requests": count,
        "rps": round(count / wall, 1),
        "server_ms": stats(server_ms),
        "client_ms": stats(client_ms),
        "bytes": statistics.median(sizes),
        "logged": len(entries),
        "checks": {
            "all_200": not bad,
            "logged": len(entries) == count,
        },
        # Everything's CPU use during the run (this client, gunicorn, PostgreSQL, and others).
        "cpu_busy_share": busy_share(cpu_before, cpu_times()),
        "load_average": os.getloadavg()[0],
    }


def server_env(target: str, url: str, page_bytes: int = 0) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "REDIS_URL"))}
    if target == "app":
        env.update(
            DATABASE_URL=url,
            SECRET_KEY=benchlib.SECRET_KEY,
            BASE_URL="https://trace.example.vn",
            APP_ENV="production",
            LEDGER_SIGNING_KEY=benchlib.ledger_signing_key(),
            JOB_QUEUE="sync",
            RATELIMIT_STORAGE_URI="memory://",
            FLASK_RATELIMIT_RESOLVER="1000000 per minute",
            FLASK_RATELIMIT_LOGIN="1000 per minute",
            REPORTS_CURRENT_MAX_AGE_MINUTES="240",
        )
    else:
        env.update(BARE_PAGE_BYTES=str(page_bytes), BARE_SAMPLE_PATH=BARE_SAMPLE)
    return env


def measure_server(target: str, url: str, workdir: Path, path: str, page_bytes: int = 0):
    """Warm-up, sequential and concurrent runs of one page on one server."""
    quiet = wait_for_quiet()
    server = Server(target, workdir, server_env(target, url, page_bytes))
    try:
        client = Client(server.port)
        if target == "app":
            client.login(gen.STAFF_EMAIL, benchlib.PASSWORD)
            server.settle(3)  # /healthz, GET and POST /login logged
        before = server.lines()
        start = time.perf_counter()
        status, headers, body = client.get(path)
        first_ms = (time.perf_counter() - start) * 1000
        if status != 200 or "text/html" not in headers.get("Content-Type", ""):
            raise SystemExit(f"bench_reports: {target} {path} answered {status}\n{server.errors()}")
        server.settle(before + 1)
        out: dict = {"first_ms": round(first_ms, 1), "bytes": len(body), "busy_before": quiet}
        load(server, client, path, 20, 1)  # warm-up: every worker's caches
        out["sequential"] = load(server, client, path, REQUESTS, 1)
        log(
            f"  {target} sequential: server p50 {out['sequential']['server_ms']['p50']} ms, "
            f"p95 {out['sequential']['server_ms']['p95']} ms"
        )
        out["concurrent"] = {}
        for connections in CONCURRENCY:
            run = load(server, client, path, REQUESTS, connections)
            out["concurrent"][str(connections)] = run
            log(
                f"  {target} at {connections} connections: {run['rps']} req/s, server p95 "
                f"{run['server_ms']['p95']} ms, client p95 {run['client_ms']['p95']} ms"
            )
        if target == "app":
            out["xlsx"] = measure_xlsx(server, client, path)
        return out
    finally:
        server.stop()


# --- (c) the ward table's XLSX ---------------------------------------------------------------


def measure_xlsx(server: Server, client: Client, dashboard_path: str) -> dict:
    import openpyxl

    query = dashboard_path.split("?", 1)[1] if "?" in dashboard_path else ""
    path = "/reports/export/wards.xlsx" + (f"?{query}" if query else "")
    times, server_times, rows = [], [], None
    for _ in range(XLSX_RUNS):
        before = server.lines()
        start = time.perf_counter()
        status, headers, body = client.get(path)
        times.append(time.perf_counter() - start)
        entries = server.settle(before + 1)[before:]
        server_times.extend(ms / 1000 for _, _, ms, _ in entries)
        if status != 200 or "spreadsheetml" not in headers.get("Content-Type", ""):
            raise SystemExit(f"bench_reports: {path} answered {status}\n{server.errors()}")
        book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
        rows = sum(1 for _ in book.worksheets[0].iter_rows()) - 1  # minus the header
    result = {
        "path": path,
        "runs": XLSX_RUNS,
        "client_s": [round(t, 3) for t in times],
        "server_s": [round(t, 3) for t in server_times],
        "max_server_s": round(max(server_times), 3),
        "bytes": len(body),
        "rows": rows,
    }
    log(f"  wards.xlsx: {result['server_s']} s (server), {rows} rows, {len(body):,} bytes")
    return result


# --- the whole run --------------------------------------------------------------------------


def run() -> dict:
    benchlib.require_postgres()
    result: dict = {
        "settings": {
            "scale": SCALE,
            "reuse": REUSE,
            "http_only": HTTP_ONLY,
            "requests": REQUESTS,
            "concurrency": CONCURRENCY,
            "xlsx_runs": XLSX_RUNS,
            "workers": WORKERS,
            "worker_class": "sync",
        }
    }
    with database() as (url, made), tempfile.TemporaryDirectory(prefix="bench-reports-") as tmp:
        result["data"] = made
        if HTTP_ONLY:
            from core.db import province_today
            from reports.indicators.models import PeriodKind
            from reports.indicators.periods import Period

            current = Period.containing(PeriodKind.MONTH, province_today()).key
            result["snapshots"] = None
        else:
            log("(a) snapshots:")
            result["snapshots"] = measure_snapshots(url)
            current = result["snapshots"]["current_period"]
        path = f"/reports/?period={current}"
        result["dashboard_path"] = path
        log(f"(b) dashboard {path}, (c) ward table XLSX:")
        app = measure_server("app", url, Path(tmp), path)
        bare = measure_server("bare", url, Path(tmp), BARE_SAMPLE, app["bytes"])
        result["app"], result["bare"] = app, bare
    result["comparison"] = compare(app, bare)
    result["goals"] = goals(app)
    return result


def compare(app: dict, bare: dict) -> dict:
    out = {
        "sequential_server_p50_ratio": round(
            app["sequential"]["server_ms"]["p50"]
            / max(bare["sequential"]["server_ms"]["p50"], 0.1),
            1,
        )
    }
    for connections, row in app["concurrent"].items():
        out[f"throughput_ratio_at_{connections}"] = round(
            row["rps"] / bare["concurrent"][connections]["rps"], 3
        )
    return out


def goals(app: dict) -> dict:
    p95 = app["sequential"]["server_ms"]["p95"]
    xlsx = app["xlsx"]["max_server_s"]
    return {
        "dashboard_p95_ms": {
            "goal_max": GOAL_DASHBOARD_P95_MS,
            "value": p95,
            "met": p95 <= GOAL_DASHBOARD_P95_MS,
        },
        "ward_xlsx_s": {"goal_max": GOAL_XLSX_S, "value": xlsx, "met": xlsx <= GOAL_XLSX_S},
    }


def print_table(result: dict) -> None:
    snap = result["snapshots"]
    if snap:
        print("\nsnapshots (s):")
        for label, row in snap["take"].items():
            print(
                f"  {label:<16} {row['period']:<8} {row['seconds']:>7.2f}  ({row['values']} values)"
            )
        closings = snap["month_closings"]
        print(f"  {closings['months']} months for the charts: {closings['seconds']:.1f} s")
    print("\n                      server p50  server p95  client p95    req/s")
    for target in ("app", "bare"):
        block = result[target]
        rows = [("sequential", block["sequential"])] + [
            (f"{c} connections", row) for c, row in block["concurrent"].items()
        ]
        for label, row in rows:
            print(
                f"  {target:<4} {label:<15} {row['server_ms']['p50']:>8.1f}  "
                f"{row['server_ms']['p95']:>10.1f}  {row['client_ms']['p95']:>10.1f}  "
                f"{row['rps']:>7.1f}"
            )
    print(f"\ncomparison: {result['comparison']}")
    xlsx = result["app"]["xlsx"]
    print(f"ward table XLSX: {xlsx['server_s']} s, {xlsx['rows']} rows")
    for name, goal in result["goals"].items():
        verdict = "met" if goal["met"] else "MISSED"
        print(f"goal {name} ≤ {goal['goal_max']}: {goal['value']} → {verdict}")


def main() -> None:
    started = dt.datetime.now(dt.UTC)
    result = run()
    result["wall_seconds"] = round((dt.datetime.now(dt.UTC) - started).total_seconds())
    path = benchlib.write_result("reports", result)
    print_table(result)
    print(f"\nwritten: {path.relative_to(benchlib.PROJECT_ROOT)}")
    failed = [c for block in ("app", "bare") for c in _checks(result[block]) if not c]
    if failed:
        raise SystemExit("bench_reports: a check failed (non-200 answers or missing log lines)")


def _checks(block: dict) -> list[bool]:
    runs = [block["sequential"], *block["concurrent"].values()]
    return [ok for run in runs for ok in run["checks"].values()]


if __name__ == "__main__":
    main()
