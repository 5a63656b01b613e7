"""Planner sign-in: salted PBKDF2-SHA256 password hashes, checked in constant time, with
attempts throttled per user name and per client.

Editors are configured outside the repository, as ``user:hash`` pairs separated by commas in
``GAOHE_EDITORS`` (or a ``[editors]`` table in Streamlit secrets). Make a hash with
``python -m geo hash-password``. With no editors configured, editing is off.

An unknown user name costs as much as a known one (a hash of the same strength is checked), so
answers do not tell which names exist. After :data:`FREE_ATTEMPTS` failures for a user name or
from a client, each further attempt must wait, doubling from :data:`FIRST_WAIT_S` up to
:data:`LONGEST_WAIT_S`; the right password is refused too while waiting. Client addresses are kept
only as keyed hashes in memory, and forgotten after a quiet day.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from functools import cache
from typing import Callable, Mapping

ALGORITHM = "pbkdf2_sha256"
ITERATIONS = 310_000


def hash_password(password: str, *, salt: bytes | None = None, iterations: int = ITERATIONS) -> str:
    """``pbkdf2_sha256$iterations$salt$hash`` (hex) for ``password``."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    return f"{ALGORITHM}${iterations}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches the stored hash (False for a malformed hash)."""
    try:
        algorithm, iterations, salt, digest = stored.split("$")
        if algorithm != ALGORITHM:
            return False
        candidate = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), bytes.fromhex(salt), int(iterations))
    except ValueError:
        return False
    return hmac.compare_digest(candidate.hex(), digest)


def configured_editors(environ: Mapping[str, str] | None = None, secrets_table: Mapping[str, str] | None = None) -> dict[str, str]:
    """user -> password hash, from Streamlit secrets' [editors] or ``GAOHE_EDITORS``."""
    editors = {str(k): str(v) for k, v in (secrets_table or {}).items()}
    raw = (os.environ if environ is None else environ).get("GAOHE_EDITORS", "")
    for pair in filter(None, (p.strip() for p in raw.split(","))):
        user, _, stored = pair.partition(":")
        if user and stored:
            editors[user.strip()] = stored.strip()
    return editors


@cache
def _equaliser_hash() -> str:
    # as strong as a real editor's hash: an unknown name must cost as much as a known one
    return hash_password(secrets.token_hex(16))


def check_sign_in(user: str, password: str, editors: Mapping[str, str]) -> bool:
    """True when the user is an editor and the password matches (no throttling: see
    :meth:`SignInThrottle.attempt`)."""
    stored = editors.get(user.strip())
    if stored is None:
        verify_password(password, _equaliser_hash())
        return False
    return verify_password(password, stored)


FREE_ATTEMPTS = 5
FIRST_WAIT_S = 30.0
LONGEST_WAIT_S = 15 * 60.0
#: Failures older than this are forgotten.
FORGET_AFTER_S = 24 * 3600.0


@dataclass(frozen=True)
class SignInOutcome:
    signed_in: bool
    #: seconds until another attempt is allowed (0 when it is)
    retry_after_s: float = 0.0


@dataclass
class SignInThrottle:
    """Counts failed sign-ins per user name and per client (process-wide, in memory)."""

    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, tuple[int, float]] = field(default_factory=dict)
    _secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _key(self, kind: str, value: str) -> str:
        return hmac.new(self._secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()

    def _wait_s(self, key: str, now: float) -> float:
        count, last = self._failures.get(key, (0, now))
        if count < FREE_ATTEMPTS:
            return 0.0
        wait = min(LONGEST_WAIT_S, FIRST_WAIT_S * 2 ** (count - FREE_ATTEMPTS))
        return max(0.0, last + wait - now)

    def retry_after_s(self, user: str, client: str) -> float:
        """Seconds before ``user`` may try again from ``client`` (0: now)."""
        now = self.clock()
        with self._lock:
            return max(self._wait_s(self._key("user", user.strip()), now), self._wait_s(self._key("client", client), now))

    def attempt(self, user: str, password: str, editors: Mapping[str, str], *, client: str) -> SignInOutcome:
        """Check a sign-in unless the user name or the client must wait; count failures."""
        wait = self.retry_after_s(user, client)
        if wait > 0:
            return SignInOutcome(False, math.ceil(wait))
        ok = check_sign_in(user, password, editors)
        now = self.clock()
        keys = (self._key("user", user.strip()), self._key("client", client))
        with self._lock:
            self._forget_old(now)
            for key in keys:
                if ok:
                    self._failures.pop(key, None)
                else:
                    self._failures[key] = (self._failures.get(key, (0, now))[0] + 1, now)
            wait = 0.0 if ok else max(self._wait_s(key, now) for key in keys)
        return SignInOutcome(ok, math.ceil(wait))

    def _forget_old(self, now: float) -> None:
        for key in [k for k, (_, last) in self._failures.items() if now - last > FORGET_AFTER_S]:
            del self._failures[key]
