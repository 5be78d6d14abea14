"""The matrix endpoint and optimistic concurrency: no write ever silently overwrites another."""

import threading

import pytest
from django.db import connection
from django.utils.dateparse import parse_datetime
from rest_framework.test import APIClient

from cxowner.orgs.change_context import change_context
from cxowner.orgs.history import ChangeSet
from ownership.editor.services import CellChange, cells_set
from ownership.gaps.audits import audit_organization
from ownership.models import Assignment
from tests.factories import (
    AssignmentFactory,
    FunctionFactory,
    JourneyFactory,
    MembershipFactory,
    OrganizationFactory,
    StageFactory,
    TouchpointFactory,
)


@pytest.fixture
def matrix(organization):
    """A journey of two stages, three touchpoints and two functions; Sales holds A on the first."""
    journey = JourneyFactory(organization=organization, name="Store visit")
    buy, pay = (
        StageFactory(journey=journey, name="Buy", position=1),
        StageFactory(journey=journey, name="Pay", position=2),
    )
    touchpoints = [
        TouchpointFactory(stage=buy, name="Signage", position=1),
        TouchpointFactory(stage=buy, name="Sales person", position=2),
        TouchpointFactory(stage=pay, name="Cashier", position=1),
    ]
    sales = FunctionFactory(organization=organization, name="Sales", position=1)
    service = FunctionFactory(organization=organization, name="Customer Service", position=2)
    AssignmentFactory(touchpoint=touchpoints[0], function=sales, letter="A")
    # Factories write around the services: an audit brings the live gaps up to date.
    audit_organization(organization=organization, trigger="manual", full=True)
    return {"journey": journey, "touchpoints": touchpoints, "sales": sales, "service": service}


@pytest.fixture
def editor_client(api_as):
    return api_as("editor")


def url(organization, journey):
    return f"/api/v1/orgs/{organization.slug}/journeys/{journey.pk}/matrix/"


def letters_of(touchpoint, function) -> str:
    held = set(Assignment.objects.filter(touchpoint=touchpoint, function=function).values_list("letter", flat=True))
    return "".join(x for x in "RACI" if x in held)


def test_matrix_lists_rows_columns_cells_and_gaps(editor_client, organization, matrix):
    response = editor_client.get(url(organization, matrix["journey"]))
    assert response.status_code == 200
    body = response.json()
    assert [s["name"] for s in body["stages"]] == ["Buy", "Pay"]
    assert [t["name"] for t in body["touchpoints"]] == ["Signage", "Sales person", "Cashier"]
    assert [f["name"] for f in body["functions"]] == ["Sales", "Customer Service"]
    assert body["cells"] == [
        {"touchpoint": matrix["touchpoints"][0].pk, "function": matrix["sales"].pk, "letters": "A"}
    ]
    assert {"unassigned", "no_responsible", "journey_without_owner"} <= {g["rule"] for g in body["gaps"]}
    assert response["ETag"].startswith(f'"{body["version"]}-')


def test_matrix_gaps_have_the_spec_shape_and_a_score(editor_client, organization, matrix):
    gaps = editor_client.get(url(organization, matrix["journey"])).json()["gaps"]
    unassigned = next(g for g in gaps if g["rule"] == "unassigned")
    assert set(unassigned) == {
        "rule", "severity", "journey", "touchpoints", "functions", "roles", "message", "score", "fingerprint"
    }  # fmt: skip
    assert unassigned["score"] == 9  # error (3) × default importance (3)
    assert [g["score"] for g in gaps] == sorted((g["score"] for g in gaps), reverse=True)


def test_matrix_patch_writes_many_cells_and_answers_the_new_gaps(editor_client, organization, matrix):
    signage, person, cashier = matrix["touchpoints"]
    sales, service = matrix["sales"], matrix["service"]
    cells = [
        {"touchpoint": signage.pk, "function": sales.pk, "letters": "A/R", "expected": "A"},
        {"touchpoint": person.pk, "function": sales.pk, "letters": "ar", "expected": ""},
        {"touchpoint": cashier.pk, "function": service.pk, "letters": "A + R", "expected": ""},
    ]
    response = editor_client.patch(url(organization, matrix["journey"]), {"cells": cells}, format="json")
    assert response.status_code == 200, response.content
    assert {c["letters"] for c in response.json()["cells"]} == {"RA"}
    assert letters_of(cashier, service) == "RA"
    rules = {g["rule"] for g in response.json()["gaps"]}
    assert "unassigned" not in rules and "no_responsible" not in rules
    assert "handoff_gap" in rules  # Sales person (Sales) → Cashier (Customer Service)


