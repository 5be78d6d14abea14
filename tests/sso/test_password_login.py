""" "SSO only": members of the organization may not use a password, by any door; the log-in page
offers the provider of a typed e-mail's domain and nothing more."""

import pytest
from django.core.cache import cache
from django.test import Client

from cxowner.sso.services import SsoSettings, sso_configure
from tests.factories import MembershipFactory, SingleSignOnFactory, UserFactory

PASSWORD = "correct horse battery"


@pytest.fixture
def sso_only(organization):
    return SingleSignOnFactory(organization=organization, name="Acme ID", sso_only=True, domains=["acme.test"])


@pytest.fixture
def member_of_sso_only(sso_only):
    return MembershipFactory(organization=sso_only.organization, user__email="ana@acme.test").user


def test_a_member_of_an_sso_only_organization_is_refused_their_password_and_told_to_use_sso(client, member_of_sso_only):
    answer = client.post("/accounts/login/", {"username": member_of_sso_only.username, "password": PASSWORD})

    assert answer.status_code == 200
    assert "signs in with Acme ID only" in answer.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_wrong_password_does_not_tell_who_signs_in_with_sso(client, member_of_sso_only):
    answer = client.post("/accounts/login/", {"username": member_of_sso_only.username, "password": "guess"})

    assert "Acme ID" not in answer.content.decode()


def test_the_django_admin_refuses_their_password_too(client, member_of_sso_only):
    member_of_sso_only.is_staff = True
    member_of_sso_only.save()

    client.post("/admin/login/", {"username": member_of_sso_only.username, "password": PASSWORD})

    assert "_auth_user_id" not in client.session


def test_a_superuser_keeps_their_password_to_recover_when_the_provider_is_down(client, member_of_sso_only):
    member_of_sso_only.is_superuser = member_of_sso_only.is_staff = True
    member_of_sso_only.save()

    answer = client.post("/accounts/login/", {"username": member_of_sso_only.username, "password": PASSWORD})

    assert answer.status_code == 302


def test_members_of_organizations_with_passwords_allowed_still_log_in(client, sso_only):
    sso_only.sso_only = False
    sso_only.save()
    user = MembershipFactory(organization=sso_only.organization).user

    assert client.post("/accounts/login/", {"username": user.username, "password": PASSWORD}).status_code == 302


def test_no_password_reset_mail_goes_to_a_member_of_an_sso_only_organization(client, member_of_sso_only, outbox):
    other = UserFactory(email="bo@acme.test")

    client.post("/accounts/password-reset/", {"email": "ana@acme.test"})
    client.post("/accounts/password-reset/", {"email": other.email})

    assert [message.to for message in outbox] == [["bo@acme.test"]]


def test_typing_an_address_of_a_claimed_domain_offers_its_provider(client, sso_only):
    answer = client.post("/accounts/sso/find/", {"email": "Someone@ACME.test"}, HTTP_HX_REQUEST="true")

    assert "Sign in with Acme ID" in answer.content.decode()
    assert f"/accounts/sso/{sso_only.pk}/start/" in answer.content.decode()


def test_an_address_of_another_domain_is_offered_the_password(client, sso_only):
    answer = client.post("/accounts/sso/find/", {"email": "someone@other.test"}, HTTP_HX_REQUEST="true")

    assert "Sign in with" not in answer.content.decode()
    assert "log in with your password" in answer.content.decode()


def test_without_javascript_the_lookup_goes_straight_to_the_provider(client, sso_only):
    answer = client.post("/accounts/sso/find/", {"email": "x@acme.test", "next": "/o/elsewhere/"})

    assert answer.status_code == 302
    assert answer["Location"] == f"/accounts/sso/{sso_only.pk}/start/?next=%2Fo%2Felsewhere%2F"


def test_lookups_are_braked_per_address(client, sso_only, settings):
    settings.SSO_FIND_PER_ADDRESS = 2
    cache.clear()

    answers = [client.post("/accounts/sso/find/", {"email": f"a{n}@acme.test"}).status_code for n in range(3)]

    assert answers == [302, 302, 429]


def test_turning_sso_only_on_ends_the_members_password_sessions_but_not_their_sso_ones(
    organization, django_capture_on_commit_callbacks
):
    single_sign_on = SingleSignOnFactory(organization=organization, name="Acme ID", domains=["acme.test"])
    admin = MembershipFactory(organization=organization, role="admin").user
    by_password = MembershipFactory(organization=organization).user
    by_sso = MembershipFactory(organization=organization).user
    outsider = UserFactory()
    browsers = {}
    for user, backend in [
        (by_password, "django.contrib.auth.backends.ModelBackend"),
        (by_sso, "cxowner.sso.backend.OrganizationOIDCBackend"),
        (outsider, "django.contrib.auth.backends.ModelBackend"),
    ]:
        browsers[user] = Client()
        browsers[user].force_login(user, backend=backend)
    wanted = SsoSettings(
        name="Acme ID", issuer=single_sign_on.issuer, client_id="cxowner", client_secret="", domains=("acme.test",)
    )

    with django_capture_on_commit_callbacks(execute=True):
        sso_configure(
            organization=organization,
            wanted=SsoSettings(**{**wanted.__dict__, "sso_only": True}),
            admin=admin,
            sso_only_confirmed=True,
        )

    assert browsers[by_password].get("/")["Location"] == "/accounts/login/"
    assert browsers[by_sso].get("/")["Location"] == f"/o/{organization.slug}/"
    assert browsers[outsider].get("/").status_code == 200  # no organization: the page that says so
