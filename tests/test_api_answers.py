"""Kept answers (cxowner/orgs/api/answers.py): the touchpoint page and the matrix, asked again while
nothing changed, cost the token's query; any write shows at once; no other organization gets them.
"""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from cxowner.orgs.api.answers import answers_forget
from journeys import services as journey_services
from ownership.editor import services
from ownership.engine.rules import evaluate
from ownership.gaps.snapshots import snapshot_load
from ownership.models import Assignment, Function
from tests.factories import ApiTokenFactory, OrganizationFactory, TouchpointFactory, UserFactory, matrix_build
from tests.scenarios.test_scenarios import open_fingerprints

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def nothing_kept():
    answers_forget()
    yield
    answers_forget()


@pytest.fixture
def matrix(organization):
    return matrix_build(organization=organization, touchpoints=30, functions=4, stages=3)


@pytest.fixture
def token_client(organization):
    token = ApiTokenFactory(organization=organization)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.key}")
    client.get(f"/api/v1/orgs/{organization.slug}/")  # records last_used_at once
    return client


def matrix_url(organization, journey) -> str:
    return f"/api/v1/orgs/{organization.slug}/journeys/{journey.pk}/matrix/"


def list_url(organization) -> str:
    return f"/api/v1/orgs/{organization.slug}/touchpoints/?page_size=10"


def a_cell_written(organization, journey) -> None:
    touchpoint = journey.touchpoints.order_by("id").first()
    function_id = Function.objects.filter(organization=organization).order_by("id").values_list("id", flat=True)[0]
    services.cells_set(
        organization=organization,
        changes=[services.CellChange(touchpoint.pk, function_id, frozenset("I"), expected=None)],
    )


