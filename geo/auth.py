"""Planner sign-in: salted PBKDF2-SHA256 password hashes, checked in constant time.

Editors are configured outside the repository, as ``user:hash`` pairs separated by commas in
``GAOHE_EDITORS`` (or a ``[editors]`` table in Streamlit secrets). Make a hash with
``python -m geo hash-password``. With no editors configured, editing is off.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from typing import Mapping

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


def check_sign_in(user: str, password: str, editors: Mapping[str, str]) -> bool:
    """True when the user is an editor and the password matches."""
    stored = editors.get(user.strip())
    if stored is None:
        verify_password(password, hash_password("timing-equaliser", iterations=1000))
        return False
    return verify_password(password, stored)
