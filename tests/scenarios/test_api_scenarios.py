"""The scenarios API: draw, edit, compare, apply (refused on a moved matrix), rebase, discard."""

import pytest
from rest_framework.test import APIClient

from cxowner.orgs.models import Membership, Organization
from journeys.models import Touchpoint
from ownership.editor.services import CellChange, cells_set
from ownership.engine.whatif import cells_of
from ownership.gaps.snapshots import snapshot_load
from ownership.models import Function, Scenario
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(acme):
    client = APIClient()
    client.force_login(MembershipFactory(organization=acme, role=Membership.Role.EDITOR).user)
    return client


def fid(organization, name):
    return Function.objects.get(organization=organization, name=name).pk


def url(path=""):
    return f"/api/v1/orgs/acme/scenarios/{path}"


def merge_body(acme):
    arguments = {"source_id": fid(acme, "Marketing"), "target_id": fid(acme, "Sales")}
    return {"name": "Merge Marketing into Sales", "operations": [{"kind": "merge_functions", "arguments": arguments}]}


def created(api, acme) -> dict:
    response = api.post(url(), merge_body(acme), format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_create_answers_the_scenario_with_its_steps_and_etag(api, acme):
    response = api.post(url(), merge_body(acme), format="json")
    body = response.json()
    assert (body["name"], body["status"], body["version"]) == ("Merge Marketing into Sales", "draft", 1)
    assert body["operations"][0]["kind"] == "merge_functions"
    assert response["ETag"] == '"1"'


def test_create_refuses_an_unknown_kind(api):
    response = api.post(url(), {"name": "x", "operations": [{"kind": "promote", "arguments": {}}]}, format="json")
    assert response.status_code == 400
    assert "promote" in response.content.decode()


def test_create_refuses_an_operation_that_does_not_apply(api):
    body = {"name": "x", "operations": [{"kind": "remove_function", "arguments": {"function_id": 987654}}]}
    response = api.post(url(), body, format="json")
    assert response.status_code == 400
    assert (
        "Operation 1: There is no function #987654 in this organization (deleted meanwhile?)."
        in response.json()["operations"]
    )
    assert not Scenario.objects.exists()


def test_compare_shows_closed_contested_gaps_coverage_and_the_new_bottleneck(api, acme):
    scenario = created(api, acme)
    body = api.get(url(f"{scenario['id']}/compare/")).json()
    closed = [gap["touchpoints"] for gap in body["gaps"]["closed"] if gap["rule"] == "multiple_accountable"]
    assert sorted(closed) == [["Ad"], ["Quote"]]
    assert body["coverage"] == {"before": 0.8, "after": 1.0}
    sales = next(row for row in body["accountable"] if row["name"] == "Sales")
    assert (sales["before"], sales["after"], sales["bottleneck_before"], sales["bottleneck_after"]) == (
        5,
        7,
        False,
        True,
    )
    assert body["steps"] == [{"position": 1, "description": "Merge Marketing into Sales"}]
    assert body["stale"] is False


def test_compare_takes_a_few_queries(api, acme, django_assert_max_num_queries):
    scenario = created(api, acme)
    # * session  * user  * membership  * the scenario with its organization  * its operations
    # * 5 for the live snapshot  * the live matrix version  * today's open gaps (the figures)
    # * the fingerprints of today's gaps about touchpoints (the comparison)
    with django_assert_max_num_queries(13):
        api.get(url(f"{scenario['id']}/compare/"))


def test_apply_makes_the_live_matrix_the_scenario_s(api, acme):
    scenario = created(api, acme)
    response = api.post(url(f"{scenario['id']}/apply/"), {"version": scenario["version"]}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "applied"
    live = cells_of(snapshot_load(organization=Organization.objects.get(pk=acme.pk)))
    assert {f for _, f in live} == {fid(acme, "Sales"), fid(acme, "Service"), fid(acme, "IT")}


def cell_set(acme, touchpoint, function, letters):
    touchpoint_id = Touchpoint.objects.get(organization=acme, name=touchpoint).pk
    cells_set(organization=acme, changes=[CellChange(touchpoint_id, fid(acme, function), frozenset(letters))])


def test_apply_after_edits_elsewhere_answers_200(api, acme):
    scenario = created(api, acme)
    compared = api.get(url(f"{scenario['id']}/compare/")).json()
    cell_set(acme, "Hotline", "IT", "I")
    cell_set(acme, "Delivery", "Sales", "R")
    # What an older client sends: the matrix version of the comparison it read, now moved on.
    body = {"base_matrix_version": compared["matrix_version"], "version": scenario["version"]}
    response = api.post(url(f"{scenario['id']}/apply/"), body, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "applied"


def test_apply_after_a_touched_cell_changed_answers_409_naming_it(api, acme):
    scenario = created(api, acme)
    cell_set(acme, "Ad", "Marketing", "R")
    response = api.post(url(f"{scenario['id']}/apply/"), {"version": scenario["version"]}, format="json")
    assert response.status_code == 409
    body = response.json()
    [changed] = body["changed"]
    ad = Touchpoint.objects.get(organization=acme, name="Ad").pk
    assert (changed["object"], changed["touchpoint"], changed["function"]) == ("cell", ad, fid(acme, "Marketing"))
    assert changed["description"].startswith("the cell Buy › Ad × Marketing was changed by ")
    assert changed["description"].endswith("(RA → R)")
    assert changed["description"] in body["detail"] and "Rebase" in body["detail"]
    assert body["matrix_version"] == Organization.objects.get(pk=acme.pk).matrix_version
    assert Function.objects.filter(organization=acme, name="Marketing").exists()


def test_compare_says_stale_and_what_changed(api, acme):
    scenario = created(api, acme)
    cell_set(acme, "Hotline", "IT", "I")
    assert api.get(url(f"{scenario['id']}/compare/")).json()["stale"] is False
    cell_set(acme, "Quote", "Sales", "R")
    body = api.get(url(f"{scenario['id']}/compare/")).json()
    assert body["stale"] is True
    assert [c["description"].split(" was ")[0] for c in body["changed"]] == ["the cell Buy › Quote × Sales"]
    assert body["changed_more"] == 0


def test_rebase_then_apply(api, acme):
    scenario = created(api, acme)
    cell_set(acme, "Ad", "Marketing", "R")
    rebased = api.post(url(f"{scenario['id']}/rebase/"), {"version": scenario["version"]}, format="json").json()
    assert rebased["dropped"] == []
    response = api.post(url(f"{scenario['id']}/apply/"), {"version": rebased["version"]}, format="json")
    assert response.status_code == 200


def test_adding_a_step_with_a_stale_version_answers_412(api, acme):
    scenario = created(api, acme)
    step = {"kind": "remove_function", "arguments": {"function_id": fid(acme, "IT")}, "version": 1}
    assert api.post(url(f"{scenario['id']}/operations/"), step, format="json").status_code == 200
    response = api.post(url(f"{scenario['id']}/operations/"), step, format="json")
    assert response.status_code == 412
    assert response.json()["version"] == 2


def test_adding_a_step_needs_a_version(api, acme):
    scenario = created(api, acme)
    step = {"kind": "remove_function", "arguments": {"function_id": fid(acme, "IT")}}
    assert api.post(url(f"{scenario['id']}/operations/"), step, format="json").status_code == 428


def test_removing_a_step_that_is_not_there_answers_400(api, acme):
    scenario = created(api, acme)
    response = api.delete(url(f"{scenario['id']}/operations/3/"), {"version": 1}, format="json")
    assert response.status_code == 400
    assert "no step 3" in response.content.decode()


def test_a_discarded_scenario_answers_409_to_apply(api, acme):
    scenario = created(api, acme)
    assert api.post(url(f"{scenario['id']}/discard/"), {"version": 1}, format="json").status_code == 200
    response = api.post(url(f"{scenario['id']}/apply/"), {}, format="json")
    assert (response.status_code, response.json()["status"]) == (409, "discarded")
