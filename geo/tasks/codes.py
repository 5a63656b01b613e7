"""Codes people keep and type: a task's ``ZY-XXXX-XXXX`` (the resident's key to its status and
rating) and an invitation's ``YQ-XXXX-XXXX``; Crockford's base-32 alphabet (no I, L, O, U),
8 symbols = 40 random bits. Only hashes of invitation codes and sign-in tokens are stored."""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from datetime import datetime, timezone

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
TASK_PREFIX = "ZY"  # 志愿
INVITATION_PREFIX = "YQ"  # 邀请
_SYMBOLS = "[0-9A-HJKMNP-TV-Z]"


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(moment: datetime | None) -> datetime | None:
    """An aware UTC time from the database (SQLite keeps none: naive values are UTC)."""
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def new_code(prefix: str) -> str:
    symbols = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    return f"{prefix}-{symbols[:4]}-{symbols[4:]}"

def normalise_code(text: str | None, prefix: str = TASK_PREFIX) -> str | None:
    """The code as stored, from what a person typed (any case, spaces or dashes, O for 0, I or L
    for 1, with or without the prefix); ``None`` when it cannot be one."""
    compact = re.sub(r"[\s\-_]", "", unicodedata.normalize("NFKC", text or "")).upper()
    if compact.startswith(prefix):
        compact = compact[len(prefix):]
    compact = compact.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
    candidate = f"{prefix}-{compact[:4]}-{compact[4:]}"
    return candidate if len(compact) == 8 and re.fullmatch(f"{prefix}-{_SYMBOLS}{{4}}-{_SYMBOLS}{{4}}", candidate) \
        else None


def code_hash(code: str) -> str:
    """The SHA-256 (hex) of a code or token, as stored."""
    return hashlib.sha256(code.encode("utf-8")).hexdigest()
