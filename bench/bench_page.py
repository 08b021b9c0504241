"""Benchmark: the consumer's stamp page under HTTP load, beside a same-work floor and a bare
Flask app (issues 3 and 13).

Goals at 32 connections (issue 13): at least 70 % of the same-work floor's throughput (psycopg
running the page's own statements, bench/floor_app.py), and p99 ≤ 50 ms. The ratio to the bare
app (no database at all, bench/bare_app.py) is reported beside it.

What one run does:
1. creates a PostgreSQL database (bench_page_<pid>), runs the migrations, loads the wards, and
   issues BENCH_STAMPS stamps (orders of up to 100,000) for a verified producer's published product;
2. for each connection count (8, 32, 64) serves, one at a time and with the same gunicorn
   settings, the real app (`wsgi:app`, APP_ENV=production), the floor (bench/floor_app.py:
   Flask + psycopg running the page's UPDATE … RETURNING, INSERT and COMMIT, a Jinja page of the
   same byte size) and the bare app (bench/bare_app.py, the same page, no database), each on its
   own port; the app and the floor scan disjoint halves of the stamps, so both mostly make first
   scans;
   each gets a sequential warm-up (which also checks the answers and measures the page size)
   and a short wrk warm-up, then a wrk run of BENCH_DURATION seconds with bench/stamp_page.lua,
   which rotates over the stamps with a phone browser's headers;
3. checks that wrk saw no errors and no non-2xx answer, that every request gunicorn logged was a
   200, and (real app and floor) that the scans recorded in the database equal the 200s logged:
   every answer was a counted page view, nothing failed silently; it also records the CPU time
   gunicorn, PostgreSQL, wrk and every other process used during the run, and measures again
   (BENCH_ATTEMPTS) a run in which other processes took more than BENCH_MAX_OTHER of the CPUs;
4. writes bench/results/page.json, prints a table, stops gunicorn and drops the database.

Run: `.venv/bin/python bench/bench_page.py` (or `make bench`). Settings via the environment:
BENCH_DATABASE_URL (admin connection), BENCH_DURATION (s, 15), BENCH_WARMUP (s, 4),
BENCH_CONNECTIONS ("8,32,64"), BENCH_ROUNDS (1; medians when more), BENCH_STAMPS (150000 × rounds),
BENCH_WORKER_CLASS (sync), BENCH_WORKERS (2 × cores + 1), BENCH_THREADS (1),
BENCH_RATELIMIT_STORAGE (redis://127.0.0.1:6379/0 when reachable, else memory://),
BENCH_QUIET_BUSY / BENCH_QUIET_WAIT / BENCH_MAX_OTHER / BENCH_ATTEMPTS (see Settings).
"""

from __future__ import annotations

import os
import resource
import statistics
import tempfile
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import benchlib
import sqlalchemy as sa
from pageload import Server, Steal, cpu_by_group, redis_reachable, run_wrk, wait_for_quiet

GOAL_RATIO = 0.70  # of the same-work floor's throughput
GOAL_P99_MS = 50.0
TARGETS = ("app", "floor", "bare")  # alternated in this order, per connection count and round
# The app and the floor both write scans: each scans its own half of the stamps.
WRITERS = ("app", "floor")
GOAL_CONNECTIONS = 32
BROWSER_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "vi-VN,vi;q=0.9,en;q=0.8",
    "User-Agent": "Mozilla/5.0 (Linux; Android 14; SM-A556E) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
}


@dataclass
class Settings:
    """The knobs of a run, from the environment, recorded in the results."""

    duration_s: int = int(os.environ.get("BENCH_DURATION", "15"))
    warmup_s: int = int(os.environ.get("BENCH_WARMUP", "4"))
    connections: list[int] = field(
        default_factory=lambda: [
            int(c) for c in os.environ.get("BENCH_CONNECTIONS", "8,32,64").split(",")
        ]
    )
    rounds: int = int(os.environ.get("BENCH_ROUNDS", "1"))
    # Enough stamps that most scans of a run are first scans, as in real use; the verdicts of
    # the scans each run recorded are in the results (a repeat scan costs one more query).
    stamps: int = int(os.environ.get("BENCH_STAMPS", str(150_000 * rounds)))
    wrk_threads: int = int(os.environ.get("BENCH_WRK_THREADS", "2"))
    # As deployed (docs/operations.md): sync workers, 2 × cores + 1 of them, so the cores stay
    # busy while some workers wait on PostgreSQL. Threads in one process (gthread) measured
    # slower for the app: its requests are CPU-bound and queue on the GIL. See bench/README.md.
    workers: int = int(os.environ.get("BENCH_WORKERS", str(2 * (os.cpu_count() or 1) + 1)))
    threads: int = int(os.environ.get("BENCH_THREADS", "1"))
    worker_class: str = os.environ.get("BENCH_WORKER_CLASS", "sync")
    # Before each measured run, wait (up to quiet_wait_s) until the machine is this idle: other
    # work on the same cores (tests, builds) would otherwise be measured as the app's latency.
    quiet_busy: float = float(os.environ.get("BENCH_QUIET_BUSY", "0.25"))
    quiet_wait_s: int = int(os.environ.get("BENCH_QUIET_WAIT", "90"))
    max_other: float = float(os.environ.get("BENCH_MAX_OTHER", "0.10"))
    attempts: int = int(os.environ.get("BENCH_ATTEMPTS", "3"))
    ratelimit_storage: str = ""

    def gunicorn_args(self) -> list[str]:
        return [
            "--workers",
            str(self.workers),
            "--worker-class",
            self.worker_class,
            "--threads",
            str(self.threads),
            "--backlog",
            "2048",
            "--keep-alive",
            "5",
            "--graceful-timeout",
            "5",
        ]


