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
