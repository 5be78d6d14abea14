"""The settings page in Chromium: an admin tightens a threshold and sees the gaps react, sets
a schedule with its live preview, adds a webhook and sees a test delivery in its log."""

import re

import pytest
from playwright.sync_api import expect

from ownership.models import Gap, WebhookDelivery
from tests.automation.test_notifications import Receiver

from .axe import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_gaps(page, base_url: str) -> int:
    page.goto(f"{base_url}/o/demo/gaps/")
    text = page.locator("#gap-table p.muted").first.inner_text()
    return int(re.match(r"(\d+) gap", text).group(1))


def test_an_admin_changes_a_threshold_the_schedule_and_tests_a_webhook(
    demo, live_server, chromium, log_in, screenshot, settings
):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]  # the test receiver listens on loopback
    page = log_in(chromium.new_context(), "admin")
    before = open_gaps(page, live_server.url)

    page.get_by_role("link", name="Settings").click()
    page.get_by_label("Most functions consulted (C) per touchpoint").fill("0")
    page.get_by_role("button", name="Save thresholds").click()
    expect(page.locator(".flash")).to_contain_text("Rule thresholds saved")
    after = open_gaps(page, live_server.url)
    assert after > before
    assert after == Gap.objects.filter(organization__slug="demo", resolved_at__isnull=True).count()

    page.get_by_role("link", name="Settings").click()
    page.get_by_label("How often").select_option(label="Advanced: a cron expression")
    cron = page.get_by_label("Cron expression (UTC)")
    cron.fill("0 2 * *")
    expect(page.get_by_test_id("schedule-preview")).to_contain_text("five fields")
    cron.fill("30 6 * * 1-5")
    preview = page.get_by_test_id("schedule-preview")
    expect(preview).to_contain_text("Every weekday at 06:30")
    expect(preview.locator("li")).to_have_count(5)
    page.get_by_role("button", name="Save schedule").click()
    expect(page.locator(".flash")).to_contain_text("“every weekday at 06:30”")
    expect(page.get_by_label("How often")).to_have_value("weekday")  # a cron that matches a form reads as it

    with Receiver() as receiver:
        page.get_by_label("URL").fill(receiver.url)
        page.get_by_label("Description").fill("Support desk")
        page.get_by_role("button", name="Add webhook").click()
        expect(page.get_by_test_id("new-secret")).to_contain_text("shown only this once")
        screenshot(page, "settings-new-secret")
        page.get_by_role("button", name="Send a test delivery").click()
        expect(page.locator(".flash")).to_contain_text("Test delivered: HTTP 200")
    assert len(receiver.requests) == 1
    log = page.get_by_test_id("delivery-log")
    expect(log).to_contain_text("ping")
    expect(log).to_contain_text("Delivered")
    expect(log).to_contain_text(f"{WebhookDelivery.objects.get().duration_ms} ms")
    expect(page.get_by_test_id("new-secret")).to_have_count(0)  # the secret was shown once
    assert_accessible(page)
    screenshot(page, "settings", full_page=True)
