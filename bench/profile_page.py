"""Where a stamp page's time goes: SQL statements, their time, the template, the rest.

Not a benchmark (no HTTP server, no concurrency): it serves BENCH_PROFILE_REQUESTS stamp pages
through Flask's test client, one at a time, on a scratch PostgreSQL database set up as
bench_page.py does, with the production settings, and reports per request:
- every SQL statement issued (normalised, with how often and how long),
- time in the database driver, in Jinja rendering, and in everything else (Flask, Werkzeug,
  the limiter, Babel, SQLAlchemy's ORM work, the app's own code),
- with pyinstrument installed (`.venv/bin/pip install pyinstrument`, not a project
  dependency), a call-tree profile of the same requests, written to
  bench/results/profile_page.txt.
The measured requests continue over fresh stamps after a warm-up, so first and repeat scans
mix as in bench_page.py; BENCH_PROFILE_REPEAT=1 scans every stamp twice first (repeat scans only).

Run: `.venv/bin/python bench/profile_page.py`. Writes bench/results/profile_page.json.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections import Counter, defaultdict

import benchlib

REQUESTS = int(os.environ.get("BENCH_PROFILE_REQUESTS", "400"))
REPEAT = os.environ.get("BENCH_PROFILE_REPEAT") == "1"
HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "vi-VN,vi;q=0.9,en;q=0.8",
    "User-Agent": "Mozilla/5.0 (Linux; Android 14; SM-A556E) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
}


class Clock:
    """Time spent in SQL execution and template rendering, by hooks, per request."""

    def __init__(self) -> None:
        self.sql_s = 0.0
        self.commit_s = 0.0
        self.commits = 0
        self.template_s = 0.0
        self.enabled = True
        self.statements: Counter = Counter()
        self.statement_s: dict[str, float] = defaultdict(float)
        self._sql_start: list[float] = []
        self._template_start: list[float] = []

    def install(self, app, engine) -> None:
        from flask import before_render_template, template_rendered
        from sqlalchemy import event

        event.listen(engine, "before_cursor_execute", self._before_sql)
        event.listen(engine, "after_cursor_execute", self._after_sql)
        self._time_driver_statements()
        engine.dialect.do_commit = self._timed_commit(engine.dialect.do_commit)
        before_render_template.connect(self._before_template, app)
        template_rendered.connect(self._after_template, app)

    def _before_sql(self, conn, cursor, statement, params, context, executemany):
        self._sql_start.append(time.perf_counter())

    def _after_sql(self, conn, cursor, statement, params, context, executemany):
        spent = time.perf_counter() - self._sql_start.pop()
        if not self.enabled:
            return
        self.sql_s += spent
        key = normalise(statement)
        self.statements[key] += 1
        self.statement_s[key] += spent

    def _time_driver_statements(self) -> None:
        """The stamp page's count and insert run as psycopg text on its own connection (no
        SQLAlchemy events), and commit there: time those too."""
        from traceability.stamps import scans

        clock, first = self, scans._DriverStatement.first

        def timed_first(statement, params):
            start = time.perf_counter()
            try:
                return first(statement, params)
            finally:
                if clock.enabled:
                    spent = time.perf_counter() - start
                    key = normalise(statement.sql)
                    clock.sql_s += spent
                    clock.statements[key] += 1
                    clock.statement_s[key] += spent

        scans._DriverStatement.first = timed_first
        transaction = scans.scan_transaction

        @contextlib.contextmanager
        def timed_transaction():
            with transaction():
                yield
                # The psycopg commit happens when this block ends: time from here to the end.
                clock._commit_started = time.perf_counter()
            if clock.enabled and clock._commit_started is not None:
                clock.commit_s += time.perf_counter() - clock._commit_started
                clock.commits += 1
            clock._commit_started = None

        self._commit_started = None
        scans.scan_transaction = timed_transaction

    def _timed_commit(self, commit):
        """COMMIT is no cursor execute: time the dialect's commit (the WAL flush) itself."""

        def timed(dbapi_connection):
            start = time.perf_counter()
            try:
                return commit(dbapi_connection)
            finally:
                if self.enabled:
                    self.commit_s += time.perf_counter() - start
                    self.commits += 1

        return timed

    def _before_template(self, sender, template, context, **extra):
        self._template_start.append(time.perf_counter())

    def _after_template(self, sender, template, context, **extra):
        spent = time.perf_counter() - self._template_start.pop()
        if self.enabled:
            self.template_s += spent


