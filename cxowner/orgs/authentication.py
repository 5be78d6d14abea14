"""API token authentication: `Authorization: Bearer cxo_…` (or `Token cxo_…`).

A token belongs to an organization, not to a person: the request's user is a TokenUser that
carries the token, and every organization-scoped view takes the role from the token.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from rest_framework import authentication, exceptions

from .models import ApiToken, TokenScope
from .services import token_authenticate


class TokenUser(AnonymousUser):
    """The caller behind a token: authenticated, but no row in the user table."""

    def __init__(self, token: ApiToken):
        self.token = token

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def __str__(self) -> str:
        return f"token {self.token.prefix}"


def acting_user(request):
    """The person behind a request, for the services that record who did something; None when a
    token acts (it belongs to the organization, not to a person, and has no row in the user table)."""
    return None if isinstance(request.user, TokenUser) else request.user


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """Look the key up by its prefix and compare hashes; refuse revoked and expired tokens, and
    tokens of another scope (a SCIM token opens the SCIM endpoints only, and they only it)."""

    keywords = ("bearer", "token")
    scope = TokenScope.API
    wrong_scope = "This token is for SCIM provisioning only: it cannot use the API."

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower().decode(errors="replace") not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Send the key as “Authorization: Bearer <key>”.")
        try:
            key = header[1].decode()
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("Invalid token.") from None
        token = token_authenticate(key=key)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid, expired or revoked token.")
        if token.scope != self.scope:
            raise exceptions.AuthenticationFailed(self.wrong_scope)
        return TokenUser(token), token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class ScimTokenAuthentication(ApiTokenAuthentication):
    """The SCIM endpoints' keys: tokens of scope "scim" only."""

    scope = TokenScope.SCIM
    wrong_scope = "This endpoint takes a SCIM token; make one of scope “SCIM provisioning” on the members page."

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="scim"'
