"""Every page at a phone's size (390×844) and a desktop's (1440×900): nothing scrolls the page
sideways, and axe finds no serious or critical violation at either size.

Wide content (tables, the journey map, the matrix) scrolls inside its own box, which the
keyboard can reach; the top bar's links fold into a Menu button when they do not fit. The pages
are those of tests/browser/pages.py, the list the accessibility walk reads too.
"""

from __future__ import annotations

import json
import os
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from cxowner.orgs.models import Organization

from .axe import FAILING_IMPACTS, axe_violations
from .pages import organization_pages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}
SIZES = {"phone": PHONE, "desktop": DESKTOP}
# How much wider than the window the document is: 0 when nothing scrolls the page sideways.
DOCUMENT_OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"


def admin_page(chromium, log_in, viewport: dict):
    """The demo's admin (who sees every page), on a screen of this size."""
    return log_in(chromium.new_context(viewport=viewport), "admin")


def walk(page, base_url: str, paths: list[str]) -> dict[str, list[str]]:
    """Each page's problems at this size: sideways overflow, serious or critical axe violations."""
    problems: dict[str, list[str]] = {}
    for path in paths:
        response = page.goto(f"{base_url}{path}")
        assert response is not None and response.status == 200, f"{path} answered {response and response.status}"
        page.wait_for_load_state("load")
        found = []
        overflow = page.evaluate(DOCUMENT_OVERFLOW)
        if overflow > 0:
            found.append(f"the page scrolls sideways by {overflow} px")
        for violation in axe_violations(page):
            if violation.get("impact") in FAILING_IMPACTS:
                targets = "; ".join(" ".join(node["target"]) for node in violation["nodes"][:4])
                found.append(f"{violation['id']} ({violation['impact']}): {targets}")
        if found:
            problems[path] = found
    return problems


def big_organization() -> Organization:
    """300 touchpoints and 13 functions, the demo's admin its admin: the tables at their widest."""
    call_command(
        "generate_org", "big", "--touchpoints", "300", "--functions", "13", "--owner", "admin",
        stdout=open(os.devnull, "w"),  # noqa: SIM115
    )  # fmt: skip
    return Organization.objects.get(slug="big")


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_every_demo_page_fits_the_screen_and_passes_axe(demo, live_server, chromium, log_in, screenshot, size):
    page = admin_page(chromium, log_in, SIZES[size])

    problems = walk(page, live_server.url, organization_pages(Organization.objects.get(slug="demo")))

    page.goto(f"{live_server.url}/o/demo/")
    screenshot(page, f"responsive-{size}-dashboard", full_page=True)
    assert not problems, json.dumps(problems, indent=1)


def test_every_page_of_a_large_organization_fits_a_phone_and_passes_axe(
    demo, live_server, chromium, log_in, screenshot
):
    organization = big_organization()
    page = admin_page(chromium, log_in, PHONE)

    problems = walk(page, live_server.url, organization_pages(organization))

    for name, path in [("journeys", "journeys/"), ("gaps", "gaps/"), ("functions", "functions/")]:
        page.goto(f"{live_server.url}/o/big/{path}")
        screenshot(page, f"responsive-phone-big-{name}")
    assert not problems, json.dumps(problems, indent=1)


def test_the_menu_opens_and_closes_from_the_keyboard_on_a_phone(demo, live_server, chromium, log_in, screenshot):
    page = admin_page(chromium, log_in, PHONE)
    menu = page.get_by_role("button", name="Menu")
    journeys = page.get_by_role("navigation", name="Main").get_by_role("link", name="Journeys")
    expect(journeys).to_be_hidden()

    menu.focus()
    page.keyboard.press("Enter")

    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(journeys).to_be_visible()
    screenshot(page, "responsive-phone-menu-open")
    page.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(journeys).to_be_hidden()
    expect(menu).to_be_focused()


def test_a_link_of_the_open_menu_leads_to_its_page(demo, live_server, chromium, log_in):
    page = admin_page(chromium, log_in, PHONE)

    page.get_by_role("button", name="Menu").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Gaps", exact=True).click()

    page.wait_for_url(f"{live_server.url}/o/demo/gaps/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Gaps")


def test_a_desktop_shows_the_links_without_a_menu(demo, live_server, chromium, log_in):
    page = admin_page(chromium, log_in, DESKTOP)

    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings")).to_be_visible()


def test_a_wide_table_scrolls_in_its_own_box_reachable_by_keyboard(demo, live_server, chromium, log_in):
    page = admin_page(chromium, log_in, PHONE)
    page.goto(f"{live_server.url}/o/demo/gaps/")
    box = page.locator(".table-scroll").first

    box.focus()
    page.keyboard.press("ArrowRight")

    expect(box).to_be_focused()
    expect(box).to_have_attribute("role", "region")
    assert box.get_attribute("aria-label")
    page.wait_for_function("document.querySelector('.table-scroll').scrollLeft > 0")
    assert page.evaluate(DOCUMENT_OVERFLOW) <= 0


def test_redoc_loads_with_no_request_leaving_this_server(demo, live_server, chromium):
    context = chromium.new_context()
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))

    page.goto(f"{live_server.url}/api/v1/redoc/")
    page.locator("h1").first.wait_for(timeout=60_000)  # ReDoc draws the schema once it has read it
    page.wait_for_load_state("networkidle")

    here = urlsplit(live_server.url).netloc
    outside = [url for url in requested if urlsplit(url).scheme in {"http", "https"} and urlsplit(url).netloc != here]
    assert requested and not outside, outside
