"""mozilla-django-oidc's backend and views, configured per organization instead of by settings.

The library reads its configuration through `get_settings`; here that is the organization's
provider (cxowner.sso.models.SingleSignOn) and its discovery document. The library does the
state, the nonce, PKCE, the code exchange, userinfo and the ID token's signature against the
provider's keys (JWKS). It checks neither the token's issuer nor its audience (it decodes with
verify_aud off and no issuer), so `_verify_jws` is replaced by a decode that checks signature,
issuer, audience, expiry and issue time together, with the clock skew SSO_CLOCK_SKEW_SECONDS.
"""

from __future__ import annotations

import jwt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings

from .discovery import provider_metadata, signing_algorithm
from .errors import SsoRefused
from .models import SingleSignOn
from .secrets import secret_decrypt
from .signin import sso_sign_in

# The session's map of each sign-in under way (its OIDC state) to the provider it went to.
SSO_STATES = "sso_states"
SCOPES = "openid email profile"
# Asked for where the provider offers it (Entra ID, Okta): its refresh token lets cxowner ask later
# whether the provider still accepts the person (cxowner/sso/recheck.py).
OFFLINE = "offline_access"


def scopes_for(metadata: dict) -> str:
    return f"{SCOPES} {OFFLINE}" if OFFLINE in (metadata.get("scopes_supported") or []) else SCOPES


def oidc_settings(single_sign_on: SingleSignOn) -> dict:
    """mozilla-django-oidc's settings for one organization's provider (discovery may raise SsoRefused)."""
    metadata = provider_metadata(single_sign_on.issuer)
    methods = metadata.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    return {
        "OIDC_OP_AUTHORIZATION_ENDPOINT": metadata["authorization_endpoint"],
        "OIDC_OP_TOKEN_ENDPOINT": metadata["token_endpoint"],
        "OIDC_OP_USER_ENDPOINT": metadata.get("userinfo_endpoint", ""),
        "OIDC_OP_JWKS_ENDPOINT": metadata["jwks_uri"],
        "OIDC_RP_CLIENT_ID": single_sign_on.client_id,
        "OIDC_RP_SIGN_ALGO": signing_algorithm(metadata),
        "OIDC_RP_SCOPES": scopes_for(metadata),
        "OIDC_USE_NONCE": True,
        "OIDC_USE_PKCE": True,
        "OIDC_PKCE_CODE_CHALLENGE_METHOD": "S256",
        "OIDC_TOKEN_USE_BASIC_AUTH": "client_secret_post" not in methods,
        "OIDC_AUTHENTICATION_CALLBACK_URL": "sso_callback",
        "OIDC_TIMEOUT": settings.SSO_HTTP_TIMEOUT_SECONDS,
        "OIDC_ALLOW_UNSECURED_JWT": False,
        "OIDC_VERIFY_SSL": True,
    }


