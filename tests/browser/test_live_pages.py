"""The dashboard, the journeys portfolio, the gaps list and a gap's page follow changes without a
reload: the test changes the data through the services, then fires the events the live connection
(live.js) fires, and checks what moved, and that the reader's place, focus and words did not."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from ownership.editor.services import CellChange, cells_set
from ownership.gaps.views import person_name
from ownership.gaps.workflow import gap_assign, gap_comment_add
from ownership.models import Function, Gap

from .axe import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fire(page, kind: str, gaps=(), touchpoints=(), journeys=(), cursor: int = 1) -> None:
    """What live.js does after a change reaches the live gap state."""
    message = {
        "type": "change",
        "cursor": cursor,
        "kind": kind,
        "journey_ids": list(journeys),
        "touchpoint_ids": list(touchpoints),
        "gap_ids": list(gaps),
        "actor": {"name": "Camille"},
    }
    page.evaluate("m => document.dispatchEvent(new CustomEvent('cx:live', {detail: m}))", message)


# Records what the page announces through window.cxLive, whether live.js defines it or not (then a
# stand-in does): live.js assigns window.cxLive when it loads, and the setter wraps its announce.
RECORD_ANNOUNCEMENTS = """(() => {
  let live;
  window.__announced = [];
  Object.defineProperty(window, "cxLive", {
    configurable: true,
    get() { return live; },
    set(value) {
      live = value;
      const real = value && value.announce;
      if (real) value.announce = function (m) { window.__announced.push(m); return real.apply(this, arguments); };
    },
  });
  window.cxLive = {announce: function () {}};
})();"""


def unassigned_gaps():
    return Gap.objects.filter(organization__slug="demo", resolved_at=None, rule="unassigned", touchpoint__isnull=False)


def resolve(gap: Gap) -> None:
    """Give the gap's touchpoint an A and an R: the live gap state resolves it."""
    function = Function.objects.filter(organization=gap.organization).order_by("position").first()
    cells_set(organization=gap.organization, changes=[CellChange(gap.touchpoint_id, function.id, frozenset("AR"))])


def test_the_dashboard_moves_its_figures_and_leaves_alone_the_part_the_reader_is_on(
    demo, live_server, chromium, log_in, screenshot
):
    page = log_in(chromium.new_context(), "exec")
    coverage = page.get_by_test_id("dashboard-coverage")
    before = coverage.inner_text()
    page.evaluate("window.__marker = 'not reloaded'")
    worst = page.get_by_test_id("worst-journeys")
    worst.locator("a").first.focus()
    scrolled = page.evaluate("window.scrollY")
    held = worst.inner_html()
    gap = unassigned_gaps().first()

    resolve(gap)
    fire(page, "cells", gaps=[gap.pk], touchpoints=[gap.touchpoint_id], journeys=[gap.journey_id])

    expect(coverage).not_to_have_text(before)
    assert page.evaluate("window.__marker") == "not reloaded"
    assert page.evaluate("window.scrollY") == scrolled
    assert page.evaluate("document.activeElement.closest('[data-testid=worst-journeys]') !== null")
    assert worst.inner_html() == held  # the reader's place waits while they are on it
    page.get_by_test_id("open-report").focus()  # and moves once they leave it
    expect(worst).not_to_have_text(held_text(held), timeout=3000)
    assert_accessible(page)
    screenshot(page, "live-dashboard")


