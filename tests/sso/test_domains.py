"""An e-mail domain counts for single sign-on only once its organization proves it owns it, with a
DNS TXT record read from a real DNS server on loopback."""

import pytest
from django.core.cache import cache

from cxowner.orgs.models import ChangeSet
from cxowner.sso.domains import record_name, record_value
from cxowner.sso.models import SsoDomain
from tests.factories import OrganizationFactory, SingleSignOnFactory

PAGE = "/o/{}/settings/sso/"


@pytest.fixture
def claimed(organization) -> SsoDomain:
    """contoso.com, claimed by `organization`'s provider and not proven yet."""
    single_sign_on = SingleSignOnFactory(organization=organization, name="Contoso ID", domains=["contoso.net"])
    return SsoDomain.objects.create(single_sign_on=single_sign_on, domain="contoso.com")


def check(admin, domain: SsoDomain):
    return admin.post(f"/o/{domain.single_sign_on.organization.slug}/settings/sso/domains/{domain.pk}/verify/")


def page_of(admin, domain: SsoDomain) -> str:
    return admin.get(PAGE.format(domain.single_sign_on.organization.slug)).content.decode()


def test_the_settings_page_shows_the_record_to_publish(client_as, claimed, dns_zone):
    page = page_of(client_as("admin"), claimed)

    assert "Not proven yet" in page
    assert "_cxowner.contoso.com" in page and f"cxowner-domain-verification={claimed.challenge}" in page


def test_each_domain_has_a_challenge_of_its_own(claimed):
    other = SsoDomain.objects.create(single_sign_on=claimed.single_sign_on, domain="contoso.org")

    assert claimed.challenge != other.challenge and len(claimed.challenge) >= 32


def test_a_published_record_proves_the_domain_and_the_history_says_who(client_as, claimed, dns_zone, organization):
    dns_zone.txt[record_name(claimed)] = ["v=spf1 -all", record_value(claimed)]
    admin = client_as("admin")

    answer = check(admin, claimed)

    assert answer.status_code == 302
    claimed.refresh_from_db()
    assert claimed.verified_at is not None
    assert "is proven to be yours" in page_of(admin, claimed)
    recorded = ChangeSet.objects.get(organization=organization, kind="sso.domain_verify")
    assert "contoso.com" in recorded.summary and recorded.surface == "browser"
    assert recorded.actor_user.memberships.get(organization=organization).role == "admin"


def test_a_missing_record_leaves_the_domain_unproven_and_says_what_to_publish(client_as, claimed, dns_zone):
    admin = client_as("admin")

    check(admin, claimed)

    claimed.refresh_from_db()
    assert claimed.verified_at is None
    assert f"No TXT record {record_value(claimed)} at _cxowner.contoso.com yet" in page_of(admin, claimed)


def test_a_wrong_record_is_named_in_the_answer(client_as, claimed, dns_zone):
    dns_zone.txt[record_name(claimed)] = ["cxowner-domain-verification=someone-elses"]
    admin = client_as("admin")

    check(admin, claimed)

    assert "found: cxowner-domain-verification=someone-elses" in page_of(admin, claimed)


def test_dns_that_does_not_answer_is_said_so(client_as, claimed, settings):
    settings.SSO_DNS_SERVER, settings.SSO_HTTP_TIMEOUT_SECONDS = "127.0.0.1:9", 1
    admin = client_as("admin")

    check(admin, claimed)

    claimed.refresh_from_db()
    assert claimed.verified_at is None and "DNS did not answer" in page_of(admin, claimed)


def test_the_log_in_page_offers_the_provider_only_for_proven_domains(client, claimed, dns_zone, client_as):
    cache.clear()
    answer = client.post("/accounts/sso/find/", {"email": "ana@contoso.com"}, HTTP_HX_REQUEST="true")
    assert "Sign in with" not in answer.content.decode()

    dns_zone.txt[record_name(claimed)] = [record_value(claimed)]
    check(client_as("admin"), claimed)

    answer = client.post("/accounts/sso/find/", {"email": "ana@contoso.com"}, HTTP_HX_REQUEST="true")
    assert "Sign in with Contoso ID" in answer.content.decode()


def test_a_claim_alone_does_not_keep_another_organization_from_its_domain(client_as, claimed, dns_zone):
    squatter = SingleSignOnFactory(organization=OrganizationFactory(), domains=["squat.example"])
    SsoDomain.objects.create(single_sign_on=squatter, domain="contoso.com")
    dns_zone.txt[record_name(claimed)] = [record_value(claimed)]

    check(client_as("admin"), claimed)

    claimed.refresh_from_db()
    assert claimed.verified_at is not None


def test_a_domain_proven_by_another_organization_cannot_be_proven_again(client_as, claimed, dns_zone):
    SingleSignOnFactory(organization=OrganizationFactory(), domains=["contoso.com"])
    dns_zone.txt[record_name(claimed)] = [record_value(claimed)]
    admin = client_as("admin")

    check(admin, claimed)

    claimed.refresh_from_db()
    assert claimed.verified_at is None
    assert "Another organization has proven it owns contoso.com" in page_of(admin, claimed)


def test_only_admins_check_a_domain(client_as, claimed, dns_zone):
    assert check(client_as("editor"), claimed).status_code == 403


def test_another_organization_s_domain_is_not_found(client_as, claimed, dns_zone, organization):
    elsewhere = SingleSignOnFactory(organization=OrganizationFactory()).domains.get()

    answer = client_as("admin").post(f"/o/{organization.slug}/settings/sso/domains/{elsewhere.pk}/verify/")

    assert answer.status_code == 404


def test_checks_are_braked_per_organization(client_as, claimed, dns_zone, settings):
    settings.SSO_DOMAIN_CHECKS_PER_ORGANIZATION = 2
    cache.clear()
    admin = client_as("admin")
    for _ in range(2):
        check(admin, claimed)

    check(admin, claimed)

    assert "Too many DNS checks for now" in page_of(admin, claimed)


def test_the_provider_cannot_link_or_add_people_of_an_unproven_domain(sso, oidc_provider, sign_in):
    sso.allow_jit = True
    sso.save()
    sso.domains.update(verified_at=None)

    answer = sign_in(sso, oidc_provider.user_add(email="new@acme.test"))

    assert answer.status_code == 403
    assert "has not yet proven that it owns acme.test" in answer.content.decode()
