"""Rate limits on filing reports, per reporter token and per network address.

Nothing here is written anywhere: counters live in this process's memory for one window and the
address is kept only as a keyed hash (HMAC-SHA-256 with a random key made at start and never
stored), so the limiter cannot be turned into a list of who reported. Each app process limits
on its own; behind several processes the effective limit is a multiple (stated, not hidden).

Which address? (:func:`client_address`.) Streamlit reports the connection's address, and none
for a connection from the same machine. Behind a reverse proxy every rider connects from the
proxy's address: with ``GAOHE_TRUSTED_PROXIES=N`` the client's address is taken from the
``X-Forwarded-For`` entry the outermost of those N proxies wrote (entries further left come
from the client and are not believed). Without it, a loopback or proxy connection is one shared
address ("local"), so a flood through an unconfigured proxy is still capped — at the price that
every rider behind it shares one address quota until the deployer sets the variable.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import re
import secrets
import threading
import time
from collections import defaultdict, deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Callable

from geo.errors import RateLimitedError


@dataclass(frozen=True)
class RateLimit:
    count: int
    window_s: float

    @classmethod
    def parse(cls, text: str, name: str) -> RateLimit:
        """``"5/600"``: 5 reports per 600 seconds; ``ValueError`` naming ``name`` otherwise."""
        match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+(?:\.\d+)?)\s*", text)
        if not match or int(match[1]) < 1 or float(match[2]) <= 0:
            msg = f"`{name}` was {text!r} but is expected to be COUNT/SECONDS, e.g. 5/600"
            raise ValueError(msg)
        return cls(int(match[1]), float(match[2]))


#: A rider files a few reports on one ride; a script filing hundreds is stopped.
SESSION_LIMIT = RateLimit(count=5, window_s=600.0)
#: Many riders share a carrier's NAT address, so the per-address limit is wider.
ADDRESS_LIMIT = RateLimit(count=30, window_s=3600.0)
#: The address that stands for every connection from this machine or an unnamed proxy.
LOCAL_ADDRESS = "local"


def configured_limits(environ: Mapping[str, str] | None = None) -> tuple[RateLimit, RateLimit]:
    """The session and address limits: ``GAOHE_REPORT_SESSION_LIMIT`` and
    ``GAOHE_REPORT_ADDRESS_LIMIT`` (``COUNT/SECONDS``) when set, else the defaults."""
    environ = os.environ if environ is None else environ
    limits = []
    for name, default in (("GAOHE_REPORT_SESSION_LIMIT", SESSION_LIMIT), ("GAOHE_REPORT_ADDRESS_LIMIT", ADDRESS_LIMIT)):
        text = environ.get(name, "").strip()
        limits.append(RateLimit.parse(text, name) if text else default)
    return limits[0], limits[1]


def trusted_proxies(environ: Mapping[str, str] | None = None) -> int:
    """``GAOHE_TRUSTED_PROXIES``: how many reverse proxies in front of the app append the
    address they saw to ``X-Forwarded-For`` (default 0: the header is ignored)."""
    text = (os.environ if environ is None else environ).get("GAOHE_TRUSTED_PROXIES", "").strip() or "0"
    if not text.isdigit():
        msg = f"`GAOHE_TRUSTED_PROXIES` was {text!r} but is expected to be a whole number of proxies, e.g. 1"
        raise ValueError(msg)
    return int(text)


def client_address(remote_ip: str | None, forwarded_for: str | None, *, connected: bool,
                   proxies: int = 0) -> str | None:
    """The address to limit a connection by (see the module's notes).

    ``remote_ip``: the connection's address (``None`` for a loopback connection);
    ``forwarded_for``: the ``X-Forwarded-For`` header; ``connected``: whether there is a
    browser connection at all (``None`` is returned without one: tests, bare runs);
    ``proxies``: :func:`trusted_proxies`."""
    if not connected:
        return None
    if proxies > 0 and forwarded_for:
        entries = [entry.strip() for entry in forwarded_for.split(",")]
        if len(entries) >= proxies:
            candidate = entries[-proxies]
            try:
                return str(ipaddress.ip_address(candidate))
            except ValueError:
                pass  # not an address: our proxy did not write it; fall back to the connection
    if remote_ip is None:
        return LOCAL_ADDRESS
    try:
        address = ipaddress.ip_address(remote_ip)
    except ValueError:
        return LOCAL_ADDRESS
    return LOCAL_ADDRESS if address.is_loopback else str(address)


def connection_address(client_host: str | None, forwarded_for: str | None) -> str | None:
    """The connection's own address as the server saw it, or ``None`` for this machine.

    uvicorn (``FORWARDED_ALLOW_IPS``, by default 127.0.0.1 and ::1) replaces the address of a
    connection from this machine with one taken from its ``X-Forwarded-For`` header before the app
    sees it: behind no proxy, anyone on this machine could claim any address. When the address
    the app is given is one of that header's entries, the connection came from this machine and
    the header is believed only as far as :func:`client_address` and ``GAOHE_TRUSTED_PROXIES`` say.
    (A remote client that writes its own address into the header is then counted as this
    machine: it joins a shared quota, it does not escape one.)"""
    if client_host and forwarded_for:
        entries = {entry.strip() for entry in forwarded_for.split(",")}
        if client_host in entries:
            return None
    return client_host


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
                raise RateLimitedError("report_error_rate_limited", minutes=minutes)
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
