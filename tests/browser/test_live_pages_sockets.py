"""With the live sockets (issue 21): an edit on the matrix moves the figures on a colleague's open
dashboard, gaps list and journeys list, and a gap page shows who else is viewing it."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from ownership.models import Gap
from tests.browser.live_sockets import share_connection, sockets_origin
from tests.browser.test_browser import cell, retail

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def live_sockets(live_server, settings):
    settings.LIVE_SOCKET_ORIGIN = sockets_origin()
    share_connection()
    return settings.LIVE_SOCKET_ORIGIN


def test_an_edit_on_the_matrix_moves_the_other_pages(demo, live_sockets, live_server, chromium, log_in, screenshot):
    _, url = retail(live_server)
    lead = log_in(chromium.new_context(), "cxlead")
    executive = chromium.new_context()
    dashboard = log_in(executive, "exec")
    gaps = executive.new_page()
    gaps.goto(f"{live_server.url}/o/demo/gaps/")
    journeys = executive.new_page()
    journeys.goto(f"{live_server.url}/o/demo/journeys/")
    lead.goto(url)
    for page in (dashboard, gaps, journeys, lead):
        page.wait_for_function("() => window.cxLive !== undefined")
    expect(lead.locator("#live-state")).to_have_text("Live")
    coverage = dashboard.get_by_test_id("dashboard-coverage").inner_text()
    figures = gaps.get_by_test_id("gap-figures").inner_text()
    row = journeys.locator("tr", has_text="Retail store visit")
    before = row.inner_text()
    for page in (dashboard, gaps, journeys):
        page.evaluate("window.__sameDocument = true")

    cell(lead, "Store design", "Product Development").focus()
    lead.keyboard.press("a")

    expect(dashboard.get_by_test_id("dashboard-coverage")).not_to_have_text(coverage)
    expect(gaps.get_by_test_id("gap-figures")).not_to_have_text(figures)
    expect(row).not_to_have_text(before)
    for page in (dashboard, gaps, journeys):
        assert page.evaluate("window.__sameDocument") is True
    screenshot(dashboard, "live-sockets-dashboard")


def test_a_gap_page_shows_who_else_is_viewing_it(demo, live_sockets, live_server, chromium, log_in, screenshot):
    gap = Gap.objects.filter(organization__slug="demo", resolved_at=None).first()
    url = f"{live_server.url}/o/demo/gaps/{gap.pk}/"
    lead = log_in(chromium.new_context(), "cxlead")
    executive = log_in(chromium.new_context(), "exec")
    lead.goto(url)
    executive.goto(url)

    viewers = lead.locator("[data-gap-viewers]")
    expect(viewers).to_be_visible(timeout=5000)
    expect(viewers.locator("li")).to_have_count(1)
    name = get_user_model().objects.get(username="exec")
    expect(viewers).to_contain_text(name.get_full_name() or "exec")
    screenshot(lead, "live-sockets-gap")
