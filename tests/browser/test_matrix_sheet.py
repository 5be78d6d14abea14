"""Spreadsheet editing in the matrix editor, in Chromium: select, copy, paste, fill down, clear,
and undo and redo across the member's change sets."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from cxowner.orgs.change_context import change_context
from cxowner.orgs.history import ChangeSet
from cxowner.orgs.models import Organization
from journeys.services import journey_create, stage_create, touchpoint_create
from ownership.editor.services import CellChange, cells_read, cells_set
from ownership.models import Function, Gap

from .axe import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A block as Excel or Google Sheets puts it on the clipboard: tabs, CRLF, a trailing line break,
# letters written the ways people write them.
BLOCK = "A/R\tc\t\tI\r\nR, A\t\tC\tI\r\nI\tA/R\tC\t\r\n"
PASTED = [["RA", "C", "", "I"], ["RA", "", "C", "I"], ["I", "RA", "C", ""]]


@pytest.fixture
def sheet(demo):
    """A new journey of four touchpoints in the demo, every one unassigned, and the demo's first
    four functions (the first four columns of the editor)."""
    organization = Organization.objects.get(slug="demo")
    with change_context(surface="system"):
        journey = journey_create(organization=organization, name="Returns desk")
        stage = stage_create(journey=journey, name="Return")
        touchpoints = [touchpoint_create(stage=stage, name=name) for name in ("Queue", "Refund", "Receipt", "Survey")]
    functions = list(Function.objects.filter(organization=organization).order_by("position", "id")[:4])
    return {"journey": journey, "touchpoints": touchpoints, "functions": functions, "organization": organization}


def letters_in_db(sheet, rows: int = 3) -> list[list[str]]:
    cells = [(t.pk, f.pk) for t in sheet["touchpoints"][:rows] for f in sheet["functions"]]
    now = cells_read(organization=sheet["organization"], cells=cells)
    shown = ["".join(letter for letter in "RACI" if letter in now[cell]) for cell in cells]
    return [shown[i : i + 4] for i in range(0, len(shown), 4)]


def letters_on_page(page, sheet, rows: int = 3) -> list[list[str]]:
    return page.evaluate(
        """([ids, rows]) => ids.slice(0, rows).map(tp =>
             Array.from(document.querySelectorAll('#tp-' + tp + ' td.cell')).slice(0, 4)
                  .map(cell => cell.getAttribute('data-letters')))""",
        [[t.pk for t in sheet["touchpoints"]], rows],
    )


def open_editor(page, live_server, sheet):
    page.goto(f"{live_server.url}/o/demo/journeys/{sheet['journey'].pk}/")
    first = page.locator(f"#tp-{sheet['touchpoints'][0].pk} td.cell").first
    first.click()
    page.keyboard.press("Escape")  # the click opened the letter dialog; the cell keeps the focus
    return first


def paste(page, text: str) -> None:
    """What Ctrl+V does with this text on the clipboard: a paste event at the focused cell."""
    page.evaluate(
        """(text) => {
             const data = new DataTransfer();
             data.setData('text/plain', text);
             document.activeElement.dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true}));
           }""",
        text,
    )


def copied(page) -> str:
    """What Ctrl+C puts on the clipboard: the copy event's text."""
    return page.evaluate(
        """() => {
             const data = new DataTransfer();
             document.activeElement.dispatchEvent(new ClipboardEvent('copy', {clipboardData: data, bubbles: true}));
             return data.getData('text/plain');
           }"""
    )


def unassigned_open(sheet) -> int:
    return Gap.objects.filter(
        touchpoint__in=sheet["touchpoints"][:3], rule="unassigned", resolved_at__isnull=True
    ).count()


