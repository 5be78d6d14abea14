"""SCIM Users (RFC 7644 §3): create, read, filter, page, replace, patch, deactivate, delete, and
the shapes Entra ID and Okta send (shapes/)."""

import pytest

from cxowner.orgs.models import Membership
from ownership.models import ScimUser
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.provisioning.conftest import shape

pytestmark = pytest.mark.django_db
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


def test_a_created_user_is_a_viewer_member_who_signs_in_through_the_provider(scim, organization):
    made = scim.user("ines@example.com")
    membership = Membership.objects.get(organization=organization, user__username="ines@example.com")
    assert (membership.role, membership.user.has_usable_password()) == ("viewer", False)
    assert made["active"] is True and made["emails"][0]["value"] == "ines@example.com"


def test_a_created_user_answers_201_with_its_location(scim):
    response = scim.post(
        "Users", {"userName": "sam@example.com", "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]}
    )
    assert response.status_code == 201
    assert response["Location"].endswith(f"/Users/{response.json()['id']}")
    assert response["Content-Type"].startswith("application/scim+json")


def test_a_user_is_read_by_its_id(scim):
    made = scim.user()
    assert scim.get(f"Users/{made['id']}").json()["userName"] == "ines@example.com"


def test_an_unknown_id_is_404_in_scims_error_schema(scim):
    response = scim.get("Users/not-an-id")
    assert response.status_code == 404
    assert response.json()["schemas"] == [ERROR] and response.json()["status"] == "404"


def test_the_same_username_twice_is_409_uniqueness(scim):
    scim.user("ines@example.com")
    response = scim.post("Users", {"userName": "INES@example.com"})
    assert (response.status_code, response.json()["scimType"]) == (409, "uniqueness")


def test_an_account_of_another_organization_only_is_not_taken_over(scim):
    MembershipFactory(organization=OrganizationFactory(), user=UserFactory(username="ceo@other.example"))
    response = scim.post("Users", {"userName": "ceo@other.example", "name": {"givenName": "Mallory"}})
    assert (response.status_code, response.json()["scimType"]) == (409, "uniqueness")
    assert not ScimUser.objects.exists()


def test_an_existing_member_is_linked_and_keeps_their_role(scim, organization):
    admin = MembershipFactory(organization=organization, role="admin", user=UserFactory(username="lead@example.com"))
    scim.user("lead@example.com")
    admin.refresh_from_db()
    assert admin.role == "admin"
    assert ScimUser.objects.get().user_id == admin.user_id


def test_a_user_without_a_username_is_400_invalid_value(scim):
    response = scim.post("Users", {"name": {"givenName": "Nobody"}})
    assert (response.status_code, response.json()["scimType"]) == (400, "invalidValue")


def test_a_malformed_email_is_400_and_nothing_is_made(scim):
    response = scim.post("Users", {"userName": "x", "emails": [{"value": "not an address", "type": "work"}]})
    assert response.status_code == 400
    assert not ScimUser.objects.exists()


@pytest.mark.parametrize(
    "filter_text",
    ['userName eq "ines@example.com"', 'externalId eq "00u1"', 'emails[type eq "work"].value eq "ines@example.com"'],
)
def test_users_are_found_by_the_filters_providers_send(scim, filter_text):
    scim.user("ines@example.com", externalId="00u1")
    scim.user("sam@example.com", externalId="00u2")
    found = scim.get("Users", filter=filter_text).json()
    assert [user["userName"] for user in found["Resources"]] == ["ines@example.com"]
    assert found["totalResults"] == 1


def test_a_filter_that_matches_nobody_is_an_empty_list(scim):
    found = scim.get("Users", filter='userName eq "nobody@example.com"').json()
    assert (found["totalResults"], found["Resources"]) == (0, [])


@pytest.mark.parametrize(
    "filter_text", ['userName co "ines"', 'title eq "CEO"', "userName eq", 'a eq "1" and b eq "2"']
)
def test_a_filter_not_supported_is_400_invalid_filter(scim, filter_text):
    response = scim.get("Users", filter=filter_text)
    assert (response.status_code, response.json()["scimType"]) == (400, "invalidFilter")


def test_users_come_in_pages_by_start_index_and_count(scim):
    for n in range(5):
        scim.user(f"user{n}@example.com")
    page = scim.get("Users", startIndex=3, count=2).json()
    assert [user["userName"] for user in page["Resources"]] == ["user2@example.com", "user3@example.com"]
    assert (page["totalResults"], page["startIndex"], page["itemsPerPage"]) == (5, 3, 2)


def test_a_count_of_zero_gives_the_total_only(scim):
    scim.user()
    page = scim.get("Users", count=0).json()
    assert (page["totalResults"], page["Resources"]) == (1, [])


def test_a_page_number_that_is_not_a_number_is_400(scim):
    assert scim.get("Users", startIndex="first").status_code == 400


def test_users_are_listed_within_one_query_budget(scim, django_assert_max_num_queries):
    for n in range(10):
        scim.user(f"user{n}@example.com")
    with django_assert_max_num_queries(6):
        assert len(scim.get("Users").json()["Resources"]) == 10


def test_entra_ids_create_and_filter_shapes(scim):
    made = scim.post("Users", shape("entra_id", "create_user")).json()
    assert made["externalId"] == "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"
    for name in ("filter_user", "filter_user_by_external_id"):
        assert scim.get("Users", filter=shape("entra_id", name)).json()["Resources"][0]["id"] == made["id"]


def test_entra_ids_multi_valued_update(scim):
    made = scim.post("Users", shape("entra_id", "create_user")).json()
    updated = scim.patch(f"Users/{made['id']}", shape("entra_id", "update_user_multi_valued")).json()
    assert updated["emails"][0]["value"] == "updatedEmail@microsoft.com"
    assert updated["name"]["familyName"] == "updatedFamilyName"


@pytest.mark.parametrize("name", ["disable_user", "disable_user_string_without_path"])
def test_entra_ids_disable_shapes_deactivate(scim, organization, name):
    made = scim.post("Users", shape("entra_id", "create_user")).json()
    response = scim.patch(f"Users/{made['id']}", shape("entra_id", name))
    assert response.status_code == 200 and response.json()["active"] is False
    assert not Membership.objects.filter(organization=organization).exists()


def test_entra_ids_enable_with_a_string_brings_the_member_back(scim, organization):
    made = scim.post("Users", shape("entra_id", "create_user")).json()
    scim.patch(f"Users/{made['id']}", shape("entra_id", "disable_user"))
    assert scim.patch(f"Users/{made['id']}", shape("entra_id", "enable_user_string")).json()["active"] is True
    assert Membership.objects.get(organization=organization).user.is_active


def test_oktas_create_filter_replace_and_deactivate(scim, organization):
    made = scim.post("Users", shape("okta", "create_user")).json()
    assert scim.get("Users", filter=shape("okta", "filter_user"), startIndex=1, count=100).json()["totalResults"] == 1
    replaced = scim.put(f"Users/{made['id']}", shape("okta", "replace_user", user=made["id"])).json()
    assert replaced["name"]["givenName"] == "Another"
    deactivated = scim.patch(f"Users/{made['id']}", shape("okta", "deactivate_user")).json()
    assert deactivated["active"] is False
    assert not Membership.objects.filter(organization=organization).exists()


def test_deactivating_twice_changes_nothing_the_second_time(scim, organization):
    made = scim.user()
    scim.patch(f"Users/{made['id']}", shape("okta", "deactivate_user"))
    changes = organization.change_sets.count()
    again = scim.patch(f"Users/{made['id']}", shape("okta", "deactivate_user"))
    assert again.status_code == 200 and again.json()["active"] is False
    assert organization.change_sets.count() == changes


def test_an_account_with_no_organization_left_cannot_sign_in(scim):
    made = scim.user()
    scim.patch(f"Users/{made['id']}", shape("okta", "deactivate_user"))
    assert ScimUser.objects.get().user.is_active is False


def test_an_account_in_another_organization_stays_active_there(scim):
    made = scim.user()
    user = ScimUser.objects.get().user
    elsewhere = MembershipFactory(organization=OrganizationFactory(), user=user)
    scim.patch(f"Users/{made['id']}", shape("okta", "deactivate_user"))
    user.refresh_from_db()
    assert user.is_active and Membership.objects.filter(pk=elsewhere.pk).exists()


def test_the_account_of_someone_in_another_organization_keeps_its_name(scim):
    made = scim.user()
    user = ScimUser.objects.get().user
    MembershipFactory(organization=OrganizationFactory(), user=user)
    scim.patch(
        f"Users/{made['id']}",
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "name.givenName", "value": "Mallory"}],
        },
    )
    user.refresh_from_db()
    assert user.first_name == "Ines"


