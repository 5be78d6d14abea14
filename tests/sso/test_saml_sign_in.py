"""Signing in through an organization's SAML provider (the real loopback IdP): who gets in, with which role."""

from django.contrib.auth import get_user_model

from cxowner.orgs.models import ChangeSet, Membership
from cxowner.sso.models import SsoDomain, SsoIdentity
from tests.factories import MembershipFactory


def test_a_new_person_joins_with_the_default_role_where_the_organization_allows_it(
    saml_sso, saml_provider, saml_sign_in, client
):
    saml_sso.allow_jit, saml_sso.default_role = True, Membership.Role.EDITOR
    saml_sso.save()

    answer = saml_sign_in(saml_sso, saml_provider.user_add(email="new.hire@acme.test", name="New Hire"))

    assert answer.status_code == 302 and answer["Location"] == f"/o/{saml_sso.organization.slug}/"
    membership = Membership.objects.get(organization=saml_sso.organization, user__email="new.hire@acme.test")
    assert membership.role == Membership.Role.EDITOR
    assert not membership.user.has_usable_password()
    assert client.get(answer["Location"]).status_code == 200


def test_the_nameid_is_the_identity_subject(saml_sso, saml_provider, saml_sign_in):
    saml_sso.allow_jit = True
    saml_sso.save()
    person = saml_provider.user_add(email="kim@acme.test")

    saml_sign_in(saml_sso, person)

    assert SsoIdentity.objects.get(single_sign_on=saml_sso).subject == person["name_id"]


def test_the_history_names_the_provider_for_the_join_the_link_and_the_sign_in(saml_sso, saml_provider, saml_sign_in):
    saml_sso.allow_jit = True
    saml_sso.save()

    saml_sign_in(saml_sso, saml_provider.user_add(email="lee@acme.test"))

    recorded = ChangeSet.objects.filter(organization=saml_sso.organization).order_by("id")
    assert [(c.kind, c.actor_label) for c in recorded] == [
        ("sso.link", "Acme SAML"),
        ("membership.join", "Acme SAML"),
        ("sso.sign_in", "Acme SAML"),
    ]


def test_an_existing_member_is_linked_by_a_proven_domain_email_and_keeps_their_role(
    saml_sso, saml_provider, saml_sign_in
):
    membership = MembershipFactory(organization=saml_sso.organization, user__email="ana@acme.test", role="admin")

    answer = saml_sign_in(saml_sso, saml_provider.user_add(email="ana@acme.test"))

    assert answer.status_code == 302
    assert SsoIdentity.objects.get(single_sign_on=saml_sso).user == membership.user
    membership.refresh_from_db()
    assert membership.role == "admin"


def test_a_later_sign_in_finds_the_person_by_nameid_even_if_their_address_changed(
    saml_sso, saml_provider, saml_sign_in, client
):
    member = MembershipFactory(organization=saml_sso.organization, user__email="ana@acme.test").user
    person = saml_provider.user_add(email="ana@acme.test")
    saml_sign_in(saml_sso, person)
    client.logout()
    renamed = saml_provider.user_add(email="ana.renamed@acme.test", name_id=person["name_id"])

    answer = saml_sign_in(saml_sso, renamed)

    assert answer.status_code == 302 and client.session["_auth_user_id"] == str(member.pk)


def test_a_new_person_is_refused_where_the_organization_does_not_let_people_join(saml_sso, saml_provider, saml_sign_in):
    answer = saml_sign_in(saml_sso, saml_provider.user_add(email="stranger@acme.test"))

    assert answer.status_code == 403 and "not a member of" in answer.content.decode()
    assert not get_user_model().objects.filter(email="stranger@acme.test").exists()


def test_an_address_of_an_unproven_domain_is_refused(saml_sso, saml_provider, saml_sign_in):
    saml_sso.allow_jit = True
    saml_sso.save()
    SsoDomain.objects.filter(single_sign_on=saml_sso).update(verified_at=None)

    answer = saml_sign_in(saml_sso, saml_provider.user_add(email="someone@acme.test"))

    assert answer.status_code == 403 and "has not yet proven that it owns acme.test" in answer.content.decode()


def test_an_address_of_another_domain_is_refused(saml_sso, saml_provider, saml_sign_in):
    saml_sso.allow_jit = True
    saml_sso.save()

    answer = saml_sign_in(saml_sso, saml_provider.user_add(email="ceo@victim.test"))

    assert answer.status_code == 403 and "Addresses at victim.test may not sign in" in answer.content.decode()


def test_the_email_attribute_the_admin_names_is_the_one_read(saml_sso, saml_provider, saml_sign_in):
    saml_sso.allow_jit, saml_sso.saml_email_attribute = True, "workEmail"
    saml_sso.save()
    person = saml_provider.user_add(email="-", attributes={"workEmail": "okta.user@acme.test", "email": "x@y.test"})

    answer = saml_sign_in(saml_sso, person)

    assert answer.status_code == 302
    assert Membership.objects.filter(organization=saml_sso.organization, user__email="okta.user@acme.test").exists()


def test_the_page_asked_for_before_signing_in_is_where_the_person_lands(saml_sso, saml_provider, client):
    member = MembershipFactory(organization=saml_sso.organization, user__email="ana@acme.test")
    wanted = f"/o/{member.organization.slug}/settings/"
    start = client.get(f"/accounts/sso/{saml_sso.pk}/start/", {"next": wanted})
    acs, saml_response = saml_provider.sign_in(start["Location"], saml_provider.user_add(email="ana@acme.test"))

    answer = client.post(acs.removeprefix("http://testserver"), {"SAMLResponse": saml_response})

    assert answer.status_code == 302 and answer["Location"] == wanted


def test_a_sign_in_at_the_acs_costs_a_bounded_number_of_queries(
    saml_sso, saml_provider, saml_sign_in, client, django_assert_max_num_queries
):
    MembershipFactory(organization=saml_sso.organization, user__email="ana@acme.test")
    person = saml_provider.user_add(email="ana@acme.test")
    saml_sign_in(saml_sso, person)  # linked: the next sign-in is the usual one
    client.logout()
    start = client.get(f"/accounts/sso/{saml_sso.pk}/start/")
    acs, saml_response = saml_provider.sign_in(start["Location"], person)

    # 25 on SQLite: the provider; the replay check (five statements of the database cache, none on
    # Redis); the identity, the membership, the sign-in and its history (sso_sign_in, as for OIDC);
    # the user, the new session and last_login (Django's login).
    with django_assert_max_num_queries(25):
        answer = client.post(acs.removeprefix("http://testserver"), {"SAMLResponse": saml_response})

    assert answer.status_code == 302
