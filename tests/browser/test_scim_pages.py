"""SCIM in Chromium: an admin makes the identity provider's token on the members page, the
provider (over HTTP) pushes a person and a group, the admin maps the group to a role, and when the
provider deactivates the person the role falls vacant and the admin's inbox says so."""

import httpx2
import pytest
from playwright.sync_api import expect

from ownership.models import Gap, JourneyOwner, Role

from .axe import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAPTOP = {"width": 1440, "height": 900}
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def test_a_provider_s_leaver_leaves_a_vacant_role_the_admin_is_told_of(demo, live_server, chromium, log_in, screenshot):
    # A journey manager: vacant, their journey's vacant-owner gap opens.
    role = Role.objects.filter(organization__slug="demo", journey_owners__isnull=False).exclude(holder_name="").first()
    page = log_in(chromium.new_context(), "admin")
    page.set_viewport_size(LAPTOP)
    page.goto(f"{live_server.url}/o/demo/members/")
    page.get_by_label("Name").fill("Okta")
    page.get_by_label("For").select_option("scim")
    page.get_by_role("button", name="Create token").click()
    key = page.get_by_label("New API key").input_value()

    provider = httpx2.Client(base_url=f"{live_server.url}/scim/v2/o/demo", headers={"Authorization": f"Bearer {key}"})
    ines = provider.post(
        "/Users", json={"userName": "ines@example.com", "name": {"givenName": "Ines", "familyName": "Duarte"}}
    )
    provider.post("/Groups", json={"displayName": "Okta CMO", "members": [{"value": ines.json()["id"]}]})

    page.reload()
    section = page.get_by_test_id("scim-groups")
    expect(section).to_contain_text("Okta CMO")
    section.get_by_label("Membership role of Okta CMO").select_option("editor")
    section.get_by_label("Role whose holder follows Okta CMO").select_option(str(role.pk))
    assert_accessible(page)
    screenshot(page, "scim-members-groups", full_page=True)
    section.get_by_role("button", name="Save Okta CMO").click()
    expect(page.locator(".flash").first).to_contain_text("is mapped")
    role.refresh_from_db()
    assert role.holder_name == "Ines Duarte"

    deactivate = {"schemas": [PATCH], "Operations": [{"op": "replace", "value": {"active": False}}]}
    assert provider.patch(f"/Users/{ines.json()['id']}", json=deactivate).json()["active"] is False
    provider.close()

    page.goto(f"{live_server.url}/o/demo/inbox/")
    item = page.locator("[data-kind=vacated]").first
    expect(item).to_contain_text(f"Ines Duarte left: the role “{role.title}”")
    assert_accessible(page)
    screenshot(page, "scim-inbox-role-vacated")
    item.get_by_test_id("inbox-open").click()
    expect(page).to_have_url(f"{live_server.url}/o/demo/functions/roles/{role.pk}/")
    assert Role.objects.get(pk=role.pk).is_vacant
    journey = JourneyOwner.objects.filter(role=role).first().journey
    assert Gap.objects.filter(rule="vacant_owner", journey=journey, resolved_at__isnull=True).exists()
