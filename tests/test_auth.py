"""Planner sign-in hashes."""

from geo.auth import check_sign_in, configured_editors, hash_password, verify_password


def test_a_hash_verifies_its_password_only():
    stored = hash_password("correct horse", iterations=1000)
    assert stored.startswith("pbkdf2_sha256$1000$") and "correct horse" not in stored
    assert verify_password("correct horse", stored)
    assert not verify_password("Correct horse", stored)
    assert not verify_password("correct horse", "garbage")


def test_the_same_password_hashes_differently_each_time():
    assert hash_password("x" * 8, iterations=1000) != hash_password("x" * 8, iterations=1000)


def test_editors_come_from_the_environment_and_secrets():
    stored = hash_password("pw123456", iterations=1000)
    editors = configured_editors({"GAOHE_EDITORS": f"wang:{stored}, li:{stored}"}, {"zhao": stored})
    assert set(editors) == {"wang", "li", "zhao"}
    assert check_sign_in("wang", "pw123456", editors)
    assert not check_sign_in("wang", "nope", editors) and not check_sign_in("nobody", "pw123456", editors)
    assert configured_editors({}) == {}


def test_an_unknown_user_costs_as_much_as_a_known_one():
    import statistics
    import time

    editors = {"wang": hash_password("correct horse battery")}
    check_sign_in("nobody", "x", editors)  # the equaliser hash is made once, on first use

    def median_s(user: str) -> float:
        times = []
        for _ in range(5):
            started = time.perf_counter()
            check_sign_in(user, "wrong password", editors)
            times.append(time.perf_counter() - started)
        return statistics.median(times)

    ratio = median_s("nobody") / median_s("wang")
    assert 0.5 < ratio < 2.0, ratio  # was 1.1 ms against 172 ms: a 150x tell


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_after_five_failures_even_the_right_password_must_wait_and_the_wait_doubles():
    from geo.auth import FIRST_WAIT_S, SignInThrottle

    editors = {"wang": hash_password("correct horse", iterations=1000)}
    clock = FakeClock()
    throttle = SignInThrottle(clock=clock)
    outcomes = [throttle.attempt("wang", f"wrong {i}", editors, client="10.0.0.5") for i in range(5)]
    assert [o.signed_in for o in outcomes] == [False] * 5 and outcomes[-1].retry_after_s == FIRST_WAIT_S
    refused = throttle.attempt("wang", "correct horse", editors, client="10.0.0.5")
    assert not refused.signed_in and refused.retry_after_s == FIRST_WAIT_S
    clock.now += FIRST_WAIT_S
    again = throttle.attempt("wang", "still wrong", editors, client="10.0.0.5")
    assert not again.signed_in and again.retry_after_s == 2 * FIRST_WAIT_S
    clock.now += 2 * FIRST_WAIT_S
    assert throttle.attempt("wang", "correct horse", editors, client="10.0.0.5").signed_in


def test_the_throttle_counts_per_user_and_per_client():
    from geo.auth import SignInThrottle

    editors = {"wang": hash_password("pw", iterations=1000), "li": hash_password("pw2", iterations=1000)}
    throttle = SignInThrottle(clock=FakeClock())
    for i in range(5):  # one client guessing many names
        throttle.attempt(f"guess{i}", "x", editors, client="attacker")
    assert not throttle.attempt("li", "pw2", editors, client="attacker").signed_in
    assert throttle.attempt("li", "pw2", editors, client="office").signed_in
    for i in range(5):  # many clients guessing one name
        throttle.attempt("wang", "x", editors, client=f"bot{i}")
    assert not throttle.attempt("wang", "pw", editors, client="office").signed_in
