"""The single sign-on settings page: admins only, a write-only secret, checks that keep everyone able to log in."""

import pytest

from cxowner.orgs.models import ChangeItem, ChangeSet
from cxowner.sso.models import SingleSignOn, SsoIdentity
from cxowner.sso.secrets import secret_decrypt
from tests.factories import OrganizationFactory, SingleSignOnFactory

PAGE = "/o/{}/settings/sso/"


@pytest.fixture
def form():
    return {
        "name": "Contoso Entra ID",
        "issuer": "https://login.microsoftonline.com/tenant/v2.0",
        "client_id": "app-id",
        "client_secret": "s3cr3t-value",
        "domains": "contoso.com\nContoso.co.uk",
        "default_role": "editor",
        "allow_jit": "on",
        "enabled": "on",
    }


def test_an_admin_saves_the_provider_with_its_secret_encrypted(client_as, organization, form):
    answer = client_as("admin").post(PAGE.format(organization.slug), form)

    assert answer.status_code == 302
    saved = SingleSignOn.objects.get(organization=organization)
    assert "s3cr3t-value" not in saved.client_secret_encrypted
    assert secret_decrypt(saved.client_secret_encrypted) == "s3cr3t-value"
    assert sorted(saved.domains.values_list("domain", flat=True)) == ["contoso.co.uk", "contoso.com"]
    assert (saved.default_role, saved.allow_jit, saved.sso_only) == ("editor", True, False)


def test_the_secret_is_never_shown_again_and_a_blank_one_keeps_it(client_as, organization, form):
    admin = client_as("admin")
    admin.post(PAGE.format(organization.slug), form)

    page = admin.get(PAGE.format(organization.slug)).content.decode()
    admin.post(PAGE.format(organization.slug), {**form, "client_secret": "", "name": "Renamed"})

    assert "s3cr3t-value" not in page and "never shown again" in page
    saved = SingleSignOn.objects.get(organization=organization)
    assert saved.name == "Renamed" and secret_decrypt(saved.client_secret_encrypted) == "s3cr3t-value"


def test_the_history_records_the_change_but_never_the_secret(client_as, organization, form):
    admin = client_as("admin")
    admin.post(PAGE.format(organization.slug), form)
    admin.post(PAGE.format(organization.slug), {**form, "client_secret": "another"})

    recorded = ChangeSet.objects.filter(organization=organization, kind__startswith="singlesignon").order_by("id")
    assert [change.kind for change in recorded] == ["singlesignon.create", "singlesignon.update"]
    items = ChangeItem.objects.filter(change_set__in=recorded)
    assert not [item for item in items if "s3cr3t" in str(item.after) or "another" in str(item.after)]
    assert items.filter(field="client_secret", after="replaced").exists()


@pytest.mark.parametrize(("role", "status"), [("editor", 403), ("viewer", 403)])
def test_only_admins_see_the_page(client_as, organization, role, status):
    assert client_as(role).get(PAGE.format(organization.slug)).status_code == status


def test_an_admin_of_another_organization_is_not_told_it_exists(client_as):
    other = OrganizationFactory()

    assert client_as("admin").get(PAGE.format(other.slug)).status_code == 404


def test_a_domain_another_organization_has_proven_is_refused(client_as, organization, form):
    SingleSignOnFactory(domains=["contoso.com"])

    answer = client_as("admin").post(PAGE.format(organization.slug), form)

    assert answer.status_code == 400
    assert "Another organization has proven it owns contoso.com" in answer.content.decode()
    assert not SingleSignOn.objects.filter(organization=organization).exists()


def test_a_plain_http_issuer_is_refused_except_on_loopback(client_as, organization, form):
    answer = client_as("admin").post(PAGE.format(organization.slug), {**form, "issuer": "http://idp.example.com"})

    assert answer.status_code == 400
    assert "https://" in answer.content.decode()


def test_sso_only_needs_a_confirmation_from_an_admin_who_never_signed_in_with_it(client_as, organization, form):
    admin = client_as("admin")

    refused = admin.post(PAGE.format(organization.slug), {**form, "sso_only": "on"})
    confirmed = admin.post(PAGE.format(organization.slug), {**form, "sso_only": "on", "sso_only_confirmed": "on"})

    assert refused.status_code == 400 and "You have not signed in through this provider yet" in refused.content.decode()
    assert confirmed.status_code == 302
    assert SingleSignOn.objects.get(organization=organization).sso_only


def test_sso_only_needs_no_confirmation_from_an_admin_who_signed_in_with_it(member, organization, form):
    from tests.factories import client_for

    admin = member("admin")
    single_sign_on = SingleSignOnFactory(organization=organization, domains=["contoso.com"])
    SsoIdentity.objects.create(single_sign_on=single_sign_on, subject="abc", user=admin)

    answer = client_for(admin).post(PAGE.format(organization.slug), {**form, "sso_only": "on", "client_secret": ""})

    assert answer.status_code == 302


def test_a_new_provider_needs_its_secret(client_as, organization, form):
    answer = client_as("admin").post(PAGE.format(organization.slug), {**form, "client_secret": ""})

    assert answer.status_code == 400
    assert "The client secret is needed" in answer.content.decode()


def test_a_secret_stored_under_a_key_since_changed_must_be_typed_again(client_as, organization, form, settings):
    admin = client_as("admin")
    admin.post(PAGE.format(organization.slug), form)
    settings.SSO_SECRET_KEY = "a new key"

    answer = admin.post(PAGE.format(organization.slug), {**form, "client_secret": ""})

    assert answer.status_code == 400
    assert "can no longer be read" in answer.content.decode()


def test_a_domain_taken_off_the_list_is_free_for_another_organization(client_as, organization, form):
    admin = client_as("admin")
    admin.post(PAGE.format(organization.slug), form)

    admin.post(PAGE.format(organization.slug), {**form, "domains": "contoso.com", "client_secret": ""})

    saved = SingleSignOn.objects.get(organization=organization)
    assert list(saved.domains.values_list("domain", flat=True)) == ["contoso.com"]
    assert SingleSignOnFactory(domains=["contoso.co.uk"]).domains.count() == 1
