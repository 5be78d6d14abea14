"""The import page in the browser: a pasted Markdown chart with a letter that is not R, A, C or I,
mapped on the page, previewed, imported, and the imported journey's matrix shown."""

import pytest
from playwright.sync_api import expect

from journeys.models import Journey
from ownership.models import Assignment

from .axe import assert_accessible

pytestmark = pytest.mark.browser

CHART = """| Task | Store manager | Cashier team | Marketing |
|---|---|---|---|
| **Pay** |
| Take payment | A | R | |
| Hand over receipt | **A/R** | S | - |
| **Leave** |
| Say goodbye | A | R | W |
"""


def test_a_pasted_chart_with_unknown_letters_is_mapped_previewed_and_imported(
    demo, live_server, chromium, log_in, screenshot
):
    page = log_in(chromium.new_context(), "cxlead")
    page.goto(f"{live_server.url}/o/demo/import/")
    page.get_by_label("Or paste a table").fill(CHART)
    page.get_by_label("Journey", exact=True).fill("Checkout")
    page.get_by_role("button", name="Preview import").click()

    errors = page.get_by_test_id("import-errors")
    expect(errors).to_contain_text("Unknown letter 'S'")
    expect(errors).to_contain_text("Nothing was changed")
    mapping = page.get_by_test_id("letter-map")
    screenshot(page, "import-letter-map", full_page=True)
    assert_accessible(page)
    mapping.get_by_label("S means").select_option("R")
    mapping.get_by_label("W means").select_option("")
    mapping.get_by_role("button", name="Preview with these letters").click()

    preview = page.get_by_test_id("import-preview")
    expect(page.get_by_test_id("import-layout")).to_have_text("activity")
    expect(preview).to_contain_text("New journey Checkout")
    expect(preview).to_contain_text("Hand over receipt")
    expect(page.get_by_test_id("import-notes")).to_contain_text("S read as R")
    screenshot(page, "import-preview", full_page=True)
    assert_accessible(page)
    assert not Journey.objects.filter(organization__slug="demo", name="Checkout").exists()

    page.get_by_role("button", name="Import now").click()
    journey = Journey.objects.get(organization__slug="demo", name="Checkout")
    page.wait_for_url(f"{live_server.url}/o/demo/journeys/{journey.id}/")
    expect(page.locator("#matrix")).to_contain_text("Hand over receipt")
    screenshot(page, "import-landed-on-matrix", full_page=True)
    held = set(
        Assignment.objects.filter(touchpoint__journey=journey).values_list(
            "touchpoint__name", "function__name", "letter"
        )
    )
    assert ("Hand over receipt", "Cashier team", "R") in held
    assert not any(function == "Marketing" for _, function, _ in held)


RETAIL_PAGE = """# Retail store visit

| Activity | Sales | Customer Service | Finance | IT |
|---|---|---|---|---|
| **Buy** |
| Sales person | A/R | | | I |
| Cashier | | R | A | |
| Self-checkout | | A | R | R |
"""


def drop_file(page, target, name: str, content: str, mime: str) -> None:
    """Drop a file onto `target` as a person dragging it from their desktop would."""
    data_transfer = page.evaluate_handle(
        """([name, content, mime]) => {
            const transfer = new DataTransfer();
            transfer.items.add(new File([content], name, {type: mime}));
            return transfer;
        }""",
        [name, content, mime],
    )
    target.dispatch_event("dragover", {"dataTransfer": data_transfer})
    target.dispatch_event("drop", {"dataTransfer": data_transfer})


def test_a_file_dropped_on_the_zone_is_previewed_as_a_grid_of_its_letters(
    demo, live_server, chromium, log_in, screenshot
):
    page = log_in(chromium.new_context(), "cxlead")
    page.goto(f"{live_server.url}/o/demo/import/")
    zone = page.get_by_test_id("drop-zone")
    expect(zone).to_contain_text("Drop a file here")
    # The keyboard reaches the zone as the file field it is.
    page.get_by_role("link", name="Template XLSX").focus()
    page.keyboard.press("Tab")
    expect(page.get_by_label("File (CSV, XLSX, Markdown or HTML)")).to_be_focused()
    screenshot(page, "import-drop-zone-focused")

    drop_file(page, zone, "retail-store.md", RETAIL_PAGE, "text/markdown")
    expect(zone).to_contain_text(f"Chosen: retail-store.md ({len(RETAIL_PAGE.encode())} bytes).")
    page.get_by_label("Journey", exact=True).fill("Retail store visit")
    page.get_by_label("Replace the journeys the file names").check()
    screenshot(page, "import-drop-zone-with-file")
    assert_accessible(page)
    page.get_by_role("button", name="Preview import").click()

    grid = page.get_by_test_id("import-grid")
    expect(grid.locator("thead th")).to_have_text(["Stage · touchpoint", "Sales", "Customer Service", "Finance", "IT"])

    def cells(touchpoint: str):
        return grid.locator("tr", has=page.locator("th .tp-name", has_text=touchpoint)).locator("td")

    expect(cells("Self-checkout")).to_have_text(["", "A", "R", "R"])
    expect(cells("Cashier")).to_have_text(["", "R", "A", ""])
    expect(cells("Sales person")).to_have_text(["RA", "", "", "I, was —"])
    expect(grid.locator("tr[data-status=new]")).to_contain_text("Self-checkout")
    expect(grid.locator("tr[data-status=changed]")).to_contain_text("Sales person")
    expect(page.get_by_test_id("grid-deleted")).to_contain_text("Parking lot")
    decisions = page.get_by_test_id("import-decisions")
    expect(decisions).to_contain_text("How the file was read")
    expect(page.get_by_test_id("import-layout")).to_have_text("activity")
    screenshot(page, "import-preview-grid", full_page=True)
    assert_accessible(page)
    assert (
        not Journey.objects.get(organization__slug="demo", name="Retail store visit")
        .touchpoints.filter(name="Self-checkout")
        .exists()
    )


def test_a_dropped_file_over_the_size_limit_is_said_at_once_and_refused_by_the_server(
    demo, settings, live_server, chromium, log_in, screenshot
):
    settings.MATRIX_UPLOAD_MAX_BYTES = 100
    page = log_in(chromium.new_context(), "cxlead")
    page.goto(f"{live_server.url}/o/demo/import/")
    zone = page.get_by_test_id("drop-zone")
    drop_file(page, zone, "retail-store.md", RETAIL_PAGE, "text/markdown")
    expect(zone).to_contain_text("It is over the limit of 100 bytes; choose a smaller file.")
    screenshot(page, "import-drop-zone-too-big")
    page.get_by_role("button", name="Preview import").click()
    expect(page.locator(".field-error")).to_have_text(
        f"The file is {len(RETAIL_PAGE.encode())} bytes; the limit is 100."
    )
    zone = page.get_by_test_id("drop-zone")
    zone.get_by_role("button", name="Remove the file").wait_for(state="hidden")
    assert_accessible(page)
