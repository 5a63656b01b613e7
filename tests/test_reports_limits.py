"""Rate limits per session and per address, kept in memory with the address only as a keyed hash."""

from __future__ import annotations

import pytest

from geo.reports import RateLimitedError
from geo.reports.limits import RateLimit, ReportRateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_a_session_gets_its_quota_then_waits_for_the_window_to_slide(clock):
    limiter = ReportRateLimiter(RateLimit(3, 600), RateLimit(100, 3600), clock=clock)
    for _ in range(3):
        limiter.acquire(session="s1", address="10.0.0.1")
        clock.now += 60
    with pytest.raises(RateLimitedError) as caught:
        limiter.acquire(session="s1", address="10.0.0.1")
    assert caught.value.key == "report_error_rate_limited" and caught.value.params["minutes"] == 7  # 420 s left
    limiter.acquire(session="s2", address="10.0.0.1")  # another rider on the same address is fine
    clock.now = 1000.0 + 600.0  # the first report leaves the window
    limiter.acquire(session="s1", address="10.0.0.1")
    with pytest.raises(RateLimitedError):
        limiter.acquire(session="s1", address="10.0.0.1")


def test_an_address_is_limited_across_sessions(clock):
    limiter = ReportRateLimiter(RateLimit(5, 600), RateLimit(4, 3600), clock=clock)
    for n in range(4):
        limiter.acquire(session=f"fresh-{n}", address="203.0.113.9")
    with pytest.raises(RateLimitedError):
        limiter.acquire(session="fresh-new", address="203.0.113.9")
    limiter.acquire(session="fresh-new", address="203.0.113.10")


def test_a_refused_attempt_counts_nothing_and_a_released_one_is_given_back(clock):
    limiter = ReportRateLimiter(RateLimit(2, 600), RateLimit(2, 3600), clock=clock)
    limiter.acquire(session="a", address="x")
    limiter.acquire(session="a", address="x")
    for _ in range(5):
        with pytest.raises(RateLimitedError):
            limiter.acquire(session="a", address="x")
    limiter.release(session="a", address="x")  # e.g. the database was busy: not the rider's fault
    limiter.acquire(session="b", address="x")


def test_the_limiter_keeps_no_address_and_forgets_idle_keys(clock):
    limiter = ReportRateLimiter(RateLimit(5, 600), RateLimit(5, 3600), clock=clock)
    limiter.acquire(session="sess", address="198.51.100.23")
    kept = limiter.tracked_keys()
    assert not any("198.51.100.23" in key for key in kept)
    assert f"a:{limiter.address_key('198.51.100.23')}" in kept
    assert limiter.address_key("198.51.100.23") != ReportRateLimiter().address_key("198.51.100.23")  # per-process key
    clock.now += 3601
    limiter.acquire(session="other", address=None)
    assert limiter.tracked_keys() == ["s:other"]
