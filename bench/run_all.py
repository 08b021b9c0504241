"""`make bench`: every benchmark in turn, each writing bench/results/<name>.json, then a summary.

Each runs in its own process (as `python bench/<script>.py`), so one benchmark's imports, caches
and database connections never colour the next one's figures. Prerequisites are checked first,
so a missing wrk or PostgreSQL fails in a second with the fix, not after minutes of work.
A failing benchmark does not stop the others; the exit status is non-zero if any failed.

BENCH_ONLY=page,serials runs a subset. The reports benchmark (`bench_reports.py`) builds a
province-sized database first (15–20 minutes with its measurements on 2 cores), so it is not in
the default set: `BENCH_ONLY=reports make bench` runs it. So is the EPCIS benchmark
(`bench_epcis.py`, issue 11: 1,000,000 events first): `BENCH_ONLY=epcis make bench`, and the
origin log's (`bench_ledger.py`, issue 12: 1,000,000 leaves): `BENCH_ONLY=ledger make bench`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import benchlib

BENCHMARKS = {  # name of the result file: script
    "serials": "bench_serials.py",
    "page": "bench_page.py",
    "pdf": "bench_pdf.py",
}
# Run only when BENCH_ONLY names them (they take longer than the default set should).
EXTRA_BENCHMARKS = {
    "reports": "bench_reports.py",
    "epcis": "bench_epcis.py",
    "ledger": "bench_ledger.py",
}


def selected() -> dict[str, str]:
    only = os.environ.get("BENCH_ONLY")
    if not only:
        return BENCHMARKS
    names = {name.strip() for name in only.split(",")}
    known = {**BENCHMARKS, **EXTRA_BENCHMARKS}
    unknown = names - known.keys()
    if unknown:
        raise SystemExit(f"bench: unknown BENCH_ONLY names {sorted(unknown)}; known: {known}")
    return {name: script for name, script in known.items() if name in names}


def run(name: str, script: str) -> str | None:
    """Run one benchmark; None when it succeeded, else why it failed."""
    path = benchlib.PROJECT_ROOT / "bench" / script
    if not path.exists():
        return f"{path.relative_to(benchlib.PROJECT_ROOT)} does not exist"
    print(f"\n=== {name}: {script} ===", flush=True)
    start = time.monotonic()
    done = subprocess.run([sys.executable, str(path)], cwd=benchlib.PROJECT_ROOT, check=False)
    print(f"=== {name}: {time.monotonic() - start:.0f} s, exit {done.returncode} ===", flush=True)
    return None if done.returncode == 0 else f"exited with status {done.returncode}"


def load(name: str) -> dict | None:
    path = benchlib.RESULTS_DIR / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def verdict(met: bool | None) -> str:
    return {True: "met", False: "MISSED", None: "?"}[met]


def summarise_page(result: dict) -> list[str]:
    lines = []
    for connections, row in result["summary"].items():
        lines.append(
            f"  {connections:>3} connections: app {row['app_rps']:.0f} req/s, floor "
            f"{row['floor_rps']:.0f}, bare {row['bare_rps']:.0f}: app/floor "
            f"{row['ratio_floor']:.2f}, app/bare {row['ratio_bare']:.3f}; app p50 "
            f"{row['app_p50_ms']:.1f} ms, p99 {row['app_p99_ms']:.1f} ms"
        )
    if len(result.get("code_fingerprints", [])) > 1:
        lines.append("  WARNING: the code changed during the run; re-run for clean figures")
    goal = result.get("goals") or {}
    if goal:
        ratio, p99 = goal["throughput_ratio"], goal["p99_ms"]
        lines.append(
            f"  goal app/floor ≥ {ratio['goal_min']:.2f}: {verdict(ratio['met'])} "
            f"({ratio['measured']:.2f}); goal p99 ≤ {p99['goal_max']:.0f} ms: "
            f"{verdict(p99['met'])} ({p99['measured']:.1f} ms)"
        )
    return lines


def summarise_serials(result: dict) -> list[str]:
    lines = [
        f"  run {n}: {run['total_s']:.2f} s (generation {run.get('serial_generation_s', 0):.2f} s, "
        f"insert {run.get('insert_s', 0):.2f} s)"
        for n, run in enumerate(result["runs"], 1)
    ]
    lines.append(f"  goal ≤ {result['goal_seconds']:.0f} s: {verdict(result['goal_met'])}")
    return lines


def summarise_reports(result: dict) -> list[str]:
    lines = [
        f"  take {row['period']} ({label}): {row['seconds']:.1f} s"
        for label, row in (result["snapshots"] or {"take": {}})["take"].items()
    ]
    app, bare = result["app"], result["bare"]
    lines.append(
        f"  dashboard sequential: server p50 {app['sequential']['server_ms']['p50']:.0f} ms, "
        f"p95 {app['sequential']['server_ms']['p95']:.0f} ms (bare app p50 "
        f"{bare['sequential']['server_ms']['p50']:.1f} ms)"
    )
    for connections, row in app["concurrent"].items():
        lines.append(
            f"  dashboard at {connections} connections: {row['rps']:.1f} req/s "
            f"(bare {bare['concurrent'][connections]['rps']:.0f}), server p95 "
            f"{row['server_ms']['p95']:.0f} ms"
        )
    lines.append(f"  ward table XLSX: longest {app['xlsx']['max_server_s']:.2f} s")
    for name, goal in result["goals"].items():
        lines.append(
            f"  goal {name} ≤ {goal['goal_max']:g}: {verdict(goal['met'])} ({goal['value']})"
        )
    return lines


def summarise_epcis(result: dict) -> list[str]:
    lines = [
        f"  capture of {run['events']:,} events: {run['events_per_s']:.0f} events/s "
        f"({run['seconds']:.0f} s; plain psycopg COPY of the same rows "
        f"{run['floor']['copy']['seconds']:.1f} s, app/floor {run['app_over_floor']['copy']})"
        for run in result["capture"]["runs"]
    ]
    rows = result["rows"]["trace_events"]
    for kind, row in result["queries"]["app"].items():
        lines.append(
            f"  {kind} at {rows:,} events: server p50 {row['server_ms']['p50']:.0f} ms, "
            f"p95 {row['server_ms']['p95']:.0f} ms (SQL alone p50 "
            f"{result['queries']['sql'][kind]['ms']['p50']:.1f} ms)"
        )
    if not result.get("checks_ok"):
        lines.append("  WARNING: a check failed (see the checks in the result file)")
    return lines


def summarise_ledger(result: dict) -> list[str]:
    lines = []
    append, proofs = result.get("append"), result.get("proofs")
    if append:
        lines.append(
            f"  store_events of {result['settings']['events']:,} events: "
            f"{append['median_us_per_event_off']:.0f} µs/event without the log, "
            f"{append['median_us_per_event_on']:.0f} with (+{append['us_per_event_added']:.0f} "
            f"µs, × {append['ratio_on_over_off']:.2f}); integrate "
            f"{append['median_integrate_us_per_entry']:.0f} µs/entry"
        )
    for kind in ("inclusion", "consistency") if proofs else ():
        row, size = proofs[kind], proofs["tree_size"]
        lines.append(
            f"  {kind} proof at {size:,} leaves: p50 {row['db_us']['p50'] / 1000:.2f}"
            f" ms, p99 {row['db_us']['p99'] / 1000:.2f} ms (MemoryTree p50 "
            f"{row['memory_us']['p50'] / 1000:.3f} ms)"
        )
    if proofs:
        lines.append(
            f"  one SELECT of {proofs['select_us']['rows']} nodes: p50 "
            f"{proofs['select_us']['p50'] / 1000:.2f} ms"
        )
    if not result.get("checks_ok"):
        lines.append("  WARNING: a check failed (see the checks in the result file)")
    return lines


def summarise_other(result: dict) -> list[str]:
    """Results of benchmarks this file does not know in detail: their top-level figures."""
    skip = {"benchmark", "measured_at", "date", "revision", "machine", "code_fingerprint"}
    lines = []
    for key, value in result.items():
        if key in skip:
            continue
        if isinstance(value, int | float | str | bool) or value is None:
            lines.append(f"  {key}: {value}")
        elif isinstance(value, dict) and all(
            isinstance(v, int | float | str | bool) for v in value.values()
        ):
            lines.append(f"  {key}: " + ", ".join(f"{k}={v}" for k, v in value.items()))
    return lines


def print_summary(names: list[str], failures: dict[str, str]) -> None:
    print("\n=== summary ===")
    for name in names:
        result = load(name)
        if name in failures:
            print(f"{name}: FAILED ({failures[name]})")
            continue
        when = (result.get("measured_at") or result.get("date")) if result else None
        print(f"{name}: bench/results/{name}.json ({when or 'no result file'})")
        summarise = {
            "page": summarise_page,
            "serials": summarise_serials,
            "reports": summarise_reports,
            "epcis": summarise_epcis,
            "ledger": summarise_ledger,
        }.get(name, summarise_other)
        for line in summarise(result) if result else ["  no result file"]:
            print(line)


def main() -> None:
    chosen = selected()
    benchlib.require_postgres()
    if "page" in chosen:
        benchlib.require_wrk()
    failures = {}
    for name, script in chosen.items():
        problem = run(name, script)
        if problem:
            failures[name] = problem
    print_summary(list(chosen), failures)
    if failures:
        raise SystemExit(f"bench: {len(failures)} benchmark(s) failed: {', '.join(failures)}")


if __name__ == "__main__":
    main()
