"""The fix panel in Chromium: a contested touchpoint fixed from its matrix badge in two clicks,
the gap gone without a reload; a vacant owner fixed by naming the role's holder from the gaps
page; the dialog keyboard-accessible and axe clean."""

import pytest
from playwright.sync_api import expect

from ownership.models import Gap, Role

from .axe import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_gap(rule: str, **filters) -> Gap:
    return Gap.objects.get(organization__slug="demo", resolved_at__isnull=True, rule=rule, **filters)


def test_a_contested_touchpoint_is_fixed_from_its_badge_in_two_clicks(demo, live_server, chromium, log_in, screenshot):
    gap = open_gap("multiple_accountable")
    page = log_in(chromium.new_context(), "cxlead")
    page.goto(f"{live_server.url}/o/demo/journeys/{gap.journey_id}/#tp-{gap.touchpoint_id}")
    row = page.locator(f"#tp-{gap.touchpoint_id}")
    expect(row.locator('[data-rule="multiple_accountable"]')).to_be_visible()

    row.locator('[data-rule="multiple_accountable"]').click()  # one
    dialog = page.locator("#fix-dialog")
    expect(dialog.get_by_test_id("fix-panel")).to_contain_text("Contested ownership")
    expect(dialog.locator(".fix-title")).to_be_focused()
    assert_accessible(page)
    screenshot(page, "fix-panel-contested")
    dialog.get_by_role("button", name="Keep Sales accountable, the others become R").click()  # two

    expect(dialog).to_be_hidden()
    expect(row.locator('[data-rule="multiple_accountable"]')).to_have_count(0)
    expect(page.locator("#matrix-status")).to_contain_text("The gap is resolved")
    assert Gap.objects.get(pk=gap.pk).resolved_at is not None
    page.goto(f"{live_server.url}/o/demo/gaps/?rule=multiple_accountable")
    expect(page.locator(f'[data-gap-row="{gap.pk}"]')).to_have_count(0)


def test_a_vacant_owner_is_fixed_by_naming_the_holder_from_the_gaps_page(
    demo, live_server, chromium, log_in, screenshot
):
    gap = open_gap("vacant_owner", touchpoint__isnull=False)
    page = log_in(chromium.new_context(), "cxlead")
    page.goto(f"{live_server.url}/o/demo/gaps/?rule=vacant_owner")
    page.locator(f'[data-gap-row="{gap.pk}"] [data-fix-open]').click()
    dialog = page.locator("#fix-dialog")
    expect(dialog.get_by_test_id("fix-panel")).to_contain_text("Vacant owner")

    dialog.get_by_label("Holder's name").fill("Rita Refund")
    dialog.get_by_label("E-mail").fill("rita@example.com")
    screenshot(page, "fix-panel-vacant-owner")
    dialog.get_by_role("button", name="Name the holder of Refunds manager").click()

    expect(dialog).to_be_hidden()
    expect(page.locator(f'[data-gap-row="{gap.pk}"]')).to_have_count(0)
    expect(page.locator("#messages")).to_contain_text("The gap is resolved")
    role = Role.objects.get(organization__slug="demo", title="Refunds manager")
    assert (role.holder_name, role.holder_email) == ("Rita Refund", "rita@example.com")


def test_a_holder_without_a_name_keeps_the_panel_open_with_the_reason(demo, live_server, chromium, log_in):
    gap = open_gap("vacant_owner", touchpoint__isnull=False)
    page = log_in(chromium.new_context(), "cxlead")
    page.goto(f"{live_server.url}/o/demo/gaps/{gap.pk}/")

    # On the gap's own page the panel is part of the page; the browser asks for the name first.
    holder = page.get_by_label("Holder's name")
    holder.fill(" ")
    page.get_by_role("button", name="Name the holder of Refunds manager").click()

    expect(page.locator("#messages")).to_contain_text("Name the person")
    assert Gap.objects.get(pk=gap.pk).resolved_at is None


def test_escape_closes_the_panel_and_gives_the_focus_back(demo, live_server, chromium, log_in):
    gap = open_gap("multiple_accountable")
    page = log_in(chromium.new_context(), "cxlead")
    page.goto(f"{live_server.url}/o/demo/gaps/?rule=multiple_accountable")
    opener = page.locator(f'[data-gap-row="{gap.pk}"] [data-fix-open]')
    opener.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#fix-dialog")).to_be_visible()

    page.keyboard.press("Escape")

    expect(page.locator("#fix-dialog")).to_be_hidden()
    expect(opener).to_be_focused()


def test_f_on_a_cell_opens_the_fix_panel_of_its_row(demo, live_server, chromium, log_in):
    gap = open_gap("multiple_accountable")
    page = log_in(chromium.new_context(), "cxlead")
    page.goto(f"{live_server.url}/o/demo/journeys/{gap.journey_id}/#tp-{gap.touchpoint_id}")
    cell = page.locator(f"#tp-{gap.touchpoint_id} td.cell").first
    cell.focus()

    page.keyboard.press("f")

    expect(page.locator("#fix-dialog").get_by_test_id("fix-panel")).to_contain_text("Contested ownership")
    page.keyboard.press("Escape")
    expect(cell).to_be_focused()
