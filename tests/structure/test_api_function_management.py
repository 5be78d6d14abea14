"""The API of managing functions, roles and members: versions, previews and clear refusals."""

import pytest
from rest_framework.test import APIClient

from cxowner.orgs.models import Membership
from ownership.models import Assignment, Function, Role
from tests.factories import (
    AssignmentFactory,
    FunctionFactory,
    MembershipFactory,
    OrganizationFactory,
    RoleFactory,
    client_for,
    letters_build,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(organization):
    return f"/api/v1/orgs/{organization.slug}"


@pytest.fixture
def editor(api_as):
    return api_as("editor")


@pytest.fixture
def world(organization):
    return letters_build(organization, [("Till", "Sales", "A"), ("Till", "Service", "AR")])


def test_patching_the_position_reorders_the_columns(editor, api, world):
    response = editor.patch(f"{api}/functions/{world['service'].pk}/", {"position": 1}, HTTP_IF_MATCH='"1"')
    assert response.status_code == 200
    assert response.json()["position"] == 1
    assert [row["name"] for row in editor.get(f"{api}/functions/").json()["results"]] == ["Service", "Sales"]


@pytest.mark.parametrize("position", [0, -1, 100_001, "first"])
def test_a_position_that_is_no_place_is_400(editor, api, world, position):
    response = editor.patch(f"{api}/functions/{world['service'].pk}/", {"position": position, "version": 1})
    assert response.status_code == 400
    assert "position" in response.json()
    assert Function.objects.get(pk=world["service"].pk).position == 2


def test_patching_a_stale_version_answers_412_with_the_current_one(editor, api, world):
    editor.patch(f"{api}/functions/{world['sales'].pk}/", {"name": "Sales & Retail", "version": 1}, format="json")
    response = editor.patch(f"{api}/functions/{world['sales'].pk}/", {"position": 2, "version": 1}, format="json")
    assert response.status_code == 412
    assert response.json()["version"] == 2
    assert Function.objects.get(pk=world["sales"].pk).position == 1


def test_the_delete_preview_lists_letters_and_gaps_and_changes_nothing(editor, api, world):
    response = editor.get(f"{api}/functions/{world['service'].pk}/delete-preview/")
    body = response.json()
    assert response.status_code == 200
    assert [(c["touchpoint"], c["letters"]) for c in body["cells"]] == [("Till", "RA")]
    assert {g["rule"] for g in body["gaps_opened"]} == {"no_responsible"}
    assert {g["rule"] for g in body["gaps_closed"]} >= {"multiple_accountable"}
    assert Function.objects.filter(pk=world["service"].pk).exists()


def test_a_dry_run_merge_previews_without_changing_anything(editor, api, world):
    url = f"{api}/functions/{world['sales'].pk}/merge/"
    response = editor.post(url, {"into": world["service"].pk, "dry_run": True}, format="json")
    body = response.json()
    assert response.status_code == 200
    assert body["dry_run"] is True
    assert [(c["letters"], c["target_before"], c["target_after"]) for c in body["cells"]] == [("A", "RA", "RA")]
    assert Assignment.objects.filter(function=world["sales"]).count() == 1


def test_a_merge_needs_the_version_read(editor, api, world):
    response = editor.post(f"{api}/functions/{world['sales'].pk}/merge/", {"into": world["service"].pk}, format="json")
    assert response.status_code == 428
    assert Function.objects.filter(pk=world["sales"].pk).exists()


def test_a_merge_of_a_stale_version_answers_412(editor, api, world):
    url = f"{api}/functions/{world['sales'].pk}/merge/"
    response = editor.post(url, {"into": world["service"].pk, "version": 4}, format="json")
    assert response.status_code == 412
    assert Function.objects.filter(pk=world["sales"].pk).exists()


def test_a_merge_moves_the_letters_and_deletes_the_function(editor, api, world):
    url = f"{api}/functions/{world['sales'].pk}/merge/"
    response = editor.post(url, {"into": world["service"].pk}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200
    assert response.json()["dry_run"] is False
    assert not Function.objects.filter(pk=world["sales"].pk).exists()
    assert Assignment.objects.filter(touchpoint=world["till"], letter="A").count() == 1


def test_a_merge_whose_letters_changed_since_the_dry_run_answers_412_with_the_new_preview(editor, api, world):
    url = f"{api}/functions/{world['sales'].pk}/merge/"
    digest = editor.post(url, {"into": world["service"].pk, "dry_run": True}, format="json").json()["digest"]
    AssignmentFactory(touchpoint=world["till"], function=world["sales"], letter="C")
    response = editor.post(url, {"into": world["service"].pk, "version": 1, "digest": digest}, format="json")
    assert response.status_code == 412
    assert [c["letters"] for c in response.json()["plan"]["cells"]] == ["AC"]
    assert Function.objects.filter(pk=world["sales"].pk).exists()


@pytest.mark.parametrize("into", ["itself", "outsider", "missing"])
def test_a_merge_into_itself_or_a_function_not_of_the_organization_is_400(editor, api, world, into):
    target = {
        "itself": world["sales"].pk,
        "outsider": FunctionFactory(organization=OrganizationFactory()).pk,
        "missing": 999_999,
    }[into]
    response = editor.post(f"{api}/functions/{world['sales'].pk}/merge/", {"into": target, "version": 1}, format="json")
    assert response.status_code == 400
    assert "into" in response.json()


def test_a_role_holder_is_set_from_a_member(editor, api, world, organization):
    holder = MembershipFactory(organization=organization)
    role = RoleFactory(function=world["sales"], holder_name="")
    response = editor.patch(f"{api}/roles/{role.pk}/", {"holder_member": holder.pk, "version": 1}, format="json")
    assert response.status_code == 200
    assert response.json()["is_vacant"] is False
    assert response.json()["holder_member"] == holder.pk


def test_a_role_holder_from_another_organization_is_400(editor, api, world):
    role = RoleFactory(function=world["sales"], holder_name="")
    outsider = MembershipFactory(organization=OrganizationFactory())
    response = editor.patch(f"{api}/roles/{role.pk}/", {"holder_member": outsider.pk, "version": 1}, format="json")
    assert response.status_code == 400
    assert Role.objects.get(pk=role.pk).holder_member_id is None


def test_a_role_renamed_with_a_stale_version_answers_412(editor, api, world):
    role = RoleFactory(function=world["sales"], title="Head")
    editor.patch(f"{api}/roles/{role.pk}/", {"title": "Head of Sales", "version": 1}, format="json")
    response = editor.patch(f"{api}/roles/{role.pk}/", {"title": "Chief", "version": 1}, format="json")
    assert response.status_code == 412
    assert Role.objects.get(pk=role.pk).title == "Head of Sales"


@pytest.mark.parametrize("change", ["demote", "remove"])
def test_the_last_admin_can_be_neither_demoted_nor_removed_through_the_api(member, organization, api, change):
    admin = member("admin")
    membership = Membership.objects.get(user=admin, organization=organization)
    client = client_for(admin, APIClient)
    url = f"{api}/members/{membership.pk}/"
    response = client.patch(url, {"role": "viewer"}, format="json") if change == "demote" else client.delete(url)
    assert response.status_code == 400
    assert "at least one admin" in str(response.json())
    assert Membership.objects.get(pk=membership.pk).role == "admin"


def test_deleting_a_role_changed_since_it_was_read_answers_412(editor, api, world):
    role = RoleFactory(function=world["sales"], title="Clerk")
    editor.patch(f"{api}/roles/{role.pk}/", {"holder_name": "Ana", "version": 1}, format="json")
    response = editor.delete(f"{api}/roles/{role.pk}/", HTTP_IF_MATCH='"1"')
    assert response.status_code == 412
    assert Role.objects.filter(pk=role.pk).exists()
