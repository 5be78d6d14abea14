"""Logging in, and the brake on password guessing."""

import pytest
from django.core.cache import cache

from .factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


@pytest.fixture(autouse=True)
def brake(settings):
    # The suite's other tests run without the brake (tests/conftest.py); these use the real one.
    settings.LOGIN_MAX_FAILURES = 5
    cache.delete("login-failures:addr:127.0.0.1")
    yield
    cache.delete("login-failures:addr:127.0.0.1")


def test_right_password_logs_in(client):
    user = UserFactory()
    response = client.post(LOGIN, {"username": user.username, "password": "correct horse battery"})
    assert response.status_code == 302


def test_repeated_wrong_passwords_pause_log_in_with_429(client, settings):
    user = UserFactory()
    for _ in range(settings.LOGIN_MAX_FAILURES):
        assert client.post(LOGIN, {"username": user.username, "password": "wrong"}).status_code == 200
    response = client.post(LOGIN, {"username": user.username, "password": "correct horse battery"})
    assert response.status_code == 429
    assert response.headers["Retry-After"] == str(settings.LOGIN_LOCKOUT_SECONDS)
    assert "_auth_user_id" not in client.session


def test_failures_under_the_limit_do_not_lock(client, settings):
    user = UserFactory()
    for _ in range(settings.LOGIN_MAX_FAILURES - 1):
        client.post(LOGIN, {"username": user.username, "password": "wrong"})
    response = client.post(LOGIN, {"username": user.username, "password": "correct horse battery"})
    assert response.status_code == 302


def test_guessing_many_usernames_from_one_address_is_paused(client, settings):
    for index in range(settings.LOGIN_MAX_FAILURES):
        client.post(LOGIN, {"username": f"guess{index}", "password": "wrong"})
    user = UserFactory()
    response = client.post(LOGIN, {"username": user.username, "password": "correct horse battery"})
    assert response.status_code == 429
