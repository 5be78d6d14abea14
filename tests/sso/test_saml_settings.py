"""A SAML provider's settings page and the SP's metadata: what an admin sets and what they give their IdP."""

import pytest
from defusedxml import ElementTree

from cxowner.sso.models import Protocol, SingleSignOn
from cxowner.sso.secrets import secret_decrypt
from cxowner.sso.selectors import sso_to_recheck
from tests.factories import MembershipFactory, SamlSingleSignOnFactory, SingleSignOnFactory

PAGE = "/o/{}/settings/sso/"
MD = "{urn:oasis:names:tc:SAML:2.0:metadata}"


@pytest.fixture
def form(saml_provider):
    return {
        "name": "Contoso SAML",
        "protocol": "saml",
        "saml_metadata_url": saml_provider.metadata_url,
        "domains": "contoso.com",
        "default_role": "viewer",
        "enabled": "on",
    }


def test_an_admin_sets_up_saml_from_the_metadata_url_and_a_key_pair_is_made(client_as, organization, form):
    answer = client_as("admin").post(PAGE.format(organization.slug), form)

    assert answer.status_code == 302, answer.content.decode()
    saved = SingleSignOn.objects.get(organization=organization)
    assert saved.protocol == Protocol.SAML and 'entityID="http://127.0.0.1:' in saved.saml_metadata_xml
    assert saved.saml_metadata_fetched_at is not None
    assert "PRIVATE KEY" not in saved.saml_key_encrypted
    assert secret_decrypt(saved.saml_key_encrypted).startswith("-----BEGIN PRIVATE KEY-----")
    assert saved.saml_certificate.startswith("-----BEGIN CERTIFICATE-----")


def test_pasted_metadata_is_taken_as_it_is(client_as, organization, form, saml_provider):
    pasted = {**form, "saml_metadata_url": "", "saml_metadata_xml": saml_provider.metadata()}

    assert client_as("admin").post(PAGE.format(organization.slug), pasted).status_code == 302

    assert SingleSignOn.objects.get(organization=organization).saml_metadata_xml == saml_provider.metadata()


def test_saving_again_keeps_the_key_pair(client_as, organization, form):
    admin = client_as("admin")
    admin.post(PAGE.format(organization.slug), form)
    first = SingleSignOn.objects.get(organization=organization).saml_certificate

    admin.post(PAGE.format(organization.slug), {**form, "name": "Renamed"})

    assert SingleSignOn.objects.get(organization=organization).saml_certificate == first


def test_metadata_that_is_not_saml_is_refused(client_as, organization, form):
    bad = {**form, "saml_metadata_url": "", "saml_metadata_xml": "<html><body>login</body></html>"}

    answer = client_as("admin").post(PAGE.format(organization.slug), bad)

    assert answer.status_code == 400 and "describe one identity provider" in answer.content.decode()


def test_metadata_with_an_external_entity_is_refused_unread(client_as, organization, form):
    xxe = '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>'

    answer = client_as("admin").post(PAGE.format(organization.slug), {**form, "saml_metadata_xml": xxe})

    assert answer.status_code == 400 and "root:" not in answer.content.decode()


def test_saml_needs_metadata(client_as, organization, form):
    answer = client_as("admin").post(PAGE.format(organization.slug), {**form, "saml_metadata_url": ""})

    assert answer.status_code == 400 and "Paste the provider" in answer.content.decode()


def test_the_page_shows_the_entity_id_and_acs_url_to_give_the_provider(client_as, organization, saml_sso):
    page = client_as("admin").get(PAGE.format(organization.slug)).content.decode()

    assert f"http://testserver/accounts/sso/{saml_sso.pk}/saml/metadata/" in page
    assert f"http://testserver/accounts/sso/saml/{saml_sso.pk}/acs/" in page


@pytest.mark.parametrize("role", ["editor", "viewer"])
def test_only_admins_see_the_page(client_as, organization, saml_sso, role):
    assert client_as(role).get(PAGE.format(organization.slug)).status_code == 403


def test_an_admin_of_another_organization_is_not_told_it_exists(client_as, saml_sso):
    other = SamlSingleSignOnFactory(saml_metadata_xml=saml_sso.saml_metadata_xml).organization

    assert client_as("admin").get(PAGE.format(other.slug)).status_code == 404


def test_the_metadata_names_the_entity_id_the_acs_and_the_signing_certificate(client, saml_sso):
    answer = client.get(f"/accounts/sso/{saml_sso.pk}/saml/metadata/")

    assert answer.status_code == 200 and answer["Content-Type"] == "application/samlmetadata+xml"
    root = ElementTree.fromstring(answer.content)
    assert root.get("entityID") == f"http://testserver/accounts/sso/{saml_sso.pk}/saml/metadata/"
    sp = root.find(f"{MD}SPSSODescriptor")
    assert sp.get("AuthnRequestsSigned") == "true" and sp.get("WantAssertionsSigned") in (None, "false")
    acs = sp.find(f"{MD}AssertionConsumerService")
    assert acs.get("Location") == f"http://testserver/accounts/sso/saml/{saml_sso.pk}/acs/"
    certificate = "".join(saml_sso.saml_certificate.splitlines()[1:-1])
    assert certificate in answer.content.decode().replace("\n", "")


def test_an_oidc_provider_has_no_saml_metadata(client, db):
    assert client.get(f"/accounts/sso/{SingleSignOnFactory().pk}/saml/metadata/").status_code == 404


def test_the_metadata_costs_one_query(client, saml_sso, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        assert client.get(f"/accounts/sso/{saml_sso.pk}/saml/metadata/").status_code == 200


def test_the_settings_page_of_a_saml_provider_costs_a_bounded_number_of_queries(
    client_as, organization, saml_sso, django_assert_max_num_queries
):
    admin = client_as("admin")
    with django_assert_max_num_queries(12):
        assert admin.get(PAGE.format(organization.slug)).status_code == 200


def test_sso_only_refuses_the_password_of_a_member_of_a_saml_organization(client, saml_sso):
    saml_sso.sso_only = True
    saml_sso.save()
    member = MembershipFactory(organization=saml_sso.organization, user__email="ana@acme.test").user

    answer = client.post("/accounts/login/", {"username": member.username, "password": "correct horse battery"})

    assert "signs in with Acme SAML only" in answer.content.decode() and "_auth_user_id" not in client.session


def test_the_log_in_page_offers_the_saml_provider_for_its_domain(client, saml_sso):
    answer = client.post("/accounts/sso/find/", {"email": "ana@acme.test"}, HTTP_HX_REQUEST="true")

    assert "Sign in with Acme SAML" in answer.content.decode()
    assert f"/accounts/sso/{saml_sso.pk}/start/" in answer.content.decode()


def test_saml_providers_are_not_rechecked_with_refresh_tokens(saml_sso):
    saml_sso.sso_only = True
    saml_sso.save()

    assert saml_sso not in sso_to_recheck()


def test_a_saml_session_lasts_only_while_the_user_is_active(saml_sso, saml_provider, saml_sign_in, client):
    member = MembershipFactory(organization=saml_sso.organization, user__email="ana@acme.test")
    saml_sign_in(saml_sso, saml_provider.user_add(email="ana@acme.test"))
    member.user.is_active = False
    member.user.save()

    answer = client.get(f"/o/{saml_sso.organization.slug}/")

    assert answer.status_code == 302 and answer["Location"].startswith("/accounts/login/")
