"""The matrix as a dense sheet, in Chromium: 20+ touchpoints on a laptop screen with 13 functions,
one scroll container with frozen headers and names (also on a phone), drag selection, letters
that show as they are typed and are corrected when the server refuses them, shortcuts wherever
the focus is, and a letter dialog whose states cannot be mistaken."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from cxowner.orgs.change_context import change_context
from cxowner.orgs.models import Membership
from ownership.editor.services import CellChange, cells_read, cells_set
from ownership.gaps.audits import audit_organization
from ownership.models import Function
from tests.factories import OrganizationFactory, matrix_build

from .axe import assert_accessible
from .test_matrix_sheet import open_editor, sheet  # noqa: F401 — the four-touchpoint journey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FUNCTIONS = (
    "Marketing",
    "Sales",
    "Customer Service",
    "Product Development",
    "IT",
    "Human Resources",
    "Finance",
    "Top leadership",
    "Operations",
    "CX team",
    "Legal & Compliance",
    "Logistics",
    "E-commerce",
)

# Rows wholly inside the sheet's scroll area, under its frozen header row.
ROWS_IN_VIEW = """() => {
  const wrap = document.querySelector('.matrix-wrap').getBoundingClientRect();
  const head = document.querySelector('#matrix thead').getBoundingClientRect();
  const bottom = Math.min(innerHeight, wrap.bottom);
  return [...document.querySelectorAll('tr.tp-row')].filter(row => {
    const box = row.getBoundingClientRect();
    return box.top >= head.bottom - 1 && box.bottom <= bottom + 1;
  }).length;
}"""


@pytest.fixture
def long_journey(demo):
    """An organization of one 60-touchpoint journey in three stages and 13 functions named as
    departments are, which cxlead edits."""
    organization = OrganizationFactory(slug="sheet", name="Sheet Inc")
    Membership.objects.create(
        user=get_user_model().objects.get(username="cxlead"), organization=organization, role="editor"
    )
    journey = matrix_build(organization=organization, touchpoints=60, functions=len(FUNCTIONS), stages=3)
    for function, name in zip(
        Function.objects.filter(organization=organization).order_by("position"), FUNCTIONS, strict=True
    ):
        Function.objects.filter(pk=function.pk).update(name=name)
    audit_organization(organization=organization, trigger="manual", full=True)
    return journey


def sheet_page(chromium, log_in, live_server, journey, width: int, height: int):
    page = log_in(chromium.browser.new_context(viewport={"width": width, "height": height}), "cxlead")
    page.goto(f"{live_server.url}/o/sheet/journeys/{journey.pk}/")
    expect(page.locator("tr.tp-row").first).to_be_visible()
    return page


def test_the_sheet_shows_20_touchpoints_at_1440_by_900_with_13_functions(
    live_server, chromium, log_in, long_journey, screenshot
):
    page = sheet_page(chromium, log_in, live_server, long_journey, 1440, 900)
    assert page.locator("th.fn-head").count() == 13
    assert page.evaluate(ROWS_IN_VIEW) >= 20
    # The page does not scroll: the sheet does, inside its own frame.
    assert page.evaluate("document.documentElement.scrollHeight <= innerHeight")
    assert page.evaluate("(w => w.scrollHeight > w.clientHeight)(document.querySelector('.matrix-wrap'))")
    assert page.evaluate("document.querySelector('th.fn-head:last-of-type').getBoundingClientRect().right") <= 1440
    row = page.locator("tr.tp-row").first.bounding_box()
    assert row["height"] <= 34
    screenshot(page, "matrix-sheet-1440")
    assert_accessible(page)


def test_headers_wrap_between_words_and_abbreviate_with_the_full_name(live_server, chromium, log_in, long_journey):
    page = sheet_page(chromium, log_in, live_server, long_journey, 1440, 900)
    overflowing = page.evaluate(
        "[...document.querySelectorAll('th.fn-head')].filter(th => th.scrollWidth > th.clientWidth).map(th => th.title)"
    )
    assert overflowing == []
    head = page.get_by_role("columnheader", name="Product Development")
    expect(head).to_have_text("Product Develop.")
    expect(head).to_have_attribute("title", "Product Development")


def test_the_sheet_keeps_headers_and_names_frozen_when_it_scrolls(live_server, chromium, log_in, long_journey):
    page = sheet_page(chromium, log_in, live_server, long_journey, 1440, 600)
    name = page.locator("tr.tp-row").first.locator("th.tp-head")
    header = page.locator("th.fn-head").first
    before_name, before_head = name.bounding_box(), header.bounding_box()
    page.locator(".matrix-wrap").evaluate("wrap => wrap.scrollBy(200, 200)")
    page.wait_for_function("document.querySelector('.matrix-wrap').scrollTop > 0")
    assert page.locator("tr.tp-row").nth(1).locator("th.tp-head").bounding_box()["x"] == before_name["x"]
    assert header.bounding_box()["y"] == before_head["y"]


def test_on_a_phone_the_sheet_scrolls_inside_its_area_with_the_names_frozen(
    live_server, chromium, log_in, long_journey, screenshot
):
    page = sheet_page(chromium, log_in, live_server, long_journey, 390, 844)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    wrap = page.locator(".matrix-wrap")
    assert wrap.evaluate("w => w.scrollWidth > w.clientWidth")
    name = page.locator("tr.tp-row").first.locator("th.tp-head")
    x = name.bounding_box()["x"]
    wrap.evaluate("w => w.scrollBy(400, 0)")
    page.wait_for_function("document.querySelector('.matrix-wrap').scrollLeft > 0")
    assert name.bounding_box()["x"] == x
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.evaluate("document.querySelector('.matrix-wrap').scrollTo(0, 0)")
    screenshot(page, "matrix-sheet-390")


def test_hovering_a_name_shows_its_status_and_tools(live_server, chromium, log_in, long_journey, screenshot):
    page = sheet_page(chromium, log_in, live_server, long_journey, 1440, 900)
    row = page.locator("tr.tp-row").nth(1)
    tools = row.get_by_role("button", name=re.compile(r"^Move .* up"))
    expect(tools).to_be_hidden()
    row.locator(".tp-name").hover()
    expect(tools).to_be_visible()
    expect(row.get_by_test_id("badges")).to_be_visible()
    screenshot(page, "matrix-sheet-row-card")


def test_the_keyboard_opens_a_rows_card_from_its_name(live_server, chromium, log_in, long_journey):
    page = sheet_page(chromium, log_in, live_server, long_journey, 1440, 900)
    row = page.locator("tr.tp-row").nth(2)
    row.locator("td.cell").first.focus()
    page.keyboard.press("ArrowLeft")
    expect(row.locator("a.tp-name")).to_be_focused()
    expect(row.get_by_role("button", name=re.compile(r"^Move .* down"))).to_be_visible()


def test_a_drag_across_cells_selects_a_block_without_selecting_text(live_server, chromium, log_in, sheet):  # noqa: F811
    page = log_in(chromium.new_context(), "cxlead")
    open_editor(page, live_server, sheet)
    start = page.locator(f"#tp-{sheet['touchpoints'][0].pk} td.cell").nth(0).bounding_box()
    end = page.locator(f"#tp-{sheet['touchpoints'][2].pk} td.cell").nth(1).bounding_box()
    page.mouse.move(start["x"] + 10, start["y"] + 10)
    page.mouse.down()
    page.mouse.move(end["x"] + 10, end["y"] + 10, steps=8)
    page.mouse.up()
    expect(page.locator("td.cell.sel")).to_have_count(6)
    expect(page.locator("#cell-menu")).to_be_hidden()
    assert page.evaluate("String(getSelection())") == ""
    page.keyboard.press("Delete")  # acts on the block as after Shift+arrows
    expect(page.locator("#matrix-status")).to_contain_text("Nothing to change")


def test_a_typed_letter_shows_at_once_while_the_server_is_slow(live_server, chromium, log_in, sheet):  # noqa: F811
    page = log_in(chromium.new_context(), "cxlead")
    first = open_editor(page, live_server, sheet)
    held = []
    page.route("**/cells/", lambda route: held.append(route))
    page.keyboard.press("a")
    expect(first).to_have_class(re.compile(r"\bpending\b"))
    expect(first).to_have_text("A")
    page.wait_for_timeout(600)  # the server's answer is 600 ms late
    assert len(held) == 1
    held[0].continue_()
    expect(first).not_to_have_class(re.compile(r"\bpending\b"))
    expect(first).to_have_attribute("data-letters", "A")
    cell = (sheet["touchpoints"][0].pk, sheet["functions"][0].pk)
    assert cells_read(organization=sheet["organization"], cells=[cell])[cell] == frozenset("A")


def test_a_letter_the_server_refuses_is_corrected_naming_who_changed_the_cell(
    live_server,
    chromium,
    log_in,
    sheet,  # noqa: F811
):
    page = log_in(chromium.new_context(), "cxlead")
    first = open_editor(page, live_server, sheet)
    held = []
    page.route("**/cells/", lambda route: held.append(route))
    page.keyboard.press("r")
    expect(first).to_have_text("R")
    for _ in range(100):  # the save leaves after the sheet's short pause: later on a busy machine
        if held:
            break
        page.wait_for_timeout(100)
    cell = (sheet["touchpoints"][0].pk, sheet["functions"][0].pk)
    with change_context(surface="browser", user=get_user_model().objects.get(username="admin")):
        cells_set(organization=sheet["organization"], changes=[CellChange(*cell, frozenset("C"))])
    held[0].continue_()
    expect(first).to_have_attribute("data-letters", "C")
    expect(first).to_have_text("C")
    expect(first).not_to_have_class(re.compile(r"\bpending\b"))
    touchpoint, function = sheet["touchpoints"][0].name, sheet["functions"][0].name
    expect(page.locator("#matrix-status")).to_contain_text(f"admin changed {touchpoint} × {function} at ")
    expect(page.locator("#matrix-status")).to_contain_text("(now C)")


def test_ctrl_z_right_after_a_click_edit_in_the_letter_dialog_undoes_it(live_server, chromium, log_in, sheet):  # noqa: F811
    page = log_in(chromium.new_context(), "cxlead")
    page.goto(f"{live_server.url}/o/demo/journeys/{sheet['journey'].pk}/")
    first = page.locator(f"#tp-{sheet['touchpoints'][0].pk} td.cell").first
    first.click()
    page.locator("#cell-menu").get_by_role("button", name="A", exact=True).click()
    expect(first).to_have_attribute("data-letters", "A")
    assert page.evaluate("document.activeElement.closest('#cell-menu') !== null")
    page.keyboard.press("Control+z")
    expect(first).to_have_attribute("data-letters", "")
    expect(page.locator("#matrix-status")).to_contain_text("Undone")
    page.keyboard.press("Escape")
    page.locator("body").click(position={"x": 5, "y": 300})
    page.keyboard.press("Control+y")  # and from the page itself
    expect(first).to_have_attribute("data-letters", "A")


def test_the_letter_dialog_tells_on_from_off_letters_and_shows_the_focus(
    live_server,
    chromium,
    log_in,
    sheet,  # noqa: F811
    screenshot,
):
    cell = (sheet["touchpoints"][0].pk, sheet["functions"][0].pk)
    cells_set(organization=sheet["organization"], changes=[CellChange(*cell, frozenset("A"))])
    page = log_in(chromium.new_context(), "cxlead")
    page.goto(f"{live_server.url}/o/demo/journeys/{sheet['journey'].pk}/")
    page.locator(f"#tp-{cell[0]} td.cell").first.click()
    menu = page.locator("#cell-menu")
    on, off = menu.locator('[data-letter="A"]'), menu.locator('[data-letter="R"]')
    expect(on).to_have_attribute("aria-pressed", "true")
    expect(off).to_have_attribute("aria-pressed", "false")
    style = "(b, p) => getComputedStyle(b)[p]"
    assert on.evaluate(style, "backgroundColor") != "rgb(255, 255, 255)"  # filled
    assert off.evaluate(style, "backgroundColor") == "rgb(255, 255, 255)"  # clearly off …
    assert off.evaluate(style, "opacity") == "1"  # … and not dimmed as if disabled
    off_a = menu.locator('[data-letter="C"]')
    assert off_a.evaluate(style, "color") != "rgb(255, 255, 255)"
    expect(on).to_be_focused()
    assert on.evaluate(style, "outlineStyle") != "none"
    assert_accessible(page)
    screenshot(page, "matrix-letter-dialog")
