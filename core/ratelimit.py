"""A per-client limit for the hot public pages with no storage round trip on the happy path.

Flask-Limiter's decorator cost the stamp page two round trips to its storage (Redis in
production) on every request: the hit, and a read of the window for the X-RateLimit-* headers
it adds to every answer, a 200 page included (0.9 ms of the page's 3.2 ms of CPU,
docs/performance.md). `HotPathLimit` keeps the limit of the same configuration key, per client
address, in the same storage as Flask-Limiter (`limiter.storage`: memory in tests, Redis in
production), in fixed windows that start with a client's first request, and batches its
increments:

- each process counts a client's requests locally and adds them to the shared counter (one
  INCRBY with its expiry, in one round trip) when it has `share` of them unsent, or when the
  shared total it last saw plus its unsent ones would pass the limit;
- a request is refused (429 with Retry-After) when the shared total passes the limit.

So a consumer scanning a few stamps costs no round trip at all; a flood costs one per `share`
requests per process and is refused as soon as the shared total says so. With `share` =
limit / 16 (at least 1; 7 of the default 120 per minute), a client spread over W processes can get
at most W × (share − 1) requests past the limit in a window; with a limit of 16 or fewer,
every request is counted at once. The exact limit is the reverse proxy's (docs/operations.md);
this one is the backstop that holds without it. No X-RateLimit headers: phones do not read
them; the API keeps Flask-Limiter's.
"""

from __future__ import annotations

import functools
import math
import threading
import time
import weakref

from flask import Flask, current_app, request
from limits import RateLimitItem, parse_many
from werkzeug.exceptions import TooManyRequests

from core.extensions import limiter

SHARE_DIVISOR = 16


@functools.lru_cache(maxsize=16)
def _items(spec: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(spec))


class HotPathLimit:
    """`RATELIMIT_…` limits per client address, shared by every route that calls `check()`
    with this scope (the Digital Link URI and its page under /v/ are one client's one limit).

    A client's window starts with its first request, as Flask-Limiter's fixed windows do (the
    shared counter's with its first batch), so a burst is never split by the clock's minute.
    """

    PRUNE_AT = 10_000  # clients remembered per limit before the expired ones are dropped

    def __init__(self, config_key: str, scope: str):
        self.config_key = config_key
        self.scope = scope
        # Per storage (another app in the same process, as in tests, starts from nothing), per
        # limit, per client: [unsent, shared total last seen, end of its window].
        self._state: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def check(self) -> None:
        """Count this request; raise 429 (with Retry-After) when the client is over a limit."""
        if not limiter.enabled:
            return
        client = request.remote_addr or "unknown"
        now = time.time()
        for item in _items(current_app.config[self.config_key]):
            total, ends = self._count(item, client, now)
            if total > item.amount:
                raise TooManyRequests(retry_after=max(1, math.ceil(ends - now)))

    def _count(self, item: RateLimitItem, client: str, now: float) -> tuple[int, float]:
        """This client's requests in its window as far as this process knows (the shared total
        it last saw plus its unsent ones), after counting this one and sending if due; and when
        the window ends."""
        storage = limiter.storage
        share = max(1, item.amount // SHARE_DIVISOR)
        period = item.get_expiry()
        with self._lock:
            clients = self._state.setdefault(storage, {}).setdefault(item.key_for(), {})
            counts = clients.get(client)
            if counts is None or counts[2] <= now:
                if len(clients) >= self.PRUNE_AT:
                    for gone in [c for c, (_, _, ends) in clients.items() if ends <= now]:
                        del clients[gone]
                counts = clients[client] = [0, 0, now + period]
            counts[0] += 1
            unsent, seen, ends = counts
            if unsent < share and seen + unsent <= item.amount:
                return seen + unsent, ends
            counts[0] = 0
        try:
            # The shared counter expires `period` after its first batch (limits sets the expiry
            # only when it creates the key).
            total = storage.incr(f"hot/{self.scope}/{item.key_for(client)}", period, unsent)
        except Exception:
            # The storage (Redis) is unreachable: a consumer is not refused a page for that. Keep
            # the count here and send it with the next batch; the proxy's limit still holds.
            current_app.logger.warning("rate limit storage unavailable: counted in this worker")
            with self._lock:
                counts[0] += unsent
            return seen + unsent, ends
        with self._lock:
            counts[1] = max(counts[1], total)
        return total, ends


def skip_limiter_hook(app: Flask, endpoints: frozenset[str]) -> None:
    """Let Flask-Limiter's per-request check pass over `endpoints` (limited by a HotPathLimit).

    `limiter.exempt` alone still runs the check, which resolves every limit before it finds the
    exemption (4 % of a stamp page); this returns before it for those endpoints only.
    """
    hooks = app.before_request_funcs.setdefault(None, [])
    for position, hook in enumerate(hooks):
        if getattr(hook, "__func__", None) is type(limiter)._check_request_limit:

            def check(original=hook):
                if request.endpoint in endpoints:
                    return None
                return original()

            hooks[position] = check
            return
    # Not found: the limiter is disabled (RATELIMIT_ENABLED=False registers no hook).