@pytest.mark.parametrize(
    "operation",
    [{"op": "move", "path": "active", "value": False}, {"op": "replace", "path": "active", "value": "maybe"}],
)
def test_a_bad_operation_is_400_and_changes_nothing(scim, organization, operation):
    made = scim.user()
    body = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [operation]}
    response = scim.patch(f"Users/{made['id']}", body)
    assert (response.status_code, response.json()["scimType"]) == (400, "invalidValue")
    assert Membership.objects.filter(organization=organization).exists()


def test_an_attribute_the_user_has_not_is_400_invalid_path(scim):
    made = scim.user()
    body = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "shoeSize", "value": "42"}],
    }
    response = scim.patch(f"Users/{made['id']}", body)
    assert (response.status_code, response.json()["scimType"]) == (400, "invalidPath")


def test_a_deleted_user_leaves_and_is_gone_from_scim(scim, organization):
    made = scim.user()
    assert scim.delete(f"Users/{made['id']}").status_code == 204
    assert scim.get(f"Users/{made['id']}").status_code == 404
    assert not Membership.objects.filter(organization=organization).exists()


def test_an_existing_member_sent_as_inactive_leaves_at_once(scim, organization):
    MembershipFactory(organization=organization, user=UserFactory(username="gone@example.com"))
    made = scim.post("Users", {"userName": "gone@example.com", "active": False}).json()
    assert made["active"] is False
    assert not Membership.objects.filter(organization=organization, user__username="gone@example.com").exists()
