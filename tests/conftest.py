"""Shared test setup: factories are imported by the tests; fixtures for users and clients live here."""

import os

import pytest
from django.test.utils import override_settings

from cxowner.orgs.models import Membership

from .factories import MembershipFactory, OrganizationFactory

# CI sets REQUIRE_SERVICES=1: a test that needs PostgreSQL, Redis, Chromium or a worker may
# not be skipped there (see .ci/run).
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


@pytest.fixture(scope="session", autouse=True)
def fast_passwords():
    """MD5 instead of PBKDF2 for every test: each user a factory or seed_demo makes, and each log-in
    to the live server, would otherwise hash for about half a second on a 2-core machine. No test
    is about the hasher itself; the log-in brake (tests/test_login.py) counts failures, not hashes.
    """
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(scope="session")
def live_server(django_db_setup, live_server):
    """pytest-django's live server, started after the test database exists.

    Started before it (when the session's first database test is a live-server test), the server
    would not be handed the in-memory SQLite connection and would open a second one; see
    tests/browser/conftest.py for what two connections do there.
    """
    return live_server


@pytest.fixture(autouse=True)
def no_login_brake(settings):
    """Failed log-ins in one test must not lock out the next (the cache may be a shared Redis).

    tests/test_login.py turns django-axes back on for the tests of the brake itself.
    """
    settings.AXES_ENABLED = False


@pytest.fixture
def organization(db):
    return OrganizationFactory()


@pytest.fixture
def member(organization):
    """A factory of members of `organization`: member("editor") -> user."""

    def make(role: str = Membership.Role.VIEWER):
        return MembershipFactory(organization=organization, role=role).user

    return make


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI a skipped test is a failure: it means a service or the browser was missing."""
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_SERVICES and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"Skipped where every service must be present (REQUIRE_SERVICES=1): {report.longrepr}"