def test_matrix_patch_with_one_unknown_letter_is_400_and_changes_nothing(editor_client, organization, matrix):
    signage, person, _ = matrix["touchpoints"]
    cells = [
        {"touchpoint": person.pk, "function": matrix["sales"].pk, "letters": "R", "expected": ""},
        {"touchpoint": signage.pk, "function": matrix["sales"].pk, "letters": "AX", "expected": "A"},
    ]
    response = editor_client.patch(url(organization, matrix["journey"]), {"cells": cells}, format="json")
    assert response.status_code == 400
    assert "unknown letter 'x'" in response.content.decode().lower()
    assert letters_of(person, matrix["sales"]) == ""


def test_matrix_patch_of_a_changed_cell_is_409_with_the_current_letters(editor_client, organization, matrix):
    signage = matrix["touchpoints"][0]
    cells = [{"touchpoint": signage.pk, "function": matrix["sales"].pk, "letters": "R", "expected": ""}]
    response = editor_client.patch(url(organization, matrix["journey"]), {"cells": cells}, format="json")
    assert response.status_code == 409
    current = response.json()["current"]
    assert [(c["touchpoint"], c["function"], c["letters"]) for c in current] == [(signage.pk, matrix["sales"].pk, "A")]
    assert letters_of(signage, matrix["sales"]) == "A"


def test_a_409_names_who_changed_the_cell_when_and_to_what(editor_client, organization, matrix, member):
    signage = matrix["touchpoints"][0]
    alice = member("editor")
    with change_context(surface="browser", user=alice):
        cells_set(organization=organization, changes=[CellChange(signage.pk, matrix["sales"].pk, frozenset("AR"))])
    cells = [{"touchpoint": signage.pk, "function": matrix["sales"].pk, "letters": "C", "expected": "A"}]
    response = editor_client.patch(url(organization, matrix["journey"]), {"cells": cells}, format="json")
    assert response.status_code == 409
    body = response.json()
    written = ChangeSet.objects.filter(organization=organization).latest("id").created_at
    assert body["current"][0]["changed_by"] == alice.username
    assert body["current"][0]["changed_to"] == "RA"
    assert parse_datetime(body["current"][0]["changed_at"]) == written
    assert (body["changed_by"], parse_datetime(body["changed_at"])) == (alice.username, written)
    assert f"changed by {alice.username} at " in body["detail"]


def test_matrix_patch_with_a_stale_etag_is_412(editor_client, organization, matrix):
    signage, person, _ = matrix["touchpoints"]
    path = url(organization, matrix["journey"])
    etag = editor_client.get(path)["ETag"]
    first = [{"touchpoint": person.pk, "function": matrix["sales"].pk, "letters": "R", "expected": ""}]
    assert editor_client.patch(path, {"cells": first}, format="json", HTTP_IF_MATCH=etag).status_code == 200
    second = [{"touchpoint": signage.pk, "function": matrix["service"].pk, "letters": "C", "expected": ""}]
    response = editor_client.patch(path, {"cells": second}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 412
    assert letters_of(signage, matrix["service"]) == ""


def test_a_412_for_a_stale_etag_names_the_last_writer_and_when(editor_client, organization, matrix, member):
    signage, person, _ = matrix["touchpoints"]
    path = url(organization, matrix["journey"])
    etag = editor_client.get(path)["ETag"]
    bob = member("editor")
    with change_context(surface="api", user=bob):
        cells_set(organization=organization, changes=[CellChange(person.pk, matrix["sales"].pk, frozenset("R"))])
    cells = [{"touchpoint": signage.pk, "function": matrix["service"].pk, "letters": "C", "expected": ""}]
    response = editor_client.patch(path, {"cells": cells}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 412
    body = response.json()
    assert body["changed_by"] == bob.username
    assert (
        parse_datetime(body["changed_at"])
        == ChangeSet.objects.filter(organization=organization).latest("id").created_at
    )
    assert f"The matrix of “Store visit” was changed by {bob.username} at " in body["detail"]


def test_matrix_patch_of_a_touchpoint_in_another_journey_is_400(editor_client, organization, matrix):
    elsewhere = TouchpointFactory(stage=StageFactory(journey=JourneyFactory(organization=organization)))
    cells = [{"touchpoint": elsewhere.pk, "function": matrix["sales"].pk, "letters": "A", "expected": ""}]
    response = editor_client.patch(url(organization, matrix["journey"]), {"cells": cells}, format="json")
    assert response.status_code == 400
    assert not Assignment.objects.filter(touchpoint=elsewhere).exists()


def test_matrix_patch_with_a_function_of_another_organization_is_400(editor_client, organization, matrix):
    foreign = FunctionFactory(organization=OrganizationFactory())
    cells = [{"touchpoint": matrix["touchpoints"][1].pk, "function": foreign.pk, "letters": "A", "expected": ""}]
    response = editor_client.patch(url(organization, matrix["journey"]), {"cells": cells}, format="json")
    assert response.status_code == 400
    assert not Assignment.objects.filter(function=foreign).exists()


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"cells": []},
        {"cells": "R"},
        {"cells": [{"touchpoint": "one", "function": 1, "letters": "A", "expected": ""}]},
        {"cells": [{"touchpoint": 1, "function": 1, "letters": ["A"], "expected": ""}]},
        {"cells": [{"touchpoint": -1, "function": 1, "letters": "A", "expected": ""}]},
        {"cells": [{"touchpoint": 10**30, "function": 1, "letters": "A", "expected": ""}]},
        {"cells": [{"touchpoint": 1, "function": 1, "letters": "A"}]},
        [1, 2],
    ],
)
def test_matrix_patch_with_a_malformed_body_is_400(editor_client, organization, matrix, body):
    response = editor_client.patch(url(organization, matrix["journey"]), body, format="json")
    assert response.status_code == 400


