"""Rate limits per session and per address, kept in memory with the address only as a keyed hash."""

from __future__ import annotations

import pytest

from geo.errors import RateLimitedError
from geo.feedback.limits import (
    ADDRESS_LIMIT,
    LOCAL_ADDRESS,
    SESSION_LIMIT,
    RateLimit,
    ReportRateLimiter,
    client_address,
    configured_limits,
    trusted_proxies,
)


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


def test_limits_come_from_the_environment_or_the_defaults():
    assert configured_limits({}) == (SESSION_LIMIT, ADDRESS_LIMIT)
    assert configured_limits({"GAOHE_REPORT_SESSION_LIMIT": "2/60", "GAOHE_REPORT_ADDRESS_LIMIT": " 10 / 600 "}) == (
        RateLimit(2, 60.0), RateLimit(10, 600.0))
    for wrong in ("5", "0/600", "5/0", "five/600", "-1/60"):
        with pytest.raises(ValueError, match="GAOHE_REPORT_SESSION_LIMIT"):
            configured_limits({"GAOHE_REPORT_SESSION_LIMIT": wrong})


@pytest.mark.parametrize(
    ("remote_ip", "forwarded_for", "proxies", "expected"),
    [
        ("203.0.113.7", None, 0, "203.0.113.7"),
        (None, None, 0, LOCAL_ADDRESS),  # Streamlit gives no address for a loopback connection
        ("127.0.0.1", "198.51.100.2", 0, LOCAL_ADDRESS),  # an unnamed proxy: the header is not believed
        (None, "198.51.100.2", 1, "198.51.100.2"),  # our one proxy wrote the last entry
        (None, "6.6.6.6, 198.51.100.2", 1, "198.51.100.2"),  # the client forged the first entry
        (None, "6.6.6.6, 198.51.100.2, 10.0.0.5", 2, "198.51.100.2"),  # two proxies: the outer one saw the client
        (None, "198.51.100.2", 2, LOCAL_ADDRESS),  # fewer entries than proxies: not written by ours
        (None, "not-an-address", 1, LOCAL_ADDRESS),
        ("::1", None, 0, LOCAL_ADDRESS),
        ("2001:db8::1", None, 0, "2001:db8::1"),
    ],
)
def test_the_address_a_connection_counts_against(remote_ip, forwarded_for, proxies, expected):
    assert client_address(remote_ip, forwarded_for, connected=True, proxies=proxies) == expected


def test_without_a_connection_there_is_no_address_and_proxies_are_read_from_the_environment():
    assert client_address(None, "198.51.100.2", connected=False, proxies=1) is None
    assert trusted_proxies({}) == 0 and trusted_proxies({"GAOHE_TRUSTED_PROXIES": "2"}) == 2
    with pytest.raises(ValueError, match="GAOHE_TRUSTED_PROXIES"):
        trusted_proxies({"GAOHE_TRUSTED_PROXIES": "yes"})


def test_riders_behind_one_unnamed_proxy_share_one_address_quota(clock):
    limiter = ReportRateLimiter(RateLimit(5, 600), RateLimit(3, 3600), clock=clock)
    address = client_address(None, None, connected=True)
    for n in range(3):
        limiter.acquire(session=f"rider-{n}", address=address)
    with pytest.raises(RateLimitedError):
        limiter.acquire(session="rider-9", address=address)


def test_an_address_uvicorn_took_from_x_forwarded_for_is_this_machine():
    from geo.feedback.limits import connection_address

    # uvicorn replaced a local connection's address with the header's: this machine
    assert connection_address("198.51.100.7", "198.51.100.7") is None
    assert connection_address("203.0.113.5", "10.0.0.1, 203.0.113.5") is None
    assert client_address(connection_address("198.51.100.7", "198.51.100.7"), "198.51.100.7", connected=True) == LOCAL_ADDRESS
    # behind one named proxy, the proxy's entry is believed
    assert client_address(connection_address("203.0.113.5", "203.0.113.5"), "203.0.113.5", connected=True,
                          proxies=1) == "203.0.113.5"
    # a remote connection keeps its own address; its header is not believed without named proxies
    assert connection_address("203.0.113.5", "198.51.100.7") == "203.0.113.5"
    assert client_address(connection_address("203.0.113.5", "198.51.100.7"), "198.51.100.7", connected=True) == \
        "203.0.113.5"
    assert connection_address("203.0.113.5", None) == "203.0.113.5"
