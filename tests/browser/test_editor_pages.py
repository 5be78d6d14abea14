"""The matrix editor at scale, the journeys portfolio and the dashboard, in Chromium."""

import os

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import expect

from cxowner.orgs.models import Membership, Organization
from journeys.models import Journey, Stage
from ownership.editor.matrix import PAGE_ROWS
from ownership.gaps.audits import audit_organization
from tests.factories import matrix_build

from .axe import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def join(slug: str, username: str = "cxlead") -> None:
    organization = Organization.objects.get(slug=slug)
    Membership.objects.create(
        user=get_user_model().objects.get(username=username), organization=organization, role="editor"
    )


def generated(slug: str, touchpoints: int) -> Organization:
    call_command("generate_org", slug, "--touchpoints", str(touchpoints), stdout=open(os.devnull, "w"))  # noqa: SIM115
    join(slug)
    organization = Organization.objects.get(slug=slug)
    audit_organization(organization=organization, trigger="manual")
    return organization


def big_journey() -> Journey:
    organization = Organization.objects.get(slug="demo")
    journey = matrix_build(organization=organization, touchpoints=PAGE_ROWS * 3, functions=6, stages=2)
    Journey.objects.filter(pk=journey.pk).update(name="Big journey")
    return journey


def pages_of(slug: str, journey_id: int) -> list[str]:
    return [
        f"/o/{slug}/journeys/{journey_id}/",
        f"/o/{slug}/journeys/{journey_id}/?dense=1&gaps=1",
        f"/o/{slug}/journeys/{journey_id}/map/",
        f"/o/{slug}/journeys/",
        f"/o/{slug}/",
        f"/o/{slug}/?journey={journey_id}",
    ]


def test_the_editor_pages_of_the_demo_are_accessible(demo, live_server, chromium, log_in):
    page = log_in(chromium.new_context(), "cxlead")
    journey = Journey.objects.get(organization__slug="demo", name="Retail store visit")
    for path in pages_of("demo", journey.id):
        page.goto(f"{live_server.url}{path}")
        assert_accessible(page)
    page.goto(f"{live_server.url}/o/demo/journeys/{journey.id}/")
    page.locator("td.cell").first.click()
    expect(page.locator("#cell-menu")).to_be_visible()
    assert_accessible(page)


def test_the_editor_pages_of_a_300_touchpoint_organization_are_accessible(demo, live_server, chromium, log_in):
    generated("gen300", 300)
    journey = Journey.objects.filter(organization__slug="gen300").order_by("position").first()
    page = log_in(chromium.new_context(), "cxlead")
    for path in pages_of("gen300", journey.id):
        page.goto(f"{live_server.url}{path}")
        assert_accessible(page)


def test_the_letter_dialog_takes_the_focus_and_escape_gives_it_back(demo, live_server, chromium, log_in):
    page = log_in(chromium.new_context(), "cxlead")
    journey = Journey.objects.get(organization__slug="demo", name="Retail store visit")
    page.goto(f"{live_server.url}/o/demo/journeys/{journey.id}/")
    cell = page.locator('tr.tp-row[data-name="Signage"] td.cell').nth(2)
    cell.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_have_attribute("aria-modal", "true")
    assert page.evaluate("document.activeElement.closest('#cell-menu') !== null")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('#cell-menu') !== null")  # Tab stays inside
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert page.evaluate("document.activeElement.closest('tr').dataset.name") == "Signage"
    assert page.evaluate("document.activeElement.cellIndex") == 3


def test_the_grid_is_one_tab_stop(demo, live_server, chromium, log_in):
    page = log_in(chromium.new_context(), "cxlead")
    journey = Journey.objects.get(organization__slug="demo", name="Retail store visit")
    page.goto(f"{live_server.url}/o/demo/journeys/{journey.id}/")
    stops = page.evaluate(
        "document.querySelectorAll('#matrix tbody [tabindex=\"0\"], #matrix tbody a:not([tabindex])').length"
    )
    assert stops == 1