def normalise(statement: str) -> str:
    """One line per kind of statement: the verb and tables, without column lists."""
    text = " ".join(statement.split())
    text = re.sub(r"SELECT .*? FROM", "SELECT … FROM", text, count=1)
    text = re.sub(r"RETURNING .*", "RETURNING …", text)
    text = re.sub(r"\(([a-z_, ]+)\) VALUES \(.*?\)", "(…) VALUES (…)", text)
    return text[:160]


def serve(client, paths: list[str]) -> None:
    for path in paths:
        response = client.get(path, headers=HEADERS)
        if response.status_code != 200:
            raise SystemExit(f"profile_page: {path} answered {response.status_code}")


def profile(app, paths: list[str]) -> dict:
    """Time requests with hooks only, then profile other requests with pyinstrument.

    Two passes, because a sampling profiler's own overhead would distort the timings.
    """
    from core.extensions import db

    client = app.test_client()
    warm = paths[:50]
    timed = paths[50 : 50 + REQUESTS]
    profiled = paths[50 + REQUESTS : 50 + 2 * REQUESTS]
    if REPEAT:
        for _ in range(2):
            serve(client, timed + profiled)
    serve(client, warm)
    clock = Clock()
    with app.app_context():
        clock.install(app, db.engine)
    start = time.perf_counter()
    serve(client, timed)
    total = time.perf_counter() - start
    clock.enabled = False  # the profiled pass below is not timed
    profiler = _pyinstrument()
    if profiler:
        profiler.start()
        serve(client, profiled)
        profiler.stop()
        text = profiler.output_text(unicode=True, color=False, show_all=False)
        (benchlib.RESULTS_DIR / "profile_page.txt").write_text(text)
    n = len(timed)
    rest = total - clock.sql_s - clock.commit_s - clock.template_s
    return {
        "requests": n,
        "repeat_scans_only": REPEAT,
        "pyinstrument": bool(profiler),
        "per_request_ms": {
            "total": round(total / n * 1000, 3),
            "sql": round(clock.sql_s / n * 1000, 3),
            "commit": round(clock.commit_s / n * 1000, 3),
            "template": round(clock.template_s / n * 1000, 3),
            "rest": round(rest / n * 1000, 3),
        },
        "commits_per_request": round(clock.commits / n, 2),
        "statements_per_request": round(sum(clock.statements.values()) / n, 2),
        "statements": [
            {
                "per_request": round(count / n, 2),
                "ms_per_request": round(clock.statement_s[key] / n * 1000, 3),
                "sql": key,
            }
            for key, count in clock.statements.most_common()
        ],
    }


def _pyinstrument():
    try:
        from pyinstrument import Profiler
    except ImportError:
        return None
    os.environ.setdefault("PYINSTRUMENT_IGNORE_OVERHEAD_WARNING", "1")
    return Profiler(interval=0.001)


def main() -> None:
    from bench_page import seed_database

    benchlib.require_postgres()
    with benchlib.scratch_database("profile") as url:
        paths = seed_database(url, 2 * REQUESTS + 50)
        app = benchlib.bench_app(
            url,
            APP_ENV="production",
            LEDGER_SIGNING_KEY=benchlib.ledger_signing_key(),
            RATELIMIT_RESOLVER="1000000 per minute",
            RATELIMIT_STORAGE_URI=os.environ.get(
                "BENCH_RATELIMIT_STORAGE", "redis://127.0.0.1:6379/0"
            ),
        )
        result = profile(app, paths)
        with app.app_context():
            from core.extensions import db

            db.session.remove()
            db.engine.dispose()
    path = benchlib.write_result("profile_page", result)
    per = result["per_request_ms"]
    print(
        f"per request: {per['total']:.2f} ms = SQL {per['sql']:.2f} + commit "
        f"{per['commit']:.2f} + template {per['template']:.2f} + rest {per['rest']:.2f}; "
        f"{result['statements_per_request']} statements, {result['commits_per_request']} commits"
    )
    for row in result["statements"]:
        print(f"  {row['per_request']:>5} × {row['ms_per_request']:>6.3f} ms  {row['sql']}")
    print(f"wrote {path.relative_to(benchlib.PROJECT_ROOT)}")


if __name__ == "__main__":
    main()
