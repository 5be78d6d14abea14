"""Signing in through the organization's provider: who gets in, with which role, and what is recorded."""

from urllib.parse import parse_qs, urlsplit

from django.contrib.auth import get_user_model

from cxowner.orgs.models import ChangeSet, Membership
from cxowner.sso.models import SsoIdentity
from tests.factories import MembershipFactory, UserFactory


def test_the_request_to_the_provider_carries_state_nonce_and_a_pkce_challenge(client, sso):
    start = client.get(f"/accounts/sso/{sso.pk}/start/")

    query = parse_qs(urlsplit(start["Location"]).query)
    assert start["Location"].startswith(sso.issuer + "/authorize/")
    assert query["response_type"] == ["code"] and query["client_id"] == [sso.client_id]
    assert query["scope"] == ["openid email profile offline_access"]
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert len(query["state"][0]) >= 32 and len(query["nonce"][0]) >= 32


def test_a_new_person_joins_with_the_default_role_where_the_organization_allows_it(sso, oidc_provider, sign_in, client):
    sso.allow_jit, sso.default_role = True, Membership.Role.EDITOR
    sso.save()
    person = oidc_provider.user_add(email="new.hire@acme.test")

    answer = sign_in(sso, person)

    assert answer.status_code == 302 and answer["Location"] == f"/o/{sso.organization.slug}/"
    membership = Membership.objects.get(organization=sso.organization, user__email="new.hire@acme.test")
    assert membership.role == Membership.Role.EDITOR
    assert not membership.user.has_usable_password()
    assert client.get(answer["Location"]).status_code == 200


def test_the_history_names_the_provider_for_the_join_the_link_and_the_sign_in(sso, oidc_provider, sign_in):
    sso.allow_jit = True
    sso.save()

    sign_in(sso, oidc_provider.user_add(email="kim@acme.test"))

    recorded = ChangeSet.objects.filter(organization=sso.organization).order_by("id")
    assert [(c.kind, c.actor_label) for c in recorded] == [
        ("sso.link", "Acme ID"),
        ("membership.join", "Acme ID"),
        ("sso.sign_in", "Acme ID"),
    ]


def test_a_new_person_is_refused_where_the_organization_does_not_let_people_join(sso, oidc_provider, sign_in):
    answer = sign_in(sso, oidc_provider.user_add(email="stranger@acme.test"))

    assert answer.status_code == 403
    assert "not a member of" in answer.content.decode()
    assert not get_user_model().objects.filter(email="stranger@acme.test").exists()


def test_an_existing_member_is_linked_by_a_verified_email_and_keeps_their_role(sso, oidc_provider, sign_in):
    membership = MembershipFactory(organization=sso.organization, user__email="ana@acme.test", role="admin")
    person = oidc_provider.user_add(email="ana@acme.test")

    answer = sign_in(sso, person)

    assert answer.status_code == 302
    identity = SsoIdentity.objects.get(single_sign_on=sso)
    assert identity.user == membership.user and identity.subject == person["sub"]
    assert Membership.objects.get(pk=membership.pk).role == "admin"


def test_an_unverified_email_never_links_an_existing_account(sso, oidc_provider, sign_in):
    MembershipFactory(organization=sso.organization, user__email="ana@acme.test")

    answer = sign_in(sso, oidc_provider.user_add(email="ana@acme.test", email_verified=False))

    assert answer.status_code == 403
    assert "does not say that ana@acme.test is verified" in answer.content.decode()
    assert not SsoIdentity.objects.exists()
    assert "_auth_user_id" not in answer.wsgi_request.session


def test_an_address_outside_the_allowed_domains_is_refused_with_the_reason(sso, oidc_provider, sign_in):
    sso.allow_jit = True
    sso.save()

    answer = sign_in(sso, oidc_provider.user_add(email="someone@elsewhere.test"))

    assert answer.status_code == 403
    assert "Addresses at elsewhere.test may not sign in" in answer.content.decode()


def test_the_provider_cannot_take_over_an_account_of_other_organizations_only(sso, oidc_provider, sign_in):
    sso.allow_jit = True
    sso.save()
    MembershipFactory(user__email="boss@acme.test")  # a member elsewhere, not of sso's organization

    answer = sign_in(sso, oidc_provider.user_add(email="boss@acme.test"))

    assert answer.status_code == 403
    assert not SsoIdentity.objects.exists()


def test_a_second_sign_in_finds_the_person_by_subject(sso, oidc_provider, sign_in, client):
    user = UserFactory(email="ana@acme.test")
    MembershipFactory(organization=sso.organization, user=user)
    person = oidc_provider.user_add(email="ana@acme.test")
    sign_in(sso, person)
    client.logout()
    get_user_model().objects.filter(pk=user.pk).update(email="ana.renamed@acme.test")

    answer = sign_in(sso, person)

    assert answer.status_code == 302
    assert int(answer.wsgi_request.session["_auth_user_id"]) == user.pk


def test_a_person_deactivated_after_signing_in_is_refused_at_their_next_request(sso, oidc_provider, sign_in, client):
    user = MembershipFactory(organization=sso.organization, user__email="leaver@acme.test").user
    landing = sign_in(sso, oidc_provider.user_add(email="leaver@acme.test"))["Location"]
    assert client.get(landing).status_code == 200

    get_user_model().objects.filter(pk=user.pk).update(is_active=False)

    assert client.get(landing).status_code == 302