def test_arrow_left_from_the_first_cell_reaches_the_touchpoints_name(demo, live_server, chromium, log_in):
    page = log_in(chromium.new_context(), "cxlead")
    journey = Journey.objects.get(organization__slug="demo", name="Retail store visit")
    page.goto(f"{live_server.url}/o/demo/journeys/{journey.id}/")
    page.locator("td.cell").first.focus()
    page.keyboard.press("ArrowLeft")
    assert page.evaluate("document.activeElement.matches('a.tp-name')")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.textContent") == "Store design"


def test_rows_arrive_as_the_reader_goes_down(demo, live_server, chromium, log_in):
    journey = big_journey()
    page = log_in(chromium.new_context(), "cxlead")
    page.goto(f"{live_server.url}/o/demo/journeys/{journey.id}/")
    expect(page.locator("tr.tp-row")).to_have_count(PAGE_ROWS)
    page.locator("td.cell").first.focus()
    page.keyboard.press("Control+End")  # loads every chunk, then goes to the last row
    expect(page.locator("tr.tp-row")).to_have_count(PAGE_ROWS * 3)
    last = journey.touchpoints.order_by("stage__position", "position").last()
    expect(page.locator(f"#tp-{last.id} td.cell").last).to_be_focused()


def test_scrolling_loads_the_next_rows(demo, live_server, chromium, log_in):
    journey = big_journey()
    page = log_in(chromium.new_context(), "cxlead")
    page.goto(f"{live_server.url}/o/demo/journeys/{journey.id}/")
    page.locator(".matrix-wrap").evaluate("wrap => wrap.scrollTo(0, wrap.scrollHeight)")
    expect(page.locator("tr.tp-row")).not_to_have_count(PAGE_ROWS)


def test_search_and_the_gaps_filter(demo, live_server, chromium, log_in):
    page = log_in(chromium.new_context(), "cxlead")
    journey = Journey.objects.get(organization__slug="demo", name="Retail store visit")
    page.goto(f"{live_server.url}/o/demo/journeys/{journey.id}/")
    page.get_by_label("Find a touchpoint").fill("signa")
    page.keyboard.press("Enter")
    expect(page.locator("tr.tp-row")).to_have_count(1)
    expect(page.locator("tr.tp-row")).to_have_attribute("data-name", "Signage")
    page.goto(f"{live_server.url}/o/demo/journeys/{journey.id}/")
    page.get_by_label("Rows with gaps only").check()  # applies at once
    page.wait_for_url("**gaps=1**")
    rows = page.locator("tr.tp-row")
    assert rows.count() > 0
    assert rows.count() == page.locator("tr.tp-row[data-gaps]").count()


def test_collapsing_a_stage_hides_its_rows_and_the_arrows_skip_them(demo, live_server, chromium, log_in):
    page = log_in(chromium.new_context(), "cxlead")
    journey = Journey.objects.get(organization__slug="demo", name="Retail store visit")
    first, second = Stage.objects.filter(journey=journey).order_by("position")[:2]
    page.goto(f"{live_server.url}/o/demo/journeys/{journey.id}/")
    toggle = page.locator(f"#stage-{second.id} [data-toggle-stage]")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(page.locator(f"#stage-{second.id} tr.tp-row").first).to_be_hidden()
    page.locator(f"#stage-{first.id} tr.tp-row").last.locator("td.cell").first.focus()
    page.keyboard.press("ArrowDown")
    stage = page.evaluate("document.activeElement.closest('tbody').id")
    assert stage != f"stage-{second.id}"


