"""Members join by invitation only: an e-mailed one-time link that expires, accepted by the invitee.

No answer to the admin says whether an address or username exists, here or elsewhere, and no
answer carries another user's e-mail.
"""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cxowner.orgs.models import Invitation, Membership
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory, client_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("outbox")]


@pytest.fixture
def admin_api(api_as):
    return api_as("admin")


@pytest.fixture
def admin_browser(client_as):
    return client_as("admin")


def link_in_last_mail() -> str:
    return re.search(r"https?://[^/\s]+(/invitations/\S+/)", mail.outbox[-1].body).group(1)


@pytest.fixture
def invite(admin_api, django_capture_on_commit_callbacks):
    """Invite through the API; the e-mail leaves when the transaction commits (run here at once)."""

    def send(email: str = "grace@example.com", role: str = "editor"):
        with django_capture_on_commit_callbacks(execute=True):
            return admin_api.post(f"{admin_api.base}/invitations/", {"email": email, "role": role}, format="json")

    return send


def test_an_invitation_sends_a_one_time_link_and_answers_without_revealing_anyone(admin_api, invite):
    outsider = MembershipFactory(organization=OrganizationFactory()).user
    known = invite(outsider.email)
    unknown = invite("nobody@example.com")
    assert known.status_code == unknown.status_code == 201
    fields = {"id", "email", "role", "created_at", "expires_at", "accept_url", "mail_sent"}
    assert set(known.json()) == set(unknown.json()) == fields
    assert known.json()["mail_sent"] == unknown.json()["mail_sent"]
    assert len(mail.outbox) == 2
    assert not Membership.objects.filter(user=outsider, organization__slug=admin_api.base.split("/")[-1]).exists()


def test_the_invitee_creates_an_account_and_joins_with_the_role(admin_api, invite, organization):
    invite()
    client = Client()
    page = client.get(link_in_last_mail())
    assert page.status_code == 200
    assert organization.name in page.content.decode()
    response = client.post(
        link_in_last_mail(),
        {"username": "grace", "password": "a long pass phrase", "password_again": "a long pass phrase"},
    )
    assert response.status_code == 302
    membership = Membership.objects.get(organization=organization, user__username="grace")
    assert membership.role == "editor"
    assert membership.user.email == "grace@example.com"
    assert client.session["_auth_user_id"] == str(membership.user.pk)


def test_an_existing_user_signs_in_and_accepts(admin_api, invite, organization):
    elsewhere = MembershipFactory(organization=OrganizationFactory()).user
    invite(elsewhere.email, role="viewer")
    client = client_for(elsewhere)
    assert client.post(link_in_last_mail()).status_code == 302
    assert Membership.objects.get(organization=organization, user=elsewhere).role == "viewer"


def test_a_link_works_once(admin_api, invite):
    invite()
    link = link_in_last_mail()
    first = client_for(UserFactory())
    assert first.post(link).status_code == 302
    second = client_for(UserFactory())
    assert second.post(link).status_code == 404
    assert second.get(link).status_code == 404


def test_an_expired_link_is_refused(admin_api, invite):
    invite()
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client_for(UserFactory()).post(link_in_last_mail())
    assert response.status_code == 404
    assert "expired" in response.content.decode()


def test_a_withdrawn_invitation_stops_working(admin_api, invite):
    invitation_id = invite().json()["id"]
    assert admin_api.delete(f"{admin_api.base}/invitations/{invitation_id}/").status_code == 204
    assert Client().get(link_in_last_mail()).status_code == 404
    assert admin_api.get(f"{admin_api.base}/invitations/").json()["count"] == 0


def test_inviting_again_replaces_the_open_link(admin_api, invite):
    invite()
    old = link_in_last_mail()
    invite()
    assert Client().get(old).status_code == 404
    assert Client().get(link_in_last_mail()).status_code == 200


def test_a_taken_username_is_refused_on_the_form(admin_api, invite):
    UserFactory(username="grace")
    invite()
    response = Client().post(
        link_in_last_mail(),
        {"username": "Grace", "password": "a long pass phrase", "password_again": "a long pass phrase"},
    )
    assert response.status_code == 400
    assert "taken" in response.content.decode()


def test_a_weak_password_is_refused_on_the_form(admin_api, invite):
    invite()
    response = Client().post(link_in_last_mail(), {"username": "grace", "password": "123", "password_again": "123"})
    assert response.status_code == 400
    assert not Membership.objects.filter(user__username="grace").exists()


def test_only_admins_invite(api_as):
    client = api_as("editor")
    response = client.post(f"{client.base}/invitations/", {"email": "x@example.com", "role": "admin"}, format="json")
    assert response.status_code == 403
    assert not mail.outbox


def test_the_members_list_carries_no_e_mail(admin_api, invite, organization):
    MembershipFactory(organization=organization)
    body = admin_api.get(f"{admin_api.base}/members/").content.decode()
    assert "@example.com" not in body


def test_the_members_page_invites_and_withdraws(admin_browser, organization, django_capture_on_commit_callbacks):
    url = reverse("ownership:member_invite", args=[organization.slug])
    with django_capture_on_commit_callbacks(execute=True):
        assert admin_browser.post(url, {"email": "grace@example.com", "role": "viewer"}).status_code == 302
    page = admin_browser.get(reverse("ownership:members", args=[organization.slug])).content.decode()
    assert "grace@example.com as viewer" in page
    invitation = Invitation.objects.get()
    admin_browser.post(reverse("ownership:invitation_withdraw", args=[organization.slug, invitation.pk]))
    assert Client().get(link_in_last_mail()).status_code == 404


def test_the_members_page_shows_no_member_e_mail(admin_browser, organization):
    MembershipFactory(organization=organization)
    page = admin_browser.get(reverse("ownership:members", args=[organization.slug])).content.decode()
    assert "@example.com" not in page
