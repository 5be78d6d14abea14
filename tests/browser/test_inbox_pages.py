"""The inbox and the gaps list in Chromium at 1440×900: a CX lead decides three gaps at once from
the list; then mentions the executive with the picker, who finds it under the bell."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Count
from django.utils import timezone
from playwright.sync_api import expect

from cxowner.orgs.models import Organization
from ownership.models import Gap, InboxItem
from ownership.reviews.services import campaign_start

from .axe import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAPTOP = {"width": 1440, "height": 900}


def test_three_gaps_are_assigned_at_once_from_the_list(demo, live_server, chromium, log_in, screenshot):
    exec_user = get_user_model().objects.get(username="exec")
    due = timezone.localdate() + timedelta(days=14)
    page = log_in(chromium.new_context(), "cxlead")
    page.set_viewport_size(LAPTOP)
    page.goto(f"{live_server.url}/o/demo/gaps/?ordering=journey")

    boxes = page.locator("[data-gap-select]")
    for index in range(3):
        boxes.nth(index).check()
    expect(page.locator("[data-bulk-count]")).to_have_text("3 gaps selected.")
    chosen = [int(boxes.nth(i).get_attribute("value").split(":")[0]) for i in range(3)]
    page.get_by_label("With the selected gaps").select_option("assign")
    page.get_by_label("Assign to").select_option(label="Eve Santos")
    page.get_by_label("Due").fill(str(due))
    expect(page.get_by_label("Why the risk is accepted")).to_be_hidden()  # only what "assign" needs
    assert_accessible(page)
    screenshot(page, "gap-list-bulk-selected")
    page.get_by_test_id("bulk-apply").click()

    expect(page.locator(".flash").first).to_contain_text("3 gaps assigned to Eve Santos")
    assert set(Gap.objects.filter(pk__in=chosen).values_list("assignee", "due_on")) == {(exec_user.pk, due)}
    assert "ordering=journey" in page.url  # back to the list as it was shown
    screenshot(page, "gap-list-bulk-done")

    page.locator("[data-select-all]").check()
    expect(page.locator("[data-gap-select]:checked")).to_have_count(page.locator("[data-gap-select]").count())


def test_a_mention_made_with_the_picker_lands_in_the_inbox(demo, live_server, chromium, log_in, screenshot):
    gap = Gap.objects.filter(organization__slug="demo", resolved_at__isnull=True).order_by("-score", "id").first()
    lead = log_in(chromium.new_context(), "cxlead")
    lead.set_viewport_size(LAPTOP)
    lead.goto(f"{live_server.url}/o/demo/gaps/{gap.pk}/")
    expect(lead.get_by_test_id("gap-where")).to_contain_text(gap.journey.name)

    box = lead.get_by_role("textbox", name="Comment")
    box.click()
    box.press_sequentially("Can you take this one, @Ev")
    options = lead.get_by_role("listbox", name="Members to mention").get_by_role("option")
    expect(options).to_have_count(1)
    expect(options.first).to_have_text("Eve Santos @exec")
    assert_accessible(lead)
    screenshot(lead, "mention-picker")
    box.press("Enter")
    expect(box).to_have_value("Can you take this one, @exec ")
    box.press_sequentially("before Friday?")
    lead.get_by_role("button", name="Comment", exact=True).click()
    expect(lead.get_by_test_id("comments").locator(".mention")).to_have_text("@exec")

    viewer = log_in(chromium.new_context(), "exec")
    viewer.set_viewport_size(LAPTOP)
    bell = viewer.get_by_test_id("inbox-bell")
    expect(bell.get_by_test_id("inbox-count")).to_have_text("1")
    bell.click()
    item = viewer.get_by_test_id("inbox-items").locator("li").first
    expect(item).to_contain_text("Chris Lee mentioned you: ")
    expect(item).to_contain_text("before Friday?")
    assert_accessible(viewer)
    screenshot(viewer, "inbox")

    item.get_by_test_id("inbox-open").click()
    expect(viewer).to_have_url(f"{live_server.url}/o/demo/gaps/{gap.pk}/#comment-{gap.comments.get().pk}")
    assert InboxItem.objects.get(recipient__username="exec").read_at is not None
    expect(viewer.get_by_test_id("inbox-bell").get_by_test_id("inbox-count")).to_have_count(0)


def test_confirming_one_a_keeps_the_page_where_it_was(demo, live_server, chromium, log_in, screenshot):
    organization = Organization.objects.get(slug="demo")
    today = timezone.localdate()
    campaign = campaign_start(
        organization=organization, name="Spring review", ends_on=today + timedelta(days=7), today=today
    )
    function = campaign.items.values("function").annotate(n=Count("id")).order_by("-n", "function")[0]["function"]
    page = log_in(chromium.new_context(), "admin")
    page.set_viewport_size({"width": 1440, "height": 500})
    page.goto(f"{live_server.url}/o/demo/reviews/{campaign.pk}/functions/{function}/")
    confirms = page.locator("form[data-confirm-one] button")
    waiting = confirms.count()
    first = confirms.first
    first.scroll_into_view_if_needed()
    page.mouse.wheel(0, 120)
    row = page.locator("tr[data-item]").first
    scrolled = page.evaluate("window.scrollY")

    first.click()

    expect(row).to_contain_text("confirmed")
    expect(confirms).to_have_count(waiting - 1)
    expect(page.locator(".flash").first).to_contain_text("1 accountability of")
    assert page.evaluate("window.scrollY") >= scrolled - 40  # no jump to the top
    assert page.evaluate("document.activeElement.closest('form[data-confirm-one]') !== null")
    expect(page.locator("#function-progress-card")).to_contain_text(f"Confirm all {waiting - 1}")
    assert_accessible(page)