def test_the_sheet_shows_20_rows_and_every_function_at_1440(demo, live_server, chromium, log_in, screenshot):
    organization = Organization.objects.get(slug="demo")
    journey = matrix_build(organization=organization, touchpoints=80, functions=3, stages=2)
    context = chromium.browser.new_context(viewport={"width": 1440, "height": 900})
    page = log_in(context, "cxlead")
    page.goto(f"{live_server.url}/o/demo/journeys/{journey.id}/")  # dense by default: no scrolling of the page
    on_screen = page.evaluate(
        """() => { const head = document.querySelector('#matrix thead').getBoundingClientRect();
        const wrap = document.querySelector('.matrix-wrap').getBoundingClientRect();
        return [...document.querySelectorAll('tr.tp-row')].filter(r => { const b = r.getBoundingClientRect();
          return b.top >= head.bottom && b.bottom <= Math.min(innerHeight, wrap.bottom); }).length; }"""
    )
    assert on_screen >= 20
    last = page.evaluate("document.querySelector('th.fn-head:last-of-type').getBoundingClientRect().right")
    assert last <= 1440
    screenshot(page, "matrix-dense")


def test_the_portfolio_sorts_by_a_column(demo, live_server, chromium, log_in, screenshot):
    page = log_in(chromium.new_context(), "exec")
    page.goto(f"{live_server.url}/o/demo/journeys/")
    table = page.get_by_test_id("portfolio")
    expect(table).to_be_visible()
    screenshot(page, "portfolio", full_page=True)
    table.get_by_role("link", name="Journey", exact=True).click()
    names = page.locator("[data-testid=portfolio] tbody th").all_inner_texts()
    assert names == sorted(names, key=str.lower)
    expect(page.locator("th[aria-sort=ascending]")).to_contain_text("Journey")


def test_the_dashboard_of_a_300_stage_organization_fits_on_two_screens(demo, live_server, chromium, log_in, screenshot):
    organization = generated("gen300stages", 2000)
    assert Stage.objects.filter(organization=organization).count() >= 250
    context = chromium.browser.new_context(viewport={"width": 1440, "height": 900})
    page = log_in(context, "cxlead")
    page.goto(f"{live_server.url}/o/gen300stages/")
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height <= 2 * 900, f"the dashboard is {height}px tall"
    page.locator(".heat-toggle").first.click()
    expect(page.locator(".heat-stage-row").first).to_be_visible()
    expect(page.locator(".heat-toggle").first).to_have_attribute("aria-expanded", "true")
    expect(page.locator(".heat-toggle").first).to_be_focused()  # the swap keeps the keyboard's place
    screenshot(page, "dashboard-300-stages", full_page=True)


def test_an_edit_shows_on_the_dashboard_and_the_gaps_page_without_an_audit(demo, live_server, chromium, log_in):
    """Issue 8, done when: an A set in the matrix shows at once everywhere, no audit run between."""
    from ownership.models import AuditRun, Function

    runs = AuditRun.objects.count()
    page = log_in(chromium.new_context(), "cxlead")
    dashboard = f"{live_server.url}/o/demo/"
    before = int(page.get_by_test_id("dashboard-coverage").inner_text().rstrip("%"))
    page.goto(f"{live_server.url}/o/demo/gaps/")
    expect(page.locator("main")).to_contain_text("No function is accountable for Store design")

    journey = Journey.objects.get(organization__slug="demo", name="Retail store visit")
    page.goto(f"{live_server.url}/o/demo/journeys/{journey.id}/")
    function = Function.objects.get(organization__slug="demo", name="Product Development")
    target = page.locator(f'tr.tp-row[data-name="Store design"] td.cell[data-function="{function.id}"]')
    target.focus()
    page.keyboard.press("a")
    expect(target).to_have_attribute("data-letters", "RA")

    page.goto(dashboard)
    after = int(page.get_by_test_id("dashboard-coverage").inner_text().rstrip("%"))
    assert after > before
    page.goto(f"{live_server.url}/o/demo/gaps/")
    expect(page.locator("main")).not_to_contain_text("No function is accountable for Store design")
    assert AuditRun.objects.count() == runs  # no audit ran in between
