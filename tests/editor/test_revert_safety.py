"""A revert says what it cannot restore and previews the gaps it opens and closes, before an admin confirms."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from cxowner.orgs.history import ChangeSet
from ownership.editor.reverts import RevertRefused, change_set_revert, revert_gaps, revert_plan
from ownership.editor.services import CellChange, cells_read, cells_set
from ownership.engine.constants import Rule
from ownership.engine.vocabulary import rule_text
from ownership.structure.changes import function_merge
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def merged(organization, one_stage_journey):
    """Retail (A on Parking lot, R on Till) merged into Service (R on Parking lot)."""
    built = one_stage_journey("Store visit", "Arrive", ["Parking lot", "Till"], ("Retail", "Service"))
    (parking, till), (retail, service) = built["touchpoints"], built["functions"]
    cells_set(
        organization=organization,
        changes=[
            CellChange(parking.pk, retail.pk, frozenset("A")),
            CellChange(till.pk, retail.pk, frozenset("R")),
            CellChange(parking.pk, service.pk, frozenset("R")),
        ],
    )
    function_merge(function=retail, target=service, version=None)
    return {
        "change_set": ChangeSet.objects.get(kind="function.merge"),
        "cells": [(parking.pk, service.pk), (till.pk, service.pk)],
    }


def test_reverting_a_merge_keeps_the_letters_the_merged_away_function_cannot_take_back(organization, merged):
    plan = revert_plan(organization=organization, change_set=merged["change_set"])

    assert plan.cells == ()
    assert sorted((cell.subject, cell.wrote_shown) for cell in plan.kept) == [
        ("Parking lot × Service", "R/A"),
        ("Till × Service", "R"),
    ]
    assert sorted(plan.gone) == ["Parking lot × Retail (deleted)", "Till × Retail (deleted)"]


def test_a_merge_revert_is_refused_saying_why_and_no_accountable_is_emptied(organization, merged):
    with pytest.raises(RevertRefused, match="cannot come back"):
        change_set_revert(organization=organization, change_set=merged["change_set"], all_or_nothing=False)

    current = cells_read(organization=organization, cells=merged["cells"])
    assert [current[cell] for cell in merged["cells"]] == [frozenset("RA"), frozenset("R")]


def test_the_revert_page_of_a_merge_says_which_cells_keep_their_letters_and_offers_no_revert(
    organization, member, merged
):
    url = reverse("ownership:change_set_revert", args=[organization.slug, merged["change_set"].pk])

    html = client_for(member("admin")).get(url).content.decode()

    assert "Letters that stay: their function cannot come back (2)" in html
    assert "Cannot be restored" in html and "Parking lot × Retail (deleted)" in html
    assert 'data-testid="revert-confirm"' not in html and "Nothing to put back." in html


@pytest.fixture
def pasted(organization, one_stage_journey):
    """Till: Sales R, Finance A, written by one change set."""
    built = one_stage_journey("Visit", "Buy", ["Till"], ("Sales", "Finance"))
    (till,), (sales, finance) = built["touchpoints"], built["functions"]
    cells_set(
        organization=organization,
        changes=[CellChange(till.pk, sales.pk, frozenset("R")), CellChange(till.pk, finance.pk, frozenset("A"))],
    )
    return ChangeSet.objects.latest("id")


def test_the_revert_preview_names_the_gaps_it_opens(organization, pasted):
    gaps = revert_gaps(organization=organization, plan=revert_plan(organization=organization, change_set=pasted))

    assert Rule.UNASSIGNED in {finding.rule for finding in gaps.opened}
    assert (gaps.covered_before, gaps.covered_after) == ((1, 1), (1, 0))


def test_the_revert_page_shows_the_gaps_opened_and_a_red_button_saying_what_it_does(organization, member, pasted):
    url = reverse("ownership:change_set_revert", args=[organization.slug, pasted.pk])

    html = client_for(member("admin")).get(url).content.decode()

    assert "Gaps the revert opens" in html and rule_text(Rule.UNASSIGNED).title in html
    assert 'class="btn button-danger" data-testid="revert-confirm">Revert: put 2 cells back, opening' in html


def test_the_api_preview_of_a_merge_revert_lists_the_letters_that_stay(organization, member, merged):
    client = APIClient()
    client.force_login(member("admin"))

    url = f"/api/v1/orgs/{organization.slug}/changes/{merged['change_set'].pk}/revert/"
    body = client.post(url, {"dry_run": True}, format="json").json()

    assert body["cells"] == []
    assert sorted((cell["subject"], cell["letters_written"]) for cell in body["kept"]) == [
        ("Parking lot × Service", "R/A"),
        ("Till × Service", "R"),
    ]
    assert client.post(url, {}, format="json").status_code == 409


def test_the_revert_preview_takes_a_bounded_number_of_queries(
    organization, member, one_stage_journey, django_assert_max_num_queries
):
    built = one_stage_journey("Visit", "Buy", [f"Step {n}" for n in range(30)], ("Sales", "Finance", "Service"))
    cells_set(
        organization=organization,
        changes=[CellChange(t.pk, f.pk, frozenset("A")) for t in built["touchpoints"] for f in built["functions"]],
    )
    url = reverse("ownership:change_set_revert", args=[organization.slug, ChangeSet.objects.latest("id").pk])
    client = client_for(member("admin"))
    # session, user, membership, the organizations of the header; the change set; the plan (its
    # items, live touchpoints and functions, the cells now, their names: touchpoints, functions,
    # journeys); the matrix for the gaps (the snapshot); messages
    with django_assert_max_num_queries(24):
        response = client.get(url)
    assert "Letters going back (90)" in response.content.decode()
