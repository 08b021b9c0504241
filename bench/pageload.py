"""What bench_page.py needs around its servers: gunicorn, wrk, and the machine's CPU accounting.

- `Server`: one gunicorn master serving the real app (`wsgi:app`) or a baseline from bench/
  (`floor_app`, `bare_app`), with an access log that counts the answers by status;
- `run_wrk`: one wrk run with bench/stamp_page.lua, parsed from its BENCH_JSON line;
- `wait_for_quiet`, `cpu_by_group`, `Steal`: how busy the machine was, and with what, so that a run
  measured while other work used the cores can be told apart and measured again.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from pathlib import Path

import benchlib

BENCH_DIR = Path(__file__).resolve().parent
LUA_SCRIPT = BENCH_DIR / "stamp_page.lua"
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_reachable(url: str) -> bool:
    host_port = url.split("://", 1)[1].split("/", 1)[0].rsplit("@", 1)[-1]
    host, _, port = host_port.partition(":")
    try:
        with socket.create_connection((host or "127.0.0.1", int(port or 6379)), timeout=1):
            return True
    except OSError:
        return False


class Server:
    """One gunicorn master serving the real app, the floor or the bare app, with an access log to
    count 200s."""

    def __init__(self, target: str, gunicorn_args: list[str], workdir: Path, env: dict[str, str]):
        self.target = target
        self.port = free_port()
        self.access_log = workdir / f"{target}-{self.port}-access.log"
        self.error_log = workdir / f"{target}-{self.port}-error.log"
        spec = (
            ["wsgi:app"]
            if target == "app"
            else ["--pythonpath", str(BENCH_DIR), f"{target}_app:app"]
        )
        command = [
            str(BIN / "gunicorn"),
            "--bind",
            f"127.0.0.1:{self.port}",
            *gunicorn_args,
            "--access-logfile",
            str(self.access_log),
            "--access-logformat",
            "%(s)s %(m)s",
            "--error-logfile",
            str(self.error_log),
            "--log-level",
            "warning",
            "--chdir",
            str(benchlib.PROJECT_ROOT),
            *spec,
        ]
        self.fingerprint = benchlib.code_fingerprint()  # the code this server loaded
        self.process = subprocess.Popen(
            command, env=env, start_new_session=True, stdout=subprocess.DEVNULL
        )
        self._wait_ready()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"bench_page: gunicorn ({self.target}) exited:\n{self.errors()}")
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise SystemExit(f"bench_page: gunicorn ({self.target}) did not answer:\n{self.errors()}")

    def errors(self) -> str:
        return self.error_log.read_text()[-3000:] if self.error_log.exists() else ""

    def logged(self) -> Counter:
        """Requests gunicorn has logged so far, by status (each line: 'status method')."""
        if not self.access_log.exists():
            return Counter()
        return Counter(line.split()[0] for line in self.access_log.read_text().splitlines())

    def settle(self, timeout: float = 15) -> Counter:
        """Wait until requests still in flight when wrk stopped are answered and logged."""
        deadline, last, stable_since = time.monotonic() + timeout, None, time.monotonic()
        while time.monotonic() < deadline:
            now = self.logged()
            if now != last:
                last, stable_since = now, time.monotonic()
            elif time.monotonic() - stable_since > 0.8:
                break
            time.sleep(0.2)
        return last or Counter()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def cpu_busy(sample_s: float = 1.0) -> float:
    """Share of the machine's CPU time busy just before a run: other work skews the figures."""

    def read() -> tuple[int, int]:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = values[3] + values[4]
        return sum(values), idle

    try:
        total_a, idle_a = read()
        time.sleep(sample_s)
        total_b, idle_b = read()
    except OSError:
        return float("nan")
    return round(1 - (idle_b - idle_a) / max(1, total_b - total_a), 3)


def wait_for_quiet(quiet_busy: float, quiet_wait_s: float) -> float:
    """Wait until other processes leave the CPUs mostly idle; the last busy share measured."""
    deadline = time.monotonic() + quiet_wait_s
    busy = cpu_busy()
    while busy > quiet_busy and time.monotonic() < deadline:
        busy = cpu_busy()
    if busy > quiet_busy:
        print(f"  (machine still {busy:.0%} busy with other work: measuring anyway)", flush=True)
    return busy


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class Steal:
    """CPU time the hypervisor gave to other virtual machines since creation (/proc/stat steal):
    on a shared host the same code runs slower for a while, which no process here shows."""

    def __init__(self) -> None:
        self.start = self._read()

    @staticmethod
    def _read() -> tuple[int, int]:
        try:
            values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        except OSError:
            return 0, 0
        return sum(values[:8]), values[7] if len(values) > 7 else 0

    def share(self) -> float:
        total, steal = self._read()
        return (steal - self.start[1]) / max(1, total - self.start[0])


def cpu_by_group(server_pgid: int) -> Counter:
    """CPU seconds used so far by every process, grouped: this run's gunicorn, PostgreSQL, Redis
    (the limiter's storage), wrk, and everything else (other work on a shared machine)."""
    used: Counter = Counter()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # the process ended meanwhile
            continue
        comm = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        pgid, ticks = int(fields[2]), int(fields[11]) + int(fields[12])
        if int(stat.parent.name) == os.getpid():
            group = "bench"
        elif pgid == server_pgid:
            group = "gunicorn"
        elif comm in ("postgres", "wrk"):
            group = comm
        elif comm == "redis-server":
            group = "redis"
        else:
            group = "other"
        used[group] += ticks / CLOCK_TICKS
    return used


def run_wrk(base: str, paths_file: Path, connections: int, seconds: int, start: int, threads: int):
    """One wrk run; returns the parsed BENCH_JSON line and wrk's text."""
    command = [
        "wrk",
        f"-t{min(threads, connections)}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(LUA_SCRIPT),
        base + "/",
        "--",
        str(paths_file),
        str(min(threads, connections)),
        str(start),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"bench_page: wrk failed ({done.returncode}):\n{done.stderr}")
    for line in done.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            return json.loads(line.removeprefix("BENCH_JSON ")), done.stdout
    raise SystemExit(f"bench_page: no BENCH_JSON line in wrk's output:\n{done.stdout}")
