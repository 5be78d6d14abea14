"""Logging: each request problem is one line in the log, in development as in production."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# A 404 and a 403 (a log-in POST without its CSRF token), made by a development copy.
REQUESTS = """
from django.test import Client
client = Client(HTTP_HOST="127.0.0.1", enforce_csrf_checks=True)
assert client.get("/no-such-page/").status_code == 404
assert client.post("/accounts/login/").status_code == 403
"""


@pytest.fixture(scope="module")
def development_log() -> str:
    env = {key: value for key, value in os.environ.items() if key not in {"PYTEST_VERSION", "DATABASE_URL"}}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", REQUESTS],
        cwd=ROOT,
        env={**env, "DEBUG": "true"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stderr


def test_a_404_is_logged_once(development_log):
    assert development_log.count("Not Found: /no-such-page/") == 1, development_log


def test_a_403_is_logged_once(development_log):
    assert development_log.count("Forbidden (CSRF cookie not set.): /accounts/login/") == 1, development_log


def test_log_lines_name_their_level_and_logger(development_log):
    assert "WARNING django.request Not Found: /no-such-page/" in development_log