# --- the database and its stamps -------------------------------------------------------------


ORDER_MAX = 100_000  # STAMP_ORDER_MAX: larger quantities are issued as several orders


def seed_database(url: str, quantity: int) -> list[str]:
    """Schema, wards, a producer with a published product and its orders; the stamps' paths."""
    from sqlalchemy import select

    from core.extensions import db
    from traceability.stamps.models import Stamp
    from traceability.stamps.serials import stamp_path

    app = benchlib.bench_app(url)
    with app.app_context():
        benchlib.migrate_and_load_wards()
        seed = benchlib.seed_product()
        while quantity > 0:
            benchlib.order_stamps(seed, min(quantity, ORDER_MAX))
            db.session.commit()
            quantity -= ORDER_MAX
        serials = db.session.scalars(
            select(Stamp.serial).where(Stamp.batch_id == seed.batch_id).order_by(Stamp.id)
        ).all()
        paths = [stamp_path(seed.gtin, seed.lot, serial) for serial in serials]
        db.session.remove()
        db.engine.dispose()
    return paths


class ScanCounter:
    """Reads the scans table from outside the server, to check what the run recorded."""

    def __init__(self, url: str):
        from core.config import normalise_database_url

        self.engine = sa.create_engine(normalise_database_url(url), poolclass=sa.NullPool)

    def last_id(self) -> int:
        with self.engine.connect() as conn:
            return conn.exec_driver_sql("SELECT coalesce(max(id), 0) FROM scans").scalar()

    def since(self, last_id: int) -> tuple[int, dict[str, int]]:
        """How many scans were recorded after `last_id`, and their verdicts."""
        with self.engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT verdict, count(*) FROM scans WHERE id > %(id)s GROUP BY verdict",
                {"id": last_id},
            ).all()
        verdicts = {str(verdict): count for verdict, count in rows}
        return sum(verdicts.values()), verdicts


# --- gunicorn ---------------------------------------------------------------------------------


def ratelimit_storage() -> str:
    """Redis, as in production (limits shared by the workers), else per-worker memory."""
    chosen = os.environ.get("BENCH_RATELIMIT_STORAGE")
    if chosen:
        return chosen
    redis = "redis://127.0.0.1:6379/0"
    return redis if redis_reachable(redis) else "memory://"


def server_env(target: str, url: str, settings: Settings, page_bytes: int, sample: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "REDIS_URL"))}
    if target == "app":
        env.update(
            DATABASE_URL=url,
            SECRET_KEY=benchlib.SECRET_KEY,
            BASE_URL="https://trace.example.vn",
            APP_ENV="production",
            LEDGER_SIGNING_KEY=benchlib.ledger_signing_key(),
            JOB_QUEUE="sync",
            RATELIMIT_STORAGE_URI=settings.ratelimit_storage,
            FLASK_RATELIMIT_RESOLVER="1000000 per minute",
        )
    else:
        env.update(BARE_PAGE_BYTES=str(page_bytes), BARE_SAMPLE_PATH=sample)
    if target == "floor":
        psycopg_url = sa.make_url(url).set(drivername="postgresql")
        env.update(
            FLOOR_DATABASE_URL=psycopg_url.render_as_string(hide_password=False),
            SECRET_KEY=benchlib.SECRET_KEY,
        )
    return env


# --- load -------------------------------------------------------------------------------------