def test_a_pasted_3_by_4_block_is_one_change_set_and_updates_the_gaps(live_server, chromium, log_in, sheet, screenshot):
    assert unassigned_open(sheet) == 3
    page = log_in(chromium.new_context(), "cxlead")
    open_editor(page, live_server, sheet)
    before = ChangeSet.objects.count()
    paste(page, BLOCK)
    status = page.locator("#matrix-status")
    expect(status).to_have_text("Saved: paste of 9 cells.")
    assert letters_on_page(page, sheet) == PASTED
    assert letters_in_db(sheet) == PASTED
    assert ChangeSet.objects.count() == before + 1
    assert ChangeSet.objects.latest("id").summary == "Paste of 9 cells"
    assert unassigned_open(sheet) == 0
    row = page.locator(f"#tp-{sheet['touchpoints'][0].pk}")
    expect(row.locator('[data-rule="unassigned"]')).to_have_count(0)
    expect(page.locator("td.cell.sel")).to_have_count(12)  # the pasted block stays selected
    screenshot(page, "matrix-paste")
    assert_accessible(page)


def test_shift_arrows_select_a_block_that_copies_as_tab_separated_text(live_server, chromium, log_in, sheet):
    with change_context(surface="system"):
        cells_set(
            organization=sheet["organization"],
            changes=[
                CellChange(sheet["touchpoints"][0].pk, sheet["functions"][0].pk, frozenset("AR")),
                CellChange(sheet["touchpoints"][1].pk, sheet["functions"][1].pk, frozenset("C")),
            ],
        )
    page = log_in(chromium.new_context(), "cxlead")
    open_editor(page, live_server, sheet)
    page.keyboard.press("Shift+ArrowDown")
    page.keyboard.press("Shift+ArrowRight")
    expect(page.locator("td.cell.sel")).to_have_count(4)
    expect(page.locator("#matrix-status")).to_contain_text("2 × 2 cells selected")
    assert copied(page) == "R/A\t\r\n\tC"


def test_shift_click_fill_down_and_delete(live_server, chromium, log_in, sheet):
    page = log_in(chromium.new_context(), "cxlead")
    first = open_editor(page, live_server, sheet)
    paste(page, "A/R\tC")
    expect(page.locator("#matrix-status")).to_have_text("Saved: paste of 2 cells.")
    first.focus()
    page.locator(f"#tp-{sheet['touchpoints'][2].pk} td.cell").nth(1).click(modifiers=["Shift"])
    expect(page.locator("td.cell.sel")).to_have_count(6)
    page.keyboard.press("Control+d")
    expect(page.locator("#matrix-status")).to_have_text("Saved: fill down of 4 cells.")
    assert [row[:2] for row in letters_in_db(sheet)] == [["RA", "C"]] * 3
    page.keyboard.press("Delete")
    expect(page.locator("#matrix-status")).to_have_text("Saved: clear of 6 cells.")
    assert [row[:2] for row in letters_in_db(sheet)] == [["", ""]] * 3


def step_back_or_forth(page, sheet, keys: str, said: str, expected: list[list[str]]) -> None:
    """Press the undo or redo `keys`: the status says `said`, and the page's first three rows and
    then the database come to hold `expected`. The status is emptied for the next step."""
    status = page.locator("#matrix-status")
    page.keyboard.press(keys)
    expect(status).to_contain_text(said)
    page.wait_for_function(
        "([ids, want]) => ids.every((tp, r) => Array.from(document.querySelectorAll('#tp-' + tp + ' td.cell'))"
        ".slice(0, 4).every((cell, c) => cell.getAttribute('data-letters') === want[r][c]))",
        arg=[[t.pk for t in sheet["touchpoints"][:3]], expected],
    )
    assert letters_in_db(sheet) == expected
    status.evaluate("node => node.textContent = ''")


