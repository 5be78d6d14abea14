"""Browser tests: Debian's Chromium driven by Playwright against the live server.

Playwright runs an event loop in the test's thread while the browser is open, so Django's
async-safety check would refuse the ORM calls the tests make around it. It is switched off
while this package's browser is open and back on when it closes: the deployment checklist
(tests/test_settings.py) must still see it on.

The running loop has a second effect: Django keeps database connections per thread, and per
task where a loop runs, so the test's ORM calls open a connection of their own rather than the
one the live server was handed. On PostgreSQL that is how it should be. On SQLite's in-memory
test database two connections lock each other out table by table, at once and without waiting
("database table is locked"), whenever the test reads while a request writes:
`live_server_shares_the_test_connection` hands the server the test's connection instead.
"""

import os
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connections

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
DEMO_PASSWORDS = {"admin": "cxowner-admin", "cxlead": "cxowner-cxlead", "exec": "cxowner-exec"}


@pytest.fixture(scope="package")
def chromium():
    """One headless Chromium for the package's tests; new_context() gives each user a session."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield Browser(browser)
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class Browser:
    """The browser, with contexts the size of a laptop screen (1280×800) unless told another
    `viewport`."""

    def __init__(self, browser):
        self.browser = browser
        self.contexts = []

    def new_context(self, **options):
        context = self.browser.new_context(**{"viewport": {"width": 1280, "height": 800}, **options})
        self.contexts.append(context)
        return context

    def close_contexts(self) -> None:
        while self.contexts:
            self.contexts.pop().close()


@pytest.fixture(autouse=True)
def contexts_closed_after_each_test(request):
    """A context left open keeps its keep-alive sockets to the live server, and each socket's
    server thread its database connection: over a run they once passed PostgreSQL's 100."""
    yield
    if "chromium" in request.fixturenames:
        request.getfixturevalue("chromium").close_contexts()


@pytest.fixture(autouse=True)
def live_server_shares_the_test_connection(request):
    """On in-memory SQLite, the live server's requests use the connection this test's code uses.

    It stays shareable afterwards: a request the browser left running past the test still closes
    it when it ends.
    """
    if "live_server" not in request.fixturenames:
        return
    shared = request.getfixturevalue("live_server").thread.connections_override  # empty on PostgreSQL
    for alias in shared:
        if not connections[alias].allow_thread_sharing:
            connections[alias].inc_thread_sharing()
        shared[alias] = connections[alias]


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115


@pytest.fixture
def screenshot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def save(page, name: str, full_page: bool = False) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return save


@pytest.fixture
def log_in(live_server):
    """log_in(context, "cxlead") -> a page of that demo user, on their dashboard."""

    def enter(context, username: str):
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(DEMO_PASSWORDS[username])
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{live_server.url}/o/demo/")
        return page

    return enter
