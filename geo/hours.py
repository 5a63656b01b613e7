"""Opening hours (OpenStreetMap ``opening_hours`` syntax) evaluated in Gaohe's local time."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import opening_hours

from geo.register.model import LOCAL_TIMEZONE

_LOCAL_ZONE = ZoneInfo(LOCAL_TIMEZONE)


@dataclass(frozen=True)
class OpeningState:
    """Whether a station is open at a moment, and when that changes (local time, naive)."""

    is_open: bool
    #: Next opening or closing, Asia/Shanghai wall-clock time; ``None`` if it never changes.
    next_change: datetime | None
    #: Nobody has told us (``"unknown"`` hours): neither open nor closed.
    is_unknown: bool = False


@lru_cache(maxsize=1024)
def _parse(expression: str) -> opening_hours.OpeningHours:
    return opening_hours.OpeningHours(expression)


def to_local_time(moment: datetime) -> datetime:
    """Asia/Shanghai wall-clock time (naive) of ``moment``; a naive ``moment`` is taken as
    already local."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(_LOCAL_ZONE).replace(tzinfo=None)


#: Tests (and demos) set the app's clock with ``GAOHE_TEST_NOW=2026-11-28T23:30`` (local time);
#: pages show that the clock is fixed, so a deployment that sets it by mistake is seen at once.
CLOCK_ENV = "GAOHE_TEST_NOW"


def fixed_clock() -> datetime | None:
    """The moment ``GAOHE_TEST_NOW`` fixes (naive local time), or ``None`` for the real clock."""
    text = os.environ.get(CLOCK_ENV, "").strip()
    if not text:
        return None
    try:
        return to_local_time(datetime.fromisoformat(text))
    except ValueError:
        msg = f"`{CLOCK_ENV}` was {text!r} but is expected to be an ISO date and time such as 2026-11-28T23:30"
        raise ValueError(msg) from None


def now_local() -> datetime:
    """The current Asia/Shanghai wall-clock time (naive); the fixed clock when one is set."""
    return fixed_clock() or datetime.now(_LOCAL_ZONE).replace(tzinfo=None)


def opening_state(expression: str, moment: datetime) -> OpeningState:
    """Evaluate an ``opening_hours`` expression at ``moment`` (aware, or naive local time)."""
    local = to_local_time(moment)
    parsed = _parse(expression)
    return OpeningState(is_open=bool(parsed.is_open(local)), next_change=parsed.next_change(local),
                        is_unknown=bool(parsed.is_unknown(local)))