def test_matrix_read_first_reads_token_journey_rows_columns_stages_cells_coverage_gaps(
    token_client, organization, matrix, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        assert token_client.get(matrix_url(organization, matrix)).status_code == 200


def test_matrix_asked_again_reads_only_the_token(token_client, organization, matrix, django_assert_num_queries):
    first = token_client.get(matrix_url(organization, matrix))
    with django_assert_num_queries(1):
        again = token_client.get(matrix_url(organization, matrix))
    assert again.content == first.content
    assert again["ETag"] == first["ETag"]


def test_matrix_not_modified_again_reads_only_the_token(token_client, organization, matrix, django_assert_num_queries):
    tag = token_client.get(matrix_url(organization, matrix))["ETag"]
    with django_assert_num_queries(1):
        response = token_client.get(matrix_url(organization, matrix), HTTP_IF_NONE_MATCH=tag)
    assert response.status_code == 304


def test_matrix_not_modified_first_reads_no_cells(token_client, organization, matrix, django_assert_max_num_queries):
    tag = token_client.get(matrix_url(organization, matrix))["ETag"]
    answers_forget()
    # token, journey, touchpoint versions, function ids
    with django_assert_max_num_queries(4):
        assert token_client.get(matrix_url(organization, matrix), HTTP_IF_NONE_MATCH=tag).status_code == 304


def test_matrix_shows_a_cell_written_after_it_was_kept(token_client, organization, matrix):
    before = token_client.get(matrix_url(organization, matrix))
    a_cell_written(organization, matrix)
    after = token_client.get(matrix_url(organization, matrix))
    assert after["ETag"] != before["ETag"]
    assert after.json()["cells"] != before.json()["cells"]


def test_matrix_kept_etag_still_answers_200_after_a_write(token_client, organization, matrix):
    tag = token_client.get(matrix_url(organization, matrix))["ETag"]
    a_cell_written(organization, matrix)
    assert token_client.get(matrix_url(organization, matrix), HTTP_IF_NONE_MATCH=tag).status_code == 200


def test_matrix_kept_for_one_organization_is_404_for_another(token_client, organization, matrix):
    assert token_client.get(matrix_url(organization, matrix)).status_code == 200
    other = OrganizationFactory()
    outsider = APIClient()
    outsider.credentials(HTTP_AUTHORIZATION=f"Bearer {ApiTokenFactory(organization=other).key}")
    assert outsider.get(matrix_url(other, matrix)).status_code == 404


def test_touchpoint_page_asked_again_reads_only_the_token(
    token_client, organization, matrix, django_assert_num_queries
):
    first = token_client.get(list_url(organization))
    with django_assert_num_queries(1):
        again = token_client.get(list_url(organization))
    assert again.content == first.content


def test_touchpoint_page_first_reads_token_page_and_letters(
    token_client, organization, matrix, django_assert_num_queries
):
    with django_assert_num_queries(3):
        assert token_client.get(list_url(organization)).status_code == 200


def test_touchpoint_page_shows_a_rename_made_after_it_was_kept(token_client, organization, matrix):
    token_client.get(list_url(organization))
    touchpoint = matrix.touchpoints.order_by("id").first()
    journey_services.touchpoint_update(touchpoint=touchpoint, version=touchpoint.version, name="Renamed")
    names = [row["name"] for row in token_client.get(list_url(organization)).json()["results"]]
    assert "Renamed" in names


def test_touchpoint_page_shows_letters_written_after_it_was_kept(token_client, organization, matrix):
    token_client.get(list_url(organization))
    a_cell_written(organization, matrix)
    rows = token_client.get(list_url(organization)).json()["results"]
    assert any(letter["letter"] == "I" for row in rows for letter in row["assignments"])


def test_touchpoint_pages_are_kept_apart_by_their_query(token_client, organization, matrix):
    first = token_client.get(list_url(organization)).json()
    second = token_client.get(first["next"]).json()
    assert {row["id"] for row in first["results"]}.isdisjoint(row["id"] for row in second["results"])


def test_touchpoint_page_kept_for_one_organization_is_not_another_s(token_client, organization, matrix):
    token_client.get(list_url(organization))
    other = OrganizationFactory()
    TouchpointFactory(stage__journey__organization=other, name="Theirs")
    outsider = APIClient()
    outsider.credentials(HTTP_AUTHORIZATION=f"Bearer {ApiTokenFactory(organization=other).key}")
    names = [row["name"] for row in outsider.get(list_url(other)).json()["results"]]
    assert names == ["Theirs"]


def test_browsable_api_is_written_each_time(token_client, organization, matrix):
    response = token_client.get(matrix_url(organization, matrix), HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")


@pytest.fixture
def admin_client_logged_in(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_matrix_shows_a_touchpoint_renamed_in_the_admin_after_it_was_kept(
    token_client, admin_client_logged_in, organization, matrix
):
    token_client.get(matrix_url(organization, matrix))
    touchpoint = matrix.touchpoints.order_by("id").first()
    form = {
        "name": "Renamed in the admin",
        "description": touchpoint.description,
        "journey": touchpoint.journey_id,
        "stage": touchpoint.stage_id or "",
        "position": touchpoint.position,
        "importance": touchpoint.importance,
        "channel": touchpoint.channel,
        "organization": organization.pk,
    }
    url = reverse("admin:journeys_touchpoint_change", args=[touchpoint.pk])
    response = admin_client_logged_in.post(url, form)
    assert response.status_code == 302, response.context["adminform"].errors if response.context else response
    assert "Renamed in the admin" in token_client.get(matrix_url(organization, matrix)).content.decode()


def test_touchpoint_page_drops_a_letter_deleted_in_the_admin_after_it_was_kept(
    token_client, admin_client_logged_in, organization, matrix
):
    assignment = Assignment.objects.filter(organization=organization).order_by("id").first()
    kept = token_client.get(list_url(organization)).json()
    url = reverse("admin:ownership_assignment_delete", args=[assignment.pk])
    assert admin_client_logged_in.post(url, {"post": "yes"}).status_code == 302
    assert token_client.get(list_url(organization)).json() != kept


def test_letter_deleted_in_the_admin_leaves_the_live_gaps_equal_to_a_fresh_audit(admin_client_logged_in, matrix):
    organization = matrix.organization
    for assignment in Assignment.objects.filter(organization=organization, letter="A")[:3]:
        url = reverse("admin:ownership_assignment_delete", args=[assignment.pk])
        assert admin_client_logged_in.post(url, {"post": "yes"}).status_code == 302
    live = snapshot_load(organization=organization)
    assert open_fingerprints(organization) == {finding.fingerprint for finding in evaluate(live)}
