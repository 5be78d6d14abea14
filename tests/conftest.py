"""Shared test setup: factories are imported by the tests; fixtures for users and clients live here."""

import io
import os

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.test.utils import override_settings
from rest_framework.test import APIClient

from cxowner.celery import app as celery_app
from cxowner.orgs.models import Membership, Organization

from .factories import MembershipFactory, OrganizationFactory
from .scenario_fixtures import acme_build

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


@pytest.fixture
def client_as(member):
    """client_as("editor") -> a browser client logged in as a new member of `organization` with that role."""

    def log_in(role: str = Membership.Role.VIEWER) -> Client:
        client = Client()
        client.force_login(member(role))
        return client

    return log_in


@pytest.fixture
def api_as(member):
    """api_as("admin") -> an API client logged in (by session) as a new member with that role."""

    def log_in(role: str = Membership.Role.VIEWER) -> APIClient:
        client = APIClient()
        client.force_login(member(role))
        return client

    return log_in


@pytest.fixture
def viewer(client_as):
    """A browser client of a viewer of `organization`."""
    return client_as(Membership.Role.VIEWER)


@pytest.fixture
def editor(client_as):
    """A browser client of an editor of `organization`."""
    return client_as(Membership.Role.EDITOR)


@pytest.fixture(scope="module")
def built_once_per_module(django_db_setup, django_db_blocker):
    """built_once_per_module(build) -> build(), run once for all the tests of a module that use it.

    For data the tests only read, or change and expect back: it is built in a transaction that
    stays open while the module's tests run, each test's own transaction nesting inside it as a
    savepoint that is rolled back after the test, and the whole is rolled back after the module.
    Nothing is committed and no other module sees it. Not for `transaction=True` tests (they
    flush the tables), nor where a test changes what the database does not keep (the cache, the
    objects built, which the tests share).
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()

    def build(function, *args, **kwargs):
        with django_db_blocker.unblock():
            return function(*args, **kwargs)

    try:
        yield build
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def demo_build() -> Organization:
    call_command("seed_demo", stdout=io.StringIO())
    return Organization.objects.get(slug="demo")


@pytest.fixture(scope="module")
def demo_for_reading(built_once_per_module):
    """The demo organization (seed_demo), built once per module."""
    return built_once_per_module(demo_build)


@pytest.fixture
def acme():
    """The scenario tests' organization (tests/scenario_fixtures.py)."""
    return acme_build()


@pytest.fixture
def eager_retries():
    """Eager tasks retry synchronously, as a worker would later, instead of raising Retry."""
    propagates = celery_app.conf.task_eager_propagates
    celery_app.conf.task_eager_propagates = False
    yield
    celery_app.conf.task_eager_propagates = propagates


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI a skipped test is a failure: it means a service or the browser was missing."""
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_SERVICES and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"Skipped where every service must be present (REQUIRE_SERVICES=1): {report.longrepr}"
