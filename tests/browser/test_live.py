"""Two people on one journey (issue 21): each sees the other's changes and place without a reload,
and a page that was offline catches up to what a fresh load shows."""

import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from tests.browser.live_sockets import share_connection, sockets_origin
from tests.browser.test_browser import cell, coverage, retail

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def live_sockets(live_server, settings):
    settings.LIVE_SOCKET_ORIGIN = sockets_origin()
    share_connection()
    return settings.LIVE_SOCKET_ORIGIN


def open_live(page, url):
    page.goto(url)
    expect(page.locator("#live-state")).to_have_text("Live")
    page.evaluate("window.__sameDocument = true")


def matrix_state(page) -> dict:
    """What the matrix shows: every cell's letters, every row's badges, the journey's figures."""
    return page.evaluate(
        """() => ({
          cells: Array.from(document.querySelectorAll('#matrix td.cell')).map(
            c => c.closest('tr').dataset.touchpoint + ':' + c.dataset.function + '=' + (c.dataset.letters || '')),
          badges: Array.from(document.querySelectorAll('#matrix tr.tp-row')).map(
            r => r.dataset.touchpoint + ':' + r.querySelector('[data-testid=badges]').innerText.trim()),
          figures: Array.from(document.querySelectorAll('#matrix-summary [data-figure]')).map(
            f => f.dataset.figure + '=' + f.innerText.trim()),
        })"""
    )


def test_an_edit_shows_on_the_other_page_with_its_badge_and_figures_without_a_reload(
    demo, live_sockets, live_server, chromium, log_in, screenshot
):
    _, url = retail(live_server)
    lead, colleague = log_in(chromium.new_context(), "cxlead"), log_in(chromium.new_context(), "admin")
    open_live(colleague, url)
    open_live(lead, url)
    before = coverage(colleague)

    cell(lead, "Store design", "Product Development").focus()
    lead.keyboard.press("a")

    expect(cell(colleague, "Store design", "Product Development")).to_have_attribute("data-letters", "RA")
    row = colleague.locator('tr.tp-row[data-name="Store design"]')
    expect(row.get_by_test_id("badges")).not_to_contain_text("no A")
    expect(colleague.get_by_test_id("coverage")).not_to_have_text(f"{before}%")
    assert coverage(colleague) > before
    assert colleague.evaluate("window.__sameDocument") is True


def test_the_other_page_shows_who_is_here_and_on_which_cell(
    demo, live_sockets, live_server, chromium, log_in, screenshot
):
    _, url = retail(live_server)
    lead, colleague = log_in(chromium.new_context(), "cxlead"), log_in(chromium.new_context(), "admin")
    open_live(colleague, url)
    open_live(lead, url)

    cell(lead, "Signage", "Marketing").focus()

    name = User.objects.get(username="cxlead").get_full_name()
    expect(colleague.get_by_test_id("live-people")).to_contain_text(name)
    here = cell(colleague, "Signage", "Marketing")
    expect(here).to_have_class(cell_with("presence"))
    expect(here).to_have_attribute("data-presence", name)
    screenshot(colleague, "live-presence")


def cell_with(name: str):
    return re.compile(rf"\b{name}\b")


def test_a_page_back_online_after_missing_edits_equals_a_fresh_load(
    demo, live_sockets, live_server, chromium, log_in, screenshot
):
    _, url = retail(live_server)
    lead = log_in(chromium.new_context(), "cxlead")
    away_context = chromium.new_context()
    away = log_in(away_context, "admin")
    open_live(away, url)
    open_live(lead, url)

    away_context.set_offline(True)
    expect(away.locator("#live-state")).to_have_text("Reconnecting…")
    edits = [("Signage", "Marketing"), ("Store design", "Product Development"), ("Order form", "IT")]
    for touchpoint, function in edits:
        cell(lead, touchpoint, function).focus()
        lead.keyboard.press("a")
        expect(cell(lead, touchpoint, function)).not_to_have_class(cell_with("pending"))
    away_context.set_offline(False)

    expect(away.locator("#live-state")).to_have_text("Live", timeout=20_000)
    expect(cell(away, "Order form", "IT")).to_have_attribute("data-letters", cell_with("A"))
    fresh = away_context.new_page()
    fresh.goto(url)
    away.wait_for_timeout(300)  # a late swap, if any, lands before the comparison
    assert matrix_state(away) == matrix_state(fresh)
    assert away.evaluate("window.__sameDocument") is True
    screenshot(away, "live-caught-up")