def test_three_undos_and_two_redos_restore_the_exact_states(live_server, chromium, log_in, sheet):
    page = log_in(chromium.new_context(), "cxlead")
    open_editor(page, live_server, sheet)
    status = page.locator("#matrix-status")
    states = [letters_in_db(sheet)]
    first = page.locator(f"#tp-{sheet['touchpoints'][0].pk} td.cell").first
    paste(page, BLOCK)  # 1: a paste
    expect(status).to_have_text("Saved: paste of 9 cells.")
    states.append(letters_in_db(sheet))
    first.focus()  # 2: the second column's C filled down into the row below
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Shift+ArrowDown")
    page.keyboard.press("Control+d")
    expect(status).to_have_text("Saved: fill down of 1 cell.")
    states.append(letters_in_db(sheet))
    page.keyboard.press("Escape")
    page.keyboard.press("i")  # 3: one letter typed in the focused cell
    expect(status).to_have_text(f"Saved {sheet['touchpoints'][1].name}.")
    states.append(letters_in_db(sheet))
    assert states[3][1][1] == "CI"
    assert len({str(state) for state in states}) == 4

    for expected in (states[2], states[1], states[0]):
        step_back_or_forth(page, sheet, "Control+z", "Undone", expected)
    for expected, keys in ((states[1], "Control+Shift+z"), (states[2], "Control+y")):
        step_back_or_forth(page, sheet, keys, "Redone", expected)
    assert letters_on_page(page, sheet) == states[2]


def test_undo_of_a_cell_someone_else_changed_is_refused_with_its_current_value(live_server, chromium, log_in, sheet):
    page = log_in(chromium.new_context(), "cxlead")
    open_editor(page, live_server, sheet)
    page.keyboard.press("r")
    expect(page.locator("#matrix-status")).to_contain_text("Saved")
    someone = get_user_model().objects.get(username="admin")
    cell = (sheet["touchpoints"][0].pk, sheet["functions"][0].pk)
    with change_context(surface="browser", user=someone):
        cells_set(organization=sheet["organization"], changes=[CellChange(*cell, frozenset("RC"), frozenset("R"))])
    page.keyboard.press("Control+z")
    touchpoint, function = sheet["touchpoints"][0].name, sheet["functions"][0].name
    expect(page.locator("#matrix-status")).to_have_text(
        re.compile(
            f"^Cannot undo: Someone else changed this cell since: {touchpoint} × {function} now holds R/C, "
            r"written by admin at \d{4}-\d\d-\d\d \d\d:\d\d \w+\. Nothing was changed\.$"
        )
    )
    expect(page.locator(f"#tp-{cell[0]} td.cell").first).to_have_attribute("data-letters", "RC")
    assert letters_in_db(sheet, rows=1)[0][0] == "RC"


def test_an_admin_reverts_a_paste_after_its_preview(live_server, chromium, log_in, sheet, screenshot):
    editor = log_in(chromium.new_context(), "cxlead")
    open_editor(editor, live_server, sheet)
    paste(editor, BLOCK)
    expect(editor.locator("#matrix-status")).to_have_text("Saved: paste of 9 cells.")
    pasted = ChangeSet.objects.latest("id")
    # Someone changes one pasted cell afterwards: the revert leaves it and says so.
    with change_context(surface="system"):
        cells_set(
            organization=sheet["organization"],
            changes=[CellChange(sheet["touchpoints"][0].pk, sheet["functions"][3].pk, frozenset("C"))],
        )

    admin = log_in(chromium.new_context(), "admin")
    admin.goto(f"{live_server.url}/o/demo/activity/{pasted.pk}/")
    admin.get_by_role("link", name="Revert this change…").click()
    expect(admin.get_by_role("heading", name="Letters going back (8)")).to_be_visible()
    expect(admin.get_by_role("heading", name="Changed since: left as they are (1)")).to_be_visible()
    assert_accessible(admin)
    screenshot(admin, "change-set-revert-preview", full_page=True)
    assert letters_in_db(sheet) == [["RA", "C", "", "C"], *PASTED[1:]]  # the preview wrote nothing

    confirm = admin.get_by_test_id("revert-confirm")
    expect(confirm).to_contain_text("Revert: put 8 cells back")
    confirm.click()
    expect(admin.locator(".flash-success")).to_contain_text("Reverted: 8 cells put back.")
    assert letters_in_db(sheet) == [["", "", "", "C"], ["", "", "", ""], ["", "", "", ""]]
    assert ChangeSet.objects.latest("id").reverts_id == pasted.pk
