"""An executive reads what changed: the dashboard's cards over 30 days, after gaps were opened and
resolved on frozen days of the past month."""

import os
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from journeys.models import Touchpoint
from ownership.editor.services import CellChange, cells_set
from ownership.models import Function, Gap, GapEvent

from .axe import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@contextmanager
def days_ago(n: int):
    """Run the services as if it were noon `n` days ago."""
    today = timezone.localdate()
    day = today - timedelta(days=n)
    with mock.patch("django.utils.timezone.now", return_value=datetime(day.year, day.month, day.day, 12, tzinfo=UTC)):
        yield


def letters(touchpoint: str, function: str, value: str) -> None:
    touchpoint_id = Touchpoint.objects.get(organization__slug="demo", name=touchpoint).id
    function_id = Function.objects.get(organization__slug="demo", name=function).id
    organization = Function.objects.get(pk=function_id).organization
    cells_set(organization=organization, changes=[CellChange(touchpoint_id, function_id, frozenset(value))])


@pytest.fixture
def demo_with_a_month(transactional_db):
    """The demo seeded 60 days ago; 20 days ago Marketing took over the signage (gaps resolved),
    5 days ago IT also claimed the cashier (a contested gap opened)."""
    with days_ago(60):
        call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    with days_ago(20):
        letters("Signage", "Marketing", "AR")
    with days_ago(5):
        letters("Cashier", "IT", "A")
    month_ago = timezone.now() - timedelta(days=30)
    return {
        "resolved": GapEvent.objects.filter(kind="resolved", at__gte=month_ago).values("gap").distinct().count(),
        "opened": GapEvent.objects.filter(kind="opened", at__gte=month_ago).values("gap").distinct().count(),
        "open": Gap.objects.filter(resolved_at=None).exclude(workflow_status="accepted").count(),
    }


def test_an_executive_sees_each_cards_change_over_30_days(demo_with_a_month, chromium, log_in, screenshot):
    history = demo_with_a_month
    assert history["resolved"] and history["opened"]  # the month really changed something
    page = log_in(chromium.new_context(), "exec")

    periods = page.get_by_role("navigation", name="Period compared")
    expect(periods.get_by_role("link", name="30 days")).to_have_attribute("aria-current", "page")
    expect(page.get_by_test_id("change-resolved")).to_contain_text(f"+{history['resolved']} on the 30 days before")
    net = history["opened"] - history["resolved"]
    sign = "+" if net > 0 else "−"
    words = "no change since 30 days ago" if net == 0 else f"{sign}{abs(net)} since 30 days ago"
    expect(page.get_by_test_id("change-open")).to_contain_text(words)
    expect(page.get_by_test_id("change-coverage")).to_contain_text("since 30 days ago")
    # The trend's text alternative has one row per day of the period.
    page.get_by_text("The figures by day").click()
    expect(page.get_by_test_id("trend-table").locator("tbody tr")).to_have_count(30)
    assert_accessible(page)
    page.get_by_text("The figures by day").click()
    screenshot(page, "dashboard-30-days", full_page=True)


def test_the_period_is_chosen_by_a_link_and_kept_in_the_address(demo_with_a_month, chromium, log_in, screenshot):
    page = log_in(chromium.new_context(), "exec")

    page.get_by_role("navigation", name="Period compared").get_by_role("link", name="7 days").click()

    page.wait_for_url("**/o/demo/?period=7")
    expect(page.get_by_test_id("change-resolved")).to_contain_text("on the 7 days before")
    page.get_by_text("The figures by day").click()
    expect(page.get_by_test_id("trend-table").locator("tbody tr")).to_have_count(7)
    screenshot(page, "dashboard-7-days")


def test_a_heatmap_cell_opens_the_gaps_of_its_journey_and_function(demo_with_a_month, chromium, log_in):
    page = log_in(chromium.new_context(), "exec")

    cell = page.locator("table.heatmap a.heat-link").first
    label = cell.locator(".visually-hidden").inner_text()
    cell.click()

    page.wait_for_url("**/gaps/?journey=*&function=*")
    expect(page.locator("#gap-table tbody tr").first).to_be_visible()
    assert "open gap" in label


def test_printing_the_dashboard_leaves_out_the_navigation(demo_with_a_month, chromium, log_in, screenshot):
    page = log_in(chromium.new_context(), "exec")

    page.emulate_media(media="print")

    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    expect(page.get_by_role("button", name="Log out")).to_be_hidden()
    expect(page.locator("table.heatmap")).to_be_visible()
    adjust = page.locator("td.heat").first.evaluate("cell => getComputedStyle(cell).printColorAdjust")
    assert adjust == "exact"
    screenshot(page, "dashboard-print", full_page=True)
