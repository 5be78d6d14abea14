"""Who may call SCIM: only the organization's own SCIM token; a SCIM token opens nothing else;
calls are throttled, and every refusal is in SCIM's error schema."""

import pytest
from django.core.cache.backends.locmem import LocMemCache
from rest_framework.test import APIClient

from cxowner.orgs.services import token_revoke
from ownership.models import ScimGroup, ScimUser
from ownership.provisioning.scim_views import ScimRateThrottle
from tests.factories import ApiTokenFactory, OrganizationFactory
from tests.provisioning.conftest import Scim

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_scim(organization):
    """Org Y's identity provider, with one user and one group of its own."""
    other = OrganizationFactory()
    client = Scim(ApiTokenFactory(organization=other, name="Entra ID", scope="scim"), other)
    user = client.user("eve@other.example")
    group = client.group("Y admins", members=[user["id"]])
    return {"organization": other, "user": user, "group": group}


def test_another_organizations_scim_token_is_told_the_organization_does_not_exist(scim_token, other_scim):
    intruder = Scim(scim_token, other_scim["organization"])
    response = intruder.get("Users")
    assert (response.status_code, response.json()["status"]) == (404, "404")


def test_an_organizations_users_and_groups_are_not_found_by_another_s_token(scim, other_scim):
    assert scim.get(f"Users/{other_scim['user']['id']}").status_code == 404
    assert scim.get(f"Groups/{other_scim['group']['id']}").status_code == 404
    assert scim.get("Users", filter='userName eq "eve@other.example"').json()["totalResults"] == 0


def test_another_organizations_users_cannot_be_changed_or_deleted(scim, other_scim):
    user_id, group_id = other_scim["user"]["id"], other_scim["group"]["id"]
    deactivate = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "value": {"active": False}}],
    }
    assert scim.patch(f"Users/{user_id}", deactivate).status_code == 404
    assert scim.delete(f"Users/{user_id}").status_code == 404
    assert scim.delete(f"Groups/{group_id}").status_code == 404
    assert ScimUser.objects.get(scim_id=user_id).active
    assert ScimGroup.objects.filter(scim_id=group_id).exists()


def test_another_organizations_user_cannot_be_put_in_our_group(scim, other_scim):
    group = scim.group("CX team")
    add = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "add", "path": "members", "value": [{"value": other_scim["user"]["id"]}]}],
    }
    assert scim.patch(f"Groups/{group['id']}", add).status_code == 400


@pytest.mark.parametrize("path", ["journeys/", "journeys/1/matrix/", "export/", "gaps/", "tokens/", "changes/"])
def test_a_scim_token_cannot_read_the_api(scim_token, organization, path):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {scim_token.key}")
    response = client.get(f"/api/v1/orgs/{organization.slug}/{path}")
    assert response.status_code == 401
    assert "SCIM" in response.json()["detail"]


def test_an_api_token_cannot_use_scim(organization):
    admin_token = ApiTokenFactory(organization=organization, role="admin")
    response = Scim(admin_token, organization).get("Users")
    assert (response.status_code, response.json()["schemas"]) == (401, ["urn:ietf:params:scim:api:messages:2.0:Error"])
    assert response["WWW-Authenticate"] == 'Bearer realm="scim"'


def test_no_token_is_401(organization):
    response = APIClient().get(f"/scim/v2/o/{organization.slug}/Users")
    assert (response.status_code, response.json()["status"]) == (401, "401")


def test_a_revoked_scim_token_is_401(scim, scim_token):
    token_revoke(token=scim_token)
    assert scim.get("Users").status_code == 401


def test_too_many_calls_are_429_in_scims_error_schema(scim, monkeypatch):
    monkeypatch.setattr(ScimRateThrottle, "THROTTLE_RATES", {"scim": "2/min"})
    monkeypatch.setattr(ScimRateThrottle, "cache", LocMemCache("scim-throttle-test", {}))
    assert [scim.get("Users").status_code for _ in range(2)] == [200, 200]
    response = scim.get("Users")
    assert response.status_code == 429
    assert response.json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert int(response["Retry-After"]) > 0


def test_the_discovery_endpoints_describe_users_and_groups(scim):
    config = scim.get("ServiceProviderConfig").json()
    assert (config["patch"]["supported"], config["bulk"]["supported"], config["filter"]["supported"]) == (
        True,
        False,
        True,
    )
    types = scim.get("ResourceTypes").json()["Resources"]
    assert [(t["name"], t["endpoint"]) for t in types] == [("User", "/Users"), ("Group", "/Groups")]
    schemas = scim.get("Schemas").json()["Resources"]
    assert {s["id"] for s in schemas} == {
        "urn:ietf:params:scim:schemas:core:2.0:User",
        "urn:ietf:params:scim:schemas:core:2.0:Group",
    }
    assert scim.get("Schemas/urn:ietf:params:scim:schemas:core:2.0:User").json()["name"] == "User"
    assert scim.get("ResourceTypes/Device").status_code == 404


def test_a_body_that_is_not_json_is_400(scim):
    response = scim.client.post(scim.root + "Users", "{not json", content_type="application/scim+json")
    assert (response.status_code, response.json()["scimType"]) == (400, "invalidSyntax")


def test_a_base_url_given_with_a_trailing_slash_still_reaches_the_endpoints(scim):
    assert scim.client.get(scim.root + "/Users").status_code == 200


def test_a_path_that_is_no_endpoint_is_404_in_scims_error_schema(scim):
    response = scim.get("Devices")
    assert (response.status_code, response.json()["schemas"]) == (404, ["urn:ietf:params:scim:api:messages:2.0:Error"])


def test_an_admin_makes_a_scim_token_through_the_api_and_it_opens_scim(member, organization):
    admin = APIClient()
    admin.force_login(member("admin"))
    made = admin.post(
        f"/api/v1/orgs/{organization.slug}/tokens/", {"name": "Entra ID", "role": "viewer", "scope": "scim"}
    )
    assert (made.status_code, made.json()["scope"]) == (201, "scim")
    provider = APIClient()
    provider.credentials(HTTP_AUTHORIZATION=f"Bearer {made.json()['key']}")
    assert provider.get(f"/scim/v2/o/{organization.slug}/Users").status_code == 200
