"""The history as people read it: activity feeds, one change set, a touchpoint's history, CSV, the API."""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from cxowner.orgs.change_context import change_context
from cxowner.orgs.history import ChangeSet
from journeys.services import touchpoint_update
from ownership.editor.services import CellChange, assignment_confirm, cells_set
from ownership.imports.services import matrix_import_file
from ownership.models import Assignment
from ownership.structure.services import function_delete
from tests.factories import FunctionFactory, JourneyFactory, StageFactory, TouchpointFactory, UserFactory

pytestmark = pytest.mark.django_db
LIMIT = 10 * 1024 * 1024


@pytest.fixture
def store(organization):
    """Cashier in the store visit; Finance and Sales; Dana made Finance accountable, then Sam added R."""
    journey = JourneyFactory(organization=organization, name="Store visit")
    cashier = TouchpointFactory(stage=StageFactory(journey=journey, name="Pay"), name="Cashier")
    finance = FunctionFactory(organization=organization, name="Finance")
    sales = FunctionFactory(organization=organization, name="Sales")
    dana, sam = UserFactory(username="dana"), UserFactory(username="sam")
    with change_context(surface="browser", user=dana):
        cells_set(organization=organization, changes=[CellChange(cashier.pk, finance.pk, frozenset("A"))])
    with change_context(surface="api", user=sam):
        cells_set(organization=organization, changes=[CellChange(cashier.pk, finance.pk, frozenset("AR"))])
    return {"journey": journey, "cashier": cashier, "finance": finance, "sales": sales}


def test_a_touchpoint_history_lists_each_letter_change_with_actor_before_and_after(organization, store, viewer):
    cashier = store["cashier"]
    url = reverse("journeys:touchpoint_history", args=[organization.slug, store["journey"].pk, cashier.pk])
    html = viewer.get(url).content.decode()
    rows = html.split("<tbody>")[1].split("</tr>")
    assert "sam" in rows[0] and "Cashier × Finance" in rows[0] and "<td>A</td><td>RA</td>" in rows[0]
    assert "dana" in rows[1] and "<td>—</td><td>A</td>" in rows[1]


def test_the_activity_feed_filters_by_who_what_and_when(organization, store, viewer):
    url = reverse("ownership:activity", args=[organization.slug])
    assert viewer.get(url).content.decode().count("Cashier × Finance") == 2
    only_dana = viewer.get(url, {"actor": "dana"}).content.decode()
    assert only_dana.count("Cashier × Finance") == 1 and "<td>dana</td>" in only_dana
    assert "Cashier × Finance" not in viewer.get(url, {"kind": "import"}).content.decode()
    assert "Cashier × Finance" not in viewer.get(url, {"since": "2999-01-01"}).content.decode()


def test_a_bad_filter_is_explained_and_ignored(organization, store, viewer):
    response = viewer.get(reverse("ownership:activity", args=[organization.slug]), {"since": "yesterday"})
    assert response.status_code == 200
    assert "Some filters were not understood" in response.content.decode()


def test_the_activity_feed_query_count_does_not_grow_with_the_history(
    organization, store, viewer, django_assert_max_num_queries
):
    cashier, finance = store["cashier"], store["finance"]
    for letters in ["I", "C", "R", "A"] * 15:
        cells_set(organization=organization, changes=[CellChange(cashier.pk, finance.pk, frozenset(letters))])
    # session, user, membership; actors; the page of change sets; their items; touchpoint,
    # function and journey names; the organization list of the header
    with django_assert_max_num_queries(12):
        response = viewer.get(reverse("ownership:activity", args=[organization.slug]))
    assert response.content.decode().count("Cashier × Finance") == 50


def test_the_journey_activity_shows_only_that_journeys_changes(organization, store, viewer):
    other = TouchpointFactory(stage=StageFactory(journey=JourneyFactory(organization=organization)), name="Signage")
    touchpoint_update(touchpoint=other, version=other.version, importance=5)
    html = viewer.get(reverse("journeys:activity", args=[organization.slug, store["journey"].pk])).content.decode()
    assert html.count("Cashier × Finance") == 2 and "Signage" not in html


