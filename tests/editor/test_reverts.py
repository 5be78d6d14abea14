"""An admin's revert of a whole change set: the preview, the revert, its page and its API."""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from cxowner.orgs.change_context import change_context
from cxowner.orgs.history import ChangeSet
from journeys.models import Touchpoint
from journeys.services import touchpoint_delete
from ownership.editor.reverts import RevertRefused, change_set_revert, revert_plan
from ownership.editor.services import CellChange, cells_read, cells_set
from ownership.imports.matrixfile import read_matrix
from ownership.imports.services import matrix_import

pytestmark = pytest.mark.django_db


@pytest.fixture
def pasted(organization, member, one_stage_journey):
    """A journey whose 2 × 2 cells one change set wrote: R, A / C, I."""
    built = one_stage_journey("Visit", "Buy", ["Till", "Bag"], ("Sales", "Finance"))
    cells = [(t.id, f.id) for t in built["touchpoints"] for f in built["functions"]]
    with change_context(surface="browser", user=member("editor")):
        cells_set(
            organization=organization,
            changes=[CellChange(*cell, frozenset(letter)) for cell, letter in zip(cells, "RACI", strict=True)],
        )
    return {"change_set": ChangeSet.objects.latest("id"), "cells": cells, "journey": built["journey"]}


def now(organization, cells) -> list[str]:
    current = cells_read(organization=organization, cells=cells)
    return ["".join(sorted(current[cell])) for cell in cells]


def test_the_preview_lists_the_cells_going_back_and_writes_nothing(organization, pasted):
    before = ChangeSet.objects.count()
    plan = revert_plan(organization=organization, change_set=pasted["change_set"])
    assert sorted((c.subject, c.wrote_shown, c.back_shown) for c in plan.cells) == [
        ("Bag × Finance", "I", "empty"),
        ("Bag × Sales", "C", "empty"),
        ("Till × Finance", "A", "empty"),
        ("Till × Sales", "R", "empty"),
    ]
    assert ChangeSet.objects.count() == before


def test_a_revert_puts_the_cells_back_in_one_change_set_naming_the_reverted_one(organization, pasted):
    done = change_set_revert(organization=organization, change_set=pasted["change_set"], all_or_nothing=False)
    assert now(organization, pasted["cells"]) == ["", "", "", ""]
    assert done.change_set.reverts_id == pasted["change_set"].pk
    assert done.change_set.items.count() == 4
    assert done.change_set.summary == f"Revert of “{pasted['change_set'].summary}”"


def test_cells_changed_since_stay_and_are_listed(organization, pasted):
    till_sales = pasted["cells"][0]
    cells_set(organization=organization, changes=[CellChange(*till_sales, frozenset("RC"))])
    done = change_set_revert(organization=organization, change_set=pasted["change_set"], all_or_nothing=False)
    assert now(organization, pasted["cells"]) == ["CR", "", "", ""]
    assert [c.describe_now() for c in done.plan.changed_since] == ["Till × Sales now holds R/C"]


def test_a_revert_with_nothing_left_to_put_back_is_refused(organization, pasted):
    cells_set(organization=organization, changes=[CellChange(*cell, frozenset()) for cell in pasted["cells"]])
    with pytest.raises(RevertRefused, match="Nothing to put back"):
        change_set_revert(organization=organization, change_set=pasted["change_set"], all_or_nothing=False)


def test_structure_is_listed_as_not_reverted(organization):
    sheet = read_matrix(b"journey,stage,touchpoint,Sales\nShop,Buy,Till,A/R\n", filename="shop.csv")
    matrix_import(organization=organization, sheet=sheet)
    imported = ChangeSet.objects.filter(kind="import").latest("id")
    plan = revert_plan(organization=organization, change_set=imported)
    assert [c.subject for c in plan.cells] == ["Till × Sales"]
    assert plan.structure_count >= 2  # the journey, the function, the touchpoint made
    done = change_set_revert(organization=organization, change_set=imported, all_or_nothing=False)
    assert done.change_set.items.count() == 1