def fetch_pages(base: str, paths: list[str]) -> list[int]:
    """GET pages one by one as a phone would; check each is a 200 HTML page; their sizes."""
    sizes = []
    for path in paths:
        # base is always http://127.0.0.1:<port> (our own gunicorn).
        request = urllib.request.Request(base + path, headers=BROWSER_HEADERS)  # noqa: S310
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            body = response.read()
            kind = response.headers.get("Content-Type", "")
            if response.status != 200 or not kind.startswith("text/html"):
                raise SystemExit(f"bench_page: {path} answered {response.status} {kind}")
        sizes.append(len(body))
    return sizes


@dataclass
class Context:
    """What every measurement needs: each target's paths, where it is in them, the scan counter.

    The app and the floor write scans, each over its own half of the stamps (continuing where its
    previous run stopped), so that both mostly make first scans; the bare app reads the app's.
    """

    url: str
    paths: dict[str, list[str]]
    paths_files: dict[str, Path]
    workdir: Path
    settings: Settings
    scans: ScanCounter
    positions: dict[str, int] = field(default_factory=dict)
    page_bytes: int = 0
    page_sizes: list[int] = field(default_factory=list)

    def _list(self, target: str) -> str:
        return target if target in WRITERS else "app"

    def paths_of(self, target: str) -> list[str]:
        return self.paths[self._list(target)]

    def paths_file(self, target: str) -> Path:
        return self.paths_files[self._list(target)]

    def start(self, target: str) -> int:
        """Where a run begins in the target's paths: writers continue over unscanned stamps."""
        return self.positions.get(target, 0) if target in WRITERS else 0

    def advance(self, target: str, used: int) -> None:
        if target in WRITERS:
            count = len(self.paths_of(target))
            self.positions[target] = (self.positions.get(target, 0) + used) % count

    def take(self, target: str, count: int) -> list[str]:
        first, paths = self.start(target), self.paths_of(target)
        self.advance(target, count)
        return [paths[(first + i) % len(paths)] for i in range(count)]


def measure(ctx: Context, target: str, connections: int, round_no: int) -> dict:
    """Start one server, warm it up, load it with wrk, check every answer, stop it.

    A run during which other processes used more than BENCH_MAX_OTHER of the CPUs is repeated
    (up to BENCH_ATTEMPTS times in all): its figures would measure someone else's work.
    """
    env = server_env(target, ctx.url, ctx.settings, ctx.page_bytes, ctx.paths_of(target)[0])
    server = Server(target, ctx.settings.gunicorn_args(), ctx.workdir, env)
    try:
        sizes = warm_up(ctx, server, target, connections)
        for attempt in range(1, ctx.settings.attempts + 1):
            result = one_run(ctx, server, target, connections)
            result.update(round=round_no, attempt=attempt)
            if (
                result["other_cpu_share"] <= ctx.settings.max_other
                or attempt == ctx.settings.attempts
            ):
                break
            print(
                f"  {target} c={connections}: other processes used "
                f"{result['other_cpu_share']:.0%} of the CPUs; measuring again",
                flush=True,
            )
    finally:
        server.stop()
    result["page_bytes"] = sizes[0] if target != "app" else int(statistics.median(sizes))
    result["checks"] = check(result, connections)
    return result


def warm_up(ctx: Context, server: Server, target: str, connections: int) -> list[int]:
    """Pages one by one (checked, sized), then a short wrk run: imports, pools, caches filled."""
    sizes = fetch_pages(server.base, ctx.take(target, 40))
    if target == "app":
        ctx.page_sizes.extend(sizes)
        ctx.page_bytes = ctx.page_bytes or int(statistics.median(sizes))
    warm, _ = run_wrk(
        server.base,
        ctx.paths_file(target),
        connections,
        ctx.settings.warmup_s,
        ctx.start(target),
        ctx.settings.wrk_threads,
    )
    ctx.advance(target, warm["paths_used"])
    return sizes


