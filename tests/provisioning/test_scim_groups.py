"""SCIM Groups: members by the shapes Entra ID and Okta send, the membership role a group gives,
and the role of the organization whose holder follows the group's member."""

import pytest
from django.core.exceptions import ValidationError

from cxowner.orgs.models import Membership
from ownership.models import Role, ScimGroup
from ownership.provisioning.groups import scim_group_update
from tests.factories import FunctionFactory, MembershipFactory, RoleFactory, UserFactory
from tests.provisioning.conftest import shape

pytestmark = pytest.mark.django_db
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def member_ids(group: dict) -> list[str]:
    return [member["value"] for member in group.get("members", [])]


def membership_of(organization, user_name: str) -> Membership:
    return Membership.objects.get(organization=organization, user__username=user_name)


def test_a_group_is_made_with_its_members(scim):
    ines = scim.user("ines@example.com")
    group = scim.group("CX team", members=[ines["id"]])
    assert member_ids(group) == [ines["id"]]
    assert scim.get(f"Users/{ines['id']}").json()["groups"][0]["display"] == "CX team"


def test_a_group_with_someone_elses_member_is_400_and_not_made(scim, organization):
    response = scim.post(
        "Groups", {"displayName": "CX team", "members": [{"value": "5f1e0c54-8c55-4c1c-9d55-000000000000"}]}
    )
    assert response.status_code == 400
    assert not ScimGroup.objects.exists()


def test_the_same_group_name_twice_is_409(scim):
    scim.group("CX team")
    response = scim.post("Groups", {"displayName": "cx TEAM"})
    assert (response.status_code, response.json()["scimType"]) == (409, "uniqueness")


def test_groups_are_found_by_display_name_and_without_members_when_asked(scim):
    ines = scim.user()
    scim.group("CX team", members=[ines["id"]])
    scim.group("Finance")
    found = scim.get("Groups", filter='displayName eq "CX team"', excludedAttributes="members").json()
    assert [group["displayName"] for group in found["Resources"]] == ["CX team"]
    assert "members" not in found["Resources"][0]


def test_entra_ids_group_shapes(scim):
    ines = scim.user()
    group = scim.post("Groups", shape("entra_id", "create_group")).json()
    assert scim.get("Groups", filter=shape("entra_id", "filter_group")).json()["totalResults"] == 1
    added = scim.patch(f"Groups/{group['id']}", shape("entra_id", "add_members", user=ines["id"])).json()
    assert member_ids(added) == [ines["id"]]
    removed = scim.patch(f"Groups/{group['id']}", shape("entra_id", "remove_members", user=ines["id"])).json()
    assert member_ids(removed) == []
    renamed = scim.patch(f"Groups/{group['id']}", shape("entra_id", "rename_group")).json()
    assert renamed["displayName"].endswith("updatedDisplayName")


def test_oktas_group_shapes(scim):
    ines = scim.user()
    group = scim.post("Groups", shape("okta", "create_group")).json()
    assert scim.get("Groups", filter=shape("okta", "filter_group")).json()["totalResults"] == 1
    renamed = scim.patch(f"Groups/{group['id']}", shape("okta", "rename_group", group=group["id"])).json()
    assert renamed["displayName"] == "Test SCIMv2 renamed"
    added = scim.patch(f"Groups/{group['id']}", shape("okta", "add_members", user=ines["id"])).json()
    assert member_ids(added) == [ines["id"]]
    removed = scim.patch(f"Groups/{group['id']}", shape("okta", "remove_member", user=ines["id"])).json()
    assert member_ids(removed) == []


def test_a_put_replaces_the_members(scim):
    ines, sam = scim.user("ines@example.com"), scim.user("sam@example.com")
    group = scim.group("CX team", members=[ines["id"]])
    replaced = scim.put(f"Groups/{group['id']}", {"displayName": "CX team", "members": [{"value": sam["id"]}]}).json()
    assert member_ids(replaced) == [sam["id"]]


def test_a_deleted_group_is_gone(scim):
    group = scim.group("CX team")
    assert scim.delete(f"Groups/{group['id']}").status_code == 204
    assert scim.get(f"Groups/{group['id']}").status_code == 404


