"""Human words and safe danger in Chromium: a merge's revert preview says what it cannot restore
and previews its gaps; a paste's revert confirms with a red button; the history names the role a
merge moved; the dashboard's cut labels keep their full text and its axis reads at 12 px or more;
the audit schedule is chosen in words. Screenshots in test-artifacts/, checked with axe."""

import pytest
from playwright.sync_api import expect

from cxowner.orgs.history import ChangeSet
from cxowner.orgs.models import Organization
from journeys.models import Journey
from ownership.automation.schedules import audit_schedule_get, crontab_text
from ownership.editor.services import CellChange, cells_set
from ownership.models import Function
from ownership.structure.changes import function_merge

from .axe import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reverting_a_merge_previews_its_gaps_and_keeps_the_letters_that_cannot_go_back(
    demo, live_server, chromium, log_in, screenshot
):
    functions = Function.objects.filter(organization__slug="demo")
    function_merge(function=functions.get(name="Marketing"), target=functions.get(name="Sales"), version=None)
    merge = ChangeSet.objects.get(kind="function.merge")
    page = log_in(chromium.new_context(), "admin")

    page.goto(f"{live_server.url}/o/demo/activity/{merge.pk}/")
    expect(page.get_by_role("cell", name="Role “CMO”")).to_be_visible()
    expect(page.locator("tbody")).to_contain_text("Marketing (deleted)")
    screenshot(page, "change-set-merge-in-words")
    page.get_by_role("link", name="Revert this change…").click()

    expect(page.get_by_test_id("revert-kept")).to_contain_text("their function cannot come back")
    expect(page.get_by_test_id("revert-kept")).to_contain_text("× Sales")
    expect(page.get_by_test_id("revert-gone")).to_contain_text("Marketing (deleted)")
    expect(page.get_by_test_id("revert-opened")).to_be_visible()
    expect(page.get_by_test_id("revert-confirm")).to_have_count(0)
    assert_accessible(page)
    screenshot(page, "revert-merge-preview", full_page=True)


def test_a_paste_is_reverted_after_a_preview_of_the_gaps_it_opens(demo, live_server, chromium, log_in, screenshot):
    organization = Organization.objects.get(slug="demo")
    journey = Journey.objects.get(organization=organization, name="Retail store visit")
    touchpoint = journey.touchpoints.get(name="Store design")  # no accountable: IT's A closes that gap
    it = Function.objects.get(organization=organization, name="IT")
    cells_set(organization=organization, changes=[CellChange(touchpoint.pk, it.pk, frozenset("A"))])
    paste = ChangeSet.objects.filter(kind="cells").latest("id")
    page = log_in(chromium.new_context(), "admin")

    page.goto(f"{live_server.url}/o/demo/activity/{paste.pk}/revert/")
    expect(page.get_by_role("heading", name="Gaps the revert opens")).to_be_visible()
    expect(page.get_by_role("heading", name="Gaps the revert closes")).to_be_visible()
    expect(page.get_by_test_id("revert-opened")).to_contain_text("Store design")
    button = page.get_by_test_id("revert-confirm")
    expect(button).to_contain_text("Revert: put 1 cell back")
    assert button.evaluate("b => getComputedStyle(b).backgroundColor") != "rgb(255, 255, 255)"
    assert_accessible(page)
    screenshot(page, "revert-paste-preview", full_page=True)
    button.click()

    expect(page.locator(".flash")).to_contain_text("Reverted: 1 cell put back")


def test_the_dashboard_keeps_cut_labels_whole_in_their_title_and_its_axis_readable(
    demo, live_server, chromium, log_in, screenshot
):
    page = log_in(chromium.new_context(), "exec")
    page.set_viewport_size({"width": 1440, "height": 900})
    page.reload()

    labels = page.locator(".bar-label")
    expect(labels.first).to_be_visible()
    for label in labels.all():
        assert label.get_attribute("title") == label.text_content()
    headers = page.locator(".heatmap th.rot")
    for header in headers.all():
        assert header.get_attribute("title") == header.text_content()
    sizes = page.locator("svg.trend text.axis").evaluate_all(
        "texts => texts.map(t => parseFloat(getComputedStyle(t).fontSize) * t.ownerSVGElement.getScreenCTM().a)"
    )
    assert sizes and min(sizes) >= 12, sizes
    screenshot(page, "dashboard-words", full_page=True)


def test_an_admin_chooses_the_audit_schedule_in_words(demo, live_server, chromium, log_in, screenshot):
    page = log_in(chromium.new_context(), "admin")
    page.goto(f"{live_server.url}/o/demo/settings/")
    form = page.get_by_test_id("schedule-form")

    form.get_by_label("How often").select_option("week")
    form.get_by_label("On", exact=True).select_option(label="Wednesday")
    form.get_by_label("At (UTC)").fill("06:30")
    expect(page.get_by_test_id("schedule-preview")).to_contain_text("Every week on Wednesday at 06:30")
    expect(form.get_by_label("Cron expression (UTC)")).to_be_hidden()
    assert_accessible(page)
    screenshot(page, "settings-schedule-in-words", full_page=True)
    form.get_by_role("button", name="Save schedule").click()

    expect(page.locator(".flash")).to_contain_text("every week on Wednesday at 06:30")
    assert crontab_text(audit_schedule_get(organization=Organization.objects.get(slug="demo")).crontab) == "30 6 * * 3"
    form.get_by_label("How often").select_option("cron")
    expect(form.get_by_label("Cron expression (UTC)")).to_have_value("30 6 * * 3")