def test_cells_of_a_deleted_touchpoint_are_listed_as_gone(organization, pasted):
    till = pasted["cells"][0][0]
    touchpoint_delete(touchpoint=Touchpoint.objects.get(pk=till))
    plan = revert_plan(organization=organization, change_set=pasted["change_set"])
    assert sorted(plan.gone) == ["Till (deleted) × Finance", "Till (deleted) × Sales"]
    assert sorted(c.subject for c in plan.cells) == ["Bag × Finance", "Bag × Sales"]


def test_the_preview_query_count_does_not_grow_with_the_change_set(organization, pasted, django_assert_max_num_queries):
    # items, touchpoints and functions still there, their letters, names of touchpoints,
    # functions and journeys (items_described)
    with django_assert_max_num_queries(7):
        revert_plan(organization=organization, change_set=pasted["change_set"])


# The page ---------------------------------------------------------------------------------


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_revert_page_previews_then_reverts_on_confirm(organization, member, pasted):
    admin = client_for(member("admin"))
    url = reverse("ownership:change_set_revert", args=[organization.slug, pasted["change_set"].pk])
    html = admin.get(url).content.decode()
    assert "Letters going back (4)" in html and "Till × Sales" in html and "Revert: put 4 cells back" in html
    assert now(organization, pasted["cells"]) == ["R", "A", "C", "I"]
    response = admin.post(url)
    assert response.status_code == 302
    assert now(organization, pasted["cells"]) == ["", "", "", ""]
    page = admin.get(response.url).content.decode()
    assert "Reverted: 4 cells put back." in page


def test_the_revert_page_is_for_admins_only(organization, member, pasted):
    url = reverse("ownership:change_set_revert", args=[organization.slug, pasted["change_set"].pk])
    assert client_for(member("editor")).get(url).status_code == 403
    assert client_for(member("editor")).post(url).status_code == 403
    assert now(organization, pasted["cells"]) == ["R", "A", "C", "I"]


def test_the_change_set_page_offers_the_revert_to_admins(organization, member, pasted):
    url = reverse("ownership:change_set", args=[organization.slug, pasted["change_set"].pk])
    assert "Revert this change" in client_for(member("admin")).get(url).content.decode()
    assert "Revert this change" not in client_for(member("editor")).get(url).content.decode()


# The API ----------------------------------------------------------------------------------


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_api_dry_run_says_what_it_would_do(organization, member, pasted):
    url = f"/api/v1/orgs/{organization.slug}/changes/{pasted['change_set'].pk}/revert/"
    body = api_for(member("admin")).post(url, {"dry_run": True}, format="json").json()
    assert body["dry_run"] is True and body["revert"] is None
    assert sorted(cell["subject"] for cell in body["cells"]) == [
        "Bag × Finance",
        "Bag × Sales",
        "Till × Finance",
        "Till × Sales",
    ]
    assert now(organization, pasted["cells"]) == ["R", "A", "C", "I"]


def test_the_api_revert_lists_cells_changed_since(organization, member, pasted):
    cells_set(organization=organization, changes=[CellChange(*pasted["cells"][3], frozenset("A"))])
    url = f"/api/v1/orgs/{organization.slug}/changes/{pasted['change_set'].pk}/revert/"
    body = api_for(member("admin")).post(url, {}, format="json").json()
    assert body["revert"] == ChangeSet.objects.latest("id").pk
    assert [(c["subject"], c["letters_now"]) for c in body["changed_since"]] == [("Bag × Finance", "A")]
    assert now(organization, pasted["cells"]) == ["", "", "", "A"]


def test_the_api_revert_with_nothing_to_put_back_is_409(organization, member, pasted):
    cells_set(organization=organization, changes=[CellChange(*cell, frozenset()) for cell in pasted["cells"]])
    url = f"/api/v1/orgs/{organization.slug}/changes/{pasted['change_set'].pk}/revert/"
    response = api_for(member("admin")).post(url, {}, format="json")
    assert response.status_code == 409
    assert "Nothing to put back" in response.json()["detail"]
