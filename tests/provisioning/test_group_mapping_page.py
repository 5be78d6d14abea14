"""The members page: an admin maps the identity provider's groups to a membership role and a role."""

import pytest

from cxowner.orgs.models import ChangeSet, Membership
from ownership.models import ScimGroup
from ownership.provisioning.groups import scim_group_create, scim_group_members_set
from ownership.provisioning.users import UserFields, scim_user_create
from tests.factories import FunctionFactory, MembershipFactory, OrganizationFactory, RoleFactory, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def group(organization):
    made = scim_group_create(organization=organization, display_name="CX leads")
    ines = scim_user_create(organization=organization, fields=UserFields(user_name="ines@example.com"))
    scim_group_members_set(group=made, add=[str(ines.scim_id)])
    return made


def url(organization, group) -> str:
    return f"/o/{organization.slug}/scim-groups/{group.pk}/"


def test_the_members_page_shows_the_scim_root_and_the_groups(organization, member, group):
    page = client_for(member("admin")).get(f"/o/{organization.slug}/members/").content.decode()
    assert f"/scim/v2/o/{organization.slug}<" in page and "CX leads" in page


def test_an_admin_maps_a_group_to_editor_and_a_role(organization, member, group):
    role = RoleFactory(function=FunctionFactory(organization=organization), title="CMO", holder_name="")
    client_for(member("admin")).post(url(organization, group), {"role": "editor", "holds": role.pk})
    group.refresh_from_db()
    assert (group.role, group.holds_id) == ("editor", role.pk)
    assert Membership.objects.get(user__username="ines@example.com").role == "editor"
    role.refresh_from_db()
    assert role.holder_member.user.username == "ines@example.com"


def test_the_mapping_is_in_the_history(organization, member, group):
    client_for(member("admin")).post(url(organization, group), {"role": "editor", "holds": ""})
    assert ChangeSet.objects.filter(organization=organization, kind="scimgroup.update").exists()


def test_an_editor_cannot_map_a_group(organization, member, group):
    response = client_for(member("editor")).post(url(organization, group), {"role": "admin", "holds": ""})
    assert response.status_code == 403
    assert ScimGroup.objects.get().role == "viewer"


def test_a_role_of_another_organization_is_refused(organization, member, group):
    foreign = RoleFactory(function=FunctionFactory(organization=OrganizationFactory()))
    client_for(member("admin")).post(url(organization, group), {"role": "viewer", "holds": foreign.pk})
    assert ScimGroup.objects.get().holds_id is None


def test_another_organizations_group_is_not_found(organization, group):
    outsider = MembershipFactory(organization=OrganizationFactory(), role="admin")
    response = client_for(outsider.user).post(
        f"/o/{outsider.organization.slug}/scim-groups/{group.pk}/", {"role": "admin"}
    )
    assert response.status_code == 404