def test_an_import_shows_as_one_change_set_you_can_open(organization, viewer):
    data = b"journey,stage,touchpoint,Sales\nStore visit,Pay,Cashier,A/R\nStore visit,Pay,Parking lot,I\n"
    matrix_import_file(organization=organization, data=data, filename="store.csv", max_bytes=LIMIT)
    change_set = ChangeSet.objects.get(kind="import")
    feed = viewer.get(reverse("ownership:activity", args=[organization.slug])).content.decode()
    assert feed.count("Import of 2 rows into Store visit") == 1
    html = viewer.get(reverse("ownership:change_set", args=[organization.slug, change_set.pk])).content.decode()
    assert "Cashier × Sales" in html and "<td>RA</td>" in html and "Touchpoint “Parking lot”" in html


def test_a_change_set_of_another_organization_is_404(store, viewer):
    other = ChangeSet.objects.create(
        organization=FunctionFactory().organization, surface="system", kind="x", summary="x"
    )
    assert (
        viewer.get(reverse("ownership:change_set", args=[store["journey"].organization.slug, other.pk])).status_code
        == 404
    )


def test_the_csv_export_has_one_row_per_change_and_defuses_formulas(organization, store, viewer):
    touchpoint_update(touchpoint=store["cashier"], version=None, name="=HYPERLINK(1)")
    response = viewer.get(reverse("ownership:activity_csv", args=[organization.slug]), {"kind": "touchpoint"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(row["field"], row["before"], row["after"]) for row in rows] == [("name", "Cashier", "'=HYPERLINK(1)")]
    everything = viewer.get(reverse("ownership:activity_csv", args=[organization.slug]))
    assert len(list(csv.reader(io.StringIO(b"".join(everything.streaming_content).decode())))) == 1 + 3


def test_the_api_lists_changes_newest_first_with_a_cursor(organization, store, member):
    client = APIClient()
    client.force_login(member("viewer"))
    url = f"/api/v1/orgs/{organization.slug}/changes/"
    body = client.get(url, {"page_size": 1}).json()
    assert [(c["actor_label"], c["kind"], c["item_count"]) for c in body["results"]] == [("sam", "cells", 1)]
    assert "count" not in body and "cursor=" in body["next"]
    second = client.get(body["next"]).json()["results"]
    assert [c["actor_label"] for c in second] == ["dana"]
    detail = client.get(f"{url}{second[0]['id']}/").json()
    assert [(i["touchpoint_id"], i["function_id"], i["before"], i["after"]) for i in detail["items"]] == [
        (store["cashier"].pk, store["finance"].pk, "", "A")
    ]


def test_the_api_filters_changes_by_touchpoint_kind_and_actor(organization, store, member):
    client = APIClient()
    client.force_login(member("viewer"))
    url = f"/api/v1/orgs/{organization.slug}/changes/"
    assert len(client.get(url, {"touchpoint": store["cashier"].pk}).json()["results"]) == 2
    assert client.get(url, {"kind": "import"}).json()["results"] == []
    assert [c["surface"] for c in client.get(url, {"actor": "sam"}).json()["results"]] == ["api"]
    assert client.get(url, {"since": "not a date"}).status_code == 400


def test_a_deleted_functions_cells_are_named_as_its_deletion_recorded_it(organization, viewer):
    touchpoint = TouchpointFactory(stage=StageFactory(journey=JourneyFactory(organization=organization)))
    function = FunctionFactory(organization=organization, name="Finance")
    cells_set(organization=organization, changes=[CellChange(touchpoint.pk, function.pk, frozenset("A"), frozenset())])
    function_delete(function=function)
    html = viewer.get(reverse("ownership:activity", args=[organization.slug])).content.decode()
    assert "Finance (deleted)" in html
    assert f"#{function.pk}" not in html


def test_a_recorded_moment_reads_as_a_date_not_an_iso_string(organization, viewer):
    touchpoint = TouchpointFactory(stage=StageFactory(journey=JourneyFactory(organization=organization)))
    function = FunctionFactory(organization=organization)
    cells_set(organization=organization, changes=[CellChange(touchpoint.pk, function.pk, frozenset("A"), frozenset())])
    assignment_confirm(assignment=Assignment.objects.get(touchpoint=touchpoint, letter="A"))
    html = viewer.get(reverse("ownership:activity", args=[organization.slug])).content.decode()
    shown = html.split(": confirmed")[1].split("</li>")[0]
    assert f"{timezone.localtime():%-d %b %Y}" in shown
    assert "+00:00" not in shown
