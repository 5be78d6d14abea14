"""The history in Chromium: an edit in the matrix shows in the activity feed and in the
touchpoint's history, with who made it and the letters before and after. Checked with axe."""

import pytest
from playwright.sync_api import expect

from journeys.models import Journey, Touchpoint
from ownership.models import Function

from .axe import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_edit_shows_in_the_activity_feed_and_the_touchpoint_history(demo, live_server, chromium, log_in, screenshot):
    journey = Journey.objects.get(organization__slug="demo", name="Retail store visit")
    function_id = Function.objects.get(organization__slug="demo", name="Product Development").id
    touchpoint = Touchpoint.objects.get(journey=journey, name="Store design")
    page = log_in(chromium.new_context(), "cxlead")
    page.goto(f"{live_server.url}/o/demo/journeys/{journey.id}/")
    cell = page.locator(f'tr.tp-row[data-name="Store design"] td.cell[data-function="{function_id}"]')
    cell.click()
    page.keyboard.press("Escape")
    page.keyboard.press("a")
    expect(cell).to_have_attribute("data-letters", "RA")

    page.get_by_role("link", name="Activity", exact=True).first.click()
    first = page.locator("table.activity tbody tr").first
    expect(first).to_contain_text("cxlead")
    expect(first).to_contain_text("Store design × Product Development: R → RA")
    expect(first).to_contain_text("Retail store visit")
    assert_accessible(page)
    screenshot(page, "activity-feed")

    page.goto(f"{live_server.url}/o/demo/journeys/{journey.id}/touchpoints/{touchpoint.id}/history/")
    newest = page.locator("tbody tr").first
    expect(newest).to_contain_text("cxlead")
    expect(newest).to_contain_text("Browser")
    assert_accessible(page)
    screenshot(page, "touchpoint-history")
