"""The provider's discovery document (OpenID Connect Discovery 1.0): its endpoints and keys' address.

Read from `<issuer>/.well-known/openid-configuration` and kept in the cache for a while, so a
sign-in costs the provider two requests (token, userinfo) and its keys, not three more.
"""

from __future__ import annotations

import requests
from django.conf import settings
from django.core.cache import cache

from .errors import SsoRefused

REQUIRED = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")


def discovery_url(issuer: str) -> str:
    return issuer.rstrip("/") + "/.well-known/openid-configuration"


def provider_metadata(issuer: str, *, fresh: bool = False) -> dict:
    """The discovery document of `issuer`; SsoRefused when it cannot be read or names another issuer
    (a document whose issuer differs must not be trusted: OIDC Discovery §4.3)."""
    key = f"sso:discovery:{issuer}"
    metadata = None if fresh else cache.get(key)
    if metadata is None:
        try:
            response = requests.get(discovery_url(issuer), timeout=settings.SSO_HTTP_TIMEOUT_SECONDS)
            response.raise_for_status()
            metadata = response.json()
        except (requests.RequestException, ValueError) as error:
            raise SsoRefused(f"The identity provider's discovery document could not be read: {error}.") from error
        if not isinstance(metadata, dict) or any(not isinstance(metadata.get(name), str) for name in REQUIRED):
            raise SsoRefused("The identity provider's discovery document lacks its endpoints.")
        if metadata["issuer"] != issuer:
            raise SsoRefused(
                f"The identity provider calls itself {metadata['issuer']!r}, not the configured issuer {issuer!r}."
            )
        cache.set(key, metadata, settings.SSO_DISCOVERY_CACHE_SECONDS)
    return metadata


def signing_algorithm(metadata: dict) -> str:
    """RS256 (which every provider must offer) unless the provider offers only others."""
    offered = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
    usable = [alg for alg in offered if alg[:2] in {"RS", "ES", "PS"}]
    return "RS256" if "RS256" in offered or not usable else usable[0]