def test_matrix_patch_naming_one_cell_twice_is_400(editor_client, organization, matrix):
    cell = {"touchpoint": matrix["touchpoints"][1].pk, "function": matrix["sales"].pk, "letters": "A", "expected": ""}
    response = editor_client.patch(url(organization, matrix["journey"]), {"cells": [cell, cell]}, format="json")
    assert response.status_code == 400


def test_second_writer_of_the_same_cell_gets_409_and_the_first_value_stays(organization, matrix, member):
    first, second = APIClient(), APIClient()
    first.force_login(member("editor"))
    second.force_login(member("editor"))
    path = url(organization, matrix["journey"])
    person = matrix["touchpoints"][1]
    seen = {c["touchpoint"]: c["letters"] for c in first.get(path).json()["cells"]}.get(person.pk, "")
    assert second.get(path).status_code == 200
    cell = {"touchpoint": person.pk, "function": matrix["sales"].pk, "expected": seen}
    assert first.patch(path, {"cells": [{**cell, "letters": "A"}]}, format="json").status_code == 200
    assert second.patch(path, {"cells": [{**cell, "letters": "R"}]}, format="json").status_code == 409
    assert letters_of(person, matrix["sales"]) == "A"


def test_update_with_a_stale_version_is_412_and_changes_nothing(editor_client, organization, matrix):
    touchpoint = matrix["touchpoints"][0]
    path = f"/api/v1/orgs/{organization.slug}/touchpoints/{touchpoint.pk}/"
    etag = editor_client.get(path)["ETag"]
    assert editor_client.patch(path, {"importance": 5}, format="json", HTTP_IF_MATCH=etag).status_code == 200
    response = editor_client.patch(path, {"importance": 1}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 412
    touchpoint.refresh_from_db()
    assert touchpoint.importance == 5


def test_update_with_a_stale_version_field_is_412(editor_client, organization, matrix):
    path = f"/api/v1/orgs/{organization.slug}/functions/{matrix['sales'].pk}/"
    assert editor_client.patch(path, {"name": "Sales EMEA", "version": 1}, format="json").status_code == 200
    assert editor_client.patch(path, {"name": "Sales APAC", "version": 1}, format="json").status_code == 412
    matrix["sales"].refresh_from_db()
    assert matrix["sales"].name == "Sales EMEA"


def test_update_without_a_version_is_428(editor_client, organization, matrix):
    path = f"/api/v1/orgs/{organization.slug}/journeys/{matrix['journey'].pk}/"
    assert editor_client.patch(path, {"name": "Renamed"}, format="json").status_code == 428


def test_delete_with_a_stale_if_match_is_412_and_keeps_the_row(editor_client, organization, matrix):
    touchpoint = matrix["touchpoints"][2]
    path = f"/api/v1/orgs/{organization.slug}/touchpoints/{touchpoint.pk}/"
    assert editor_client.delete(path, HTTP_IF_MATCH='"99"').status_code == 412
    assert editor_client.get(path).status_code == 200


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_of_one_cell_exactly_one_wins():
    """Two threads, two connections, the same expected value: the row lock lets one through."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL) for real concurrent transactions")
    organization = OrganizationFactory()
    journey = JourneyFactory(organization=organization)
    touchpoint = TouchpointFactory(stage=StageFactory(journey=journey))
    function = FunctionFactory(organization=organization)
    users = [MembershipFactory(organization=organization, role="editor").user for _ in range(2)]
    path = url(organization, journey)
    barrier = threading.Barrier(2)
    statuses: dict[str, int] = {}

    def write(user, letters):
        client = APIClient()
        client.force_login(user)
        barrier.wait()
        cell = {"touchpoint": touchpoint.pk, "function": function.pk, "letters": letters, "expected": ""}
        statuses[letters] = client.patch(path, {"cells": [cell]}, format="json").status_code
        connection.close()

    threads = [threading.Thread(target=write, args=(user, letters)) for user, letters in zip(users, "AR", strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses.values()) == [200, 409]
    winner = next(letters for letters, code in statuses.items() if code == 200)
    assert letters_of(touchpoint, function) == winner