def held_text(html: str) -> str:
    """The visible text of a part's HTML, as expect() compares it."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def test_the_gaps_list_keeps_the_selection_and_asks_before_its_rows_move(
    demo, live_server, chromium, log_in, screenshot
):
    page = log_in(chromium.new_context(), "cxlead")
    page.goto(f"{live_server.url}/o/demo/gaps/")
    gone = unassigned_gaps().first()
    kept = Gap.objects.filter(organization__slug="demo", resolved_at=None, workflow_status="open", assignee=None)
    kept = kept.exclude(touchpoint=gone.touchpoint).order_by("-score", "rule", "id").first()
    row = page.locator(f'[data-gap-row="{kept.pk}"]')
    row.locator("[data-gap-select]").check()
    page.get_by_label("With the selected gaps").select_option("accept")
    page.get_by_label("Why the risk is accepted").fill("Until the re-org")
    figures = page.get_by_test_id("gap-figures")
    before = figures.inner_text()
    page.evaluate("window.__marker = 'not reloaded'")

    resolve(gone)
    fire(page, "cells", gaps=[gone.pk], touchpoints=[gone.touchpoint_id], journeys=[gone.journey_id])

    expect(figures).not_to_have_text(before)
    notice = page.locator("[data-live-part=gaps] [data-live-notice]")
    expect(notice).to_contain_text("new change")
    expect(page.locator(f'[data-gap-row="{gone.pk}"]')).to_have_count(1)  # the order waits for the reader
    screenshot(page, "live-gaps-notice")
    notice.get_by_role("button", name="Show them").click()
    expect(page.locator(f'[data-gap-row="{gone.pk}"]')).to_have_count(0)
    expect(row.locator("[data-gap-select]")).to_be_checked()
    expect(page.get_by_label("Why the risk is accepted")).to_have_value("Until the re-org")

    kept.refresh_from_db()
    executive = get_user_model().objects.get(username="exec")
    gap_assign(gap=kept, assignee=executive, due_on=None, version=kept.version)
    fire(page, "gap.assigned", gaps=[kept.pk])

    expect(row).to_contain_text(person_name(executive))  # in place: the order did not change
    expect(row.locator("[data-gap-select]")).to_be_checked()
    assert page.evaluate("window.__marker") == "not reloaded"
    assert_accessible(page)
    screenshot(page, "live-gaps")


def test_a_gap_page_shows_a_decision_and_a_comment_made_elsewhere_and_keeps_a_half_typed_comment(
    demo, live_server, chromium, log_in, screenshot
):
    context = chromium.new_context()
    context.add_init_script(RECORD_ANNOUNCEMENTS)
    page = log_in(context, "exec")
    gap = unassigned_gaps().first()
    page.goto(f"{live_server.url}/o/demo/gaps/{gap.pk}/")
    assert page.evaluate("window.__announced") == [{"page": f"gap:{gap.pk}"}]
    comment = page.get_by_role("textbox", name="Comment")
    comment.fill("Half a thou")
    lead = get_user_model().objects.get(username="cxlead")

    gap_assign(gap=gap, assignee=lead, due_on=None, version=gap.version)
    gap_comment_add(gap=gap, author=lead, body="I take it.")
    fire(page, "gap.assigned", gaps=[gap.pk])

    expect(page.get_by_test_id("gap-status")).to_contain_text(f"Assigned to {person_name(lead)}")
    expect(page.get_by_test_id("comments")).to_contain_text("I take it.")
    expect(comment).to_have_value("Half a thou")
    expect(comment).to_be_focused()

    viewers = page.locator("[data-gap-viewers]")
    people = [
        {"id": get_user_model().objects.get(username="exec").pk, "name": "exec", "initials": "E", "colour": "#1d4ed8"},
        {"id": lead.pk, "name": person_name(lead), "initials": "CL", "colour": "#c2410c"},
    ]
    page.evaluate(
        "p => document.dispatchEvent(new CustomEvent('cx:presence', {detail: p}))",
        {"type": "presence", "page": f"gap:{gap.pk}", "people": people},
    )
    expect(viewers).to_be_visible()
    expect(viewers.locator("li")).to_have_count(1)  # the others, not the reader
    expect(viewers).to_contain_text(person_name(lead))
    assert_accessible(page)
    screenshot(page, "live-gap")


def test_the_portfolio_after_a_resync_equals_a_fresh_load_and_says_when_the_session_ended(
    demo, live_server, chromium, log_in, screenshot
):
    context = chromium.new_context()
    page = log_in(context, "exec")
    page.goto(f"{live_server.url}/o/demo/journeys/")
    page.evaluate("window.__marker = 'not reloaded'")
    table = page.get_by_test_id("portfolio")
    gap = unassigned_gaps().first()
    row = table.locator(f'[data-live-key="journey-{gap.journey_id}"]')
    before = row.inner_text()

    resolve(gap)
    page.evaluate("() => document.dispatchEvent(new CustomEvent('cx:live-resync', {detail: {reason: 'gap'}}))")

    expect(row).not_to_have_text(before)
    fresh = context.new_page()
    fresh.goto(page.url)
    assert table.inner_text() == fresh.get_by_test_id("portfolio").inner_text()
    assert page.evaluate("window.__marker") == "not reloaded"
    assert_accessible(page)
    screenshot(page, "live-portfolio")

    context.clear_cookies()
    fire(page, "cells", journeys=[gap.journey_id])
    expect(page.locator("[data-live-notice]")).to_contain_text("You are logged out")
    screenshot(page, "live-portfolio-logged-out")


def test_a_page_whose_live_connection_closed_says_it_is_not_live(demo, live_server, chromium, log_in):
    page = log_in(chromium.new_context(), "exec")

    page.evaluate("() => document.dispatchEvent(new CustomEvent('cx:live-state', {detail: {state: 'closed'}}))")

    notice = page.locator("[data-live-notice]")
    expect(notice).to_contain_text("Not live")
    expect(notice.get_by_role("button", name="Reload")).to_be_visible()
