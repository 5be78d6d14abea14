"""The ID token is checked before anyone is signed in: signature against the provider's published
keys, issuer, audience, expiry, nonce, algorithm. The tokens are signed by the real provider's key
(its test signing endpoint), so only the claim under test is wrong."""

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from cxowner.sso.backend import OrganizationOIDCBackend
from cxowner.sso.errors import SsoRefused


@pytest.fixture
def backend(sso):
    configured = OrganizationOIDCBackend()
    configured.configure(sso)
    return configured


@pytest.fixture
def claims(sso):
    return {"iss": sso.issuer, "aud": sso.client_id, "sub": "42", "nonce": "the-nonce"}


def test_a_token_signed_by_the_provider_for_this_client_is_accepted(backend, oidc_provider, claims):
    payload = backend.verify_token(oidc_provider.sign(**claims), nonce="the-nonce")

    assert payload["sub"] == "42"


def test_a_token_for_another_client_is_refused(backend, oidc_provider, claims):
    with pytest.raises(SsoRefused, match="wrong audience"):
        backend.verify_token(oidc_provider.sign(**{**claims, "aud": "another-app"}), nonce="the-nonce")


def test_a_token_from_another_issuer_is_refused(backend, oidc_provider, claims):
    with pytest.raises(SsoRefused, match="wrong issuer"):
        backend.verify_token(oidc_provider.sign(**{**claims, "iss": "https://evil.example"}), nonce="the-nonce")


def test_an_expired_token_is_refused(backend, oidc_provider, claims):
    expired = oidc_provider.sign(**claims, exp_offset=-600, iat_offset=-900)

    with pytest.raises(SsoRefused, match="expired"):
        backend.verify_token(expired, nonce="the-nonce")


def test_a_token_with_another_nonce_is_refused(backend, oidc_provider, claims):
    with pytest.raises(SsoRefused, match="Nonce"):
        backend.verify_token(oidc_provider.sign(**claims), nonce="the-nonce-of-this-sign-in")


def test_a_token_signed_with_a_key_the_provider_does_not_publish_is_refused(backend, oidc_provider, claims):
    genuine = oidc_provider.sign(**claims)
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    header = {"kid": jwt.get_unverified_header(genuine)["kid"]}  # claims to be the provider's key
    forged = jwt.encode({**claims, "exp": 2**31, "iat": 0}, forger, algorithm="RS256", headers=header)

    with pytest.raises(SsoRefused, match="Signature verification failed"):
        backend.verify_token(forged, nonce="the-nonce")


def test_a_token_signed_with_the_client_secret_instead_of_the_providers_key_is_refused(backend, claims):
    forged = jwt.encode({**claims, "exp": 2**31, "iat": 0}, backend.OIDC_RP_CLIENT_SECRET, algorithm="HS256")

    with pytest.raises(SsoRefused, match="'HS256', not RS256"):
        backend.verify_token(forged, nonce="the-nonce")
