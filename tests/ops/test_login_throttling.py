"""Login throttling (django-axes): after SATUSTOK_LOGIN_FAILURE_LIMIT failed logins a username
is locked out wherever the guesses come from, and an address is locked out whatever usernames
it tries, on the UI's login and the Django admin's; the locked-out page is the site's own."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

PASSWORD = "kopi-susu-gula-aren"
LOCKED = 429


@pytest.fixture
def sellers(settings) -> None:  # type: ignore[no-untyped-def]
    # A fast hasher: these tests log in about a hundred times; the throttling is the same.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    for username in ("penjual", "kasir"):
        get_user_model().objects.create_user(username, password=PASSWORD)


def log_in(username: str, password: str, address: str, url: str = "", **headers: str) -> int:
    """One login from ``address`` with a client of its own (no session shared between tries);
    the status: 302 logged in, 200 the form again, 429 locked out."""
    client = Client(REMOTE_ADDR=address)
    response = client.post(
        url or reverse("web:login"), {"username": username, "password": password}, **headers
    )
    return response.status_code


def fail(times: int, username: str, address: str, url: str = "", *, spread: bool = False) -> None:
    """``times`` failed logins (each of another made-up username with ``spread``): the form
    again until the limit, the locked-out page at it."""
    for attempt in range(times):
        name = f"{username}{attempt}" if spread else username
        expected = LOCKED if attempt + 1 >= settings.SATUSTOK_LOGIN_FAILURE_LIMIT else 200
        assert log_in(name, "salah-tebak", address, url) == expected


def test_the_limit_locks_the_username_even_with_the_right_password(sellers: None) -> None:
    limit = settings.SATUSTOK_LOGIN_FAILURE_LIMIT
    assert limit == 5
    # The guesses come from several addresses: the username is locked all the same, from the
    # limit-th failure on.
    for attempt in range(limit - 1):
        assert log_in("penjual", "salah-tebak", f"203.0.113.{attempt + 1}") == 200
    assert log_in("penjual", "salah-tebak", "203.0.113.50") == LOCKED
    assert log_in("penjual", PASSWORD, "198.51.100.7") == LOCKED
    assert log_in("kasir", PASSWORD, "198.51.100.7") == 302  # another user is not affected


def test_fewer_failures_than_the_limit_still_let_the_seller_in(sellers: None) -> None:
    fail(settings.SATUSTOK_LOGIN_FAILURE_LIMIT - 1, "penjual", "203.0.113.1")
    assert log_in("penjual", PASSWORD, "203.0.113.1") == 302


def test_a_successful_login_forgets_that_usernames_failures(sellers: None) -> None:
    limit = settings.SATUSTOK_LOGIN_FAILURE_LIMIT
    fail(limit - 1, "penjual", "203.0.113.1")
    assert log_in("penjual", PASSWORD, "203.0.113.2") == 302
    fail(limit - 1, "penjual", "203.0.113.3")  # a typo a week later starts from zero
    assert log_in("penjual", PASSWORD, "203.0.113.4") == 302


def test_an_address_guessing_many_usernames_is_locked_out(sellers: None) -> None:
    fail(settings.SATUSTOK_LOGIN_FAILURE_LIMIT, "tebak", "203.0.113.66", spread=True)
    assert log_in("kasir", PASSWORD, "203.0.113.66") == LOCKED  # even a real account, from there
    assert log_in("kasir", PASSWORD, "198.51.100.7") == 302  # from elsewhere: fine


def test_an_attackers_own_login_does_not_wipe_their_guesses(sellers: None) -> None:
    limit = settings.SATUSTOK_LOGIN_FAILURE_LIMIT
    fail(limit - 1, "penjual", "203.0.113.66")
    assert log_in("kasir", PASSWORD, "203.0.113.66") == 302  # the attacker's own account
    assert log_in("penjual", "salah-tebak", "203.0.113.99") == LOCKED  # the limit-th
    assert log_in("penjual", PASSWORD, "198.51.100.7") == LOCKED


def test_the_admin_login_is_throttled_too(sellers: None) -> None:
    get_user_model().objects.create_superuser("pemilik", password=PASSWORD, email="")
    admin_login = reverse("admin:login")
    fail(settings.SATUSTOK_LOGIN_FAILURE_LIMIT, "pemilik", "203.0.113.5", admin_login)
    assert log_in("pemilik", PASSWORD, "198.51.100.7", admin_login) == LOCKED
    assert log_in("pemilik", PASSWORD, "198.51.100.7") == LOCKED  # and the UI's: one count


def test_the_locked_out_page_is_the_sites_own_in_the_sellers_language(sellers: None) -> None:
    fail(settings.SATUSTOK_LOGIN_FAILURE_LIMIT, "penjual", "203.0.113.1")
    client = Client(REMOTE_ADDR="203.0.113.1")
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.post(reverse("web:login"), {"username": "penjual", "password": PASSWORD})
    assert page.status_code == LOCKED
    assert page["Content-Type"].startswith("text/html")
    text = page.content.decode()
    assert 'lang="en"' in text and 'data-testid="locked-out"' in text
    assert "Too many failed logins" in text and "Try again in 15 minutes." in text
    assert "satustok.css" in text and reverse("web:login") in text
    assert int(page["Retry-After"]) == 15 * 60
    indonesian = Client(REMOTE_ADDR="203.0.113.1").post(
        reverse("web:login"), {"username": "penjual", "password": PASSWORD}
    )
    assert indonesian.status_code == LOCKED and 'lang="id"' in indonesian.content.decode()


def test_forwarded_for_is_not_trusted_by_default(sellers: None) -> None:
    """Without SATUSTOK_TRUSTED_PROXY_COUNT a client cannot spread its guesses over made-up
    addresses: they all count against the address it really comes from."""
    assert settings.SATUSTOK_TRUSTED_PROXY_COUNT == 0
    for attempt in range(settings.SATUSTOK_LOGIN_FAILURE_LIMIT - 1):
        forged = {"HTTP_X_FORWARDED_FOR": f"192.0.2.{attempt + 1}"}
        assert log_in(f"tebak{attempt}", "salah-tebak", "203.0.113.66", **forged) == 200
    last = {"HTTP_X_FORWARDED_FOR": "192.0.2.100"}
    assert log_in("tebak", "salah-tebak", "203.0.113.66", **last) == LOCKED
    assert log_in("kasir", PASSWORD, "203.0.113.66", HTTP_X_FORWARDED_FOR="192.0.2.200") == LOCKED


def test_behind_a_trusted_proxy_the_address_the_proxy_saw_counts(sellers: None, settings) -> None:  # type: ignore[no-untyped-def]
    """One proxy of ours: the client is the rightmost X-Forwarded-For entry (the one our proxy
    appended); whatever the client wrote to the left of it changes nothing."""
    settings.SATUSTOK_TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"  # every request reaches the hub from the proxy
    for attempt in range(settings.SATUSTOK_LOGIN_FAILURE_LIMIT - 1):
        chain = {"HTTP_X_FORWARDED_FOR": f"192.0.2.{attempt + 1}, 203.0.113.66"}
        assert log_in(f"tebak{attempt}", "salah-tebak", proxy, **chain) == 200
    last = {"HTTP_X_FORWARDED_FOR": "192.0.2.100, 203.0.113.66"}
    assert log_in("tebak", "salah-tebak", proxy, **last) == LOCKED
    assert log_in("kasir", PASSWORD, proxy, HTTP_X_FORWARDED_FOR="203.0.113.66") == LOCKED
    # Another client behind the same proxy is not locked out with the attacker.
    assert log_in("kasir", PASSWORD, proxy, HTTP_X_FORWARDED_FOR="198.51.100.7") == 302
