"""Leavers caught: a member deactivated or removed (by the identity provider or by an admin) loses
access at once, the roles they held fall vacant with their gaps in the same transaction, the
history names who said so, and the admins are told (inbox, mail, webhook role.vacated)."""

import json

import pytest
from django.core import mail

from cxowner.orgs.models import ApiToken, ChangeSet, Membership
from ownership.models import AuditRun, Gap, InboxItem, Role, ScimGroup, WebhookDelivery
from ownership.provisioning.groups import scim_group_update
from ownership.provisioning.leavers import member_left
from tests.automation.test_notifications import Receiver
from tests.factories import (
    ApiTokenFactory,
    AssignmentFactory,
    FunctionFactory,
    MembershipFactory,
    RoleFactory,
    StageFactory,
    TouchpointFactory,
    UserFactory,
    WebhookFactory,
    client_for,
)
from tests.provisioning.conftest import shape

pytestmark = pytest.mark.django_db


@pytest.fixture
def held_role(organization):
    """The CMO role, carrying the A of the touchpoint "Checkout", held by nobody yet."""
    function = FunctionFactory(organization=organization, name="Marketing")
    role = RoleFactory(function=function, title="CMO", holder_name="")
    touchpoint = TouchpointFactory(stage=StageFactory(journey__organization=organization), name="Checkout")
    AssignmentFactory(touchpoint=touchpoint, function=function, letter="A", role=role)
    AssignmentFactory(touchpoint=touchpoint, function=function, letter="R")
    return role


@pytest.fixture
def admin(organization):
    return MembershipFactory(organization=organization, role="admin", user=UserFactory(username="lead")).user


def vacant_gaps(organization):
    return Gap.objects.filter(organization=organization, rule="vacant_owner", resolved_at__isnull=True)


def holder(organization, role, username: str = "ines") -> Membership:
    membership = MembershipFactory(
        organization=organization, user=UserFactory(username=username, first_name="Ines", last_name="Duarte")
    )
    Role.objects.filter(pk=role.pk).update(holder_member=membership, holder_name="Ines Duarte", holder_email="i@x.io")
    return membership


def test_done_when_a_deactivated_group_member_is_refused_and_their_role_shows_its_gaps_at_once(
    scim, organization, held_role, admin
):
    ines = scim.user("ines@example.com")
    group = scim.group("CMO")
    scim_group_update(group=ScimGroup.objects.get(), holds=held_role)
    scim.patch(f"Groups/{group['id']}", shape("okta", "add_members", user=ines["id"]))
    browser = client_for(Membership.objects.get(user__username="ines@example.com").user)
    assert browser.get(f"/o/{organization.slug}/").status_code == 200
    assert not vacant_gaps(organization).exists()
    audits_before = AuditRun.objects.count()

    scim.patch(f"Users/{ines['id']}", shape("entra_id", "disable_user_string_without_path"))

    assert browser.get(f"/o/{organization.slug}/").status_code in (302, 404)
    assert vacant_gaps(organization).count() == 1
    assert AuditRun.objects.count() == audits_before
    dashboard = client_for(admin).get(f"/o/{organization.slug}/").content.decode()
    assert "Vacant owner" in dashboard
    vacated = ChangeSet.objects.filter(organization=organization, kind="role.update").first()  # the latest
    assert vacated.actor_label == "Okta (SCIM)"


def test_a_leaver_s_roles_are_vacant_and_their_gaps_open_in_the_same_transaction(organization, held_role):
    membership = holder(organization, held_role)
    member_left(membership=membership, actor_label="Okta (SCIM)", surface="api")
    held_role.refresh_from_db()
    assert (held_role.holder_name, held_role.holder_email, held_role.holder_member_id) == ("", "", None)
    assert vacant_gaps(organization).count() == 1


