"""The stamp page's rate limit (core.ratelimit): batched per process, exact at the limit."""

from __future__ import annotations

import itertools

import pytest
from flask import Flask
from limits.storage import MemoryStorage
from werkzeug.exceptions import TooManyRequests

from core import ratelimit
from core.extensions import limiter
from tests.traceability.test_consumer_pages import VI, _stamp
from traceability.stamps import serials

_addresses = (f"198.51.100.{n}" for n in itertools.count(1))


@pytest.fixture
def stamp_paths(app_ctx):
    stamp = _stamp()
    return (
        serials.stamp_path(stamp.gtin, "HD-01", stamp.serial),
        "/v" + serials.stamp_path(stamp.gtin, "HD-01", stamp.serial),
    )


def get(client, path: str, address: str):
    return client.get(path, headers=VI, environ_base={"REMOTE_ADDR": address})


def test_the_uri_and_its_page_share_one_limit_and_a_refusal_says_when_to_come_back(
    client, app, monkeypatch, stamp_paths
):
    monkeypatch.setitem(app.config, "RATELIMIT_RESOLVER", "3 per minute")
    uri, page = stamp_paths
    address = next(_addresses)
    answers = [get(client, path, address) for path in (uri, page, uri, page)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert "Bạn đã thử quá nhiều lần" in refused.get_data(as_text=True)  # in Vietnamese
    # Another consumer is not limited by this one.
    assert get(client, uri, next(_addresses)).status_code == 200
    # No X-RateLimit headers on the consumer's pages (Flask-Limiter adds them to the API).
    names = [name.lower() for name, _ in answers[0].headers]
    assert not any(name.startswith("x-ratelimit") for name in names)


class CountingStorage(MemoryStorage):
    def __init__(self):
        super().__init__()
        self.round_trips = 0

    def incr(self, key, expiry, amount=1):
        self.round_trips += 1
        return super().incr(key, expiry, amount)


def _checker(storage, monkeypatch, spec: str):
    """A HotPathLimit on its own app and storage (one 'process' of a deployment)."""
    app = Flask("limits")
    app.config["RATELIMIT"] = spec
    monkeypatch.setattr(type(limiter), "storage", property(lambda self: storage))
    gate = ratelimit.HotPathLimit("RATELIMIT", "test")

    def hit(address: str) -> bool:
        with app.test_request_context(environ_base={"REMOTE_ADDR": address}):
            try:
                gate.check()
                return True
            except TooManyRequests:
                return False

    return hit


def test_a_consumer_costs_no_round_trip_and_a_flood_is_refused_at_the_limit(monkeypatch):
    storage = CountingStorage()
    hit = _checker(storage, monkeypatch, "120 per minute")
    consumer, flood = next(_addresses), next(_addresses)
    assert all(hit(consumer) for _ in range(5))
    assert storage.round_trips == 0  # the happy path: nothing sent
    answers = [hit(flood) for _ in range(130)]
    assert answers == [True] * 120 + [False] * 10  # exact in one process
    assert storage.round_trips <= 120 // 7 + 11  # one per 7 requests, then one per refusal


def test_processes_sharing_the_storage_overshoot_by_less_than_a_share_each(monkeypatch):
    storage = CountingStorage()
    processes = [_checker(storage, monkeypatch, "160 per minute") for _ in range(4)]
    flood = next(_addresses)
    admitted = sum(hit(flood) for _ in range(100) for hit in processes)
    share = 160 // ratelimit.SHARE_DIVISOR
    assert 160 <= admitted <= 160 + 4 * (share - 1)


def test_a_small_limit_counts_every_request_at_once(monkeypatch):
    storage = CountingStorage()
    processes = [_checker(storage, monkeypatch, "3 per minute") for _ in range(3)]
    flood = next(_addresses)
    answers = [hit(flood) for _ in range(2) for hit in processes]
    assert answers.count(True) == 3
    assert storage.round_trips == 6


class BrokenStorage(MemoryStorage):
    def incr(self, key, expiry, amount=1):
        raise ConnectionError("Redis is down")


def test_an_unreachable_storage_refuses_nobody_but_still_counts_here(monkeypatch, caplog):
    hit = _checker(BrokenStorage(), monkeypatch, "3 per minute")
    flood = next(_addresses)
    assert [hit(flood) for _ in range(3)] == [True] * 3
    assert "rate limit storage unavailable" in caplog.text
    # Without the shared total, this worker still refuses once its own count passes the limit.
    assert hit(flood) is False


def test_a_burst_across_the_clocks_minute_is_still_one_window(monkeypatch):
    """The window starts with the client's first request (a clock-aligned window would let
    2 × the limit through around each minute)."""
    storage = CountingStorage()
    hit = _checker(storage, monkeypatch, "2 per minute")
    flood = next(_addresses)
    clock = [1_800_000_059.5]  # half a second before a whole minute
    monkeypatch.setattr(ratelimit.time, "time", lambda: clock[0])
    assert [hit(flood), hit(flood)] == [True, True]
    clock[0] += 1  # the next minute of the clock
    assert hit(flood) is False
    clock[0] += 60  # a minute after the first request: a new window
    assert hit(flood) is True
