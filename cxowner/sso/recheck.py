"""Asking the provider, without the person, whether it still accepts someone it signed in.

At sign-in the provider gives a refresh token where it may (`offline_access`: Entra ID, Okta).
Spending it at the token endpoint (RFC 6749 §6) is the one question a provider answers about a
person who is not there: when their account is disabled, deleted or their sessions revoked, it
refuses with `invalid_grant` (RFC 6749 §5.2). Any other answer — the provider down, slow, or
refusing cxowner's own client — says nothing about the person and is never taken as a refusal.
Each accepted answer brings a new refresh token where the provider rotates them; it replaces the
old one, and the regular check keeps a sliding lifetime alive.

What a refusal leads to (the member leaves) is ownership.provisioning.revocations' business.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cxowner.orgs.locks import rows_locked

from .backend import oidc_settings
from .errors import SsoRefused
from .models import SingleSignOn, SsoIdentity
from .secrets import secret_decrypt, secret_encrypt


class Verdict(StrEnum):
    ACCEPTED = "accepted"
    REFUSED = "refused"  # the provider no longer accepts the person
    UNREACHABLE = "unreachable"  # no answer about the person: nothing follows from it
    UNCHECKABLE = "uncheckable"  # the provider gave no refresh token at sign-in


@dataclass(frozen=True)
class Answer:
    verdict: Verdict
    reason: str = ""


class ProviderAsker:
    """The token endpoint and the client's credentials of one provider, read once per check."""

    def __init__(self, single_sign_on: SingleSignOn):
        secret = secret_decrypt(single_sign_on.client_secret_encrypted)
        if secret is None:
            raise SsoRefused("The client secret cannot be read; an admin must enter it again.")
        config = oidc_settings(single_sign_on)  # SsoRefused when discovery fails
        self.token_endpoint = config["OIDC_OP_TOKEN_ENDPOINT"]
        self.basic_auth = config["OIDC_TOKEN_USE_BASIC_AUTH"]
        self.client_id, self.secret = single_sign_on.client_id, secret

    @transaction.atomic
    def ask(self, identity: SsoIdentity) -> Answer:
        """The provider's answer about `identity`; an accepted one stores the token it returns.

        The identity's row stays locked while the provider is asked: two checks at once (beat and
        the command) would otherwise both spend the same token, and a provider that rotates tokens
        refuses the second, which would read as the person refused."""
        identity = rows_locked(SsoIdentity.objects.filter(pk=identity.pk)).get()
        refresh_token = secret_decrypt(identity.refresh_token_encrypted)
        if refresh_token is None:
            return Answer(Verdict.UNCHECKABLE, "no refresh token from the provider")
        data = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        auth = (self.client_id, self.secret) if self.basic_auth else None
        if auth is None:
            data |= {"client_id": self.client_id, "client_secret": self.secret}
        try:
            response = requests.post(
                self.token_endpoint, data=data, auth=auth, timeout=settings.SSO_HTTP_TIMEOUT_SECONDS
            )
        except requests.RequestException as error:
            return Answer(Verdict.UNREACHABLE, f"no answer: {error.__class__.__name__}")
        body = _json(response)
        if response.status_code == 200 and body.get("access_token"):
            identity.refresh_token_encrypted = secret_encrypt(str(body.get("refresh_token") or refresh_token))
            identity.rechecked_at = timezone.now()
            identity.save(update_fields=["refresh_token_encrypted", "rechecked_at"])
            return Answer(Verdict.ACCEPTED)
        error = str(body.get("error") or "")
        described = str(body.get("error_description") or error)[:200]
        if response.status_code in (400, 401) and error == "invalid_grant":
            return Answer(Verdict.REFUSED, described)
        return Answer(Verdict.UNREACHABLE, f"answered {response.status_code} {described}".strip())


def _json(response: requests.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
