"""Rate limits on filing reports, per browser session and per network address.

Nothing here is written anywhere: counters live in this process's memory for one window and the
address is kept only as a keyed hash (HMAC-SHA-256 with a random key made at start and never
stored), so the limiter cannot be turned into a list of who reported. Each app process limits
on its own; behind several processes the effective limit is a multiple (stated, not hidden).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from typing import Callable

from geo.reports.errors import RateLimitedError


@dataclass(frozen=True)
class RateLimit:
    count: int
    window_s: float


#: A rider files a few reports on one ride; a script filing hundreds is stopped.
SESSION_LIMIT = RateLimit(count=5, window_s=600.0)
#: Many riders share a carrier's NAT address, so the per-address limit is wider.
ADDRESS_LIMIT = RateLimit(count=30, window_s=3600.0)


class ReportRateLimiter:
    """Sliding-window counters for sessions and addresses; thread-safe."""

    def __init__(self, session_limit: RateLimit = SESSION_LIMIT, address_limit: RateLimit = ADDRESS_LIMIT, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.session_limit = session_limit
        self.address_limit = address_limit
        self._clock = clock
        self._key = secrets.token_bytes(32)
        self._hits: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def address_key(self, address: str) -> str:
        """The keyed hash the limiter uses in place of ``address``."""
        return hmac.new(self._key, address.encode("utf-8"), hashlib.sha256).hexdigest()[:32]

    def acquire(self, *, session: str, address: str | None) -> None:
        """Count one report for ``session`` and ``address`` (unknown: ``None``), or raise
        :class:`RateLimitedError` with the wait in seconds and count nothing."""
        buckets = [(f"s:{session}", self.session_limit)]
        if address:
            buckets.append((f"a:{self.address_key(address)}", self.address_limit))
        with self._lock:
            now = self._clock()
            wait_s = 0.0
            for name, limit in buckets:
                hits = self._hits[name]
                while hits and hits[0] <= now - limit.window_s:
                    hits.popleft()
                if len(hits) >= limit.count:
                    wait_s = max(wait_s, hits[0] + limit.window_s - now)
            if wait_s > 0:
                minutes = max(1, int(-(-wait_s // 60)))
                raise RateLimitedError("report_error_rate_limited", f"too many reports in a short time; try again "
                                       f"in {minutes} min", minutes=minutes)
            for name, _ in buckets:
                self._hits[name].append(now)
            self._forget_idle(now)

    def release(self, *, session: str, address: str | None) -> None:
        """Give back the last count (the report could not be stored, so it should not count)."""
        names = [f"s:{session}"] + ([f"a:{self.address_key(address)}"] if address else [])
        with self._lock:
            for name in names:
                if self._hits.get(name):
                    self._hits[name].pop()

    def _forget_idle(self, now: float) -> None:
        longest = max(self.session_limit.window_s, self.address_limit.window_s)
        for name in [n for n, hits in self._hits.items() if not hits or hits[-1] <= now - longest]:
            del self._hits[name]

    def tracked_keys(self) -> list[str]:
        """What the limiter holds right now (for tests and audits): bucket names only."""
        with self._lock:
            return list(self._hits)
