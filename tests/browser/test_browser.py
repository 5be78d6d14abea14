"""What a CX lead and an executive do in the browser, end to end (the issue's "Done when")."""

import re

import pytest
from playwright.sync_api import expect

from cxowner.orgs.models import Organization
from journeys.models import Journey, Touchpoint
from ownership.editor.services import CellChange, cells_set
from ownership.gaps.audits import audit_organization
from ownership.models import Assignment, Function

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def retail(live_server) -> tuple[Journey, str]:
    journey = Journey.objects.get(organization__slug="demo", name="Retail store visit")
    return journey, f"{live_server.url}/o/demo/journeys/{journey.id}/"


def cell(page, touchpoint: str, function: str):
    function_id = Function.objects.get(organization__slug="demo", name=function).id
    return page.locator(f'tr.tp-row[data-name="{touchpoint}"] td.cell[data-function="{function_id}"]')


def improve_the_demo_over_three_audits() -> None:
    """Give the trend chart a history: each change is followed by an audit."""
    organization = Organization.objects.get(slug="demo")
    functions = {f.name: f.id for f in Function.objects.filter(organization=organization)}
    for touchpoint, function in [
        ("Signage", "Marketing"),
        ("Store design", "Product Development"),
        ("Order form", "IT"),
    ]:
        touchpoint_id = Touchpoint.objects.get(organization=organization, name=touchpoint).id
        cells_set(organization=organization, changes=[CellChange(touchpoint_id, functions[function], frozenset("AR"))])
        audit_organization(organization=organization, trigger="change")


def coverage(page) -> int:
    return int(page.get_by_test_id("coverage").inner_text().rstrip("%"))


def test_editor_owns_an_unowned_touchpoint_without_a_reload(demo, live_server, chromium, log_in, screenshot):
    # Store design has a responsible function (Product Development) but nobody accountable:
    # pressing A on that function's cell gives it an owner, and so coverage (one A, an R) rises.
    page = log_in(chromium.new_context(), "cxlead")
    _, url = retail(live_server)
    page.goto(url)
    row = page.locator('tr.tp-row[data-name="Store design"]')
    expect(row.get_by_test_id("badges")).to_contain_text("no A")
    before = coverage(page)
    page.evaluate("window.__sameDocument = true")

    cell(page, "Store design", "Product Development").click()
    page.keyboard.press("Escape")
    page.keyboard.press("a")

    expect(page.locator('tr.tp-row[data-name="Store design"]').get_by_test_id("badges")).not_to_contain_text("no A")
    expect(cell(page, "Store design", "Product Development")).to_have_attribute("data-letters", "RA")
    expect(page.get_by_test_id("coverage")).not_to_have_text(f"{before}%")
    assert coverage(page) > before
    assert page.evaluate("window.__sameDocument") is True  # no reload happened
    letters = Assignment.objects.filter(touchpoint__name="Store design", function__name="Product Development")
    assert set(letters.values_list("letter", flat=True)) == {"A", "R"}
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "matrix")


def test_stale_page_is_refused_and_shows_the_current_value(demo, live_server, chromium, log_in):
    _, url = retail(live_server)
    first = log_in(chromium.new_context(), "cxlead")
    second = log_in(chromium.new_context(), "admin")
    first.goto(url)
    second.goto(url)  # loaded before the first editor's change: stale

    cell(first, "Signage", "Marketing").focus()
    first.keyboard.press("a")
    expect(cell(first, "Signage", "Marketing")).to_have_attribute("data-letters", "A")

    cell(second, "Signage", "Marketing").focus()
    second.keyboard.press("r")
    expect(second.locator("#matrix-status")).to_contain_text("cxlead changed Signage × Marketing at ")
    expect(cell(second, "Signage", "Marketing")).to_have_attribute("data-letters", "A")
    letters = Assignment.objects.filter(touchpoint__name="Signage", function__name="Marketing")
    assert list(letters.values_list("letter", flat=True)) == ["A"]


