"""Shared test setup: factories are imported by the tests; fixtures shared by several modules (users,
clients, data built once per module) live here, with what applies to the whole run: the password
hasher, each pytest-xdist worker's Redis database, and CI's rule that a required test may not skip."""

import io
import os
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import override_settings
from rest_framework.test import APIClient

from cxowner.celery import app as celery_app
from cxowner.orgs.models import Membership, Organization

from .factories import MembershipFactory, OrganizationFactory, client_for
from .scenario_fixtures import acme_build

# CI sets REQUIRE_SERVICES=1: a test that needs PostgreSQL, Redis, Chromium or a worker may
# not be skipped there (see .ci/run). A list of markers ("browser") fails only the skipped tests
# that carry one of them: CI's SQLite run, which has Chromium but no database server or broker.
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES", "")
REQUIRED_MARKERS = {name.strip() for name in REQUIRE_SERVICES.split(",") if name.strip()} - {"1"}


def pytest_configure(config):
    """Under pytest-xdist each worker gets a Redis database of its own (configured number + worker
    number), as pytest-django gives it a test database of its own: tests clear the cache, and the
    cache's keys (audit locks, heartbeats) and the real workers' queues must not meet another
    worker's. Nothing has used the cache or the broker yet when this runs."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw0", "gw1", … ; empty without -n
    if not (worker and settings.REDIS_URL):
        return
    url = urlsplit(settings.REDIS_URL)
    number = int(url.path.strip("/") or 0) + int(worker.removeprefix("gw"))
    redis_url = urlunsplit(url._replace(path=f"/{number}"))
    if settings.CELERY_BROKER_URL == settings.REDIS_URL:
        settings.CELERY_BROKER_URL = redis_url
        celery_app.conf.broker_url = redis_url
    settings.CACHES["default"]["LOCATION"] = redis_url
    if "hosts" in settings.CHANNEL_LAYERS["default"].get("CONFIG", {}):  # the live pages' layer
        settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"] = [redis_url]
    settings.REDIS_URL = redis_url


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
def latest_schema_afterwards(transactional_db):
    """For migration tests: whatever the test does, the database ends at the latest migrations
    for the tests after it."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.fixture
def client_as(member):
    """client_as("editor") -> a browser client logged in as a new member of `organization` with that role."""
    return lambda role=Membership.Role.VIEWER: client_for(member(role))


@pytest.fixture
def api_as(member, organization):
    """api_as("admin") -> an API client logged in (by session) as a new member with that role, its
    `base` the organization's API root: api.get(f"{api.base}/journeys/")."""

    def log_in(role: str = Membership.Role.VIEWER) -> APIClient:
        client = client_for(member(role), APIClient)
        client.base = f"/api/v1/orgs/{organization.slug}"
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
def outbox(settings):
    """The e-mails the test sends, kept in memory by Django's locmem backend: mail.outbox."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return mail.outbox


@pytest.fixture
def text_file(tmp_path):
    """text_file(text, name="matrix.csv") -> the path of a file holding `text` in the test's own folder."""

    def write(text: str, name: str = "matrix.csv"):
        path = tmp_path / name
        path.write_text(text)
        return path

    return write


@pytest.fixture
def matrix_file(text_file):
    """A matrix file the import takes: Buy online's Basket (Sales A/R) and Payment (IT A only)."""
    return text_file(
        "journey,stage,touchpoint,Sales,IT\nBuy online,Checkout,Basket,A/R,\nBuy online,Checkout,Payment,,A\n"
    )


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
    required = REQUIRE_SERVICES == "1" or any(item.get_closest_marker(name) for name in REQUIRED_MARKERS)
    if required and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"Skipped where it must run (REQUIRE_SERVICES={REQUIRE_SERVICES}): {report.longrepr}"
