"""Logging in, the brake on password guessing (django-axes), and the password-reset way out."""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client

from .factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
RESET = "/accounts/password-reset/"
PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def brake(settings):
    # The suite's other tests run without the brake (tests/conftest.py); these use the real one.
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 5
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    cache.clear()
    yield
    cache.clear()


def from_address(address: str, forwarded: str | None = None) -> Client:
    extra = {"REMOTE_ADDR": address}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return Client(**extra)


def fail(client: Client, username: str, times: int) -> list[int]:
    return [client.post(LOGIN, {"username": username, "password": "wrong"}).status_code for _ in range(times)]


def test_right_password_logs_in(client):
    user = UserFactory()
    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302


def test_repeated_wrong_passwords_pause_that_account_from_that_address_with_429(client, settings):
    user = UserFactory()
    # The fifth failure starts the pause, and says so.
    assert fail(client, user.username, 5) == [200, 200, 200, 200, 429]
    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 429
    assert response.headers["Retry-After"] == str(settings.LOGIN_LOCKOUT_SECONDS)
    assert "set a new password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_attempts_during_the_pause_are_not_counted(client):
    from axes.handlers.proxy import AxesProxyHandler

    user = UserFactory()
    fail(client, user.username, 5)
    request_like = client.post(LOGIN, {"username": user.username, "password": PASSWORD}).wsgi_request
    fail(client, user.username, 3)
    credentials = {"username": user.username}
    assert AxesProxyHandler.get_failures(request_like, credentials) == 5


def test_the_right_password_logs_in_once_the_pause_ends_though_tried_during_it(client, settings):
    import datetime
    import time

    # The pause would restart at each attempt if they were counted: here it ends 3 s after the
    # fifth failure whatever was tried at 1 s (margins wide enough for a loaded machine).
    settings.AXES_COOLOFF_TIME = datetime.timedelta(seconds=3)
    user = UserFactory()
    fail(client, user.username, 5)
    started = time.monotonic()
    time.sleep(1)
    assert client.post(LOGIN, {"username": user.username, "password": PASSWORD}).status_code == 429
    time.sleep(max(0.0, 3.3 - (time.monotonic() - started)))
    assert client.post(LOGIN, {"username": user.username, "password": PASSWORD}).status_code == 302


def test_the_pause_page_says_how_long_it_lasts(client, settings):
    settings.LOGIN_LOCKOUT_SECONDS = 900
    user = UserFactory()
    response = client.post(LOGIN, {"username": user.username, "password": "wrong"})
    for _ in range(4):
        response = client.post(LOGIN, {"username": user.username, "password": "wrong"})
    assert response.status_code == 429
    assert "paused for 15 minutes after 5 wrong passwords" in " ".join(response.content.decode().split())


def test_failures_under_the_limit_do_not_lock(client):
    user = UserFactory()
    assert fail(client, user.username, 4) == [200] * 4
    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302


def test_guessing_many_usernames_from_one_address_locks_out_nobody_else():
    guesser = from_address("203.0.113.9")
    for index in range(10):
        assert fail(guesser, f"guess{index}", 1) == [200]
    user = UserFactory()
    response = guesser.post(LOGIN, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302


def test_an_attacker_cannot_lock_a_victim_out_from_another_address():
    victim = UserFactory()
    fail(from_address("198.51.100.7"), victim.username, 6)
    response = from_address("203.0.113.20").post(LOGIN, {"username": victim.username, "password": PASSWORD})
    assert response.status_code == 302


def test_behind_the_trusted_proxy_each_client_is_counted_apart(settings):
    settings.TRUSTED_PROXY_HEADER = "HTTP_X_FORWARDED_FOR"
    settings.TRUSTED_PROXY_COUNT = 1
    victim = UserFactory()
    # Both requests come from the proxy (10.0.0.2); the proxy appends each client's own address.
    fail(from_address("10.0.0.2", forwarded="198.51.100.7"), victim.username, 6)
    response = from_address("10.0.0.2", forwarded="203.0.113.20").post(
        LOGIN, {"username": victim.username, "password": PASSWORD}
    )
    assert response.status_code == 302


def test_a_forged_forwarded_for_prefix_does_not_escape_the_count(settings):
    settings.TRUSTED_PROXY_HEADER = "HTTP_X_FORWARDED_FOR"
    settings.TRUSTED_PROXY_COUNT = 1
    user = UserFactory()
    for n in range(5):
        # The attacker invents a new address each time; the proxy appends the real one.
        fail(from_address("10.0.0.2", forwarded=f"192.0.2.{n}, 198.51.100.7"), user.username, 1)
    response = from_address("10.0.0.2", forwarded="192.0.2.99, 198.51.100.7").post(
        LOGIN, {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 429


def reset_link(client: Client, email: str) -> str:
    assert client.post(RESET, {"email": email}).status_code == 302
    return re.search(r"https?://[^/]+(/accounts/password-reset/\S+/)", mail.outbox[-1].body).group(1)


def test_a_locked_account_gets_in_through_the_password_reset():
    user = UserFactory(email="ada@example.com")
    client = from_address("198.51.100.7")
    fail(client, user.username, 5)
    form = client.get(reset_link(client, "ada@example.com"), follow=True)
    response = client.post(
        form.redirect_chain[-1][0], {"new_password1": "a new long phrase", "new_password2": "a new long phrase"}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    client.logout()
    again = client.post(LOGIN, {"username": user.username, "password": "a new long phrase"})
    assert again.status_code == 302


def test_a_reset_link_works_once():
    user = UserFactory(email="ada@example.com")
    client = Client()
    link = reset_link(client, "ada@example.com")
    form = client.get(link, follow=True)
    url = form.redirect_chain[-1][0]
    client.post(url, {"new_password1": "a new long phrase", "new_password2": "a new long phrase"})
    assert "This link no longer works" in Client().get(link, follow=True).content.decode()
    user.refresh_from_db()
    assert user.check_password("a new long phrase")


def test_asking_for_a_reset_answers_alike_for_known_and_unknown_addresses():
    UserFactory(email="ada@example.com")
    known = Client().post(RESET, {"email": "ada@example.com"})
    unknown = Client().post(RESET, {"email": "nobody@example.com"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert len(mail.outbox) == 1


def test_reset_requests_are_braked_per_address(settings):
    client = from_address("203.0.113.5")
    for n in range(settings.PASSWORD_RESET_PER_ADDRESS):
        assert client.post(RESET, {"email": f"someone{n}@example.com"}).status_code == 302
    response = client.post(RESET, {"email": "another@example.com"})
    assert response.status_code == 429
    assert response["Retry-After"] == str(settings.PASSWORD_RESET_WINDOW_SECONDS)


def test_reset_requests_are_braked_per_email(settings):
    UserFactory(email="ada@example.com")
    for n in range(settings.PASSWORD_RESET_PER_EMAIL):
        assert from_address(f"203.0.113.{n}").post(RESET, {"email": "ada@example.com"}).status_code == 302
    assert from_address("203.0.113.200").post(RESET, {"email": "ADA@example.com"}).status_code == 429
    assert len(mail.outbox) == settings.PASSWORD_RESET_PER_EMAIL