def test_viewer_sees_the_dashboard_and_cannot_edit(demo, live_server, chromium, log_in, screenshot):
    improve_the_demo_over_three_audits()
    page = log_in(chromium.new_context(), "exec")
    expect(page.locator("svg.trend")).to_be_visible()
    expect(page.locator("ul.bars").first).to_be_visible()
    expect(page.locator("table.heatmap")).to_be_visible()
    expect(page.get_by_role("button", name="Run audit now")).to_have_count(0)
    screenshot(page, "dashboard", full_page=True)

    journey, url = retail(live_server)
    page.goto(url)
    expect(page.locator("#matrix")).not_to_have_attribute("data-editable", "")
    expect(page.get_by_role("button", name="Add stage")).to_have_count(0)
    cell(page, "Cashier", "HR").focus()
    page.keyboard.press("a")
    expect(cell(page, "Cashier", "HR")).to_have_attribute("data-letters", "")

    token = page.context.cookies()
    csrf = next(c["value"] for c in token if c["name"] == "csrftoken")
    cashier = Touchpoint.objects.get(journey=journey, name="Cashier")
    hr = Function.objects.get(organization__slug="demo", name="HR")
    forged = page.request.post(
        f"{url}cells/",
        form={"touchpoint": str(cashier.id), "function": str(hr.id), "expected": "", "letters": "A"},
        headers={"X-CSRFToken": csrf, "Referer": url},
    )
    assert forged.status == 403
    assert not Assignment.objects.filter(touchpoint=cashier, function=hr).exists()


def test_import_with_a_bad_row_shows_the_error_and_changes_nothing(demo, live_server, chromium, log_in, screenshot):
    page = log_in(chromium.new_context(), "cxlead")
    before = sorted(Assignment.objects.filter(organization__slug="demo").values_list("id", "letter"))
    page.goto(f"{live_server.url}/o/demo/import/")
    page.get_by_label("File (CSV, XLSX, Markdown or HTML)").set_input_files(
        files=[
            {
                "name": "matrix.csv",
                "mimeType": "text/csv",
                "buffer": b"journey,stage,touchpoint,Sales\nRetail store visit,Buy,Cashier,A\n"
                b"Retail store visit,Buy,Sales person,Q\n",
            }
        ]
    )
    page.get_by_role("button", name="Preview import").click()
    errors = page.get_by_test_id("import-errors")
    expect(errors).to_contain_text("Nothing was changed")
    expect(errors.locator("tbody tr").first).to_contain_text("3")
    expect(errors.locator("tbody tr").first).to_contain_text(re.compile("Unknown letter 'Q'"))
    screenshot(page, "import-errors")
    assert sorted(Assignment.objects.filter(organization__slug="demo").values_list("id", "letter")) == before


def test_keyboard_moves_between_cells(demo, live_server, chromium, log_in):
    page = log_in(chromium.new_context(), "cxlead")
    _, url = retail(live_server)
    page.goto(url)
    first = page.locator("td.cell").first
    first.focus()
    page.keyboard.press("ArrowRight")
    focused = page.evaluate("[document.activeElement.closest('tr').dataset.name, document.activeElement.cellIndex]")
    assert focused == ["Parking lot", 2]
    page.keyboard.press("ArrowDown")
    focused = page.evaluate("[document.activeElement.closest('tr').dataset.name, document.activeElement.cellIndex]")
    assert focused == ["Store design", 2]
    page.keyboard.press("ArrowDown")  # across the stage header row
    focused = page.evaluate("[document.activeElement.closest('tr').dataset.name, document.activeElement.cellIndex]")
    assert focused == ["Promotional displays", 2]
    assert page.evaluate("document.activeElement.getAttribute('tabindex')") == "0"


def test_journey_map_shows_owners_and_gaps(demo, live_server, chromium, log_in, screenshot):
    page = log_in(chromium.new_context(), "exec")
    journey, url = retail(live_server)
    page.goto(f"{url}map/")
    expect(page.locator("#map-tp-" + str(Touchpoint.objects.get(journey=journey, name="Signage").id))).to_contain_text(
        "nobody assigned"
    )
    expect(page.locator(".map-card.contested")).to_contain_text("Promotional displays")
    expect(page.get_by_test_id("map-handoff").first).to_be_visible()
    expect(page.locator(".map-card.oos")).to_contain_text("landlord")
    screenshot(page, "journey-map")


@pytest.mark.parametrize("width", [1280, 820], ids=["laptop", "tablet"])
def test_pages_fit_the_screen_without_sideways_scrolling(demo, live_server, chromium, log_in, width):
    context = chromium.browser.new_context(viewport={"width": width, "height": 1000})
    page = log_in(context, "cxlead")
    journey, url = retail(live_server)
    for path in ["/o/demo/", url, f"{url}map/", "/o/demo/gaps/", "/o/demo/functions/", "/o/demo/import/"]:
        page.goto(path if path.startswith("http") else f"{live_server.url}{path}")
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} is {overflow}px too wide at {width}px"


def test_axe_runs_under_the_pages_content_security_policy(chromium, live_server):
    from .axe import axe_violations

    context = chromium.new_context()
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    assert isinstance(axe_violations(page), list)
    context.close()
