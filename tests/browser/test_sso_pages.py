"""Single sign-on in Chromium, through the tests' real identity provider on loopback: the log-in
page offers the provider of the typed e-mail, the provider's own page signs the person in, and
they land in the organization with the mapped role; "SSO only" refuses their password."""

import pytest
import requests
from playwright.sync_api import expect

from cxowner.orgs.models import Membership
from cxowner.sso.models import SsoDomain
from cxowner.sso.secrets import secret_encrypt
from tests.dns_server import dns_server, dns_zone  # noqa: F401  (fixtures)
from tests.factories import MembershipFactory, OrganizationFactory, SamlSingleSignOnFactory, SingleSignOnFactory
from tests.oidc_provider.running import oidc_provider  # noqa: F401  (the fixture)
from tests.saml_provider.running import saml_provider  # noqa: F401  (the fixture)

from .axe import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def acme(live_server, oidc_provider):  # noqa: F811
    client_id, client_secret = oidc_provider.client_add(f"{live_server.url}/accounts/sso/callback/")
    return SingleSignOnFactory(
        organization=OrganizationFactory(name="Acme Retail", slug="acme"),
        name="Acme ID",
        issuer=oidc_provider.issuer,
        client_id=client_id,
        client_secret_encrypted=secret_encrypt(client_secret),
        domains=["acme.test"],
        allow_jit=True,
        default_role=Membership.Role.EDITOR,
    )