def test_a_group_mapped_to_editor_makes_its_members_editors(scim, organization):
    ines = scim.user("ines@example.com")
    group = scim.group("Editors")
    scim_group_update(group=ScimGroup.objects.get(), role="editor")
    scim.patch(f"Groups/{group['id']}", shape("okta", "add_members", user=ines["id"]))
    assert membership_of(organization, "ines@example.com").role == "editor"


def test_leaving_the_group_makes_a_member_a_viewer_again(scim, organization):
    ines = scim.user("ines@example.com")
    group = scim.group("Editors", members=[ines["id"]])
    scim_group_update(group=ScimGroup.objects.get(), role="editor")
    scim.patch(f"Groups/{group['id']}", shape("okta", "remove_member", user=ines["id"]))
    assert membership_of(organization, "ines@example.com").role == "viewer"


def test_the_strongest_group_gives_the_role(scim, organization):
    ines = scim.user("ines@example.com")
    scim.group("Editors", members=[ines["id"]])
    scim.group("Admins", members=[ines["id"]])
    scim_group_update(group=ScimGroup.objects.get(display_name="Editors"), role="editor")
    scim_group_update(group=ScimGroup.objects.get(display_name="Admins"), role="admin")
    assert membership_of(organization, "ines@example.com").role == "admin"


def test_the_last_admin_is_not_demoted_by_a_group(scim, organization):
    MembershipFactory(organization=organization, role="admin", user=UserFactory(username="lead@example.com"))
    lead = scim.user("lead@example.com")
    group = scim.group("Everyone", members=[lead["id"]])
    scim.patch(f"Groups/{group['id']}", shape("okta", "remove_member", user=lead["id"]))
    assert membership_of(organization, "lead@example.com").role == "admin"


def test_a_group_mapped_to_a_role_makes_its_member_the_holder(scim, organization):
    role = RoleFactory(function=FunctionFactory(organization=organization), title="CMO", holder_name="")
    ines = scim.user("ines@example.com")
    group = scim.group("CMO")
    scim_group_update(group=ScimGroup.objects.get(), holds=role)
    scim.patch(f"Groups/{group['id']}", shape("okta", "add_members", user=ines["id"]))
    role.refresh_from_db()
    assert (role.holder_name, role.holder_member.user.username) == ("Ines Duarte", "ines@example.com")


def test_with_two_members_the_first_to_join_holds_the_role(scim, organization):
    role = RoleFactory(function=FunctionFactory(organization=organization), title="CMO", holder_name="")
    ines, sam = scim.user("ines@example.com"), scim.user("sam@example.com")
    group = scim.group("CMO", members=[ines["id"]])
    scim_group_update(group=ScimGroup.objects.get(), holds=role)
    scim.patch(f"Groups/{group['id']}", shape("okta", "add_members", user=sam["id"]))
    role.refresh_from_db()
    assert role.holder_member.user.username == "ines@example.com"


def test_when_the_group_empties_the_role_is_vacant(scim, organization):
    role = RoleFactory(function=FunctionFactory(organization=organization), title="CMO", holder_name="")
    ines = scim.user("ines@example.com")
    group = scim.group("CMO", members=[ines["id"]])
    scim_group_update(group=ScimGroup.objects.get(), holds=role)
    scim.patch(f"Groups/{group['id']}", shape("okta", "remove_member", user=ines["id"]))
    assert Role.objects.get(pk=role.pk).is_vacant


def test_a_role_of_another_organization_cannot_be_mapped(scim):
    scim.group("CMO")
    with pytest.raises(ValidationError, match="this organization"):
        scim_group_update(group=ScimGroup.objects.get(), holds=RoleFactory())


def test_groups_are_listed_with_their_members_within_one_query_budget(scim, django_assert_max_num_queries):
    users = [scim.user(f"user{n}@example.com")["id"] for n in range(5)]
    for n in range(5):
        scim.group(f"Group {n}", members=users)
    with django_assert_max_num_queries(6):
        listed = scim.get("Groups").json()["Resources"]
    assert [len(group["members"]) for group in listed] == [5] * 5