def test_a_role_written_by_hand_with_the_leaver_s_email_falls_vacant_too(organization, held_role):
    membership = MembershipFactory(organization=organization, user=UserFactory(email="ines@example.com"))
    Role.objects.filter(pk=held_role.pk).update(holder_name="Ines", holder_email="INES@example.com")
    member_left(membership=membership, actor_label="lead", surface="browser")
    assert Role.objects.get(pk=held_role.pk).is_vacant


def test_the_tokens_a_leaver_made_are_revoked(organization, held_role):
    membership = holder(organization, held_role)
    token = ApiTokenFactory(organization=organization)
    ApiToken.objects.filter(pk=token.pk).update(created_by=membership.user)
    member_left(membership=membership, actor_label="Okta (SCIM)", surface="api")
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None


def test_the_history_names_the_identity_provider(organization, held_role):
    member_left(membership=holder(organization, held_role), actor_label="Okta (SCIM)", surface="api")
    labels = set(ChangeSet.objects.filter(organization=organization).values_list("actor_label", flat=True))
    assert labels == {"Okta (SCIM)"}


def test_the_admins_find_the_vacated_role_in_their_inbox_and_mail(
    organization, held_role, admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        member_left(membership=holder(organization, held_role), actor_label="Okta (SCIM)", surface="api")
    item = InboxItem.objects.get(recipient=admin)
    assert (item.kind, item.role_id) == ("vacated", held_role.pk)
    [message] = [m for m in mail.outbox if admin.email in m.to]
    assert "CMO" in message.subject and "vacant" in message.subject


def test_the_inbox_page_shows_the_vacated_role(organization, held_role, admin):
    member_left(membership=holder(organization, held_role), actor_label="Okta (SCIM)", surface="api")
    page = client_for(admin).get(f"/o/{organization.slug}/inbox/").content.decode()
    assert "Ines Duarte left: the role “CMO” of Marketing is vacant" in page


def test_the_webhooks_get_role_vacated_with_the_touchpoints_left_without_a_holder(
    organization, held_role, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    with Receiver() as receiver:
        WebhookFactory(organization=organization, url=receiver.url)
        with django_capture_on_commit_callbacks(execute=True):
            member_left(membership=holder(organization, held_role), actor_label="Okta (SCIM)", surface="api")
    [request] = receiver.requests
    body = json.loads(request["body"])
    assert (body["event"], body["role"]["title"], body["actor"]) == ("role.vacated", "CMO", "Okta (SCIM)")
    assert [(t["name"], t["letters"]) for t in body["touchpoints"]] == [("Checkout", "A")]
    assert WebhookDelivery.objects.get().event == "role.vacated"


def test_an_admin_removing_a_member_makes_their_roles_vacant(organization, held_role, admin):
    membership = holder(organization, held_role)
    response = client_for(admin).post(f"/o/{organization.slug}/members/{membership.pk}/remove/", follow=True)
    assert "Vacant now: “CMO”" in response.content.decode()
    assert Role.objects.get(pk=held_role.pk).is_vacant


def test_the_last_admin_is_kept_by_an_admin_and_nothing_falls_vacant(organization, held_role, admin):
    Role.objects.filter(pk=held_role.pk).update(
        holder_member=Membership.objects.get(user=admin), holder_name="Lead", holder_email="lead@example.com"
    )
    client_for(admin).post(f"/o/{organization.slug}/members/{Membership.objects.get(user=admin).pk}/remove/")
    assert Membership.objects.filter(user=admin).exists()
    assert not Role.objects.get(pk=held_role.pk).is_vacant


def test_a_deleted_user_s_roles_are_vacant(scim, organization, held_role):
    ines = scim.user("ines@example.com")
    Role.objects.filter(pk=held_role.pk).update(
        holder_member=Membership.objects.get(user__username="ines@example.com"), holder_name="Ines"
    )
    scim.delete(f"Users/{ines['id']}")
    assert Role.objects.get(pk=held_role.pk).is_vacant
    assert vacant_gaps(organization).count() == 1