def test_a_person_signs_in_with_the_provider_and_lands_in_the_organization_with_the_mapped_role(
    acme,
    live_server,
    oidc_provider,  # noqa: F811
    chromium,
    screenshot,
):
    person = oidc_provider.user_add(email="new.hire@acme.test")
    page = chromium.new_context().new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Work e-mail").fill("new.hire@acme.test")
    page.get_by_role("button", name="Continue with single sign-on").click()
    expect(page.get_by_test_id("sso-button")).to_have_text("Sign in with Acme ID")
    assert_accessible(page)
    screenshot(page, "sso-login-offer")

    page.get_by_test_id("sso-button").click()
    page.wait_for_url(f"{oidc_provider.url}/accounts/login/**")
    screenshot(page, "sso-provider-sign-in")
    page.get_by_label("Username").fill(person["username"])
    page.get_by_label("Password").fill(person["password"])
    page.get_by_role("button", name="Sign in to the provider").click()

    page.wait_for_url(f"{live_server.url}/o/acme/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    screenshot(page, "sso-landed")
    membership = Membership.objects.get(organization=acme.organization, user__email="new.hire@acme.test")
    assert membership.role == Membership.Role.EDITOR


def test_a_person_signs_in_with_a_saml_provider_and_lands_in_the_organization(
    live_server,
    saml_provider,  # noqa: F811
    chromium,
    screenshot,
):
    globex = SamlSingleSignOnFactory(
        organization=OrganizationFactory(name="Globex", slug="globex"),
        name="Globex SAML",
        saml_metadata_xml=saml_provider.metadata(),
        domains=["globex.test"],
        allow_jit=True,
        default_role=Membership.Role.EDITOR,
    )
    saml_provider.sp_add(requests.get(f"{live_server.url}/accounts/sso/{globex.pk}/saml/metadata/", timeout=10).text)
    person = saml_provider.user_add(email="new.hire@globex.test", name="New Hire")
    page = chromium.new_context().new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Work e-mail").fill("new.hire@globex.test")
    page.get_by_role("button", name="Continue with single sign-on").click()
    expect(page.get_by_test_id("sso-button")).to_have_text("Sign in with Globex SAML")

    page.get_by_test_id("sso-button").click()
    page.wait_for_url(f"{saml_provider.url}/sso/redirect**")
    screenshot(page, "saml-provider-sign-in")
    page.get_by_label("Username").fill(person["username"])
    page.get_by_label("Password").fill(person["password"])
    page.get_by_role("button", name="Sign in to the SAML provider").click()

    page.wait_for_url(f"{live_server.url}/o/globex/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)
    screenshot(page, "saml-landed")
    membership = Membership.objects.get(organization=globex.organization, user__email="new.hire@globex.test")
    assert membership.role == Membership.Role.EDITOR


def test_an_admin_sees_what_to_give_a_saml_provider(live_server, saml_provider, chromium, screenshot):  # noqa: F811
    membership = MembershipFactory(organization__name="Initech", organization__slug="initech", role="admin")
    admin = membership.user
    initech = SamlSingleSignOnFactory(
        organization=membership.organization, name="Initech Okta", saml_metadata_xml=saml_provider.metadata()
    )
    page = chromium.new_context().new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(admin.username)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in", exact=True).click()
    page.goto(f"{live_server.url}/o/initech/settings/sso/")

    entity_id = f"{live_server.url}/accounts/sso/{initech.pk}/saml/metadata/"
    expect(page.get_by_test_id("saml-entity-id")).to_have_text(entity_id)
    expect(page.get_by_test_id("saml-acs-url")).to_have_text(f"{live_server.url}/accounts/sso/saml/{initech.pk}/acs/")
    expect(page.get_by_label("Protocol")).to_have_value("saml")
    expect(page.get_by_test_id("saml-idp")).to_have_text(f"{saml_provider.url}/metadata")
    assert_accessible(page)
    screenshot(page, "saml-settings", full_page=True)


def test_an_sso_only_organization_refuses_the_password_and_says_to_use_its_provider(
    acme, live_server, chromium, screenshot
):
    acme.sso_only = True
    acme.save()
    user = MembershipFactory(organization=acme.organization, user__email="ana@acme.test").user
    page = chromium.new_context().new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in", exact=True).click()

    expect(page.get_by_role("alert")).to_contain_text("Acme Retail signs in with Acme ID only")
    assert page.url.startswith(f"{live_server.url}/accounts/login/")
    screenshot(page, "sso-only-password-refused")


def logged_in(live_server, chromium, user):
    """A page of `user`, logged in with their password."""
    page = chromium.new_context().new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in", exact=True).click()
    return page


def test_an_admin_connects_the_provider_and_the_secret_is_not_shown_again(live_server, chromium, screenshot):
    admin = MembershipFactory(organization__name="Contoso", organization__slug="contoso", role="admin").user
    page = logged_in(live_server, chromium, admin)
    page.goto(f"{live_server.url}/o/contoso/settings/sso/")
    expect(page.get_by_test_id("callback-url")).to_have_text(f"{live_server.url}/accounts/sso/callback/")
    page.get_by_label("Provider's name").fill("Contoso Entra ID")
    page.get_by_label("Issuer URL").fill("https://login.microsoftonline.com/tenant/v2.0")
    page.get_by_label("Client ID").fill("app-id")
    page.get_by_label("Client secret").fill("the-secret-value")
    page.get_by_label("Allowed e-mail domains").fill("contoso.com")
    page.get_by_role("button", name="Save single sign-on").click()

    expect(page.get_by_text("Single sign-on saved.")).to_be_visible()
    expect(page.get_by_label("Client secret")).to_have_value("")
    expect(page.get_by_text("Set: it is never shown again.")).to_be_visible()
    assert "the-secret-value" not in page.content()
    assert_accessible(page)
    screenshot(page, "sso-settings", full_page=True)


def test_an_admin_proves_a_domain_with_the_dns_record_the_page_shows(live_server, chromium, screenshot, dns_zone):  # noqa: F811
    admin = MembershipFactory(organization__name="Contoso", organization__slug="contoso", role="admin").user
    single_sign_on = SingleSignOnFactory(organization=admin.memberships.get().organization, name="Contoso ID")
    SsoDomain.objects.create(single_sign_on=single_sign_on, domain="contoso.com")
    page = logged_in(live_server, chromium, admin)
    page.goto(f"{live_server.url}/o/contoso/settings/sso/")
    row = page.locator('[data-domain="contoso.com"]')
    expect(row.get_by_text("Not proven yet")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "sso-domain-unproven", full_page=True)

    name, value = row.get_by_test_id("record-name").inner_text(), row.get_by_test_id("record-value").inner_text()
    dns_zone.txt[name] = [value]  # the admin publishes the record at their DNS host
    row.get_by_role("button", name="Check contoso.com now").click()

    expect(page.get_by_text("contoso.com is proven to be yours")).to_be_visible()
    expect(page.locator('[data-domain="contoso.com"]').get_by_text("Proven", exact=True)).to_be_visible()
    screenshot(page, "sso-domain-proven", full_page=True)
