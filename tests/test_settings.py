"""Production settings: the deployment checklist passes and bad values fail loudly."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "a-production-secret-key-that-is-long-and-random-enough-0123456789-abcdefghij",
    "ALLOWED_HOSTS": "cxowner.example.com",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in os.environ.items() if key not in {"PYTEST_VERSION", "DEBUG", "SECRET_KEY"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deployment_checklist_without_warnings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr + result.stdout


def test_missing_secret_key_stops_production_at_start_up():
    result = manage("check", DEBUG="false", ALLOWED_HOSTS="cxowner.example.com")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_a_bad_boolean_stops_start_up():
    result = manage("check", **{**PRODUCTION, "DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DEBUG must be true or false" in result.stderr


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy(client):
    policy = client.get("/accounts/login/").headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "object-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy


@pytest.mark.django_db
def test_pages_send_the_security_headers(client):
    headers = client.get("/accounts/login/").headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_api_docs_load_nothing_from_other_hosts(client):
    for path in ("/api/v1/docs/", "/api/v1/redoc/"):
        page = client.get(path).content.decode()
        assert "https://" not in page, path


@pytest.mark.django_db
def test_the_redoc_bundle_fetches_nothing_from_a_cdn(client):
    response = client.get("/api/v1/redoc/redoc.standalone.js")

    bundle = response.content.decode()
    assert response.status_code == 200 and response["Content-Type"].startswith("text/javascript")
    assert "Redoc" in bundle and "cdn.redoc.ly" not in bundle


def test_favicon_redirects_to_the_static_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("img/favicon.svg")


def test_the_long_tasks_stop_before_the_broker_would_hand_them_to_another_worker():
    """Redis hands an unacknowledged task out again after its visibility timeout: a task still
    running then would run twice. The import and the audit stop at their time limits first."""
    code = (
        "from django.conf import settings; from cxowner.celery import app; app.loader.import_default_modules(); "
        "print(settings.CELERY_BROKER_TRANSPORT_OPTIONS['visibility_timeout']); "
        "print(app.tasks['ownership.import_jobs.matrix_import_job_task'].time_limit); "
        "print(app.tasks['ownership.tasks.audit_run_task'].time_limit)"
    )
    result = manage("shell", "-c", code, REDIS_URL="redis://127.0.0.1:6379/15", DEBUG="true")
    assert result.returncode == 0, result.stderr
    visibility_timeout, *time_limits = (int(line) for line in result.stdout.split()[-3:])
    assert all(0 < limit < visibility_timeout for limit in time_limits)


@pytest.mark.parametrize("value", ["cheap", "0", "-1"])
def test_a_bad_random_page_cost_stops_start_up_on_postgresql(value):
    result = manage(
        "check", DATABASE_URL="postgres://nobody@127.0.0.1:1/none", DATABASE_RANDOM_PAGE_COST=value, DEBUG="true"
    )
    assert result.returncode != 0
    assert "DATABASE_RANDOM_PAGE_COST must be" in result.stderr


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_connections_plan_for_random_reads_as_cheap():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL)")
    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        assert float(cursor.fetchone()[0]) == settings.DATABASE_RANDOM_PAGE_COST == 1.1
