"""The gap workflow in Chromium: a CX lead assigns a gap, comments and accepts it as a risk with
an expiry; on the expiry day it is open again; the assignee finds it, overdue, under My gaps."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from ownership.gaps.workflow import accepted_risks_reopen
from ownership.models import Gap, GapStatus

from .axe import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_gap_is_assigned_discussed_accepted_and_reopens_after_its_expiry(
    demo, live_server, chromium, log_in, screenshot
):
    gap = Gap.objects.filter(organization__slug="demo", resolved_at__isnull=True, rule="unassigned").first()
    exec_user = get_user_model().objects.get(username="exec")
    today = timezone.localdate()
    page = log_in(chromium.new_context(), "cxlead")
    page.goto(f"{live_server.url}/o/demo/gaps/?rule=unassigned")
    page.locator(f'a[href="/o/demo/gaps/{gap.pk}/"]').click()

    page.get_by_label("Assigned to").select_option(str(exec_user.pk))
    page.get_by_label("Due").fill(str(today - timedelta(days=1)))
    page.get_by_role("button", name="Assign").click()
    expect(page.get_by_test_id("gap-status")).to_contain_text("overdue")
    page.get_by_role("textbox", name="Comment").fill("The landlord's contract ends in spring.")
    page.get_by_role("button", name="Comment", exact=True).click()
    expect(page.get_by_test_id("comments")).to_contain_text("The landlord's contract ends in spring.")
    page.get_by_text("Accept the risk…").click()
    page.get_by_label("Why the risk is accepted").fill("Until the re-org")
    page.get_by_label("Look at it again on").fill(str(today + timedelta(days=30)))
    page.get_by_role("button", name="Accept the risk").click()
    expect(page.get_by_test_id("decision")).to_have_text("Accepted risk")
    assert_accessible(page)
    screenshot(page, "gap-accepted-risk", full_page=True)

    # The expiry day comes: beat's hourly task reopens the risk (run here with that day as today).
    assert accepted_risks_reopen(today=today + timedelta(days=30)) == 1
    page.reload()
    expect(page.get_by_test_id("decision")).to_have_text("Open")
    assert Gap.objects.get(pk=gap.pk).workflow_status == GapStatus.OPEN

    assignee = log_in(chromium.new_context(), "exec")
    assignee.goto(f"{live_server.url}/o/demo/gaps/mine/")
    row = assignee.get_by_test_id("my-gaps").locator("tr.overdue")
    expect(row).to_contain_text("overdue")
    assert_accessible(assignee)
    screenshot(assignee, "my-gaps", full_page=True)
