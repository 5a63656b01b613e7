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