def one_run(ctx: Context, server: Server, target: str, connections: int) -> dict:
    """One measured wrk run, with what gunicorn logged, the scans recorded and CPU by group."""
    before_log = server.settle()
    scans_from = ctx.scans.last_id() if target in WRITERS else 0
    busy = wait_for_quiet(ctx.settings.quiet_busy, ctx.settings.quiet_wait_s)
    steal_before = Steal()
    cpu_before = cpu_by_group(server.process.pid)
    wrk_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    stats, text = run_wrk(
        server.base,
        ctx.paths_file(target),
        connections,
        ctx.settings.duration_s,
        ctx.start(target),
        ctx.settings.wrk_threads,
    )
    cpu_during = cpu_by_group(server.process.pid) - cpu_before
    # wrk has exited by now, so /proc no longer shows it: its time is in our children's usage.
    wrk_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_during["wrk"] = (wrk_after.ru_utime - wrk_before.ru_utime) + (
        wrk_after.ru_stime - wrk_before.ru_stime
    )
    ctx.advance(target, stats["paths_used"])
    logged = server.settle() - before_log
    result = summarise(target, connections, stats, logged, busy)
    result["steal_share"] = round(steal_before.share(), 3)
    result["code_fingerprint"] = server.fingerprint
    seconds = stats["duration_us"] / 1e6
    capacity = seconds * (os.cpu_count() or 1)
    result["other_cpu_share"] = round(cpu_during["other"] / capacity, 3)
    groups = ("gunicorn", "postgres", "redis", "wrk", "other")
    result["cpu_ms_per_request"] = {
        group: round(cpu_during[group] / max(1, stats["requests"]) * 1000, 3) for group in groups
    }
    result["cpu_share"] = {group: round(cpu_during[group] / capacity, 3) for group in groups}
    if target in WRITERS:
        result["scans_recorded"], result["verdicts"] = ctx.scans.since(scans_from)
    result["wrk_output"] = [line for line in text.splitlines() if not line.startswith("BENCH_")]
    return result


def summarise(target, connections, stats, logged: Counter, busy) -> dict:
    latency = {k: round(v / 1000, 2) for k, v in stats["latency_us"].items()}
    seconds = stats["duration_us"] / 1e6
    return {
        "target": target,
        "connections": connections,
        "requests": stats["requests"],
        "duration_s": round(seconds, 2),
        "rps": round(stats["requests"] / seconds, 1),
        "latency_ms": latency,
        "errors": stats["errors"],
        "logged_by_status": dict(logged),
        "cpu_busy_before": busy,
        "loadavg_1m": float(Path("/proc/loadavg").read_text().split()[0]),
    }


def check(result: dict, connections: int) -> dict:
    """Every answer a 200; gunicorn answered what wrk counted (plus those in flight at the end);
    for the real app, one scan recorded per 200 logged."""
    logged = result["logged_by_status"]
    ok_200 = logged.get("200", 0)
    checks = {
        "no_wrk_errors": not any(result["errors"].values()),
        "only_200_logged": set(logged) <= {"200"},
        # wrk stops with up to one request per connection still in flight; the server finishes
        # (and counts) those, so the log may hold at most `connections` more than wrk saw.
        "logged_matches_wrk": result["requests"] <= ok_200 <= result["requests"] + connections,
    }
    if "scans_recorded" in result:
        checks["one_scan_per_200"] = result["scans_recorded"] == ok_200
    checks["ok"] = all(checks.values())
    return checks


# --- the whole run ----------------------------------------------------------------------------


def aggregate(runs: list[dict], settings: Settings) -> dict:
    """Per connection count: throughput, latencies and CPU per request (medians over rounds).

    Each ratio is the median of each round's app/floor (or app/bare) ratio: the runs of a round
    follow each other, so a machine that is faster or slower for a while moves them alike.
    """
    table = {}
    for connections in settings.connections:
        row: dict = {}
        by_target = {}
        for target in TARGETS:
            mine = [r for r in runs if r["target"] == target and r["connections"] == connections]
            by_target[target] = {r["round"]: r for r in mine}
            row[f"{target}_rps"] = _median(r["rps"] for r in mine)
            row[f"{target}_rps_range"] = [min(r["rps"] for r in mine), max(r["rps"] for r in mine)]
            for key in ("p50", "p90", "p99", "max"):
                row[f"{target}_{key}_ms"] = _median(r["latency_ms"][key] for r in mine)
            row[f"{target}_cpu_ms_per_request"] = {
                group: _median(r["cpu_ms_per_request"][group] for r in mine)
                for group in ("gunicorn", "postgres", "redis", "wrk")
            }
        for baseline in ("floor", "bare"):
            paired = [
                app["rps"] / by_target[baseline][round_no]["rps"]
                for round_no, app in by_target["app"].items()
                if round_no in by_target[baseline]
            ]
            row[f"ratio_{baseline}"] = round(statistics.median(paired), 3)
            row[f"ratio_{baseline}_by_round"] = [round(r, 3) for r in paired]
        table[str(connections)] = row
    return table


def _median(values) -> float:
    return round(statistics.median(list(values)), 2)


def goals(table: dict) -> dict:
    row = table.get(str(GOAL_CONNECTIONS))
    if row is None:
        return {}
    return {
        "connections": GOAL_CONNECTIONS,
        "throughput_ratio": {
            "baseline": "floor",
            "goal_min": GOAL_RATIO,
            "measured": row["ratio_floor"],
            "met": row["ratio_floor"] >= GOAL_RATIO,
        },
        "p99_ms": {
            "goal_max": GOAL_P99_MS,
            "measured": row["app_p99_ms"],
            "met": row["app_p99_ms"] <= GOAL_P99_MS,
        },
    }


