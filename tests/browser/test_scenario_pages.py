"""What if we merge Marketing into Sales? An editor draws the scenario in Chromium, reads what it
closes and opens beside today, edits a cell of the scenario's matrix, and applies it."""

import pytest
from playwright.sync_api import expect

from cxowner.orgs.models import Organization
from journeys.models import Journey
from ownership.engine.whatif import MoveLetters, RemoveFunction, cells_of
from ownership.gaps.snapshots import snapshot_load
from ownership.models import Function, Scenario
from ownership.scenarios.services import scenario_create
from ownership.scenarios.state import scenario_state
from ownership.structure.services import function_delete

from .axe import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def matrix_of(snapshot) -> dict:
    return {
        "functions": sorted(snapshot.functions),
        "roles": sorted(snapshot.roles),
        "journeys": sorted(snapshot.journeys),
        "cells": cells_of(snapshot),
    }


def test_an_editor_merges_marketing_into_sales_after_reading_what_it_changes(
    demo, live_server, chromium, log_in, screenshot
):
    page = log_in(chromium.new_context(), "cxlead")
    page.get_by_role("link", name="What if").click()
    expect(page.get_by_role("heading", name="What if we re-organize?")).to_be_visible()
    page.get_by_label("What if").select_option(label="Merge a function into another")
    page.get_by_label("Function", exact=True).select_option(label="Marketing")
    page.get_by_label("Into / to function").select_option(label="Sales")
    page.get_by_role("button", name="Draw scenario").click()

    expect(page.get_by_role("heading", name="Merge Marketing into Sales")).to_be_visible()
    closed = page.get_by_test_id("closed")
    expect(closed).to_contain_text("Contested ownership")
    expect(closed).to_contain_text("Promotional displays is contested: Marketing, Sales are all accountable")
    expect(page.get_by_test_id("load-sales")).to_contain_text("Accountability bottleneck — opens")
    expect(page.get_by_test_id("opened")).to_contain_text("Sales is accountable for 14 of 23 touchpoints")
    assert_accessible(page)
    screenshot(page, "scenario-comparison", full_page=True)

    # The scenario's own matrix: one cell edited freely becomes a second step.
    journey = Journey.objects.get(organization__slug="demo", name="Retail store visit")
    page.get_by_role("link", name="Retail store visit").click()
    page.get_by_label("IT on Parking lot").fill("C")
    assert_accessible(page)
    screenshot(page, "scenario-cells")
    page.get_by_role("button", name="Save as a step").click()
    expect(page.get_by_test_id("steps")).to_contain_text("Set IT on Parking lot: C")

    scenario = Scenario.objects.get(organization__slug="demo")
    predicted = scenario_state(scenario=scenario).replayed.snapshot
    page.get_by_test_id("apply").click()
    # Applying asks once, on the page: the cells that change and the gaps opened and closed.
    confirm = page.get_by_test_id("apply-confirm")
    expect(confirm).to_contain_text("Apply “Merge Marketing into Sales” to the live matrix?")
    expect(confirm).to_contain_text("Sales is accountable for 14 of 23 touchpoints")
    expect(confirm).to_contain_text("Promotional displays is contested")
    assert Function.objects.filter(organization__slug="demo", name="Marketing").exists()  # nothing applied yet
    assert_accessible(page)
    screenshot(page, "scenario-apply-confirm")
    page.get_by_test_id("apply-confirm-button").click()
    expect(page.locator(".flash")).to_contain_text("Applied")
    live = snapshot_load(organization=Organization.objects.get(slug="demo"))
    assert matrix_of(live) == matrix_of(predicted)
    assert not Function.objects.filter(organization__slug="demo", name="Marketing").exists()
    assert journey.pk in {j.id for j in live.journeys}

    page.get_by_role("navigation", name="Main").get_by_role("link", name="What if").click()
    expect(page.get_by_test_id("scenarios")).to_contain_text("Applied")
    assert_accessible(page)
    screenshot(page, "scenario-list", full_page=True)


def test_a_scenario_drawn_before_an_edit_is_rebased_before_it_applies(demo, live_server, chromium, log_in, screenshot):
    organization = Organization.objects.get(slug="demo")
    functions = {f.name: f.pk for f in Function.objects.filter(organization=organization)}
    scenario = scenario_create(
        organization=organization,
        name="Without HR",
        operations=[RemoveFunction(functions["HR"]), MoveLetters(functions["IT"], functions["Customer Service"])],
    )
    # Meanwhile someone removes IT from the live matrix: the second step no longer applies.
    function_delete(function=Function.objects.get(pk=functions["IT"]))

    page = log_in(chromium.new_context(), "cxlead")
    page.goto(f"{live_server.url}/o/demo/scenarios/{scenario.pk}/")
    stale = page.get_by_test_id("stale")
    expect(stale).to_contain_text("What this scenario touches changed since it was drawn")
    expect(stale).to_contain_text("The function IT was deleted")
    expect(stale).to_contain_text("Step 2, “Move all of a deleted function")
    expect(page.get_by_test_id("apply")).to_have_count(0)
    assert_accessible(page)
    screenshot(page, "scenario-stale", full_page=True)

    page.get_by_role("button", name="Rebase on today's matrix").click()
    expect(page.locator(".flash")).to_contain_text("Steps that no longer apply were dropped")
    expect(page.get_by_test_id("steps").locator("li")).to_have_count(1)
    expect(page.get_by_test_id("steps")).to_contain_text("Remove HR")
    page.get_by_test_id("apply").click()
    page.get_by_test_id("apply-confirm-button").click()
    expect(page.locator(".flash")).to_contain_text("Applied")
    assert not Function.objects.filter(organization=organization, name="HR").exists()
