"""Managing functions and roles in Chromium: a rename shows everywhere, a delete goes through its
preview, a role's new holder closes its vacant-owner gap, a merge previews the cells after."""

import pytest
from playwright.sync_api import expect

from journeys.models import Journey
from ownership.models import Function, Gap

from .axe import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def function_row(page, name: str):
    return page.get_by_test_id("function-row").filter(has=page.get_by_role("rowheader", name=name, exact=True))


def open_manage(page, name: str):
    row = function_row(page, name)
    row.locator("summary").click()
    return row


def test_a_renamed_function_shows_its_new_name_in_the_matrix_the_gaps_and_the_functions_page(
    demo, live_server, chromium, log_in, screenshot
):
    # The function named by the most open gaps: its new name must reach all of them.
    named = [
        name
        for gap in Gap.objects.filter(organization__slug="demo", resolved_at__isnull=True)
        for name in gap.finding["functions"]
    ]
    old = max(set(named), key=named.count)
    function = Function.objects.get(organization__slug="demo", name=old)
    journey = Journey.objects.filter(organization__slug="demo").first()
    page = log_in(chromium.new_context(), "cxlead")
    page.goto(f"{live_server.url}/o/demo/functions/")
    assert_accessible(page)
    screenshot(page, "functions-page", full_page=True)

    row = open_manage(page, old)
    row.get_by_label("New name").fill(f"{old} & Partners")
    row.get_by_role("button", name="Rename").click()
    expect(page.locator("#messages")).to_contain_text(f"is now called “{old} & Partners”")
    expect(function_row(page, f"{old} & Partners")).to_have_count(1)
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "functions-page-renamed", full_page=True)

    page.goto(f"{live_server.url}/o/demo/journeys/{journey.pk}/")
    expect(page.locator(f'th.fn-head[data-function="{function.pk}"]')).to_have_text(f"{old} & Partners")
    page.goto(f"{live_server.url}/o/demo/gaps/?function={function.pk}")
    expect(page.locator("#gap-table")).to_contain_text(f"{old} & Partners")
    expect(page.locator("#gap-table")).not_to_contain_text(f"{old},")


def test_a_function_is_deleted_after_its_preview(demo, live_server, chromium, log_in, screenshot):
    page = log_in(chromium.new_context(), "cxlead")
    page.goto(f"{live_server.url}/o/demo/functions/")
    open_manage(page, "Finance").get_by_role("link", name="Delete Finance…").click()

    expect(page.get_by_role("heading", name="Delete “Finance”?")).to_be_visible()
    expect(page.get_by_test_id("plan-cells")).to_contain_text("Refund")
    expect(page.get_by_test_id("plan-roles")).to_contain_text("Refunds manager")
    expect(page.get_by_test_id("gap-opened").first).to_be_visible()
    assert_accessible(page)
    screenshot(page, "function-delete-preview", full_page=True)
    assert Function.objects.filter(organization__slug="demo", name="Finance").exists()

    page.get_by_role("button", name="Delete Finance").click()
    expect(page.get_by_text("Function “Finance” deleted with its letters and roles.")).to_be_visible()
    expect(function_row(page, "Finance")).to_have_count(0)
    assert not Function.objects.filter(organization__slug="demo", name="Finance").exists()


def test_a_role_holder_set_in_the_browser_closes_its_vacant_owner_gap(demo, live_server, chromium, log_in, screenshot):
    page = log_in(chromium.new_context(), "cxlead")
    page.goto(f"{live_server.url}/o/demo/gaps/?rule=vacant_owner")
    expect(page.locator("#gap-table")).to_contain_text("Journey manager – Service")

    page.goto(f"{live_server.url}/o/demo/functions/")
    page.get_by_role("link", name="Edit the role Journey manager – Service").click()
    page.get_by_label("Held by", exact=True).fill("Ines Duarte")
    page.get_by_label("Holder's e-mail").fill("ines.duarte@example.com")
    assert_accessible(page)
    screenshot(page, "role-edit", full_page=True)
    page.get_by_role("button", name="Save the role").click()
    expect(page.get_by_text("Role “Journey manager – Service” saved: held by Ines Duarte.")).to_be_visible()

    page.goto(f"{live_server.url}/o/demo/gaps/?rule=vacant_owner")
    expect(page.locator("body")).not_to_contain_text("Journey manager – Service")


def test_the_merge_preview_shows_each_cell_after_the_merge(demo, live_server, chromium, log_in, screenshot):
    page = log_in(chromium.new_context(), "cxlead")
    page.goto(f"{live_server.url}/o/demo/functions/")
    row = open_manage(page, "Marketing")
    row.get_by_label("Merge into").select_option(label="Sales")
    row.get_by_role("button", name="Preview the merge").click()

    expect(page.get_by_role("heading", name="Merge “Marketing” into “Sales”?")).to_be_visible()
    expect(page.get_by_role("columnheader", name="Sales after")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "function-merge-preview", full_page=True)
    page.get_by_role("button", name="Merge Marketing into Sales").click()
    expect(page.get_by_text("“Marketing” merged into “Sales”")).to_be_visible()
    assert not Function.objects.filter(organization__slug="demo", name="Marketing").exists()


def test_the_only_admin_is_refused_a_demotion_with_a_clear_message(demo, live_server, chromium, log_in, screenshot):
    page = log_in(chromium.new_context(), "admin")
    page.goto(f"{live_server.url}/o/demo/members/")
    expect(page.get_by_test_id("last-admin")).to_contain_text("The only admin")
    page.get_by_label("Role of admin").select_option("viewer")
    page.get_by_role("row", name="admin").get_by_role("button", name="Change").click()
    expect(page.locator("#messages")).to_contain_text("The organization needs at least one admin.")
    expect(page.get_by_label("Role of admin")).to_have_value("admin")
    assert_accessible(page)
    screenshot(page, "members-last-admin", full_page=True)