def run() -> dict:
    benchlib.require_postgres()
    benchlib.require_wrk()
    settings = Settings()
    settings.ratelimit_storage = ratelimit_storage()
    runs = []
    with benchlib.scratch_database("page") as url, tempfile.TemporaryDirectory() as tmp:
        print(f"seeding {settings.stamps:,} stamps …", flush=True)
        paths = seed_database(url, settings.stamps)
        half = len(paths) // 2
        lists = {"app": paths[:half], "floor": paths[half:]}
        files = {}
        for target, mine in lists.items():
            files[target] = Path(tmp) / f"paths-{target}.txt"
            files[target].write_text("\n".join(mine) + "\n")
        ctx = Context(url, lists, files, Path(tmp), settings, ScanCounter(url))
        try:
            for round_no in range(1, settings.rounds + 1):
                for connections in settings.connections:
                    for target in TARGETS:  # alternated, so drift hits them alike
                        result = measure(ctx, target, connections, round_no)
                        runs.append(result)
                        print(progress(result), flush=True)
        finally:
            ctx.scans.engine.dispose()
    table = aggregate(runs, settings)
    return {
        "settings": {
            **{k: v for k, v in vars(settings).items()},
            "gunicorn_args": settings.gunicorn_args(),
        },
        "page_bytes": {
            "app_median": ctx.page_bytes,
            "app_min": min(ctx.page_sizes),
            "app_max": max(ctx.page_sizes),
        },
        "summary": table,
        "goals": goals(table),
        "all_checks_ok": all(r["checks"]["ok"] for r in runs),
        # The work tree is shared: if the measured code changed between runs, say so.
        "code_fingerprints": sorted({r["code_fingerprint"] for r in runs}),
        "runs": runs,
    }


def progress(result: dict) -> str:
    lat = result["latency_ms"]
    mark = "ok" if result["checks"]["ok"] else f"CHECK FAILED {result['checks']}"
    return (
        f"  {result['target']:<4} c={result['connections']:<3} {result['rps']:>8.1f} req/s  "
        f"p50 {lat['p50']:>7.2f} ms  p99 {lat['p99']:>7.2f} ms  "
        f"(others {result['other_cpu_share']:.0%}, steal {result['steal_share']:.0%})  {mark}"
    )


def print_table(result: dict) -> None:
    print(
        f"\nStamp page vs the same-work floor and bare Flask "
        f"(page {result['page_bytes']['app_median']} bytes)"
    )
    print(
        f"{'conns':>5} {'app req/s':>10} {'floor':>7} {'bare':>7} {'app/floor':>9} "
        f"{'app/bare':>8} {'app p50':>8} {'app p99':>8} {'floor p99':>9} {'bare p99':>8}  (ms)"
    )
    for connections, row in result["summary"].items():
        print(
            f"{connections:>5} {row['app_rps']:>10.1f} {row['floor_rps']:>7.0f} "
            f"{row['bare_rps']:>7.0f} {row['ratio_floor']:>9.2f} {row['ratio_bare']:>8.3f} "
            f"{row['app_p50_ms']:>8.2f} {row['app_p99_ms']:>8.2f} {row['floor_p99_ms']:>9.2f} "
            f"{row['bare_p99_ms']:>8.2f}"
        )
    goal = result["goals"]
    if goal:
        ratio, p99 = goal["throughput_ratio"], goal["p99_ms"]
        print(
            f"goals at {goal['connections']} connections: app/floor {ratio['measured']:.2f} "
            f"(≥ {ratio['goal_min']:.2f}: {'met' if ratio['met'] else 'MISSED'}), "
            f"p99 {p99['measured']:.1f} ms (≤ {p99['goal_max']:.0f}: "
            f"{'met' if p99['met'] else 'MISSED'})"
        )
    if len(result["code_fingerprints"]) > 1:
        print("WARNING: the measured code changed during the run (code_fingerprints in page.json)")
    print(
        "checks (no errors, only 200s, one scan per 200): "
        + ("all ok" if result["all_checks_ok"] else "FAILED, see page.json")
    )


def main() -> None:
    result = run()
    path = benchlib.write_result("page", result)
    print_table(result)
    print(f"wrote {path.relative_to(benchlib.PROJECT_ROOT)}")
    if not result["all_checks_ok"]:
        raise SystemExit("bench_page: some checks failed (see bench/results/page.json)")


if __name__ == "__main__":
    main()
