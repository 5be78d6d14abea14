"""Single sign-on against the tests' real identity providers, on loopback: OpenID Connect
(tests/oidc_provider/) and SAML 2.0 (tests/saml_provider/)."""

from urllib.parse import urlsplit

import pytest
from django.core.cache import cache

from cxowner.sso.secrets import secret_encrypt
from tests.dns_server import dns_server, dns_zone  # noqa: F401  (fixtures)
from tests.factories import SamlSingleSignOnFactory, SingleSignOnFactory
from tests.oidc_provider.running import oidc_provider  # noqa: F401  (the fixture)
from tests.saml_provider.running import saml_provider  # noqa: F401  (the fixture)

CALLBACK = "http://testserver/accounts/sso/callback/"


@pytest.fixture(autouse=True)
def clear_cache(db):
    """The provider's discovery document is cached; lookups are braked in the cache."""
    cache.clear()


@pytest.fixture
def sso(organization, oidc_provider):  # noqa: F811
    """`organization` signing in with the provider, a client of its own, allowed domain acme.test."""
    client_id, client_secret = oidc_provider.client_add(CALLBACK)
    return SingleSignOnFactory(
        organization=organization,
        name="Acme ID",
        issuer=oidc_provider.issuer,
        client_id=client_id,
        client_secret_encrypted=secret_encrypt(client_secret),
        domains=["acme.test"],
    )


def callback_path(url: str) -> str:
    """The provider's redirect back, as the test client asks for it (path and query)."""
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == CALLBACK, url
    return f"{parts.path}?{parts.query}"


@pytest.fixture
def sign_in(client, oidc_provider):  # noqa: F811
    """sign_in(sso, user) -> cxowner's answer to the provider's redirect back, in `client`."""

    def run(single_sign_on, user, browser=None):
        browser = browser or client
        start = browser.get(f"/accounts/sso/{single_sign_on.pk}/start/")
        assert start.status_code == 302, start.content
        return browser.get(callback_path(oidc_provider.sign_in(start["Location"], user)))

    return run


@pytest.fixture
def saml_sso(organization, saml_provider, client):  # noqa: F811
    """`organization` signing in with the SAML provider, allowed domain acme.test; its SP registered there."""
    single_sign_on = SamlSingleSignOnFactory(
        organization=organization, name="Acme SAML", saml_metadata_xml=saml_provider.metadata(), domains=["acme.test"]
    )
    saml_provider.sp_add(client.get(f"/accounts/sso/{single_sign_on.pk}/saml/metadata/").content.decode())
    return single_sign_on


def acs_path(url: str) -> str:
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}".startswith("http://testserver"), url
    return parts.path


@pytest.fixture
def saml_sign_in(client, saml_provider):  # noqa: F811
    """saml_sign_in(sso, user) -> cxowner's answer to the provider's post back, in `client` (or `browser`)."""

    def run(single_sign_on, user, browser=None):
        browser = browser or client
        start = browser.get(f"/accounts/sso/{single_sign_on.pk}/start/")
        assert start.status_code == 302, start.content
        acs, saml_response = saml_provider.sign_in(start["Location"], user)
        return browser.post(acs_path(acs), {"SAMLResponse": saml_response})

    return run