class OrganizationOIDCBackend(OIDCAuthenticationBackend):
    """Signs in the person an organization's provider sends back; other log-ins are not its business."""

    def __init__(self, *args, **kwargs):
        # The library reads its settings here; they are known only once the request names the provider.
        self.UserModel = get_user_model()
        self.config: dict = {}
        self.single_sign_on: SingleSignOn | None = None
        self.refresh_token = ""

    def get_settings(self, attr, *args):
        if attr in self.config:
            return self.config[attr]
        return import_from_settings(attr, *args)

    def configure(self, single_sign_on: SingleSignOn) -> None:
        secret = secret_decrypt(single_sign_on.client_secret_encrypted)
        if secret is None:
            raise SsoRefused(
                f"{single_sign_on.organization.name}'s client secret cannot be read; an admin must enter it again."
            )
        self.single_sign_on = single_sign_on
        self.config = {**oidc_settings(single_sign_on), "OIDC_RP_CLIENT_SECRET": secret}
        for name in ("OIDC_OP_TOKEN_ENDPOINT", "OIDC_OP_USER_ENDPOINT", "OIDC_OP_JWKS_ENDPOINT"):
            setattr(self, name, self.config[name])
        self.OIDC_RP_CLIENT_ID = single_sign_on.client_id
        self.OIDC_RP_CLIENT_SECRET = secret
        self.OIDC_RP_SIGN_ALGO = self.config["OIDC_RP_SIGN_ALGO"]
        self.OIDC_RP_IDP_SIGN_KEY = None

    def authenticate(self, request, **kwargs):
        if request is None or "nonce" not in kwargs or "code_verifier" not in kwargs:
            return None  # a password log-in, or someone else's flow
        sso_id = request.session.get(SSO_STATES, {}).get(request.GET.get("state", ""))
        single_sign_on = SingleSignOn.objects.select_related("organization").filter(pk=sso_id).first()
        if single_sign_on is None:
            return None
        self.configure(single_sign_on)
        return super().authenticate(request, **kwargs)

    def get_token(self, payload):
        token_info = super().get_token(payload)
        self.refresh_token = str(token_info.get("refresh_token") or "")
        return token_info

    def get_user(self, user_id):
        """The session's user while they are active: the library's get_user, unlike Django's
        ModelBackend, would keep a deactivated user's session working."""
        user = super().get_user(user_id)
        return user if user is not None and user.is_active else None

    def _verify_jws(self, payload, key):
        algorithm = jwt.get_unverified_header(payload).get("alg")
        if algorithm != self.OIDC_RP_SIGN_ALGO:
            raise SsoRefused(f"The ID token is signed with {algorithm!r}, not {self.OIDC_RP_SIGN_ALGO}.")
        try:
            return jwt.decode(
                payload,
                key,
                algorithms=[algorithm],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=self.single_sign_on.issuer,
                leeway=settings.SSO_CLOCK_SKEW_SECONDS,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError as error:
            raise SsoRefused("The identity provider's ID token has expired; sign in again.") from error
        except jwt.InvalidAudienceError as error:
            raise SsoRefused("The ID token was issued to another application (wrong audience).") from error
        except jwt.InvalidIssuerError as error:
            raise SsoRefused("The ID token was issued by another identity provider (wrong issuer).") from error
        except jwt.PyJWTError as error:
            raise SsoRefused(f"The ID token is not valid: {error}.") from error

    def verify_token(self, token, **kwargs):
        try:
            algorithm = jwt.get_unverified_header(token).get("alg")
        except jwt.PyJWTError as error:
            raise SsoRefused(f"The ID token is not valid: {error}.") from error
        if algorithm != self.OIDC_RP_SIGN_ALGO:
            # Before the library looks for the key: an HS256 token signed with the client secret
            # (the algorithm confusion attack) names no key at all.
            raise SsoRefused(f"The ID token is signed with {algorithm!r}, not {self.OIDC_RP_SIGN_ALGO}.")
        try:
            return super().verify_token(token, **kwargs)
        except jwt.PyJWTError as error:
            raise SsoRefused(f"The ID token is not valid: {error}.") from error
        except SuspiciousOperation as error:  # the library's nonce and key checks
            raise SsoRefused(f"The ID token is not valid: {error}") from error

    def get_or_create_user(self, access_token, id_token, payload):
        claims = dict(payload)
        if self.OIDC_OP_USER_ENDPOINT:
            userinfo = self.get_userinfo(access_token, id_token, payload)
            if str(userinfo.get("sub")) != str(payload.get("sub")):
                # OIDC Core 5.3.2: userinfo about someone else must not be used.
                raise SsoRefused("The identity provider's userinfo is about someone else.")
            claims = {**userinfo, **payload}
        membership = sso_sign_in(single_sign_on=self.single_sign_on, claims=claims, refresh_token=self.refresh_token)
        self.request.sso_membership = membership
        return membership.user
